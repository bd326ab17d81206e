package connectedbusiness_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	cb "github.com/cartrover-cb/ordermanager/connectedbusiness"
	"github.com/cartrover-cb/ordermanager/sandbox/catalog"
	"github.com/cartrover-cb/ordermanager/sandbox/cbsim"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"
)

// newPair starts a simulator over real HTTP and a client for it; the base URL has a path and
// mixed case to exercise the simulator's routing.
func newPair(t *testing.T, opts cbsim.Options, timeout time.Duration) (*cbsim.Server, *cb.WebService) {
	t.Helper()
	sim := cbsim.New(opts)
	ts := httptest.NewServer(sim)
	t.Cleanup(func() { ts.Close(); _ = sim.Close() })
	ws, err := cb.NewWebService(cb.Config{BaseURL: ts.URL + "/POS24/WebService", UserCode: cbsim.DefaultUserCode, Password: cbsim.DefaultPassword, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	return sim, ws
}

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func sampleOrder(po string) cb.SalesOrder {
	it := catalog.Items[0]
	return cb.SalesOrder{
		BillToCode: "CUST-000001", POCode: po, SourceCode: "CartRover", WebSiteCode: "WEB-000001", WarehouseCode: "MAIN",
		ShippingMethodGroup: "DEFAULT", ShippingMethodCode: "UPS Ground", PaymentTermGroup: "DEFAULT", PaymentTermCode: "Credit Card",
		ShipToCode: "SHIP-000001", ShipToName: "Web Shopper", ShipTo: cb.Address{Address: "1 Main St", City: "Springfield", State: "IL", PostalCode: "62701", Country: "US"},
		PublicNotes: "leave at the door",
		Lines: []cb.SalesOrderLine{
			{ItemCode: it.Code, ItemName: it.SKU, Quantity: d("2"), Price: d(it.Retail), DiscountPercent: d("10")},
			{ItemCode: catalog.Items[1].Code, ItemName: catalog.Items[1].SKU, Quantity: d("1"), Price: d("5.50")},
		},
	}
}

func TestSignInForcesOutTheOtherLocationAndLazySignIn(t *testing.T) {
	sim, ws := newPair(t, cbsim.Options{}, 5*time.Second)
	ctx := context.Background()
	if err := ws.SignIn(ctx); err != nil {
		t.Fatal(err)
	}
	if ws.AppVersion() == "" {
		t.Error("AppVersion empty after sign-in")
	}
	// A second process with the same user is told "signed in at another location" and forces it out.
	other, _ := cb.NewWebService(cb.Config{BaseURL: ws2URL(t, sim), UserCode: cbsim.DefaultUserCode, Password: cbsim.DefaultPassword})
	if _, err := other.Warehouses(ctx); err != nil {
		t.Fatalf("lazy sign-in with force sign-out: %v", err)
	}
	st := sim.Stats()
	if st["system/signin"] != 3 || st["system/forcesignout"] != 1 {
		t.Errorf("stats = %v; want 3 sign-ins and 1 force sign-out", st)
	}
	if err := other.SignOut(ctx); err != nil {
		t.Fatal(err)
	}
}

func ws2URL(t *testing.T, sim *cbsim.Server) string {
	ts := httptest.NewServer(sim)
	t.Cleanup(ts.Close)
	return ts.URL + "/webservice//"
}

func TestBadCredentialsAreNotRetryable(t *testing.T) {
	sim := cbsim.New(cbsim.Options{})
	ts := httptest.NewServer(sim)
	defer ts.Close()
	ws, _ := cb.NewWebService(cb.Config{BaseURL: ts.URL, UserCode: "sandbox", Password: "wrong"})
	err := ws.SignIn(context.Background())
	var te *cb.TransportError
	if !errors.As(err, &te) || te.StatusCode != 401 || cb.IsRetryable(err) {
		t.Fatalf("err = %v; want a non-retryable 401 TransportError", err)
	}
}

func TestCustomersContract(t *testing.T) {
	_, ws := newPair(t, cbsim.Options{}, 5*time.Second)
	ctx := context.Background()
	c, err := ws.FindCustomerByEmail(ctx, "SHOPPER@example.com")
	if err != nil || c == nil || c.Code != "CUST-000001" || c.DefaultShipToCode == "" {
		t.Fatalf("FindCustomerByEmail = %+v, %v", c, err)
	}
	if c, err := ws.FindCustomerByEmail(ctx, "nobody@example.com"); err != nil || c != nil {
		t.Fatalf("unknown e-mail = %+v, %v; want nil, nil", c, err)
	}
	if c, err := ws.FindCustomerByCode(ctx, "CUST-999999"); err != nil || c != nil {
		t.Fatalf("unknown code = %+v, %v; want nil, nil", c, err)
	}
	tpls, err := ws.CustomerClassTemplates(ctx, cb.Wholesale, "US")
	if err != nil || len(tpls) != 1 || tpls[0].ClassCode != "CCLS-000002" {
		t.Fatalf("CustomerClassTemplates = %+v, %v", tpls, err)
	}
	stpls, err := ws.ShipToClassTemplates(ctx, cb.Retail, "GB")
	if err != nil || len(stpls) != 1 || stpls[0].ClassCode != "SHPCLS-000003" {
		t.Fatalf("ShipToClassTemplates = %+v, %v", stpls, err)
	}
	nc, err := ws.CreateCustomer(ctx, cb.NewCustomer{BusinessType: cb.Wholesale, ClassCode: tpls[0].ClassCode, Name: "Jane Buyer",
		Email: "jane@example.com", Phone: "555-1234", Address: cb.Address{Address: "5 High St", City: "London", PostalCode: "N1 1AA", Country: "GB"}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := ws.FindCustomerByCode(ctx, nc.Code)
	if err != nil || got == nil || got.Email != "jane@example.com" || got.Address.Country != "United Kingdom" || got.DefaultPrice != "Wholesale" {
		t.Fatalf("created customer read back = %+v, %v", got, err)
	}
	st, err := ws.CreateShipTo(ctx, cb.NewShipTo{CustomerCode: nc.Code, Name: "Jane at work", Address: cb.Address{Address: "9 Work Rd", City: "Leeds", Country: "United Kingdom"}})
	if err != nil {
		t.Fatal(err)
	}
	sts, err := ws.FindShipTos(ctx, nc.Code)
	if err != nil || len(sts) != 2 || sts[1].Code != st.Code || sts[0].Code != nc.DefaultShipToCode {
		t.Fatalf("FindShipTos = %+v, %v", sts, err)
	}
	_, err = ws.CreateCustomer(ctx, cb.NewCustomer{Name: "Bad Mail", Email: "not-an-email", Address: cb.Address{Country: "US"}})
	if !cb.IsKind(err, cb.KindInvalidEmail) || cb.IsRetryable(err) {
		t.Fatalf("bad e-mail err = %v; want KindInvalidEmail", err)
	}
	_, err = ws.CreateCustomer(ctx, cb.NewCustomer{Name: "Nowhere", Address: cb.Address{Country: "ZZ"}})
	if !cb.IsKind(err, cb.KindInvalidCountry) {
		t.Fatalf("unknown country err = %v", err)
	}
}

func TestSalesOrderContract(t *testing.T) {
	sim, ws := newPair(t, cbsim.Options{}, 5*time.Second)
	ctx := context.Background()
	it := catalog.Items[0]
	before := sim.FreeStockOf(it.Code, "MAIN")
	ref, err := ws.CreateSalesOrder(ctx, sampleOrder("R-1001"))
	if err != nil {
		t.Fatal(err)
	}
	if ref.Code != "SO-000001" || ref.Date.IsZero() {
		t.Fatalf("ref = %+v", ref)
	}
	if after := sim.FreeStockOf(it.Code, "MAIN"); !after.Equal(before.Sub(d("2"))) {
		t.Errorf("free stock %s → %s; want 2 allocated", before, after)
	}
	found, err := ws.FindSalesOrderByPOCode(ctx, "R-1001")
	if err != nil || found == nil || found.Code != ref.Code {
		t.Fatalf("FindSalesOrderByPOCode = %+v, %v", found, err)
	}
	if f, err := ws.FindSalesOrderByPOCode(ctx, "R-100"); err != nil || f != nil {
		t.Fatalf("prefix of a POCode must not match: %+v, %v", f, err)
	}
	so, err := ws.LoadSalesOrder(ctx, ref.Code)
	if err != nil {
		t.Fatal(err)
	}
	if so.POCode != "R-1001" || so.SourceCode != "CartRover" || so.ShipTo.Country != "United States of America" || len(so.Lines) != 2 ||
		!so.Lines[0].QuantityOrdered.Equal(d("2")) || !so.Lines[0].QuantityAllocated.Equal(d("2")) || !so.Lines[0].DiscountPercent.Equal(d("10")) ||
		!so.Lines[1].Price.Equal(d("5.5")) || so.OrderStatus != "Open" || so.IsVoided {
		t.Fatalf("loaded order = %+v", so)
	}
	if _, err := ws.LoadSalesOrder(ctx, "SO-999999"); !cb.IsKind(err, cb.KindNotFound) {
		t.Fatalf("missing order err = %v; want KindNotFound", err)
	}
}

func TestSalesOrderBackOrderWhenShort(t *testing.T) {
	sim, ws := newPair(t, cbsim.Options{}, 5*time.Second)
	it := catalog.Items[0]
	sim.SetStock(it.Code, "MAIN", 1)
	so := sampleOrder("R-short")
	so.Lines = so.Lines[:1]
	ref, err := ws.CreateSalesOrder(context.Background(), so)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ws.LoadSalesOrder(context.Background(), ref.Code)
	if err != nil {
		t.Fatal(err)
	}
	l := got.Lines[0]
	if !l.QuantityAllocated.Equal(d("1")) || !l.QuantityBackOrdered.Equal(d("1")) {
		t.Fatalf("line = %+v; want 1 allocated, 1 back-ordered", l)
	}
}

func TestSalesOrderBusinessErrors(t *testing.T) {
	sim, ws := newPair(t, cbsim.Options{}, 5*time.Second)
	ctx := context.Background()
	cases := []struct {
		name   string
		mutate func(*cb.SalesOrder)
		kind   cb.ErrorKind
	}{
		{"invalid shipping method pair", func(s *cb.SalesOrder) { s.ShippingMethodGroup = "WHOLESALE" }, cb.KindInvalidShippingMethod},
		{"unknown item", func(s *cb.SalesOrder) { s.Lines[0].ItemCode, s.Lines[0].ItemName = "ITEM-999999", catalog.UnknownSKU }, cb.KindUnknownItem},
		{"over-long POCode", func(s *cb.SalesOrder) { s.POCode = "R-0123456789012345678901234567890" }, cb.KindFieldTooLong},
		{"over-long state", func(s *cb.SalesOrder) { s.ShipTo.State = "Illinois" }, cb.KindFieldTooLong},
		{"credit hold", func(s *cb.SalesOrder) { s.BillToCode, s.ShipToCode = "CUST-000002", "" }, cb.KindCreditHold},
	}
	if err := sim.SetCreditHold("CUST-000002", true); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			so := sampleOrder("R-err")
			c.mutate(&so)
			_, err := ws.CreateSalesOrder(ctx, so)
			var be *cb.BusinessError
			if !errors.As(err, &be) || be.Kind != c.kind || be.Fix == "" || be.Record == "" || cb.IsRetryable(err) {
				t.Fatalf("err = %v; want a %s BusinessError with record and fix", err, c.kind)
			}
		})
	}
	if n := len(sim.SalesOrders()); n != 0 {
		t.Fatalf("%d orders saved by rejected creates", n)
	}
}

func TestCreateSalesOrderOnceFindsTheExistingOrder(t *testing.T) {
	sim, ws := newPair(t, cbsim.Options{}, 5*time.Second)
	ctx := context.Background()
	ref, existed, err := ws.CreateSalesOrderOnce(ctx, sampleOrder("R-2001"))
	if err != nil || existed {
		t.Fatalf("first = %+v, %v, %v", ref, existed, err)
	}
	again, existed, err := ws.CreateSalesOrderOnce(ctx, sampleOrder("R-2001"))
	if err != nil || !existed || again.Code != ref.Code {
		t.Fatalf("second = %+v, %v, %v; want the existing %s", again, existed, err, ref.Code)
	}
	if n := len(sim.SalesOrdersByPOCode("R-2001")); n != 1 {
		t.Fatalf("%d orders with POCode R-2001", n)
	}
}

func TestCreateSalesOrderOnceSavedThenTimedOutIsNotDuplicated(t *testing.T) {
	sim, ws := newPair(t, cbsim.Options{}, 300*time.Millisecond)
	ctx := context.Background()
	sim.SetFaults(cbsim.Faults{SaveThenTimeout: 1})
	ref, existed, err := ws.CreateSalesOrderOnce(ctx, sampleOrder("R-3001"))
	if err != nil || !existed || ref.Code == "" {
		t.Fatalf("got %+v, %v, %v; want the order saved before the timeout, found again", ref, existed, err)
	}
	// A retry (the activity's next attempt) finds it too.
	again, existed, err := ws.CreateSalesOrderOnce(ctx, sampleOrder("R-3001"))
	if err != nil || !existed || again.Code != ref.Code {
		t.Fatalf("retry = %+v, %v, %v", again, existed, err)
	}
	if n := len(sim.SalesOrdersByPOCode("R-3001")); n != 1 {
		t.Fatalf("%d orders with POCode R-3001; want exactly 1", n)
	}
	if c := sim.Calls("Transactions/createsalesorder"); c != 1 {
		t.Fatalf("createsalesorder called %d times; want 1", c)
	}
}

func TestTransportFaultsAreRetryable(t *testing.T) {
	sim, ws := newPair(t, cbsim.Options{}, 5*time.Second)
	ctx := context.Background()
	if err := ws.SignIn(ctx); err != nil {
		t.Fatal(err)
	}
	sim.SetFaults(cbsim.Faults{Fail5xx: 1})
	_, err := ws.Warehouses(ctx)
	var te *cb.TransportError
	if !errors.As(err, &te) || te.StatusCode != 503 || !cb.IsRetryable(err) {
		t.Fatalf("5xx err = %v; want retryable 503", err)
	}
	sim.SetFaults(cbsim.Faults{Drop: 1})
	if _, err := ws.Warehouses(ctx); !cb.IsRetryable(err) {
		t.Fatalf("dropped connection err = %v; want retryable", err)
	}
	// The create path: a 5xx before saving leaves nothing behind and is retryable.
	sim.SetFaults(cbsim.Faults{Fail5xx: 1, Route: "transactions/createsalesorder"})
	if _, _, err := ws.CreateSalesOrderOnce(ctx, sampleOrder("R-4001")); !cb.IsRetryable(err) {
		t.Fatalf("create 5xx err = %v; want retryable", err)
	}
	ref, existed, err := ws.CreateSalesOrderOnce(ctx, sampleOrder("R-4001"))
	if err != nil || existed || ref.Code == "" {
		t.Fatalf("retry after 5xx = %+v, %v, %v; want a fresh create", ref, existed, err)
	}
	// A connection dropped before the save: retryable, nothing saved, the retry creates once.
	sim.SetFaults(cbsim.Faults{Drop: 1, Route: "transactions/createsalesorder"})
	if _, _, err := ws.CreateSalesOrderOnce(ctx, sampleOrder("R-4002")); !cb.IsRetryable(err) {
		t.Fatalf("dropped create err = %v; want retryable", err)
	}
	if n := len(sim.SalesOrdersByPOCode("R-4002")); n != 0 {
		t.Fatalf("%d orders saved by a dropped create", n)
	}
	if _, existed, err := ws.CreateSalesOrderOnce(ctx, sampleOrder("R-4002")); err != nil || existed {
		t.Fatalf("retry after drop: existed %v, %v", existed, err)
	}
	if n := len(sim.SalesOrdersByPOCode("R-4002")); n != 1 {
		t.Fatalf("%d orders with POCode R-4002; want 1", n)
	}
}

func TestShipmentsContract(t *testing.T) {
	sim, ws := newPair(t, cbsim.Options{}, 5*time.Second)
	ctx := context.Background()
	start := time.Now().Add(-time.Second)
	ref, err := ws.CreateSalesOrder(ctx, sampleOrder("R-5001"))
	if err != nil {
		t.Fatal(err)
	}
	if boxes, err := ws.PackedBoxes(ctx, ref.Code); err != nil || len(boxes) != 0 {
		t.Fatalf("unshipped order boxes = %+v, %v", boxes, err)
	}
	if err := sim.ShipNow(ref.Code, cbsim.ShipOptions{Partial: true}); err != nil {
		t.Fatal(err)
	}
	if err := sim.ShipNow(ref.Code, cbsim.ShipOptions{Boxes: 2}); err != nil {
		t.Fatal(err)
	}
	boxes, err := ws.PackedBoxes(ctx, ref.Code)
	if err != nil {
		t.Fatal(err)
	}
	if len(boxes) != 2 {
		t.Fatalf("boxes = %+v; want 2 (a partial box, then the rest)", boxes)
	}
	total := map[string]decimal.Decimal{}
	for _, b := range boxes {
		if b.TrackingNumber == "" || b.Carrier != "UPS" || b.Service != "Ground" || b.ShipDate.IsZero() || !b.WeightLbs.IsPositive() {
			t.Errorf("box = %+v", b)
		}
		for _, it := range b.Items {
			total[it.ItemName] = total[it.ItemName].Add(it.Quantity)
		}
	}
	if !total[catalog.Items[0].SKU].Equal(d("2")) || !total[catalog.Items[1].SKU].Equal(d("1")) {
		t.Errorf("shipped totals = %v", total)
	}
	shipped, err := ws.ShippedSince(ctx, start)
	if err != nil || len(shipped) != 1 || shipped[0].SalesOrderCode != ref.Code || shipped[0].POCode != "R-5001" {
		t.Fatalf("ShippedSince = %+v, %v", shipped, err)
	}
	if later, err := ws.ShippedSince(ctx, time.Now().Add(time.Hour)); err != nil || len(later) != 0 {
		t.Fatalf("ShippedSince(future) = %+v, %v", later, err)
	}
	so, _ := ws.LoadSalesOrder(ctx, ref.Code)
	if so.OrderStatus != "Completed" || !so.Lines[0].QuantityShipped.Equal(d("2")) {
		t.Fatalf("order after shipping = %+v", so)
	}
}

func TestWarehouseShipsByItself(t *testing.T) {
	sim, ws := newPair(t, cbsim.Options{ShipDelay: 20 * time.Millisecond}, 5*time.Second)
	ref, err := ws.CreateSalesOrder(context.Background(), sampleOrder("R-6001"))
	if err != nil {
		t.Fatal(err)
	}
	require.Eventually(t, func() bool {
		o := sim.SalesOrdersByPOCode("R-6001")
		return len(o) == 1 && o[0].Status == "Completed"
	}, 5*time.Second, 10*time.Millisecond, "the warehouse did not ship the order")
	if boxes, err := ws.PackedBoxes(context.Background(), ref.Code); err != nil || len(boxes) == 0 {
		t.Fatalf("boxes = %+v, %v", boxes, err)
	}
}

func TestItemsAndStockContract(t *testing.T) {
	_, ws := newPair(t, cbsim.Options{}, 5*time.Second)
	ctx := context.Background()
	want := catalog.Items[2]
	it, err := ws.ItemByName(ctx, want.SKU)
	if err != nil || it == nil || it.Code != want.Code || !it.RetailPrice.Equal(d(want.Retail)) {
		t.Fatalf("ItemByName = %+v, %v", it, err)
	}
	if it, err := ws.ItemByName(ctx, catalog.UnknownSKU); err != nil || it != nil {
		t.Fatalf("unknown SKU = %+v, %v", it, err)
	}
	if it, err := ws.ItemByUPC(ctx, want.CaseUPC); err != nil || it == nil || it.Code != want.Code || it.UnitMeasureCode != "CASE" {
		t.Fatalf("ItemByUPC(case) = %+v, %v", it, err)
	}
	if it, err := ws.ItemByUPC(ctx, "000000000000"); err != nil || it != nil {
		t.Fatalf("unknown UPC = %+v, %v", it, err)
	}
	det, err := ws.ItemDetails(ctx, want.Code)
	if err != nil || det == nil || det.Name != want.SKU || !det.WholesalePrice.Equal(d(want.Wholesale)) || !det.WeightLbs.Equal(d(want.WeightLbs)) ||
		len(det.UnitsOfMeasure) != 2 || det.UnitsOfMeasure[1].UPC != want.CaseUPC || !det.UnitsOfMeasure[1].Qty.Equal(d("12")) || !det.Active {
		t.Fatalf("ItemDetails = %+v, %v", det, err)
	}
	last := catalog.Items[len(catalog.Items)-1]
	if det, err := ws.ItemDetails(ctx, last.Code); err != nil || det.Active || det.Status != "P" {
		t.Fatalf("phased-out item = %+v, %v", det, err)
	}
	if det, err := ws.ItemDetails(ctx, "ITEM-999999"); err != nil || det != nil {
		t.Fatalf("unknown item details = %+v, %v", det, err)
	}
	stock, err := ws.FreeStock(ctx, want.Code)
	if err != nil || len(stock) != 4 {
		t.Fatalf("FreeStock = %+v, %v; want 2 warehouses × 2 UoMs", stock, err)
	}
	batch, err := ws.FreeStockBatch(ctx, []cb.StockQuery{{ItemCode: want.Code, WarehouseCode: "MAIN"}, {ItemCode: catalog.Items[3].Code, WarehouseCode: "WEST"}})
	if err != nil || len(batch) != 2 || batch[0].WarehouseCode != "MAIN" || !batch[1].FreeStock.Equal(d("25")) {
		t.Fatalf("FreeStockBatch = %+v, %v", batch, err)
	}
	whs, err := ws.Warehouses(ctx)
	if err != nil || len(whs) != 2 || whs[0].Code != "MAIN" {
		t.Fatalf("Warehouses = %+v, %v", whs, err)
	}
}

func TestListItemsWalksPastTheRowCap(t *testing.T) {
	if testing.Short() {
		t.Skip("walks 2,500 items")
	}
	const synthetic = 2500 // more than one narrowed lookup's cap (2000), so the walk must split
	sim, ws := newPair(t, cbsim.Options{}, 10*time.Second)
	sim.AddSyntheticItems(synthetic, 5)
	ctx := context.Background()
	seen := map[string]bool{}
	cursor, pages := "", 0
	for {
		items, next, err := ws.ListItems(ctx, cursor, 500)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(items) > 500 {
			t.Fatalf("page of %d items; max is 500", len(items))
		}
		for _, it := range items {
			if seen[it.Code] {
				t.Fatalf("item %s returned twice", it.Code)
			}
			seen[it.Code] = true
		}
		if next == "" {
			break
		}
		if len(next) > 500 {
			t.Fatalf("cursor is %d bytes", len(next))
		}
		cursor = next
	}
	if want := len(catalog.Items) + synthetic; len(seen) != want {
		t.Fatalf("walked %d items; want %d", len(seen), want)
	}
	t.Logf("%d pages, %d ItemLookup calls", pages, sim.Calls("Products/ItemLookup"))
}

func TestReferenceListsContract(t *testing.T) {
	_, ws := newPair(t, cbsim.Options{}, 5*time.Second)
	ctx := context.Background()
	sm, err := ws.ShippingMethods(ctx)
	if err != nil || len(sm) != len(catalog.ShipMethods) || sm[5].Group != "WHOLESALE" {
		t.Fatalf("ShippingMethods = %+v, %v", sm, err)
	}
	pt, err := ws.PaymentTerms(ctx)
	if err != nil || len(pt) == 0 || pt[0].Code != "Credit Card" {
		t.Fatalf("PaymentTerms = %+v, %v", pt, err)
	}
	src, err := ws.Sources(ctx)
	if err != nil || src[0].Code != "CartRover" {
		t.Fatalf("Sources = %+v, %v", src, err)
	}
	sites, err := ws.WebSites(ctx)
	if err != nil || len(sites) != 1 || sites[0].Code != "WEB-000001" {
		t.Fatalf("WebSites = %+v, %v", sites, err)
	}
	car, err := ws.Carriers(ctx, "MAIN")
	if err != nil || len(car) != 3 {
		t.Fatalf("Carriers = %+v, %v", car, err)
	}
	svc, err := ws.ServiceTypes(ctx, "UPS")
	if err != nil || len(svc) != 3 {
		t.Fatalf("ServiceTypes(UPS) = %+v, %v; want 3 without (Unspecified)", svc, err)
	}
	cs, err := ws.Countries(ctx)
	if err != nil || len(cs) < 10 {
		t.Fatalf("Countries = %v, %v", cs, err)
	}
	for _, c := range cs {
		if _, ok := cb.CountryName(c); !ok {
			t.Errorf("CB country %q has no mapping", c)
		}
	}
}

// TestHoldSalesOrderContract covers the assumed hold call (the spec is silent): a held order loads
// with IsOnHold, does not ship, and holding it again succeeds; a missing order is a business error.
func TestHoldSalesOrderContract(t *testing.T) {
	sim, ws := newPair(t, cbsim.Options{}, 5*time.Second)
	ctx := context.Background()
	ref, _, err := ws.CreateSalesOrderOnce(ctx, sampleOrder("PO-HOLD-1"))
	require.NoError(t, err)
	require.NoError(t, ws.HoldSalesOrder(ctx, ref.Code, "CartRover order PO-HOLD-1 was canceled"))
	require.NoError(t, ws.HoldSalesOrder(ctx, ref.Code, "again"), "holding a held order is harmless (retries)")
	so, err := ws.LoadSalesOrder(ctx, ref.Code)
	require.NoError(t, err)
	require.True(t, so.IsOnHold)
	require.Error(t, sim.ShipNow(ref.Code, cbsim.ShipOptions{}), "the warehouse does not ship an order on hold")
	var be *cb.BusinessError
	require.ErrorAs(t, ws.HoldSalesOrder(ctx, "SO-NOPE", "x"), &be)
}
