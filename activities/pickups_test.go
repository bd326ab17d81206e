package activities_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/cartrover-cb/ordermanager/activities"
	"github.com/cartrover-cb/ordermanager/cartrover"
	"github.com/cartrover-cb/ordermanager/connectedbusiness"
	"github.com/cartrover-cb/ordermanager/internal/cbsimtest"
	"github.com/cartrover-cb/ordermanager/sandbox/cartroversim"
	"github.com/cartrover-cb/ordermanager/sandbox/catalog"
	"github.com/cartrover-cb/ordermanager/sandbox/cbsim"
	"github.com/cartrover-cb/ordermanager/settings"
)

// pkCRSim starts the CartRover simulator on loopback (rate limit off) and returns it with a client.
// wrap, when set, sits in front of the simulator (to lose a reply, count calls…).
func pkCRSim(t *testing.T, wrap func(http.Handler) http.Handler) (*cartroversim.Server, *cartrover.Client) {
	t.Helper()
	sim := cartroversim.New(cartroversim.Options{NoRateLimit: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	var h http.Handler = sim
	if wrap != nil {
		h = wrap(sim)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := cartrover.New(cartrover.Config{BaseURL: srv.URL, APIUser: cartroversim.DefaultAPIUser,
		APIKey: cartroversim.DefaultAPIKey, RatePerSecond: -1, Timeout: 5 * time.Second})
	require.NoError(t, err)
	return sim, c
}

// pkAtWMSOrder puts an order for the given SKUs and quantities into the simulator, delivered to the WMS.
func pkAtWMSOrder(t *testing.T, sim *cartroversim.Server, custRef, source string, lines map[string]int64) {
	t.Helper()
	o := cartrover.Order{CustRef: custRef, OrderSource: source, ShipFirstName: "Ada", ShipLastName: "Lovelace",
		ShipAddress1: "1 Main St", ShipCity: "Austin", ShipState: "TX", ShipZip: "78701", ShipCountry: "US"}
	n := 0
	for sku, qty := range lines {
		n++
		o.Items = append(o.Items, cartrover.LineItem{LineNo: cartrover.Int(n), Item: sku, Quantity: cartrover.DecimalFromInt(qty), Price: cartrover.MustDecimal("10.00")})
	}
	require.NoError(t, sim.AddOrders(o))
	require.NoError(t, sim.Apply(custRef, cartroversim.Update{OrderStatus: cartrover.StatusAtWMS}))
}

func pkDec(n int64) decimal.Decimal { return decimal.NewFromInt(n) }

// pkCBSim starts the CB simulator with only the given items (active, each with a CASE of 12) and
// returns it with its client.
func pkCBSim(t *testing.T, items ...cbsim.Item) (*cbsim.Server, connectedbusiness.Service) {
	t.Helper()
	return pkCBSimWith(t, cbsim.Options{}, items...)
}

func pkCBSimWith(t *testing.T, opts cbsim.Options, items ...cbsim.Item) (*cbsim.Server, connectedbusiness.Service) {
	t.Helper()
	opts.NoItems = true
	sim, svc := cbsimtest.Start(t, opts)
	sim.SeedItems(items...)
	return sim, svc
}

func pkItem(code, name string) cbsim.Item {
	return cbsim.Item{Code: code, Name: name, Description: name, UPC: "0" + code[5:], CaseUPC: "1" + code[5:], Active: true}
}

func TestSyncInventoryBatchPostsFreeStockLessSafetyStockNeverBelowZero(t *testing.T) {
	sim, cr := pkCRSim(t, nil)
	// CB may answer every unit of measure: the CASE rows (in cases) must not count.
	cbs, cb := pkCBSimWith(t, cbsim.Options{StockEveryUnit: true}, pkItem("ITEM-000002", "TEE-CLASSIC-M"), pkItem("ITEM-000016", "SOCK-WOOL-S"),
		pkItem("ITEM-000021", "MUG-STONE-S"), pkItem("ITEM-999999", "ONLY-IN-CB"))
	for item, st := range map[string][2]int{"ITEM-000002": {30, 3}, "ITEM-000016": {15, 4}, "ITEM-000021": {1, 0}} {
		cbs.SetStock(item, "MAIN", st[0])
		cbs.SetStock(item, "WEST", st[1])
	}
	a := &activities.Activities{CartRover: cr, CB: cb}
	env := ordersActEnv(a)

	in := activities.InventoryBatchInput{
		BatchSize: 3, Warehouses: []string{"MAIN", "WEST"},
		SafetyStock: settings.SafetyStock{Warehouses: map[string]int{"MAIN": 2, "WEST": 5}, SKUs: map[string]int{"SOCK-WOOL-S": 20}},
		SKUs:        []activities.SKUPair{{SKU: "MUG-STONE-S", ItemName: "MUG-STONE-S"}, {SKU: "TEE-CLASSIC-M", ItemName: "TEE-CLASSIC-M"}},
	}
	val, err := env.ExecuteActivity(a.SyncInventoryBatch, in)
	require.NoError(t, err)
	var res activities.InventoryBatchResult
	require.NoError(t, val.Get(&res))
	require.Equal(t, 3, res.Items)
	require.Equal(t, 3, res.Posted)
	require.NotEmpty(t, res.Next, "the batch stops after BatchSize items and says where to resume")
	require.Equal(t, []string{"TEE-CLASSIC-M", "MUG-STONE-S"}, res.MappedSeen)

	qty := func(sku string) string {
		inv, ok := sim.Inventory(sku)
		require.True(t, ok, sku)
		return inv.QtyAvailable.String()
	}
	require.Equal(t, "28", qty("TEE-CLASSIC-M"), "MAIN 30-2 plus WEST 3-5 (floored at 0); its CASE row (2 cases) not counted")
	require.Equal(t, "0", qty("SOCK-WOOL-S"), "19 free minus a SKU safety stock of 20 is 0, not -1")
	require.Equal(t, "0", qty("MUG-STONE-S"), "MAIN 1-2 and WEST 0-5 are both floored at 0")
	require.Equal(t, int64(1), cbs.Calls("products/loadgrouplocationstock"), "one CB stock call per batch")

	// The next batch holds an item CartRover does not know: counted, not failed.
	in.Cursor = res.Next
	val, err = env.ExecuteActivity(a.SyncInventoryBatch, in)
	require.NoError(t, err)
	res = activities.InventoryBatchResult{}
	require.NoError(t, val.Get(&res))
	require.Equal(t, activities.InventoryBatchResult{Items: 1, MissingInCartRover: 1}, res)
}

func TestSyncInventoryBatchPostsPerWarehouse(t *testing.T) {
	sim, cr := pkCRSim(t, nil)
	cbs, cb := pkCBSim(t, pkItem("ITEM-000002", "TEE-CLASSIC-M"))
	cbs.SetStock("ITEM-000002", "MAIN", 10)
	cbs.SetStock("ITEM-000002", "WEST", 3)
	a := &activities.Activities{CartRover: cr, CB: cb}
	_, err := ordersActEnv(a).ExecuteActivity(a.SyncInventoryBatch, activities.InventoryBatchInput{
		BatchSize: 100, Warehouses: []string{"MAIN", "WEST"}, PerWarehouse: true,
		SafetyStock: settings.SafetyStock{Warehouses: map[string]int{"MAIN": 4}},
	})
	require.NoError(t, err)
	inv, _ := sim.Inventory("TEE-CLASSIC-M")
	got := map[string]string{}
	for _, w := range inv.Warehouses {
		got[w.Warehouse] = w.QtyAvailable.String()
	}
	require.Equal(t, map[string]string{"MAIN": "6", "WEST": "3"}, got)
	require.Equal(t, "9", inv.QtyAvailable.String())
}

func TestSyncInventoryBatchRetriesACBFaultAndRefusesBadCredentials(t *testing.T) {
	_, cr := pkCRSim(t, nil)
	cbs, cb := pkCBSim(t, pkItem("ITEM-000002", "TEE-CLASSIC-M"))
	cbs.SetFaults(cbsim.Faults{Fail5xx: 100, Route: "products/loadgrouplocationstock"})
	a := &activities.Activities{CartRover: cr, CB: cb}
	env := ordersActEnv(a)
	_, err := env.ExecuteActivity(a.SyncInventoryBatch, activities.InventoryBatchInput{BatchSize: 10, Warehouses: []string{"MAIN"}})
	var app *temporal.ApplicationError
	require.Error(t, err)
	require.False(t, errors.As(err, &app) && app.NonRetryable(), "a CB 503 is retryable: %v", err)

	cbs.SetFaults(cbsim.Faults{Unauthorized: 100, Route: "products/itemlookup"})
	_, err = env.ExecuteActivity(a.SyncInventoryBatch, activities.InventoryBatchInput{BatchSize: 10, Warehouses: []string{"MAIN"}})
	require.True(t, errors.As(err, &app), "%v", err)
	require.True(t, app.NonRetryable())
	require.Equal(t, activities.ErrTypeBadCredentials, app.Type())
}

func TestSyncProductsBatchPostsActiveItemDetailsOnly(t *testing.T) {
	sim, cr := pkCRSim(t, nil)
	tee := cbsim.Item{Code: "ITEM-000001", Name: "TEE-CLASSIC-S", Description: "Classic Tee S", UPC: "084120000011", CaseUPC: "084121000018",
		Retail: decimal.RequireFromString("21.99"), Wholesale: decimal.RequireFromString("9.75"), WeightLbs: decimal.RequireFromString("0.45"), Active: true}
	poster := pkItem("ITEM-000041", "LEGACY-POSTER-A2")
	poster.Active = false
	hoodie := pkItem("ITEM-000006", "HOODIE-ZIP-S")
	// The hoodie is phased out in CB after the item list and before its detail read.
	var cbs *cbsim.Server
	var phasedOut atomic.Bool
	cbs, cb := pkCBSimWith(t, cbsim.Options{BeforeCall: func(route string) {
		if route == "products/getitemdetails" && phasedOut.CompareAndSwap(false, true) {
			h := hoodie
			h.Active = false
			cbs.SeedItems(h)
		}
	}}, tee, poster, hoodie)
	a := &activities.Activities{CartRover: cr, CB: cb}
	val, err := ordersActEnv(a).ExecuteActivity(a.SyncProductsBatch, activities.ProductBatchInput{BatchSize: 10})
	require.NoError(t, err)
	var res activities.ProductBatchResult
	require.NoError(t, val.Get(&res))
	require.Equal(t, activities.ProductBatchResult{Items: 3, Posted: 1, Inactive: 2}, res, "listed active, phased out by the detail read: not posted")
	require.Equal(t, int64(2), cbs.Calls("products/getitemdetails"), "an item listed as phased out needs no detail read")

	p, ok := sim.Product("TEE-CLASSIC-S")
	require.True(t, ok)
	require.Equal(t, "Classic Tee S. Sandbox item.", p.Description, "CB's extended description")
	require.Equal(t, "21.99", p.RetailPrice.String())
	require.Equal(t, "9.75", p.WholesalePrice.String())
	require.Equal(t, "0.45", p.WeightLbs.String())
	require.Equal(t, "084120000011", p.Aliases.Code("UPC"))
	require.Equal(t, "084121000018", p.Aliases.Code("UPC-CASE"))
}

// pkSalesOrder saves a sales order for po in the CB simulator (seeded customer, one line) and
// returns its code.
func pkSalesOrder(t *testing.T, cb connectedbusiness.Service, po string) string {
	t.Helper()
	ref, _, err := cb.CreateSalesOrderOnce(context.Background(), connectedbusiness.SalesOrder{BillToCode: "CUST-000001", POCode: po,
		SourceCode: "CartRover", WarehouseCode: "MAIN", ShippingMethodGroup: "DEFAULT", ShippingMethodCode: "UPS Ground",
		Lines: []connectedbusiness.SalesOrderLine{{ItemName: "TEE-CLASSIC-M", ItemCode: "ITEM-000002", Quantity: pkDec(2), Price: pkDec(10), UnitMeasureCode: "EACH", WarehouseCode: "MAIN"}}})
	require.NoError(t, err)
	return ref.Code
}

func TestCBShipmentBoxesReportsVoidedAndUnknownOrders(t *testing.T) {
	cbs, cb := pkCBSim(t, pkItem("ITEM-000002", "TEE-CLASSIC-M"))
	cbs.SetStock("ITEM-000002", "MAIN", 10)
	shipped, voided := pkSalesOrder(t, cb, "R-1"), pkSalesOrder(t, cb, "R-2")
	require.NoError(t, cbs.ShipNow(shipped, cbsim.ShipOptions{}))
	require.NoError(t, cbs.VoidOrder(voided))
	a := &activities.Activities{CB: cb}
	val, err := ordersActEnv(a).ExecuteActivity(a.CBShipmentBoxes, activities.ShipmentBoxesInput{SalesOrderCodes: []string{shipped, voided, "SO-3"}})
	require.NoError(t, err)
	var res activities.ShipmentBoxesResult
	require.NoError(t, val.Get(&res))
	require.Len(t, res.Orders, 3)
	box := cbs.SalesOrdersByPOCode("R-1")[0].Boxes[0]
	require.Len(t, res.Orders[0].Boxes, 1)
	got := res.Orders[0].Boxes[0]
	require.Equal(t, box.TrackingNumber, got.Tracking)
	require.NotEmpty(t, got.Tracking)
	require.Equal(t, box.CarrierCode, got.Carrier)
	require.Equal(t, box.ServiceCode, got.Service)
	require.True(t, box.ShipDate.Truncate(time.Millisecond).Equal(got.ShipDate), "%v vs %v", box.ShipDate, got.ShipDate)
	require.True(t, box.WeightLbs.Equal(got.WeightLbs))
	require.Equal(t, []activities.BoxItem{{ItemName: "TEE-CLASSIC-M", Qty: pkDec(2)}}, got.Items)
	require.False(t, res.Orders[0].Voided)
	require.True(t, res.Orders[1].Voided)
	require.NotNil(t, res.Orders[2].Problem)
	require.Equal(t, activities.ErrTypeCBRejected, res.Orders[2].Problem.Type)
	require.Contains(t, res.Orders[2].Problem.Reason, "SO-3")
}

func TestCBShipmentBoxesResumesAfterTheOrdersItAlreadyRead(t *testing.T) {
	cbs, cb := pkCBSim(t, pkItem("ITEM-000002", "TEE-CLASSIC-M"))
	cbs.SetStock("ITEM-000002", "MAIN", 10)
	so := pkSalesOrder(t, cb, "R-2")
	require.NoError(t, cbs.ShipNow(so, cbsim.ShipOptions{}))
	a := &activities.Activities{CB: cb}
	env := ordersActEnv(a)
	env.SetHeartbeatDetails(struct {
		Done []activities.OrderBoxes `json:"done"`
	}{Done: []activities.OrderBoxes{{SalesOrderCode: "SO-1", Boxes: []activities.Box{{Tracking: "T1"}}}}})
	val, err := env.ExecuteActivity(a.CBShipmentBoxes, activities.ShipmentBoxesInput{SalesOrderCodes: []string{"SO-1", so}})
	require.NoError(t, err)
	var res activities.ShipmentBoxesResult
	require.NoError(t, val.Get(&res))
	require.Equal(t, "T1", res.Orders[0].Boxes[0].Tracking)
	require.Equal(t, cbs.SalesOrdersByPOCode("R-2")[0].Boxes[0].TrackingNumber, res.Orders[1].Boxes[0].Tracking)
	require.Equal(t, int64(1), cbs.Calls("transactions/loadpackitems"), "SO-1 came from the heartbeat")
}

func TestCartRoverOpenOrdersCarriesExistingTracking(t *testing.T) {
	sim, cr := pkCRSim(t, nil)
	pkAtWMSOrder(t, sim, "R-100", "Shopify", map[string]int64{"TEE-CLASSIC-M": 2})
	pkAtWMSOrder(t, sim, "R-101", "Shopify", map[string]int64{"MUG-STONE-S": 3})
	require.NoError(t, sim.Apply("R-101", cartroversim.Update{OrderStatus: cartrover.StatusShipped, Shipments: []cartrover.Shipment{
		{Carrier: "UPS", TrackingNo: "1ZOLD", Items: []cartrover.ShipmentItem{{Item: "MUG-STONE-S", Quantity: cartrover.DecimalFromInt(1)}}}}}))
	a := &activities.Activities{CartRover: cr}
	env := ordersActEnv(a)
	page := func(status string) activities.OpenOrdersPage {
		val, err := env.ExecuteActivity(a.CartRoverOpenOrders, activities.OpenOrdersInput{Status: status, Page: 1, Limit: 100})
		require.NoError(t, err)
		var p activities.OpenOrdersPage
		require.NoError(t, val.Get(&p))
		return p
	}
	atWMS := page("at_wms")
	require.Len(t, atWMS.Orders, 1)
	require.Equal(t, "R-100", atWMS.Orders[0].CustRef)
	require.Equal(t, "Shopify", atWMS.Orders[0].OrderSource)
	require.False(t, atWMS.More)
	partial := page("partial")
	require.Len(t, partial.Orders, 1)
	require.Equal(t, []string{"1ZOLD"}, partial.Orders[0].Tracking)
	require.Equal(t, "1", partial.Orders[0].Shipped[0].Qty.String())
	require.Equal(t, "3", partial.Orders[0].Lines[0].Qty.String())
}

func TestCartRoverPostShipmentsReportsACanceledOrder(t *testing.T) {
	sim, cr := pkCRSim(t, nil)
	pkAtWMSOrder(t, sim, "R-200", "Shopify", map[string]int64{"TEE-CLASSIC-M": 1})
	require.NoError(t, sim.Apply("R-200", cartroversim.Update{OrderStatus: cartrover.StatusCanceled}))
	a := &activities.Activities{CartRover: cr}
	_, err := ordersActEnv(a).ExecuteActivity(a.CartRoverPostShipments, activities.PostShipmentsInput{CustRef: "R-200",
		Shipments: []activities.ShipmentPost{{Carrier: "UPS", Tracking: "1Z", Items: []activities.OrderLine{{SKU: "TEE-CLASSIC-M", Qty: pkDec(1)}}}}})
	var app *temporal.ApplicationError
	require.True(t, errors.As(err, &app), "%v", err)
	require.Equal(t, activities.ErrTypeOrderCanceled, app.Type())
	require.True(t, app.NonRetryable())
	require.Contains(t, app.Error(), "R-200")
}

// pkLoseFirstUpdateReply handles the first order update normally and then drops the connection, as a
// network failure after CartRover saved the shipments would.
func pkLoseFirstUpdateReply(n *atomic.Int32) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && n.Add(1) == 1 {
				next.ServeHTTP(httptest.NewRecorder(), r)
				conn, _, err := w.(http.Hijacker).Hijack()
				if err == nil {
					_ = conn.Close()
				}
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

func TestCartRoverPostShipmentsRetryAfterALostReplyPostsNothingTwice(t *testing.T) {
	var posts atomic.Int32
	sim, cr := pkCRSim(t, pkLoseFirstUpdateReply(&posts))
	pkAtWMSOrder(t, sim, "R-300", "Shopify", map[string]int64{"TEE-CLASSIC-M": 2, "MUG-STONE-S": 1})
	a := &activities.Activities{CartRover: cr}

	var s testsuite.WorkflowTestSuite
	s.SetLogger(tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	env := s.NewTestWorkflowEnvironment()
	env.RegisterActivity(a)
	post := func(ctx workflow.Context, in activities.PostShipmentsInput) (activities.PostShipmentsResult, error) {
		ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second,
			RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Millisecond, MaximumAttempts: 3}})
		var res activities.PostShipmentsResult
		err := workflow.ExecuteActivity(ctx, a.CartRoverPostShipments, in).Get(ctx, &res)
		return res, err
	}
	env.RegisterWorkflow(post)
	env.ExecuteWorkflow(post, activities.PostShipmentsInput{CustRef: "R-300", Complete: true, Shipments: []activities.ShipmentPost{
		{Carrier: "UPS", Method: "03", Tracking: "1ZA", Items: []activities.OrderLine{{SKU: "TEE-CLASSIC-M", Qty: pkDec(2)}}},
		{Carrier: "USPS", Method: "09", Tracking: "9400B", Items: []activities.OrderLine{{SKU: "MUG-STONE-S", Qty: pkDec(1)}}},
	}})
	require.NoError(t, env.GetWorkflowError())
	var res activities.PostShipmentsResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Equal(t, activities.PostShipmentsResult{Posted: 2, AlreadyThere: 2, Status: "shipped"}, res)
	require.Equal(t, int32(1), posts.Load(), "the retry re-read the order and posted nothing")

	o, _ := sim.Order("R-300")
	require.Equal(t, cartrover.StatusShipped, o.OrderStatus)
	var tracking []string
	for _, sh := range o.Shipments {
		tracking = append(tracking, sh.TrackingNo)
	}
	require.Equal(t, []string{"1ZA", "9400B"}, tracking)
}

func TestSyncInventoryAndProductBatchesAgainstBothSimulators(t *testing.T) {
	sim, cr := pkCRSim(t, nil)
	cbs, cbc := cbsimtest.Start(t, cbsim.Options{})
	first := catalog.Items[0]
	cbs.SetStock(first.Code, "MAIN", 40)
	cbs.SetStock(first.Code, "WEST", 2)
	a := &activities.Activities{CartRover: cr, CB: cbc}
	env := ordersActEnv(a)

	var inv activities.InventoryBatchResult
	cursor, batches := "", 0
	for {
		val, err := env.ExecuteActivity(a.SyncInventoryBatch, activities.InventoryBatchInput{Cursor: cursor, BatchSize: 20,
			Warehouses: []string{"MAIN", "WEST"}, SafetyStock: settings.SafetyStock{Warehouses: map[string]int{"WEST": 5}}})
		require.NoError(t, err)
		var res activities.InventoryBatchResult
		require.NoError(t, val.Get(&res))
		inv.Items += res.Items
		inv.Posted += res.Posted
		batches++
		if cursor = res.Next; cursor == "" {
			break
		}
	}
	require.Equal(t, len(catalog.Items), inv.Items, "the cursor walk reads every CB item once")
	require.Equal(t, len(catalog.Items), inv.Posted)
	require.Equal(t, 3, batches)
	got, _ := sim.Inventory(first.SKU)
	require.Equal(t, "40", got.QtyAvailable.String(), "MAIN 40 plus WEST 2 less its safety stock of 5, floored at 0")

	val, err := env.ExecuteActivity(a.SyncProductsBatch, activities.ProductBatchInput{BatchSize: 100})
	require.NoError(t, err)
	var prod activities.ProductBatchResult
	require.NoError(t, val.Get(&prod))
	require.Equal(t, len(catalog.Items), prod.Items)
	require.Equal(t, len(catalog.ActiveItems()), prod.Posted)
	require.Equal(t, len(catalog.Items)-len(catalog.ActiveItems()), prod.Inactive)
	p, _ := sim.Product(first.SKU)
	require.Equal(t, first.UPC, p.Aliases.Code("UPC"))
	require.Equal(t, first.CaseUPC, p.Aliases.Code("UPC-CASE"))
	require.Equal(t, first.Retail, p.RetailPrice.String())
}
