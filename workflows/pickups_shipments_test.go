package workflows_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/cartrover-cb/ordermanager/activities"
	"github.com/cartrover-cb/ordermanager/settings"
	"github.com/cartrover-cb/ordermanager/workflows"
)

var pkActs *activities.Activities

func pkQty(n int64) decimal.Decimal { return decimal.NewFromInt(n) }

func pickupEnv(t *testing.T) *testsuite.TestWorkflowEnvironment {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	s.SetLogger(tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	env := s.NewTestWorkflowEnvironment()
	env.RegisterActivity(&activities.Activities{})
	env.RegisterWorkflowWithOptions(workflows.ShipmentPickup, workflow.RegisterOptions{Name: workflows.ShipmentPickupName})
	env.RegisterWorkflowWithOptions(workflows.InventorySync, workflow.RegisterOptions{Name: workflows.InventorySyncName})
	env.RegisterWorkflowWithOptions(workflows.ProductSync, workflow.RegisterOptions{Name: workflows.ProductSyncName})
	// No order workflow is open for CartRover's canceled orders unless a test says otherwise.
	env.OnActivity(pkActs.HandCancels, mock.Anything, mock.Anything).Return(activities.HandCancelsResult{}, nil).Maybe()
	return env
}

// onPost stands in for the Order workflows the pickup hands each order's new boxes to: post gets
// them as the workflow's CartRoverPostShipments activity would, and its error becomes the
// workflow's answer (a problem with the error's type).
func onPost(env *testsuite.TestWorkflowEnvironment, post func(context.Context, activities.PostShipmentsInput) (activities.PostShipmentsResult, error)) {
	env.OnActivity(pkActs.HandShipments, mock.Anything, mock.Anything).Return(
		func(ctx context.Context, in activities.HandShipmentsInput) (activities.HandShipmentsResult, error) {
			var out activities.HandShipmentsResult
			for _, o := range in.Orders {
				res, err := post(ctx, activities.PostShipmentsInput{CustRef: o.CustRef, Shipments: o.Shipments, Complete: o.Complete})
				r := activities.ShipmentsResult{PostShipmentsResult: res}
				var appErr *temporal.ApplicationError
				if errors.As(err, &appErr) {
					r.Problem = &activities.Problem{Key: o.CustRef, Type: appErr.Type(), Reason: appErr.Error()}
				} else if err != nil {
					return out, err
				}
				out.Results = append(out.Results, r)
			}
			return out, nil
		})
}

func shippedOne(context.Context, activities.PostShipmentsInput) (activities.PostShipmentsResult, error) {
	return activities.PostShipmentsResult{Posted: 1, Status: "shipped"}, nil
}

func pickupSettings() settings.Settings {
	return settings.Settings{
		Warehouse: "MAIN",
		SKUs:      map[string]string{"CR-TEE": "TEE-CLASSIC-M"},
		Carts:     map[string]settings.Cart{"Amazon_US2": {SKUs: map[string]string{"AMZ-MUG": "MUG-STONE-OS"}}},
		Shipments: settings.Shipments{
			Lookback: "48h",
			Carriers: []settings.CarrierRule{{CBCarrier: "UPS", CBService: "Ground", Carrier: "UPS", Method: "03"}},
		},
	}
}

// openPages answers CartRoverOpenOrders from per-status order lists, in pages of two orders (so
// every test also walks the pages).
func openPages(byStatus map[string][]activities.OpenOrder) func(context.Context, activities.OpenOrdersInput) (activities.OpenOrdersPage, error) {
	return func(_ context.Context, in activities.OpenOrdersInput) (activities.OpenOrdersPage, error) {
		all := byStatus[in.Status]
		start := min(2*(in.Page-1), len(all))
		end := min(start+2, len(all))
		return activities.OpenOrdersPage{Orders: all[start:end], More: end-start == 2}, nil
	}
}

func TestShipmentPickupPostsOnlyBoxesCartRoverLacks(t *testing.T) {
	env := pickupEnv(t)
	start := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	env.SetStartTime(start)
	shipDate := start.Add(-time.Hour)

	env.OnActivity(pkActs.CBShippedOrders, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.ShippedOrdersInput) (activities.ShippedOrdersResult, error) {
			require.True(t, in.Since.Equal(start.Add(-48*time.Hour)), "window starts lookback before now, got %s", in.Since)
			return activities.ShippedOrdersResult{Orders: []activities.ShippedOrder{
				{SalesOrderCode: "SO-1", CustRef: "R1"}, {SalesOrderCode: "SO-2", CustRef: "R2"},
				{SalesOrderCode: "SO-3", CustRef: "R3"}, {SalesOrderCode: "SO-4", CustRef: "R4"},
			}}, nil
		})
	env.OnActivity(pkActs.CartRoverOpenOrders, mock.Anything, mock.Anything).Return(openPages(map[string][]activities.OpenOrder{
		"at_wms": {{CustRef: "R1", OrderSource: "Shopify", Status: "at_wms",
			Lines: []activities.OrderLine{{SKU: "CR-TEE", Qty: pkQty(2)}, {SKU: "SOCK-WOOL-M", Qty: pkQty(1)}}}},
		"partial": {{CustRef: "R2", OrderSource: "Amazon_US2", Status: "partial",
			Lines:    []activities.OrderLine{{SKU: "AMZ-MUG", Qty: pkQty(3)}},
			Tracking: []string{"1Z-OLD"}, Shipped: []activities.OrderLine{{SKU: "AMZ-MUG", Qty: pkQty(1)}}}},
		"canceled": {{CustRef: "R4", Status: "canceled"}},
	}))
	env.OnActivity(pkActs.CBShipmentBoxes, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.ShipmentBoxesInput) (activities.ShipmentBoxesResult, error) {
			require.Equal(t, []string{"SO-1", "SO-2"}, in.SalesOrderCodes, "only orders open in CartRover are read in CB")
			return activities.ShipmentBoxesResult{Orders: []activities.OrderBoxes{
				{SalesOrderCode: "SO-1", Boxes: []activities.Box{
					{Tracking: "1Z-A", Carrier: "UPS", Service: "Ground", ShipDate: shipDate, WeightLbs: pkQty(1),
						Items: []activities.BoxItem{{ItemName: "TEE-CLASSIC-M", Qty: pkQty(2)}}},
					{Tracking: "9400-B", Carrier: "USPS", Service: "Priority Mail", ShipDate: shipDate,
						Items: []activities.BoxItem{{ItemName: "SOCK-WOOL-M", Qty: pkQty(1)}}},
				}},
				{SalesOrderCode: "SO-2", Boxes: []activities.Box{
					{Tracking: "1Z-OLD", Carrier: "UPS", Service: "Ground", Items: []activities.BoxItem{{ItemName: "MUG-STONE-OS", Qty: pkQty(1)}}},
					{Tracking: "1Z-NEW", Carrier: "UPS", Service: "Ground", Items: []activities.BoxItem{{ItemName: "MUG-STONE-OS", Qty: pkQty(1)}}},
					{Tracking: "", Carrier: "UPS", Items: []activities.BoxItem{{ItemName: "MUG-STONE-OS", Qty: pkQty(1)}}},
				}},
			}}, nil
		})
	// Mocked activities run on the test environment's goroutines, concurrently when the workflow
	// posts several orders at once: guard what they record.
	var postedMu sync.Mutex
	posted := map[string]activities.PostShipmentsInput{}
	onPost(env, func(_ context.Context, in activities.PostShipmentsInput) (activities.PostShipmentsResult, error) {
		postedMu.Lock()
		defer postedMu.Unlock()
		posted[in.CustRef] = in
		st := "partial"
		if in.Complete {
			st = "shipped"
		}
		return activities.PostShipmentsResult{Posted: len(in.Shipments), Status: st}, nil
	})

	env.ExecuteWorkflow(workflows.ShipmentPickupName, workflows.PickupInput{Settings: pickupSettings()})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var sum workflows.ShipmentsSummary
	require.NoError(t, env.GetWorkflowResult(&sum))

	require.Len(t, posted, 2)
	r1 := posted["R1"]
	require.True(t, r1.Complete, "both lines shipped in full")
	require.Len(t, r1.Shipments, 2)
	require.Equal(t, "1Z-A", r1.Shipments[0].Tracking)
	require.Equal(t, "UPS", r1.Shipments[0].Carrier)
	require.Equal(t, "03", r1.Shipments[0].Method, "carriers rule maps UPS Ground to method 03")
	require.Equal(t, "CR-TEE", r1.Shipments[0].Items[0].SKU, "CB ItemName mapped back to the order's own SKU")
	require.Equal(t, "USPS", r1.Shipments[1].Carrier)
	require.Equal(t, "Priority Mail", r1.Shipments[1].Method, "unmapped carrier passes through")
	require.Equal(t, "SOCK-WOOL-M", r1.Shipments[1].Items[0].SKU)

	r2 := posted["R2"]
	require.False(t, r2.Complete, "2 of 3 mugs shipped")
	require.Len(t, r2.Shipments, 1, "the box CartRover has and the untracked box are not posted")
	require.Equal(t, "1Z-NEW", r2.Shipments[0].Tracking)
	require.Equal(t, "AMZ-MUG", r2.Shipments[0].Items[0].SKU, "the cart's SKU map is used for its orders")

	require.Equal(t, 4, sum.OrdersChecked)
	require.Equal(t, 3, sum.BoxesPosted)
	require.Equal(t, 1, sum.OrdersShipped)
	require.Equal(t, 1, sum.OrdersPartial)
	require.Equal(t, 1, sum.AlreadyPosted, "R3 is no longer open in CartRover")
	require.Equal(t, 1, sum.Canceled)
	require.Len(t, sum.Problems, 1)
	require.Equal(t, "R4", sum.Problems[0].Key)
	require.Equal(t, activities.ErrTypeOrderCanceled, sum.Problems[0].Type)
}

