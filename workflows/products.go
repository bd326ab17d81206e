package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/cartrover-cb/ordermanager/activities"
)

// ProductResume is what a ProductSync hands to its own continuation (PickupInput.Products).
type ProductResume struct {
	// Cursor is the CB item walk's next position.
	Cursor  string          `json:"cursor,omitempty"`
	Summary ProductsSummary `json:"summary"`
}

// ProductSync posts CB item details to CartRover (Product Detail Pickup): description, UPCs per
// unit of measure, weight, retail and wholesale prices, for active items only. Like InventorySync
// it walks CB's items with a cursor, one activity (one CartRover call) per batch, counts only in
// history, continuing as new when the server suggests it.
func ProductSync(ctx workflow.Context, in PickupInput) (ProductsSummary, error) {
	carry, _, err := resume(in.Products, in.Cursor, ProductSyncName)
	if err != nil {
		return ProductsSummary{}, err
	}
	sum := &carry.Summary
	if err := workflow.SetQueryHandler(ctx, ProgressQuery, func() (ProductsSummary, error) { return *sum, nil }); err != nil {
		return *sum, err
	}
	pairs := skuPairs(in.Settings)
	actx := cartRoverOptions(ctx, 5*time.Minute)
	for {
		var res activities.ProductBatchResult
		err := workflow.ExecuteActivity(actx, pickupActs.SyncProductsBatch, activities.ProductBatchInput{
			Cursor: carry.Cursor, BatchSize: in.Settings.Products.Batch(), SKUs: pairs,
		}).Get(ctx, &res)
		if err != nil {
			sum.Problems = appendProblem(sum.Problems, problemOf(batchKey(carry.Cursor), err))
			sum.Failed++
			return *sum, nil
		}
		sum.Items += res.Items
		sum.Posted += res.Posted
		sum.Inactive += res.Inactive
		sum.Failed += res.Failed
		sum.Problems = appendActivityProblems(sum.Problems, res.Problems)
		carry.Cursor = res.Next
		if res.Next == "" {
			return *sum, nil
		}
		if workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			return *sum, workflow.NewContinueAsNewError(ctx, ProductSync, PickupInput{Settings: in.Settings, Products: &carry})
		}
	}
}
