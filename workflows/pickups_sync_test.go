package workflows_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cartrover-cb/ordermanager/activities"
	"github.com/cartrover-cb/ordermanager/settings"
	"github.com/cartrover-cb/ordermanager/workflows"
)

// inventoryPages answers SyncInventoryBatch from a fixed walk: cursor "" → "c1" → "c2" → done.
func inventoryPages(t *testing.T, want activities.InventoryBatchInput) func(context.Context, activities.InventoryBatchInput) (activities.InventoryBatchResult, error) {
	return func(_ context.Context, in activities.InventoryBatchInput) (activities.InventoryBatchResult, error) {
		require.Equal(t, want.BatchSize, in.BatchSize)
		require.Equal(t, want.Warehouses, in.Warehouses)
		require.Equal(t, want.SKUs, in.SKUs)
		switch in.Cursor {
		case "":
			return activities.InventoryBatchResult{Items: 2, Posted: 2, MappedSeen: []string{"TEE-CLASSIC-M"}, Next: "c1"}, nil
		case "c1":
			return activities.InventoryBatchResult{Items: 2, Posted: 1, MissingInCartRover: 1, Next: "c2"}, nil
		case "c2":
			return activities.InventoryBatchResult{Items: 1, Posted: 0, Failed: 1,
				Problems: []activities.Problem{{Key: "SOCK-WOOL-M", Reason: "refused", Type: activities.ErrTypeBatchRejected}}}, nil
		}
		t.Errorf("unexpected cursor %q", in.Cursor)
		return activities.InventoryBatchResult{}, nil
	}
}

func inventorySettings() settings.Settings {
	s := pickupSettings()
	s.Inventory = settings.Inventory{Warehouses: []string{"MAIN", "WEST"}, BatchSize: 2}
	return s
}

var wantInventoryInput = activities.InventoryBatchInput{
	BatchSize: 2, Warehouses: []string{"MAIN", "WEST"},
	SKUs: []activities.SKUPair{{SKU: "AMZ-MUG", ItemName: "MUG-STONE-OS"}, {SKU: "CR-TEE", ItemName: "TEE-CLASSIC-M"}},
}

func TestInventorySyncWalksEveryBatchAndCountsBothSidesMissing(t *testing.T) {
	env := pickupEnv(t)
	env.OnActivity(pkActs.SyncInventoryBatch, mock.Anything, mock.Anything).Return(inventoryPages(t, wantInventoryInput))
	env.ExecuteWorkflow(workflows.InventorySyncName, workflows.PickupInput{Settings: inventorySettings()})
	require.NoError(t, env.GetWorkflowError())
	var sum workflows.InventorySummary
	require.NoError(t, env.GetWorkflowResult(&sum))
	require.Equal(t, 5, sum.Items)
	require.Equal(t, 3, sum.Posted)
	require.Equal(t, 3, sum.Batches)
	require.Equal(t, 1, sum.MissingInCartRover)
	require.Equal(t, 1, sum.MissingInCB, "AMZ-MUG maps to MUG-STONE-OS, which the walk never met")
	require.Equal(t, 1, sum.Failed)
	keys := []string{}
	for _, p := range sum.Problems {
		keys = append(keys, p.Key)
	}
	require.Equal(t, []string{"SOCK-WOOL-M", "AMZ-MUG"}, keys)
}

func TestInventorySyncUsesTheDefaultWarehouseAndBatchSize(t *testing.T) {
	env := pickupEnv(t)
	env.OnActivity(pkActs.SyncInventoryBatch, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.InventoryBatchInput) (activities.InventoryBatchResult, error) {
			require.Equal(t, []string{"MAIN"}, in.Warehouses)
			require.Equal(t, settings.DefaultBatchSize, in.BatchSize)
			return activities.InventoryBatchResult{Items: 1, Posted: 1}, nil
		})
	s := pickupSettings()
	s.SKUs, s.Carts = nil, nil
	env.ExecuteWorkflow(workflows.InventorySyncName, workflows.PickupInput{Settings: s})
	require.NoError(t, env.GetWorkflowError())
	var sum workflows.InventorySummary
	require.NoError(t, env.GetWorkflowResult(&sum))
	require.Equal(t, workflows.InventorySummary{Items: 1, Posted: 1, Batches: 1}, sum)
}

