package cartrover_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cartrover-cb/ordermanager/cartrover"
	"github.com/cartrover-cb/ordermanager/sandbox/cartroversim"
	"github.com/cartrover-cb/ordermanager/sandbox/catalog"
)

// clock is a settable clock for the simulator.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

// logBuffer is a concurrency-safe log sink.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *logBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

type env struct {
	sim    *cartroversim.Server
	srv    *httptest.Server
	client *cartrover.Client
	clock  *clock
	logs   *logBuffer
}

// newEnv starts the simulator on loopback (no bucket unless opts say so) with a client for it.
func newEnv(t *testing.T, opts cartroversim.Options, cfg cartrover.Config) *env {
	t.Helper()
	e := &env{clock: &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}, logs: &logBuffer{}}
	if opts.Now == nil {
		opts.Now = e.clock.Now
	}
	if opts.Burst == 0 && !opts.NoRateLimit {
		opts.NoRateLimit = true
	}
	e.sim = cartroversim.New(opts)
	e.srv = httptest.NewServer(e.sim)
	t.Cleanup(e.srv.Close)
	cfg.BaseURL = e.srv.URL
	if cfg.APIUser == "" {
		cfg.APIUser, cfg.APIKey = cartroversim.DefaultAPIUser, cartroversim.DefaultAPIKey
	}
	if cfg.RatePerSecond == 0 {
		cfg.RatePerSecond = -1
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	cfg.Logger = slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := cartrover.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.client = c
	return e
}