func TestShipmentPickupRerunPostsNothing(t *testing.T) {
	env := pickupEnv(t)
	env.OnActivity(pkActs.CBShippedOrders, mock.Anything, mock.Anything).Return(activities.ShippedOrdersResult{
		Orders: []activities.ShippedOrder{{SalesOrderCode: "SO-2", CustRef: "R2"}, {SalesOrderCode: "SO-1", CustRef: "R1"}}}, nil)
	env.OnActivity(pkActs.CartRoverOpenOrders, mock.Anything, mock.Anything).Return(openPages(map[string][]activities.OpenOrder{
		"partial": {{CustRef: "R2", Status: "partial", Lines: []activities.OrderLine{{SKU: "MUG-STONE-OS", Qty: pkQty(3)}},
			Tracking: []string{"1Z-1"}, Shipped: []activities.OrderLine{{SKU: "MUG-STONE-OS", Qty: pkQty(1)}}}},
	}))
	env.OnActivity(pkActs.CBShipmentBoxes, mock.Anything, mock.Anything).Return(activities.ShipmentBoxesResult{Orders: []activities.OrderBoxes{
		{SalesOrderCode: "SO-2", Boxes: []activities.Box{{Tracking: "1Z-1", Items: []activities.BoxItem{{ItemName: "MUG-STONE-OS", Qty: pkQty(1)}}}}},
	}}, nil)
	onPost(env, func(_ context.Context, in activities.PostShipmentsInput) (activities.PostShipmentsResult, error) {
		t.Errorf("nothing new to post, but posted %+v", in)
		return activities.PostShipmentsResult{}, nil
	})

	env.ExecuteWorkflow(workflows.ShipmentPickupName, workflows.PickupInput{Settings: pickupSettings()})
	require.NoError(t, env.GetWorkflowError())
	var sum workflows.ShipmentsSummary
	require.NoError(t, env.GetWorkflowResult(&sum))
	require.Equal(t, workflows.ShipmentsSummary{OrdersChecked: 2, AlreadyPosted: 2}, sum)
	v, err := env.QueryWorkflow(workflows.ProgressQuery)
	require.NoError(t, err)
	var progress workflows.ShipmentsSummary
	require.NoError(t, v.Get(&progress))
	require.Equal(t, sum, progress, "the progress query answers the figures")
}

