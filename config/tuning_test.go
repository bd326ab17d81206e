package config_test

import (
	"context"
	"testing"
	"time"

	"github.com/sethvargo/go-envconfig"

	"github.com/cartrover-cb/ordermanager/config"
)

func TestTuningDefaultsHaveOneSource(t *testing.T) {
	cfg, err := config.LoadWorkerFrom(context.Background(), envconfig.MapLookuper(fullEnv()))
	if err != nil {
		t.Fatal(err)
	}
	d := config.DefaultTuning()
	want := config.Tuning{WorkflowPollers: 4, ActivityPollers: 8, MaxConcurrentActivities: 200, StopTimeout: 30 * time.Second, WorkflowCacheSize: 1000}
	if d != want || cfg.Tuning != d {
		t.Errorf("defaults %+v, loaded %+v; want %+v", d, cfg.Tuning, want)
	}
	// A caller that sets some fields (a test, a benchmark) keeps them; the rest take the defaults.
	got := config.Tuning{ActivityPollers: 2, StopTimeout: -1}.WithDefaults()
	if got != (config.Tuning{WorkflowPollers: 4, ActivityPollers: 2, MaxConcurrentActivities: 200, StopTimeout: 30 * time.Second, WorkflowCacheSize: 1000}) {
		t.Errorf("WithDefaults = %+v", got)
	}
}