func codeOf(err error) cartrover.ErrorCode {
	var e *cartrover.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func TestContractAllOrdersPagesUntilAShortPage(t *testing.T) {
	e := newEnv(t, cartroversim.Options{}, cartrover.Config{})
	refs := e.sim.Generate(7, 0)
	ctx := context.Background()

	var got []string
	for o, err := range e.client.AllOrders(ctx, cartrover.StatusNew, cartrover.ListOptions{Limit: 3}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, o.CustRef)
	}
	if strings.Join(got, ",") != strings.Join(refs, ",") {
		t.Fatalf("AllOrders = %v, want %v in creation order", got, refs)
	}
	if n := e.sim.Stats().ByRoute["ListOrders"]; n != 3 {
		t.Errorf("listing 7 orders by 3 made %d list calls, want 3", n)
	}

	e.sim.Generate(2, 0) // 9 orders: three full pages and an empty fourth
	e.sim.ResetStats()
	n := 0
	for _, err := range e.client.AllOrders(ctx, cartrover.StatusNew, cartrover.ListOptions{Limit: 3}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 9 || e.sim.Stats().ByRoute["ListOrders"] != 4 {
		t.Errorf("9 orders by 3: got %d orders in %d calls, want 9 in 4", n, e.sim.Stats().ByRoute["ListOrders"])
	}
}

func TestContractListFiltersByTheStatusDateAndEncodesOffsets(t *testing.T) {
	e := newEnv(t, cartroversim.Options{}, cartrover.Config{})
	ctx := context.Background()
	early := e.sim.Generate(2, 0)
	e.clock.Add(2 * time.Hour)
	late := e.sim.Generate(1, 0)
	e.clock.Add(time.Hour)
	if err := e.client.MarkAtWMS(ctx, early[0]); err != nil {
		t.Fatal(err)
	}
	// A window given in a +02:00 zone: the '+' must travel as %2B or the simulator rejects it.
	cest := time.FixedZone("CEST", 2*3600)
	from := e.clock.Now().Add(-90 * time.Minute).In(cest)

	newOnes, err := e.client.ListOrders(ctx, cartrover.StatusNew, cartrover.ListOptions{From: from})
	if err != nil {
		t.Fatal(err)
	}
	if len(newOnes) != 1 || newOnes[0].CustRef != late[0] {
		t.Errorf("new since %v = %v, want only %s (created then)", from, refsOf(newOnes), late[0])
	}
	atWMS, err := e.client.ListOrders(ctx, cartrover.StatusAtWMS, cartrover.ListOptions{From: from})
	if err != nil {
		t.Fatal(err)
	}
	if len(atWMS) != 1 || atWMS[0].CustRef != early[0] {
		t.Errorf("at_wms since %v = %v, want %s (delivered to WMS then, though created earlier)", from, refsOf(atWMS), early[0])
	}
	both, err := e.client.ListOrders(ctx, cartrover.StatusNewOrAtWMS, cartrover.ListOptions{To: from})
	if err != nil {
		t.Fatal(err)
	}
	if len(both) != 2 {
		t.Errorf("new_or_at_wms created before %v = %v, want the 2 early orders", from, refsOf(both))
	}
	src := both[0].OrderSource
	bySource, err := e.client.ListOrders(ctx, cartrover.StatusAny, cartrover.ListOptions{OrderSource: src})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range bySource {
		if o.OrderSource != src {
			t.Errorf("order_source=%s listed %s from %s", src, o.CustRef, o.OrderSource)
		}
	}
}

func refsOf(os []cartrover.Order) []string {
	var r []string
	for _, o := range os {
		r = append(r, o.CustRef)
	}
	return r
}

func TestContractOrderLifecycleFromNewToShippedWithPartialBoxes(t *testing.T) {
	e := newEnv(t, cartroversim.Options{}, cartrover.Config{})
	ctx := context.Background()
	if err := e.sim.AddOrders(cartrover.Order{
		CustRef: "A-100", OrderSource: "Shopify", ShipCode: "standard", ShipFirstName: "Ann", ShipLastName: "Lee",
		ShipAddress1: "1 Main St", ShipCity: "Boston", ShipState: "MA", ShipZip: "02110", ShipCountry: "USA",
		Items: []cartrover.LineItem{
			{Item: "TEE-CLASSIC-M", Quantity: cartrover.MustDecimal("3"), Price: cartrover.MustDecimal("19.99"), Tax: cartrover.MustDecimal("3.75")},
			{Item: "MUG-STONE-OS", Quantity: cartrover.MustDecimal("1"), Price: cartrover.MustDecimal("16.00"), Discount: cartrover.MustDecimal("1.60")},
		},
		ShippingHandling: cartrover.MustDecimal("5.99"),
	}); err != nil {
		t.Fatal(err)
	}

	o, err := e.client.GetOrder(ctx, "A-100")
	if err != nil {
		t.Fatal(err)
	}
	if o.OrderStatus != cartrover.StatusNew || o.Items[0].Price.String() != "19.9900" ||
		o.Items[1].ExtendedAmount.String() != "14.40" || o.SubTotal.String() != "74.37" || o.GrandTotal.String() != "84.11" {
		t.Fatalf("order as read: status %s price %s ext %s sub %s grand %s", o.OrderStatus, o.Items[0].Price,
			o.Items[1].ExtendedAmount, o.SubTotal, o.GrandTotal)
	}

	if err := e.client.MarkAtWMS(ctx, "A-100"); err != nil {
		t.Fatal(err)
	}
	if err := e.client.MarkAtWMS(ctx, "A-100"); err != nil {
		t.Fatalf("repeating MarkAtWMS (a retry) failed: %v", err)
	}
	box := func(tn string, items ...cartrover.ShipmentItem) cartrover.Shipment {
		return cartrover.Shipment{Carrier: "UPS", Method: "03", TrackingNo: tn, Items: items}
	}
	item := func(sku, q string) cartrover.ShipmentItem {
		return cartrover.ShipmentItem{Item: sku, Quantity: cartrover.MustDecimal(q)}
	}
	if err := e.client.PostShipments(ctx, "A-100", []cartrover.Shipment{box("1Z1", item("TEE-CLASSIC-M", "2"))}); err != nil {
		t.Fatal(err)
	}
	st, err := e.client.OrderStatus(ctx, "A-100")
	if err != nil {
		t.Fatal(err)
	}
	if st.OrderStatus != cartrover.StatusPartial || len(st.Shipments) != 1 || st.DeliveredToWMSDate.IsZero() {
		t.Fatalf("after one partial box: %+v", st)
	}
	partial, err := e.client.ListOrders(ctx, cartrover.StatusPartial, cartrover.ListOptions{})
	if err != nil || len(partial) != 1 {
		t.Fatalf("partial list = %v, %v; want A-100", refsOf(partial), err)
	}

	err = e.client.PostShipments(ctx, "A-100", []cartrover.Shipment{box("1Z2", item("TEE-CLASSIC-M", "2"))})
	if codeOf(err) != cartrover.CodeInvalid || err.(*cartrover.Error).Retryable() {
		t.Fatalf("over-shipping: err = %v, want a non-retryable Invalid", err)
	}
	err = e.client.PostShipments(ctx, "A-100", []cartrover.Shipment{box("1Z1", item("TEE-CLASSIC-M", "1"))})
	if codeOf(err) != cartrover.CodeInvalid || !strings.Contains(err.Error(), "already posted") {
		t.Fatalf("re-posting tracking 1Z1: err = %v, want Invalid already posted", err)
	}

	if err := e.client.PostShipments(ctx, "A-100", []cartrover.Shipment{
		box("1Z3", item("TEE-CLASSIC-M", "1")), box("1Z4", item("MUG-STONE-OS", "1")),
	}); err != nil {
		t.Fatal(err)
	}
	st, err = e.client.OrderStatus(ctx, "A-100")
	if err != nil {
		t.Fatal(err)
	}
	if st.OrderStatus != cartrover.StatusShipped || len(st.Shipments) != 3 || st.Shipments[2].TrackingNo != "1Z4" {
		t.Fatalf("after all boxes: status %s, %d shipments", st.OrderStatus, len(st.Shipments))
	}
	if err := e.client.Cancel(ctx, "A-100"); codeOf(err) != cartrover.CodeFailure {
		t.Errorf("canceling a shipped order: err = %v, want Failure", err)
	}
	sim, _ := e.sim.Order("A-100")
	if sim.ShipmentLoadedDate.IsZero() || sim.OrderStatus != cartrover.StatusShipped {
		t.Errorf("simulator state: %s, loaded %v", sim.OrderStatus, sim.ShipmentLoadedDate)
	}
}

func TestContractErrorHoldReopenAndCancel(t *testing.T) {
	e := newEnv(t, cartroversim.Options{}, cartrover.Config{})
	ctx := context.Background()
	refs := e.sim.Generate(2, 0)
	msg := "ship code local_pickup is not mapped: add it to the shipping map"
	if err := e.client.SetError(ctx, refs[0], msg); err != nil {
		t.Fatal(err)
	}
	o, _ := e.sim.Order(refs[0])
	if o.OrderStatus != cartrover.StatusError || o.ErrorMsg != msg || o.ErrorDate.IsZero() {
		t.Fatalf("after SetError: %s %q %v", o.OrderStatus, o.ErrorMsg, o.ErrorDate)
	}
	errs, err := e.client.ListOrders(ctx, cartrover.StatusError, cartrover.ListOptions{})
	if err != nil || len(errs) != 1 || errs[0].ErrorMsg != msg {
		t.Fatalf("error list = %v, %v", refsOf(errs), err)
	}
	if err := e.client.Reopen(ctx, refs[0]); err != nil {
		t.Fatal(err)
	}
	if o, _ := e.sim.Order(refs[0]); o.OrderStatus != cartrover.StatusNew || o.ErrorMsg != "" {
		t.Fatalf("after Reopen: %s %q", o.OrderStatus, o.ErrorMsg)
	}
	if err := e.client.Cancel(ctx, refs[1]); err != nil {
		t.Fatal(err)
	}
	if o, _ := e.sim.Order(refs[1]); o.OrderStatus != cartrover.StatusCanceled || o.CancelDate.IsZero() {
		t.Fatalf("after Cancel: %s %v", o.OrderStatus, o.CancelDate)
	}
	if err := e.client.MarkAtWMS(ctx, refs[1]); codeOf(err) != cartrover.CodeInvalid {
		t.Errorf("MarkAtWMS on a canceled order: err = %v, want Invalid", err)
	}
	if _, err := e.client.GetOrder(ctx, "NO-SUCH-ORDER"); !cartrover.IsNotFound(err) {
		t.Errorf("GetOrder of a missing order: err = %v, want not found", err)
	}
}

func TestContractInventoryProductsShipMethodsAndSources(t *testing.T) {
	e := newEnv(t, cartroversim.Options{}, cartrover.Config{})
	ctx := context.Background()
	page, err := e.client.ListInventory(ctx, 10, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 10 {
		t.Fatalf("inventory page of 10 has %d rows", len(page))
	}
	sku := catalog.ActiveItems()[0].SKU
	it, err := e.client.InventoryItem(ctx, sku)
	if err != nil {
		t.Fatal(err)
	}
	if len(it.Warehouses) != 2 || it.Aliases["UPC"] != catalog.ActiveItems()[0].UPC {
		t.Errorf("inventory %s = %+v", sku, it)
	}
	res, err := e.client.UpdateInventory(ctx, []cartrover.InventoryUpdate{
		{SKU: sku, QtyAvailable: cartrover.MustDecimal("7"), Warehouse: "MAIN"},
		{SKU: "NOT-A-SKU", QtyAvailable: cartrover.MustDecimal("1")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Success) != 1 || res.Success[0].SKU != sku || len(res.Failed) != 1 || res.Failed[0].SKU != "NOT-A-SKU" {
		t.Fatalf("inventory batch result = %+v", res)
	}
	after, _ := e.sim.Inventory(sku)
	if after.Warehouses["2352"].QtyAvailable.String() != "7" || !after.QtyAvailable.Equal(after.Warehouses["2352"].QtyAvailable.Add(after.Warehouses["2489"].QtyAvailable.Decimal)) {
		t.Errorf("after update: %+v", after)
	}
	if _, err := e.client.InventoryItem(ctx, "NOT-A-SKU"); !cartrover.IsNotFound(err) {
		t.Errorf("missing SKU: err = %v, want not found", err)
	}

	p, err := e.client.Product(ctx, sku)
	if err != nil {
		t.Fatal(err)
	}
	if p.RetailPrice.String() != catalog.ActiveItems()[0].Retail || p.Aliases.Code("UPC") != catalog.ActiveItems()[0].UPC {
		t.Errorf("product %s = %+v", sku, p)
	}
	pres, err := e.client.UpdateProducts(ctx, []cartrover.ProductUpdate{{SKU: sku, Description: "New text", WeightLbs: cartrover.MustDecimal("0.55")}})
	if err != nil || len(pres.Success) != 1 {
		t.Fatalf("UpdateProducts = %+v, %v", pres, err)
	}
	if sp, _ := e.sim.Product(sku); sp.Description != "New text" || sp.WeightLbs.String() != "0.55" {
		t.Errorf("product after update: %+v", sp)
	}

	ms, err := e.client.ShipMethods(ctx)
	if err != nil || len(ms) != len(cartroversim.ShipMethods) {
		t.Fatalf("ShipMethods = %v, %v", ms, err)
	}
	srcs, err := e.client.OrderSources(ctx)
	if err != nil || len(srcs) != len(catalog.OrderSources) || srcs[0].OrderSource != catalog.OrderSources[0] {
		t.Fatalf("OrderSources = %v, %v", srcs, err)
	}
	if err := e.client.Ping(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestContractCartCreateAnswersDuplicatesAndMissingFields(t *testing.T) {
	e := newEnv(t, cartroversim.Options{}, cartrover.Config{})
	ctx := context.Background()
	ord := cartrover.Order{CustRef: "WEB-1", ShipCompany: "Will Town", ShipAddress1: "351 Hitchcock Way", ShipCity: "Santa Barbara",
		ShipState: "CA", ShipZip: "93105", ShipCountry: "USA", ShipIsBilling: true,
		Items: []cartrover.LineItem{{Item: "C100", Quantity: cartrover.MustDecimal("2"), Price: cartrover.MustDecimal("4.4")}}}
	ref, err := e.client.CreateOrder(ctx, ord)
	if err != nil || ref != "WEB-1" {
		t.Fatalf("CreateOrder = %q, %v", ref, err)
	}
	if o, _ := e.sim.Order("WEB-1"); o.CustCity != "Santa Barbara" || o.SubTotal.String() != "8.80" {
		t.Errorf("ship_is_billing/total not applied: cust_city %q sub_total %s", o.CustCity, o.SubTotal)
	}
	if _, err := e.client.CreateOrder(ctx, ord); codeOf(err) != cartrover.CodeFailure {
		t.Errorf("duplicate create: err = %v, want Failure", err)
	}
	noRef := ord
	noRef.CustRef, noRef.ShipZip = "", ""
	second := ord
	second.CustRef = "WEB-2"
	res, err := e.client.CreateOrders(ctx, []cartrover.Order{second, ord, noRef})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Success) != 1 || res.Success[0].CustRef != "WEB-2" || len(res.Failed) != 2 ||
		res.Failed[0].Message != "OrderDuplicate" || res.Failed[1].IndexPos == nil || *res.Failed[1].IndexPos != 2 ||
		!strings.Contains(res.Failed[1].Message, "cust_ref, ship_zip") {
		t.Fatalf("batch result = %+v", res)
	}
}

func TestContractBadCredentialsAreUnauthorizedAndNeverEchoTheKey(t *testing.T) {
	e := newEnv(t, cartroversim.Options{}, cartrover.Config{APIUser: "sandbox", APIKey: "wrong-key-123"})
	_, err := e.client.ListOrders(context.Background(), cartrover.StatusNew, cartrover.ListOptions{})
	var ce *cartrover.Error
	if !errors.As(err, &ce) || ce.Code != cartrover.CodeUnauthorized || ce.Retryable() || ce.HTTPStatus != http.StatusUnauthorized {
		t.Fatalf("err = %v, want a non-retryable Unauthorized with HTTP 401", err)
	}
	if ce.ProcessID == "" {
		t.Error("the error has no CartRover process id")
	}
	if strings.Contains(err.Error(), "wrong-key-123") || strings.Contains(e.logs.String(), "wrong-key-123") {
		t.Error("the API key leaked into the error or the log")
	}
	if e.sim.Stats().Unauthorized != 1 {
		t.Errorf("simulator counted %d refused calls, want 1", e.sim.Stats().Unauthorized)
	}
}

func TestContractSimulatorAcceptsQueryCredentials(t *testing.T) {
	e := newEnv(t, cartroversim.Options{}, cartrover.Config{})
	resp, err := http.Get(e.srv.URL + "/v1/wms/shipmethod/list?api_user=sandbox&api_key=sandbox-key")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get(cartrover.HeaderProcessID) == "" || resp.Header.Get(cartrover.HeaderHitsRemaining) == "" {
		t.Fatalf("status %d, headers %v", resp.StatusCode, resp.Header)
	}
}

func TestContractProcessIDIsLoggedPerCall(t *testing.T) {
	e := newEnv(t, cartroversim.Options{}, cartrover.Config{})
	if _, err := e.client.ShipMethods(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.ShipMethods(context.Background()); err != nil {
		t.Fatal(err)
	}
	logs := e.logs.String()
	if strings.Count(logs, "process_id=sim") != 2 || !strings.Contains(logs, "op=ShipMethods") {
		t.Errorf("want two log lines with the process id, got:\n%s", logs)
	}
}

func TestContractInjectedFaultsAreClassifiedRetryable(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name   string
		faults cartroversim.Faults
		want   cartrover.ErrorCode
	}{
		{"dropped connection", cartroversim.Faults{Drop: 1}, cartrover.CodeTransport},
		{"HTML 503", cartroversim.Faults{ServerError: 1}, cartrover.CodeServer},
		{"RateLimit", cartroversim.Faults{RateLimit: 1}, cartrover.CodeRateLimit},
		{"lost reply", cartroversim.Faults{LostReply: 1}, cartrover.CodeTransport},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, cartroversim.Options{Faults: tc.faults}, cartrover.Config{})
			e.sim.Generate(1, 0)
			ref := e.sim.Orders()[0].CustRef
			err := e.client.MarkAtWMS(ctx, ref)
			var ce *cartrover.Error
			if !errors.As(err, &ce) || ce.Code != tc.want || !ce.Retryable() {
				t.Fatalf("err = %v, want retryable %s", err, tc.want)
			}
			if tc.want == cartrover.CodeRateLimit && ce.RetryAfter() < time.Second {
				t.Errorf("RetryAfter = %v, want at least 1s", ce.RetryAfter())
			}
			if tc.want == cartrover.CodeServer && !strings.Contains(ce.Snippet, "503") {
				t.Errorf("snippet %q does not show the body", ce.Snippet)
			}
			o, _ := e.sim.Order(ref)
			applied := o.OrderStatus == cartrover.StatusAtWMS
			if applied != (tc.name == "lost reply") {
				t.Errorf("order status after %s is %s", tc.name, o.OrderStatus)
			}
			if e.sim.Stats().Faults+e.sim.Stats().RateLimited != 1 {
				t.Errorf("stats = %+v, want one fault", e.sim.Stats())
			}
		})
	}
}

func TestContractIncludeFlagsShowFilteredLinesAndExtras(t *testing.T) {
	e := newEnv(t, cartroversim.Options{}, cartrover.Config{})
	ctx := context.Background()
	if err := e.sim.AddOrders(cartrover.Order{CustRef: "X-1", ShipAddress1: "1 A St", ShipCity: "C", ShipState: "S", ShipZip: "1", ShipCountry: "USA",
		ExtraFields: cartrover.StringMap{"gift_receipt": "yes"},
		Items: []cartrover.LineItem{
			{Item: "TEE-CLASSIC-S", Quantity: cartrover.MustDecimal("1"), ExtraFields: cartrover.StringMap{"engraving": "JS"}},
			{Item: "FREE-STICKER", Quantity: cartrover.MustDecimal("1"), FilteredSKU: true},
		}}); err != nil {
		t.Fatal(err)
	}
	plain, err := e.client.ListOrders(ctx, cartrover.StatusNew, cartrover.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(plain[0].Items) != 1 || plain[0].ExtraFields != nil || plain[0].Items[0].ExtraFields != nil {
		t.Errorf("without include flags: %d lines, extras %v / %v", len(plain[0].Items), plain[0].ExtraFields, plain[0].Items[0].ExtraFields)
	}
	full, err := e.client.ListOrders(ctx, cartrover.StatusNew, cartrover.ListOptions{IncludeFilteredItems: true, IncludeOrderExtras: true, IncludeLineExtras: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(full[0].Items) != 2 || full[0].ExtraFields["gift_receipt"] != "yes" || full[0].Items[0].ExtraFields["engraving"] != "JS" || !full[0].Items[1].FilteredSKU {
		t.Errorf("with include flags: %+v", full[0])
	}
}

func TestContractInjectedLatencyPastTheTimeoutIsATimeout(t *testing.T) {
	e := newEnv(t, cartroversim.Options{Faults: cartroversim.Faults{Latency: 2 * time.Second}}, cartrover.Config{Timeout: 50 * time.Millisecond})
	_, err := e.client.ShipMethods(context.Background())
	if codeOf(err) != cartrover.CodeTimeout {
		t.Fatalf("err = %v, want Timeout", err)
	}
}