func TestInventorySyncStopsAtABatchItCannotReadAndSaysWhere(t *testing.T) {
	env := pickupEnv(t)
	env.OnActivity(pkActs.SyncInventoryBatch, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.InventoryBatchInput) (activities.InventoryBatchResult, error) {
			if in.Cursor == "" {
				return activities.InventoryBatchResult{Items: 2, Posted: 2, Next: "c1"}, nil
			}
			return activities.InventoryBatchResult{}, temporal.NewNonRetryableApplicationError("CB refused", activities.ErrTypeCBRejected, nil)
		})
	env.ExecuteWorkflow(workflows.InventorySyncName, workflows.PickupInput{Settings: inventorySettings()})
	require.NoError(t, env.GetWorkflowError())
	var sum workflows.InventorySummary
	require.NoError(t, env.GetWorkflowResult(&sum))
	require.Equal(t, 2, sum.Posted)
	require.Equal(t, 1, sum.Failed)
	require.Equal(t, 0, sum.MissingInCB, "an incomplete walk cannot tell what CB lacks")
	require.Len(t, sum.Problems, 1)
	require.Equal(t, "items after cursor c1", sum.Problems[0].Key)
	require.Equal(t, activities.ErrTypeCBRejected, sum.Problems[0].Type)
}

func TestInventorySyncContinuesAsNewWithCursorAndFigures(t *testing.T) {
	env := pickupEnv(t)
	env.SetContinueAsNewSuggested(true)
	env.OnActivity(pkActs.SyncInventoryBatch, mock.Anything, mock.Anything).Return(inventoryPages(t, wantInventoryInput))
	env.ExecuteWorkflow(workflows.InventorySyncName, workflows.PickupInput{Settings: inventorySettings()})
	var can *workflow.ContinueAsNewError
	require.True(t, errors.As(env.GetWorkflowError(), &can))
	var next workflows.PickupInput
	require.NoError(t, pkConverter().FromPayloads(can.Input, &next))

	// The continuation resumes at c1 and ends with the same figures as one long run.
	env2 := pickupEnv(t)
	env2.OnActivity(pkActs.SyncInventoryBatch, mock.Anything, mock.Anything).Return(
		func(ctx context.Context, in activities.InventoryBatchInput) (activities.InventoryBatchResult, error) {
			require.NotEqual(t, "", in.Cursor, "the walk does not restart")
			return inventoryPages(t, wantInventoryInput)(ctx, in)
		})
	env2.ExecuteWorkflow(workflows.InventorySyncName, next)
	require.NoError(t, env2.GetWorkflowError())
	var sum workflows.InventorySummary
	require.NoError(t, env2.GetWorkflowResult(&sum))
	require.Equal(t, 5, sum.Items)
	require.Equal(t, 3, sum.Batches)
	require.Equal(t, 1, sum.MissingInCB, "items seen before the continuation still count as seen")
}

func TestProductSyncWalksEveryBatch(t *testing.T) {
	env := pickupEnv(t)
	env.OnActivity(pkActs.SyncProductsBatch, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.ProductBatchInput) (activities.ProductBatchResult, error) {
			require.Equal(t, 7, in.BatchSize)
			if in.Cursor == "" {
				return activities.ProductBatchResult{Items: 7, Posted: 6, Inactive: 1, Next: "p1"}, nil
			}
			require.Equal(t, "p1", in.Cursor)
			return activities.ProductBatchResult{Items: 3, Posted: 2, Failed: 1,
				Problems: []activities.Problem{{Key: "HOODIE-ZIP-S", Reason: "no details", Type: activities.ErrTypeCBRejected}}}, nil
		})
	s := pickupSettings()
	s.Products.BatchSize = 7
	env.ExecuteWorkflow(workflows.ProductSyncName, workflows.PickupInput{Settings: s})
	require.NoError(t, env.GetWorkflowError())
	var sum workflows.ProductsSummary
	require.NoError(t, env.GetWorkflowResult(&sum))
	require.Equal(t, workflows.ProductsSummary{Items: 10, Posted: 8, Inactive: 1, Failed: 1,
		Problems: []workflows.Problem{{Key: "HOODIE-ZIP-S", Reason: "no details", Type: activities.ErrTypeCBRejected}}}, sum)
}