func TestShipmentPickupReportsVoidedCanceledAndFailedOrders(t *testing.T) {
	env := pickupEnv(t)
	env.OnActivity(pkActs.CBShippedOrders, mock.Anything, mock.Anything).Return(activities.ShippedOrdersResult{Orders: []activities.ShippedOrder{
		{SalesOrderCode: "SO-1", CustRef: "R1"}, {SalesOrderCode: "SO-2", CustRef: "R2"}, {SalesOrderCode: "SO-3", CustRef: "R3"}}}, nil)
	line := []activities.OrderLine{{SKU: "X", Qty: pkQty(1)}}
	env.OnActivity(pkActs.CartRoverOpenOrders, mock.Anything, mock.Anything).Return(openPages(map[string][]activities.OpenOrder{
		"at_wms": {{CustRef: "R1", Lines: line}, {CustRef: "R2", Lines: line}, {CustRef: "R3", Lines: line}},
	}))
	box := []activities.Box{{Tracking: "T", Items: []activities.BoxItem{{ItemName: "X", Qty: pkQty(1)}}}}
	env.OnActivity(pkActs.CBShipmentBoxes, mock.Anything, mock.Anything).Return(activities.ShipmentBoxesResult{Orders: []activities.OrderBoxes{
		{SalesOrderCode: "SO-1", Voided: true}, {SalesOrderCode: "SO-2", Boxes: box}, {SalesOrderCode: "SO-3", Boxes: box}}}, nil)
	onPost(env, func(_ context.Context, in activities.PostShipmentsInput) (activities.PostShipmentsResult, error) {
		if in.CustRef == "R2" {
			return activities.PostShipmentsResult{}, temporal.NewNonRetryableApplicationError("order R2 is canceled", activities.ErrTypeOrderCanceled, nil)
		}
		return activities.PostShipmentsResult{}, temporal.NewNonRetryableApplicationError("carrier unknown", activities.ErrTypeShipmentRejected, nil)
	})

	env.ExecuteWorkflow(workflows.ShipmentPickupName, workflows.PickupInput{Settings: pickupSettings()})
	require.NoError(t, env.GetWorkflowError())
	var sum workflows.ShipmentsSummary
	require.NoError(t, env.GetWorkflowResult(&sum))
	require.Equal(t, 1, sum.Voided)
	require.Equal(t, 1, sum.Canceled)
	require.Equal(t, 1, sum.Failed)
	require.Equal(t, 0, sum.BoxesPosted)
	types := map[string]string{}
	for _, p := range sum.Problems {
		types[p.Key] = p.Type
	}
	require.Equal(t, map[string]string{"R1": activities.ErrTypeOrderVoided, "R2": activities.ErrTypeOrderCanceled,
		"R3": activities.ErrTypeShipmentRejected}, types)
}

