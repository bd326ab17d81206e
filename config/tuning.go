package config

import (
	"context"
	"fmt"

	"github.com/sethvargo/go-envconfig"
)

// DefaultTuning is Tuning with every field at the default its env tag names: the one place the
// worker's sizing defaults are written down (see docs/architecture.md, "Worker sizing").
func DefaultTuning() Tuning {
	var t Tuning
	if err := envconfig.ProcessWith(context.Background(), &envconfig.Config{Target: &t, Lookuper: envconfig.MapLookuper(nil)}); err != nil {
		// The tags are constants: a default that does not decode is a bug config's tests catch.
		panic(fmt.Sprintf("config: Tuning defaults do not decode: %v", err))
	}
	return t
}

// WithDefaults returns t with each field that is not positive set to its default (DefaultTuning).
func (t Tuning) WithDefaults() Tuning {
	d := DefaultTuning()
	if t.WorkflowPollers <= 0 {
		t.WorkflowPollers = d.WorkflowPollers
	}
	if t.ActivityPollers <= 0 {
		t.ActivityPollers = d.ActivityPollers
	}
	if t.MaxConcurrentActivities <= 0 {
		t.MaxConcurrentActivities = d.MaxConcurrentActivities
	}
	if t.StopTimeout <= 0 {
		t.StopTimeout = d.StopTimeout
	}
	if t.WorkflowCacheSize <= 0 {
		t.WorkflowCacheSize = d.WorkflowCacheSize
	}
	return t
}
