package workflows_test

import (
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/worker"

	"github.com/cartrover-cb/ordermanager/workflows"
)

// TestReplayRecordedHistories replays histories recorded on a real dev server (see
// workflows/e2e TestRecordReplayHistories): a change that would break runs in flight fails here.
// ordermanager.json and importorder*.json are the previous release's (an OrderManager that imported
// in ImportOrder children); order.json and order_held.json are Orders recorded before PlaceOrder
// (the order-place version); the others are this release's (dispatch, Order, CustomerLock; a held
// Order's history is that of a workflow still waiting).
func TestReplayRecordedHistories(t *testing.T) {
	for _, file := range []string{"ordermanager.json", "importorder.json", "importorder_held.json",
		"ordermanager_dispatch.json", "order.json", "order_held.json", "customerlock.json",
		"order_place.json", "order_place_newcustomer.json", "order_place_held.json"} {
		t.Run(file, func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			workflows.Register(r)
			if err := r.ReplayWorkflowHistoryFromJSONFile(nil, filepath.Join("testdata", file)); err != nil {
				t.Fatalf("replay %s: %v", file, err)
			}
		})
	}
}