func TestProductSyncContinuesAsNewCarryingTheCursor(t *testing.T) {
	env := pickupEnv(t)
	env.SetContinueAsNewSuggested(true)
	env.OnActivity(pkActs.SyncProductsBatch, mock.Anything, mock.Anything).Return(activities.ProductBatchResult{Items: 5, Posted: 5, Next: "p1"}, nil)
	env.ExecuteWorkflow(workflows.ProductSyncName, workflows.PickupInput{Settings: pickupSettings()})
	var can *workflow.ContinueAsNewError
	require.True(t, errors.As(env.GetWorkflowError(), &can))
	var next workflows.PickupInput
	require.NoError(t, pkConverter().FromPayloads(can.Input, &next))
	require.Empty(t, next.Cursor, "the resume state is typed, not packed into the cursor")
	require.NotNil(t, next.Products)
	require.Equal(t, "p1", next.Products.Cursor)
	require.Equal(t, 5, next.Products.Summary.Posted)

	// The continuation resumes at p1 with the figures so far.
	env2 := pickupEnv(t)
	env2.OnActivity(pkActs.SyncProductsBatch, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.ProductBatchInput) (activities.ProductBatchResult, error) {
			require.Equal(t, "p1", in.Cursor)
			return activities.ProductBatchResult{Items: 2, Posted: 2}, nil
		})
	env2.ExecuteWorkflow(workflows.ProductSyncName, next)
	require.NoError(t, env2.GetWorkflowError())
	var sum workflows.ProductsSummary
	require.NoError(t, env2.GetWorkflowResult(&sum))
	require.Equal(t, workflows.ProductsSummary{Items: 7, Posted: 7}, sum)
}

// A pickup that continued as new before the resume state was typed carries it as JSON in Cursor:
// each pickup still resumes from it, figures included.
func TestPickupsResumeFromTheCursorOfThePreviousRelease(t *testing.T) {
	env := pickupEnv(t)
	env.OnActivity(pkActs.SyncProductsBatch, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.ProductBatchInput) (activities.ProductBatchResult, error) {
			require.Equal(t, "p1", in.Cursor)
			return activities.ProductBatchResult{Items: 2, Posted: 2}, nil
		})
	env.ExecuteWorkflow(workflows.ProductSyncName, workflows.PickupInput{Settings: pickupSettings(),
		Cursor: `{"cursor":"p1","summary":{"items":5,"posted":5,"inactive":0,"failed":0}}`})
	require.NoError(t, env.GetWorkflowError())
	var ps workflows.ProductsSummary
	require.NoError(t, env.GetWorkflowResult(&ps))
	require.Equal(t, workflows.ProductsSummary{Items: 7, Posted: 7}, ps)

	env = pickupEnv(t)
	env.OnActivity(pkActs.SyncInventoryBatch, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.InventoryBatchInput) (activities.InventoryBatchResult, error) {
			require.Equal(t, "i9", in.Cursor)
			return activities.InventoryBatchResult{Items: 1, Posted: 1}, nil
		})
	env.ExecuteWorkflow(workflows.InventorySyncName, workflows.PickupInput{Settings: pickupSettings(),
		Cursor: `{"cursor":"i9","summary":{"items":4,"posted":4}}`})
	require.NoError(t, env.GetWorkflowError())
	var is workflows.InventorySummary
	require.NoError(t, env.GetWorkflowResult(&is))
	require.Equal(t, 5, is.Items)
	require.Equal(t, 5, is.Posted)
}

func TestPickupRejectsACursorItDidNotWrite(t *testing.T) {
	for _, name := range []string{workflows.ShipmentPickupName, workflows.InventorySyncName, workflows.ProductSyncName} {
		env := pickupEnv(t)
		env.ExecuteWorkflow(name, workflows.PickupInput{Settings: pickupSettings(), Cursor: "page-3"})
		require.Error(t, env.GetWorkflowError(), name)
		require.Contains(t, env.GetWorkflowError().Error(), "start without one", name)
	}
}
