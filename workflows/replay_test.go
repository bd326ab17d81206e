package workflows_test

import (
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/worker"

	"github.com/cartrover-cb/ordermanager/workflows"
)

// TestReplayRecordedHistories replays histories recorded on a real dev server (see
// workflows/e2e TestRecordReplayHistories): a change that would break runs in flight fails here.
// ordermanager.json and importorder*.json are the release before the previous one's (an
// OrderManager that imported in ImportOrder children); order.json, order_held.json,
// ordermanager_dispatch.json and customerlock.json the previous release's (an Order that ended at
// at_wms, a held one still waiting); order_done.json, order_canceled.json and order_at_wms.json
// this release's (an Order shipped in two parts to done, one canceled after import with its CB
// order put on hold, one still open at at_wms waiting for its shipments).
func TestReplayRecordedHistories(t *testing.T) {
	for _, file := range []string{"ordermanager.json", "importorder.json", "importorder_held.json",
		"ordermanager_dispatch.json", "order.json", "order_held.json", "customerlock.json",
		"order_done.json", "order_canceled.json", "order_at_wms.json"} {
		t.Run(file, func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			workflows.Register(r)
			if err := r.ReplayWorkflowHistoryFromJSONFile(nil, filepath.Join("testdata", file)); err != nil {
				t.Fatalf("replay %s: %v", file, err)
			}
		})
	}
}