func TestShipmentPickupContinuesAsNewAfterTheLastHandledOrder(t *testing.T) {
	env := pickupEnv(t)
	env.SetContinueAsNewSuggested(true)
	var feed []activities.ShippedOrder
	var open []activities.OpenOrder
	for i := range 30 {
		ref := string(rune('A'+i/10)) + string(rune('0'+i%10))
		feed = append(feed, activities.ShippedOrder{SalesOrderCode: "SO-" + ref, CustRef: ref})
		open = append(open, activities.OpenOrder{CustRef: ref, Lines: []activities.OrderLine{{SKU: "X", Qty: pkQty(1)}}})
	}
	env.OnActivity(pkActs.CBShippedOrders, mock.Anything, mock.Anything).Return(activities.ShippedOrdersResult{Orders: feed}, nil)
	env.OnActivity(pkActs.CartRoverOpenOrders, mock.Anything, mock.Anything).Return(openPages(map[string][]activities.OpenOrder{"at_wms": open}))
	env.OnActivity(pkActs.CBShipmentBoxes, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.ShipmentBoxesInput) (activities.ShipmentBoxesResult, error) {
			var out activities.ShipmentBoxesResult
			for _, so := range in.SalesOrderCodes {
				out.Orders = append(out.Orders, activities.OrderBoxes{SalesOrderCode: so,
					Boxes: []activities.Box{{Tracking: "T-" + so, Items: []activities.BoxItem{{ItemName: "X", Qty: pkQty(1)}}}}})
			}
			return out, nil
		})
	onPost(env, shippedOne)

	start := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	env.SetStartTime(start)
	env.ExecuteWorkflow(workflows.ShipmentPickupName, workflows.PickupInput{Settings: pickupSettings()})
	err := env.GetWorkflowError()
	var can *workflow.ContinueAsNewError
	require.True(t, errors.As(err, &can), "expected continue-as-new, got %v", err)
	var next workflows.PickupInput
	require.NoError(t, (pkConverter()).FromPayloads(can.Input, &next))
	require.Empty(t, next.Cursor, "the resume state is typed, not packed into the cursor")
	require.NotNil(t, next.Shipments)
	carry := *next.Shipments
	require.Equal(t, "C4", carry.After, "the first chunk of 25 (sorted by cust_ref) is done")
	require.True(t, carry.Since.Equal(start.Add(-48*time.Hour)))
	require.Equal(t, 25, carry.Summary.OrdersShipped)
	require.Equal(t, 30, carry.Summary.OrdersChecked)

	// The continuation handles only the rest and keeps the figures.
	env2 := pickupEnv(t)
	env2.OnActivity(pkActs.CBShippedOrders, mock.Anything, mock.Anything).Return(activities.ShippedOrdersResult{Orders: feed}, nil)
	env2.OnActivity(pkActs.CartRoverOpenOrders, mock.Anything, mock.Anything).Return(openPages(map[string][]activities.OpenOrder{"at_wms": open}))
	env2.OnActivity(pkActs.CBShipmentBoxes, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.ShipmentBoxesInput) (activities.ShipmentBoxesResult, error) {
			require.Len(t, in.SalesOrderCodes, 5)
			var out activities.ShipmentBoxesResult
			for _, so := range in.SalesOrderCodes {
				out.Orders = append(out.Orders, activities.OrderBoxes{SalesOrderCode: so,
					Boxes: []activities.Box{{Tracking: "T-" + so, Items: []activities.BoxItem{{ItemName: "X", Qty: pkQty(1)}}}}})
			}
			return out, nil
		})
	onPost(env2, shippedOne)
	env2.ExecuteWorkflow(workflows.ShipmentPickupName, next)
	require.NoError(t, env2.GetWorkflowError())
	var sum workflows.ShipmentsSummary
	require.NoError(t, env2.GetWorkflowResult(&sum))
	require.Equal(t, 30, sum.OrdersShipped)
	require.Equal(t, 30, sum.BoxesPosted)
	require.Equal(t, 30, sum.OrdersChecked)
}

func pkConverter() converter.DataConverter { return converter.GetDefaultDataConverter() }
