package command_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cartrover-cb/ordermanager/activities"
	"github.com/cartrover-cb/ordermanager/starter/command"
	"github.com/cartrover-cb/ordermanager/telemetry"
	"github.com/cartrover-cb/ordermanager/workflows"
)

func TestADispatchingRunsSummarySaysWhatItFoundNotZeroImports(t *testing.T) {
	s := &workflows.RunSummary{Orders: &workflows.OrdersSummary{Dispatch: &activities.DispatchCounts{
		Listed: 12, Dispatched: 10, New: 6, NewHeld: 2, AlreadyHeld: 1, AlreadyInCB: 1, Quarantined: 1, Skipped: 1,
	}}}
	got := command.FormatSummary(s)
	for _, want := range []string{"12 listed", "10 dispatched", "6 new", "2 new held", "1 already held", "1 already in CB", "1 quarantined", "1 skipped"} {
		if !strings.Contains(got, want) {
			t.Errorf("summary %q lacks %q", got, want)
		}
	}
	s.Unreachable = []telemetry.DependencyState{{System: telemetry.SystemCB, Since: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}}
	if got := command.FormatSummary(s); !strings.Contains(got, "connectedbusiness unreachable since 2026-12-01T09:00:00Z") {
		t.Errorf("summary %q does not say CB is unreachable", got)
	}
	if strings.Contains(got, "imported") {
		t.Errorf("a dispatching run does not import; summary %q", got)
	}
}
