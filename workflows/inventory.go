package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/cartrover-cb/ordermanager/activities"
)

// InventoryResume is what an InventorySync hands to its own continuation (PickupInput.Inventory).
type InventoryResume struct {
	// Cursor is the CB item walk's next position.
	Cursor  string           `json:"cursor,omitempty"`
	Summary InventorySummary `json:"summary"`
	// Seen are the ItemNames of the settings' SKU map found in CB so far (for MissingInCB).
	Seen []string `json:"seen,omitempty"`
}

// InventorySync posts CB free stock to CartRover (Inventory Sync Pickup).
//
// It walks every CB item with a cursor, one activity per batch of settings.Inventory.BatchSize
// items: the activity reads the items and their free stock in the configured warehouses, applies
// safety stock (never below zero), maps ItemName → CartRover SKU and posts the batch in one
// CartRover call (one CartRover call per activity, paced by the client), and returns only counts and the next cursor: 10,000 items
// are 100 activities of a few hundred bytes each. The workflow continues as new, carrying the
// cursor and the figures, when the server suggests it.
//
// MissingInCartRover counts SKUs CartRover does not know; MissingInCB counts SKUs the settings
// map to an ItemName CB does not have. Neither fails the run.
func InventorySync(ctx workflow.Context, in PickupInput) (InventorySummary, error) {
	carry, _, err := resume(in.Inventory, in.Cursor, InventorySyncName)
	if err != nil {
		return InventorySummary{}, err
	}
	sum := &carry.Summary
	if err := workflow.SetQueryHandler(ctx, ProgressQuery, func() (InventorySummary, error) { return *sum, nil }); err != nil {
		return *sum, err
	}
	seen := map[string]bool{}
	for _, n := range carry.Seen {
		seen[n] = true
	}
	s := in.Settings
	pairs := skuPairs(s)
	warehouses := s.InventoryWarehouses()
	if len(warehouses) == 0 {
		sum.Problems = appendProblem(sum.Problems, Problem{Key: "inventory.warehouses", Type: activities.ErrTypeSettingsInvalid,
			Reason: "no CB warehouse to read: set inventory.warehouses or the default warehouse in the settings"})
		return *sum, nil
	}
	actx := cartRoverOptions(ctx, 2*time.Minute)
	walked := false // the walk reached the last CB item
	for {
		var res activities.InventoryBatchResult
		err := workflow.ExecuteActivity(actx, pickupActs.SyncInventoryBatch, activities.InventoryBatchInput{
			Cursor: carry.Cursor, BatchSize: s.Inventory.Batch(), Warehouses: warehouses,
			PerWarehouse: s.Inventory.PerWarehouse, SafetyStock: s.Inventory.SafetyStock, SKUs: pairs,
		}).Get(ctx, &res)
		if err != nil {
			// The walk cannot move past a batch it could not read or post: stop, say where.
			sum.Problems = appendProblem(sum.Problems, problemOf(batchKey(carry.Cursor), err))
			sum.Failed++
			break
		}
		sum.Batches++
		sum.Items += res.Items
		sum.Posted += res.Posted
		sum.MissingInCartRover += res.MissingInCartRover
		sum.Failed += res.Failed
		sum.Problems = appendActivityProblems(sum.Problems, res.Problems)
		for _, n := range res.MappedSeen {
			seen[n] = true
		}
		carry.Cursor = res.Next
		if res.Next == "" {
			walked = true
			break
		}
		if workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			carry.Seen = workflow.DeterministicKeys(seen)
			return *sum, workflow.NewContinueAsNewError(ctx, InventorySync, PickupInput{Settings: in.Settings, Inventory: &carry})
		}
	}
	if walked { // only a complete walk knows what CB lacks
		for _, p := range pairs {
			if !seen[p.ItemName] {
				sum.MissingInCB++
				sum.Problems = appendProblem(sum.Problems, Problem{Key: p.SKU, Type: activities.ErrTypeMissingInCB,
					Reason: fmt.Sprintf("the settings map CartRover SKU %s to CB item %q, which CB does not have: fix the skus entry or create the item", p.SKU, p.ItemName)})
			}
		}
	}
	return *sum, nil
}

// batchKey names a batch in a problem: the cursor it started at.
func batchKey(cursor string) string {
	if cursor == "" {
		return "items from the start"
	}
	return "items after cursor " + cursor
}
