package workflows_test

import (
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/worker"

	"github.com/cartrover-cb/ordermanager/workflows"
)

// TestReplayRecordedHistories replays histories recorded on a real dev server (see
// workflows/e2e TestRecordReplayHistories): a change that would break runs in flight fails here.
func TestReplayRecordedHistories(t *testing.T) {
	for _, file := range []string{"ordermanager.json", "importorder.json", "importorder_held.json"} {
		t.Run(file, func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			workflows.Register(r)
			if err := r.ReplayWorkflowHistoryFromJSONFile(nil, filepath.Join("testdata", file)); err != nil {
				t.Fatalf("replay %s: %v", file, err)
			}
		})
	}
}
