package cartroversim_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cartrover-cb/ordermanager/cartrover"
	"github.com/cartrover-cb/ordermanager/sandbox/cartroversim"
	"github.com/cartrover-cb/ordermanager/sandbox/catalog"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func fixedNow() time.Time { return t0 }

func client(t *testing.T, url string) *cartrover.Client {
	t.Helper()
	c, err := cartrover.New(cartrover.Config{BaseURL: url, APIUser: cartroversim.DefaultAPIUser, APIKey: cartroversim.DefaultAPIKey,
		RatePerSecond: -1, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestGenerateIsDeterministicForASeed(t *testing.T) {
	a := cartroversim.New(cartroversim.Options{Seed: 42, Now: fixedNow})
	b := cartroversim.New(cartroversim.Options{Seed: 42, Now: fixedNow})
	c := cartroversim.New(cartroversim.Options{Seed: 43, Now: fixedNow})
	ra, rb, rc := a.Generate(30, 0.2), b.Generate(30, 0.2), c.Generate(30, 0.2)
	ja, _ := json.Marshal(a.Orders())
	jb, _ := json.Marshal(b.Orders())
	jc, _ := json.Marshal(c.Orders())
	if !slices.Equal(ra, rb) || string(ja) != string(jb) {
		t.Error("two simulators with seed 42 generated different orders")
	}
	if string(ja) == string(jc) || slices.Equal(ra, rc) {
		t.Error("seeds 42 and 43 generated the same orders")
	}
}

func TestGeneratedOrdersAreRealisticAndConsistent(t *testing.T) {
	s := cartroversim.New(cartroversim.Options{Seed: 7, Now: fixedNow})
	const n = 200
	refs := s.Generate(n, 0.15)
	if len(refs) != n {
		t.Fatalf("Generate returned %d refs, want %d", len(refs), n)
	}
	skus := map[string]bool{}
	for _, it := range catalog.ActiveItems() {
		skus[it.SKU] = true
	}
	codes := map[string]catalog.CartShipCode{}
	for _, c := range catalog.CartShipCodes {
		codes[c.OrderSource+"/"+c.ShipCode] = c
	}
	sources, countries := map[string]int{}, map[string]int{}
	held, multiLine, discounted, taxed := 0, 0, 0, 0
	for _, ref := range refs {
		o, ok := s.Order(ref)
		if !ok {
			t.Fatalf("order %s not stored", ref)
		}
		sources[o.OrderSource]++
		countries[o.ShipCountry]++
		if len(o.Items) > 1 {
			multiLine++
		}
		if o.OrderStatus != cartrover.StatusNew || o.CreatedDateTime.IsZero() || o.OrderDate.IsZero() {
			t.Errorf("%s: status %s created %v", ref, o.OrderStatus, o.CreatedDateTime)
		}
		sc, known := codes[o.OrderSource+"/"+o.ShipCode]
		if !known {
			t.Errorf("%s: ship code %s/%s is not in the catalog", ref, o.OrderSource, o.ShipCode)
		}
		reason := s.HeldReason(ref)
		unknownSKU := false
		sub, tax, addl := decimal.Zero, decimal.Zero, decimal.Zero
		for _, it := range o.Items {
			if !skus[it.Item] {
				if it.Item != catalog.UnknownSKU {
					t.Errorf("%s: SKU %s is neither active nor the unknown SKU", ref, it.Item)
				}
				unknownSKU = true
			}
			want := it.Price.Sub(it.Discount.Decimal).Mul(it.Quantity.Decimal)
			if !it.ExtendedAmount.Equal(want) {
				t.Errorf("%s line %d: extended %s, want (price−discount)×qty = %s", ref, it.LineNo, it.ExtendedAmount, want)
			}
			if it.Discount.IsPositive() || it.AddlDiscount.IsPositive() {
				discounted++
			}
			sub, tax, addl = sub.Add(it.ExtendedAmount.Decimal), tax.Add(it.Tax.Decimal), addl.Add(it.AddlDiscount.Decimal)
		}
		if tax.IsPositive() {
			taxed++
		}
		if !o.SubTotal.Equal(sub) || !o.SalesTax.Equal(tax) || o.OrderDiscount.LessThan(addl) {
			t.Errorf("%s: sub_total %s (Σ %s), sales_tax %s (Σ %s), order_discount %s < Σ addl %s", ref, o.SubTotal, sub, o.SalesTax, tax, o.OrderDiscount, addl)
		}
		grand := o.SubTotal.Add(o.SalesTax.Decimal).Add(o.ShippingHandling.Decimal).Sub(o.OrderDiscount.Decimal)
		if !o.GrandTotal.Equal(grand) || o.GrandTotal.IsNegative() {
			t.Errorf("%s: grand_total %s, want %s", ref, o.GrandTotal, grand)
		}
		defects := map[string]bool{
			cartroversim.HeldUnknownSKU:     unknownSKU,
			cartroversim.HeldUnmappedShip:   known && sc.MapsTo.Code == "",
			cartroversim.HeldMissingAddress: o.ShipAddress1 == "",
		}
		for r, has := range defects {
			if has != (reason == r) {
				t.Errorf("%s: held reason %q but defect %q present=%v", ref, reason, r, has)
			}
		}
		if reason != "" {
			held++
		}
	}
	if held != 30 {
		t.Errorf("%d of %d orders held, want 15%% = 30", held, n)
	}
	if len(sources) != len(catalog.OrderSources) || countries["USA"] == n || len(countries) < 4 {
		t.Errorf("sources %v countries %v: want every cart and several countries", sources, countries)
	}
	if multiLine == 0 || discounted == 0 || taxed == 0 {
		t.Errorf("multi-line %d, discounted lines %d, taxed orders %d: want some of each", multiLine, discounted, taxed)
	}
}

func TestGenerateOneAtATimeKeepsTheHeldShare(t *testing.T) {
	s := cartroversim.New(cartroversim.Options{Seed: 3, Now: fixedNow})
	held := 0
	for range 400 {
		if s.HeldReason(s.Generate(1, 0.25)[0]) != "" {
			held++
		}
	}
	if held < 70 || held > 130 { // binomial(400, 0.25): mean 100, sd ≈ 8.7
		t.Errorf("%d of 400 single-order generations held, want about 100", held)
	}
}

func TestStateSurvivesARestartWithAStateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cartrover.json")
	a := cartroversim.New(cartroversim.Options{StatePath: path, Now: fixedNow})
	refs := a.Generate(5, 0.2)
	if err := a.Apply(refs[0], cartroversim.Update{OrderStatus: cartrover.StatusAtWMS}); err != nil {
		t.Fatal(err)
	}
	if err := a.Save(); err != nil {
		t.Fatal(err)
	}
	b := cartroversim.New(cartroversim.Options{StatePath: path, Now: fixedNow})
	ja, _ := json.Marshal(a.Orders())
	jb, _ := json.Marshal(b.Orders())
	if string(ja) != string(jb) {
		t.Fatalf("reloaded orders differ:\n%s\n%s", ja, jb)
	}
	if o, _ := b.Order(refs[0]); o.OrderStatus != cartrover.StatusAtWMS {
		t.Errorf("reloaded %s is %s, want at_wms", refs[0], o.OrderStatus)
	}
	if a.HeldReason(refs[1]) != b.HeldReason(refs[1]) {
		t.Error("held reasons were not persisted")
	}
	more := b.Generate(3, 0)
	for _, r := range more {
		if slices.Contains(refs, r) {
			t.Errorf("generator reused cust_ref %s after reload", r)
		}
	}
	// Without an explicit Save the change reaches the file on its own.
	require.Eventually(t, func() bool { return len(cartroversim.New(cartroversim.Options{StatePath: path}).Orders()) == 8 },
		5*time.Second, 20*time.Millisecond, "generated orders did not reach the state file within 5s")
	if err := b.Save(); err != nil { // nothing pending: no write races the temp dir's removal
		t.Fatal(err)
	}
}

func TestServeListensOnLoopbackUntilCanceled(t *testing.T) {
	s := cartroversim.New(cartroversim.Options{NoRateLimit: true})
	ctx, cancel := context.WithCancel(context.Background())
	addr, err := s.Serve(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := client(t, "http://"+addr)
	if _, err := c.ShipMethods(context.Background()); err != nil {
		t.Fatal(err)
	}
	cancel()
	require.Eventually(t, func() bool { _, err := c.ShipMethods(context.Background()); return err != nil },
		5*time.Second, 20*time.Millisecond, "server still answers 5s after its context was canceled")
	if _, err := s.Serve(context.Background(), "256.0.0.1:1"); err == nil {
		t.Error("Serve on an impossible address succeeded")
	}
}

func TestStartGeneratorAddsOrdersUntilStopped(t *testing.T) {
	s := cartroversim.New(cartroversim.Options{})
	stop := s.StartGenerator(context.Background(), 60000, 0) // one every millisecond
	require.Eventually(t, func() bool { return len(s.Orders()) >= 3 }, 10*time.Second, 5*time.Millisecond,
		"generator added fewer than 3 orders in 10s")
	stop()
	n := len(s.Orders())
	if !assert.Never(t, func() bool { return len(s.Orders()) != n }, 20*time.Millisecond, 5*time.Millisecond) {
		t.Error("generator kept adding orders after stop")
	}
}

func TestWireDetails(t *testing.T) {
	s := cartroversim.New(cartroversim.Options{NoRateLimit: true, ErrorStatus: 400})
	srv := httptest.NewServer(s)
	defer srv.Close()
	do := func(method, path, ctype, body string) (int, map[string]any, http.Header) {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.SetBasicAuth("sandbox", "sandbox-key")
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		return resp.StatusCode, m, resp.Header
	}
	pids := map[string]bool{}
	check := func(name string, status int, m map[string]any, h http.Header, wantStatus int, wantMsg string) {
		t.Helper()
		pid := h.Get(cartrover.HeaderProcessID)
		if pid == "" || pids[pid] {
			t.Errorf("%s: process id %q missing or reused", name, pid)
		}
		pids[pid] = true
		msg, _ := m["message"].(string)
		if status != wantStatus || m["success_code"] != false || !strings.Contains(msg, wantMsg) {
			t.Errorf("%s: HTTP %d %v, want %d with %q", name, status, m, wantStatus, wantMsg)
		}
	}
	st, m, h := do("GET", "/v1/merchant/nothing", "", "")
	check("unknown path", st, m, h, 404, "Unknown endpoint")
	st, m, h = do("GET", "/v1/merchant/orders/list/pending", "", "")
	check("bad status", st, m, h, 400, "Invalid order status")
	st, m, h = do("GET", "/v1/merchant/orders/list/new?limit=101", "", "")
	check("limit over 100", st, m, h, 400, "Invalid limit")
	st, m, h = do("GET", "/v1/merchant/orders/list/new?from_date=2026-01-01T00:00:00+02:00", "", "")
	check("unencoded plus", st, m, h, 400, "%2B")
	st, m, h = do("POST", "/v1/merchant/orders/update/X", "text/plain", `{}`)
	check("no JSON content type", st, m, h, 400, "Content-Type")
	st, m, h = do("POST", "/v1/cart/orders/cartrover", "application/json", `{"cust_ref":"Z1"}`)
	check("missing fields", st, m, h, 400, "Order missing required field(s): ship_address_1")
	st, m, h = do("GET", "/v1/wms/shipmethod/list", "", "")
	if st != 200 || m["success_code"] != true || h.Get(cartrover.HeaderHitsRemaining) == "" {
		t.Errorf("ship methods: HTTP %d %v", st, m)
	}
}

func TestCartConfirmationMovesShippedOrdersToConfirmed(t *testing.T) {
	now := t0
	var mu sync.Mutex
	s := cartroversim.New(cartroversim.Options{NoRateLimit: true, Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }})
	ref := s.Generate(1, 0)[0]
	o, _ := s.Order(ref)
	var boxes []cartrover.ShipmentItem
	for _, it := range o.Items {
		boxes = append(boxes, cartrover.ShipmentItem{Item: it.Item, Quantity: it.Quantity})
	}
	if err := s.Apply(ref, cartroversim.Update{OrderStatus: cartrover.StatusConfirmed}); err == nil {
		t.Error("confirming an unshipped order succeeded")
	}
	if err := s.Apply(ref, cartroversim.Update{OrderStatus: cartrover.StatusShipped,
		Shipments: []cartrover.Shipment{{Carrier: "UPS", TrackingNo: "1Z9", Items: boxes}}}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	now = now.Add(time.Hour)
	mu.Unlock()
	srv := httptest.NewServer(s)
	defer srv.Close()
	req, _ := http.NewRequest("POST", srv.URL+"/v1/cart/orders/update/"+ref, strings.NewReader(`{"order_status":"confirmed","shipments":[{"tracking_no":"1Z9"}]}`))
	req.SetBasicAuth("sandbox", "sandbox-key")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	got, _ := s.Order(ref)
	if got.OrderStatus != cartrover.StatusConfirmed || !got.ConfirmedDate.Equal(t0.Add(time.Hour)) || len(got.Shipments) != 1 {
		t.Fatalf("after cart confirmation: %s at %v with %d shipments", got.OrderStatus, got.ConfirmedDate, len(got.Shipments))
	}
	c := client(t, srv.URL)
	list, err := c.ListOrders(context.Background(), cartrover.StatusShippedOrConfirmed, cartrover.ListOptions{From: t0, To: t0})
	if err != nil || len(list) != 1 {
		t.Errorf("shipped_or_confirmed loaded at %v = %d orders, %v; want 1", t0, len(list), err)
	}
	if n := s.CountByStatus()[cartrover.StatusConfirmed]; n != 1 {
		t.Errorf("CountByStatus confirmed = %d", n)
	}
}

func TestConcurrentClientsAndGeneratorAreSafe(t *testing.T) {
	s := cartroversim.New(cartroversim.Options{NoRateLimit: true})
	srv := httptest.NewServer(s)
	defer srv.Close()
	c := client(t, srv.URL)
	s.Generate(20, 0)
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				switch (w + i) % 3 {
				case 0:
					s.Generate(1, 0.5)
				case 1:
					for o, err := range c.AllOrders(ctx, cartrover.StatusNew, cartrover.ListOptions{Limit: 7}) {
						if err != nil {
							t.Error(err)
							return
						}
						_ = c.MarkAtWMS(ctx, o.CustRef) // races with other workers: at_wms twice is fine
						break
					}
				default:
					_, _ = c.InventoryItem(ctx, catalog.ActiveItems()[i].SKU)
					_ = s.Stats()
				}
			}
		}()
	}
	wg.Wait()
	total := 0
	for _, n := range s.CountByStatus() {
		total += n
	}
	if total != len(s.Orders()) {
		t.Errorf("status counts %d != orders %d", total, len(s.Orders()))
	}
}
