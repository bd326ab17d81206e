package workflows_test

import (
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/worker"

	"github.com/cartrover-cb/ordermanager/workflows"
)

// TestPickupsReplayRecordedHistories replays pickup histories recorded on a real dev server (see
// workflows/e2e TestRecordPickupReplayHistories): a change that would break pickups in flight fails here.
// shipmentpickup.json is the previous release's (the pickup posted the boxes itself);
// shipmentpickup_handoff.json this release's (it hands them to the order workflows; recorded by
// TestOrderLifeFromImportToDoneAndCancellationWithBothSimulators).
func TestPickupsReplayRecordedHistories(t *testing.T) {
	for _, file := range []string{"shipmentpickup.json", "shipmentpickup_handoff.json", "inventorysync.json", "productsync.json"} {
		t.Run(file, func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			workflows.RegisterPickups(r)
			if err := r.ReplayWorkflowHistoryFromJSONFile(nil, filepath.Join("testdata", file)); err != nil {
				t.Fatalf("replay %s: %v", file, err)
			}
		})
	}
}
