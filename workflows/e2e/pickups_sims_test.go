package e2e_test

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/cartrover-cb/ordermanager/activities"
	"github.com/cartrover-cb/ordermanager/cartrover"
	cb "github.com/cartrover-cb/ordermanager/connectedbusiness"
	"github.com/cartrover-cb/ordermanager/internal/temporaltest"
	"github.com/cartrover-cb/ordermanager/sandbox/cartroversim"
	"github.com/cartrover-cb/ordermanager/sandbox/catalog"
	"github.com/cartrover-cb/ordermanager/sandbox/cbsim"
	"github.com/cartrover-cb/ordermanager/settings"
	"github.com/cartrover-cb/ordermanager/workflows"
)

func cbsimCalls(sim *cbsim.Server) int64 {
	var n int64
	for _, v := range sim.Stats() {
		n += v
	}
	return n
}

// TestPickupsWithBothSimulators runs Order Send, then the three pickups, on the real dev server
// with the CartRover simulator and the CB simulator over HTTP: CB's warehouse ships the imported
// orders (one box, two boxes, partially), the shipments run leaves CartRover with exactly CB's
// boxes, a re-run posts nothing, and stock and item details changed in CB reach CartRover.
func TestPickupsWithBothSimulators(t *testing.T) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	crs := cartroversim.New(cartroversim.Options{Seed: 51, Refill: 5 * time.Millisecond, Logger: quiet})
	crSrv := httptest.NewServer(crs)
	t.Cleanup(crSrv.Close)
	cbs := cbsim.New(cbsim.Options{})
	t.Cleanup(func() { _ = cbs.Close() })
	cbSrv := httptest.NewServer(cbs)
	t.Cleanup(cbSrv.Close)
	crc, err := cartrover.New(cartrover.Config{BaseURL: crSrv.URL, APIUser: cartroversim.DefaultAPIUser, APIKey: cartroversim.DefaultAPIKey,
		RatePerSecond: -1, Timeout: 5 * time.Second, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	cbc, err := cb.NewWebService(cb.Config{BaseURL: cbSrv.URL, UserCode: cbsim.DefaultUserCode, Password: cbsim.DefaultPassword, Timeout: 5 * time.Second, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	st, err := settings.Load(filepath.Join("..", "..", "deploy", "settings.sandbox.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	env := temporaltest.NewEnv(t, &activities.Activities{CartRover: crc, CB: cbc}, temporaltest.WorkerOptions{})
	s := &pickupSandbox{seq: env.TaskQueue[strings.LastIndex(env.TaskQueue, "-")+1:], cr: crs, env: env, settings: st}
	for _, it := range catalog.Items {
		cbs.SetStock(it.Code, "MAIN", 500)
	}

	refs := s.addOrders(t, "PS", 24)
	if sum := s.run(t, "ps-orders", workflows.TaskOrders).Orders; sum == nil || sum.Dispatch == nil || sum.Dispatch.New != len(refs) || !waitAtWMS(t, s.cr, refs) {
		t.Fatalf("Order Send imported %+v of %d", sum, len(refs))
	}
	soOf := map[string]string{}
	for i, ref := range refs {
		sos := cbs.SalesOrdersByPOCode(ref)
		if len(sos) != 1 {
			t.Fatalf("CB holds %d orders for %s", len(sos), ref)
		}
		soOf[ref] = sos[0].Code
		opt := []cbsim.ShipOptions{{Boxes: 1}, {Boxes: 2}, {Partial: true}}[i%3]
		if err := cbs.ShipNow(sos[0].Code, opt); err != nil && opt.Partial {
			err = cbs.ShipNow(sos[0].Code, cbsim.ShipOptions{}) // a single unit cannot ship partially
			if err != nil {
				t.Fatal(err)
			}
		} else if err != nil {
			t.Fatal(err)
		}
	}

	// check compares each CartRover order with its CB order: the same tracking numbers in the same
	// order, the same quantities per SKU, shipped or partial as CB says.
	check := func() (boxes, partial int) {
		t.Helper()
		for _, ref := range refs {
			so := cbs.SalesOrdersByPOCode(ref)[0]
			var want []string
			wantQty := map[string]decimal.Decimal{}
			for _, b := range so.Boxes {
				want = append(want, b.TrackingNumber)
				for _, it := range b.Items {
					wantQty[it.ItemName] = wantQty[it.ItemName].Add(it.Quantity)
				}
			}
			boxes += len(want)
			wantStatus := cartrover.StatusShipped
			if so.Status != "Completed" {
				wantStatus, partial = cartrover.StatusPartial, partial+1
			}
			tracking, qty, status := s.crShipments(ref)
			wq := map[string]string{}
			for k, v := range wantQty {
				wq[k] = v.String()
			}
			if !slices.Equal(tracking, want) || !mapsEqual(qty, wq) || status != wantStatus {
				t.Errorf("order %s (CB %s, %s): CartRover tracking %v qty %v status %s; want %v %v %s",
					ref, so.Code, so.Status, tracking, qty, status, want, wq, wantStatus)
			}
		}
		return boxes, partial
	}

	crs.ResetStats()
	cbs.ResetStats()
	sum := s.run(t, "ps-shipments-1", workflows.TaskShipments).Shipments
	crCalls, cbCalls := crs.Stats().Total, cbsimCalls(cbs)
	t.Logf("CB calls of the shipments run by route: %v", cbs.Stats())
	boxes, partial := check()
	if sum.BoxesPosted != boxes || sum.OrdersPartial != partial || sum.OrdersShipped != len(refs)-partial || sum.Failed != 0 {
		t.Fatalf("shipments summary %+v; want %d boxes, %d partial of %d", sum, boxes, partial, len(refs))
	}
	t.Logf("both simulators: %d shipped orders (%d boxes, %d partial): %.2f CartRover calls and %.2f CB calls per shipped order",
		len(refs), boxes, partial, float64(crCalls)/float64(len(refs)), float64(cbCalls)/float64(len(refs)))

	crs.ResetStats()
	sum2 := s.run(t, "ps-shipments-2", workflows.TaskShipments).Shipments
	if n := crs.Stats().ByRoute[cartrover.RouteUpdateOrder.Name]; n != 0 || sum2.BoxesPosted != 0 {
		t.Fatalf("re-run posted %d updates: %+v", n, sum2)
	}

	// The warehouse ships the rest of the partial orders; the next run posts just those boxes.
	for _, ref := range refs {
		if so := cbs.SalesOrdersByPOCode(ref)[0]; so.Status != "Completed" {
			if err := cbs.ShipNow(so.Code, cbsim.ShipOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	sum3 := s.run(t, "ps-shipments-3", workflows.TaskShipments).Shipments
	if _, partial := check(); partial != 0 || sum3.OrdersShipped != sum.OrdersPartial {
		t.Fatalf("third run %+v; %d still partial", sum3, partial)
	}

	// Inventory over 1,000 CB items: the catalogue's are known to CartRover, the synthetic are not.
	synthetic := cbs.AddSyntheticItems(1000-len(catalog.Items), 7)
	cbs.SetStock(catalog.Items[0].Code, "MAIN", 321)
	crs.ResetStats()
	cbs.ResetStats()
	inv := s.run(t, "ps-inventory", workflows.TaskInventory).Inventory
	crCalls, cbCalls = crs.Stats().Total, cbsimCalls(cbs)
	if inv.Items != 1000 || inv.Posted != len(catalog.Items) || inv.MissingInCartRover != len(synthetic) || inv.Failed != 0 {
		t.Fatalf("inventory summary %+v", inv)
	}
	for _, it := range catalog.Items[:5] {
		want := cbs.FreeStockOf(it.Code, "MAIN").Add(cbs.FreeStockOf(it.Code, "WEST"))
		if got, _ := crs.Inventory(it.SKU); !got.QtyAvailable.Equal(want) {
			t.Errorf("CartRover stock of %s = %s; want CB's free stock %s", it.SKU, got.QtyAvailable, want)
		}
	}
	t.Logf("both simulators: inventory over 1,000 items: %d CartRover and %d CB calls", crCalls, cbCalls)

	// Products: a price and description changed in CB reach CartRover; phased-out items are skipped.
	changed := catalog.Items[2]
	cbs.SeedItems(cbsim.Item{Code: changed.Code, Name: changed.SKU, Description: "Classic Cotton Tee (L) v2", UPC: changed.UPC,
		CaseUPC: changed.CaseUPC, Retail: decimal.RequireFromString("25.49"), Wholesale: decimal.RequireFromString(changed.Wholesale),
		WeightLbs: decimal.RequireFromString(changed.WeightLbs), Active: true})
	crs.ResetStats()
	cbs.ResetStats()
	prod := s.run(t, "ps-products", workflows.TaskProducts).Products
	crCalls, cbCalls = crs.Stats().Total, cbsimCalls(cbs)
	active := len(catalog.ActiveItems())
	if prod.Items != 1000 || prod.Posted != active || prod.Inactive != len(catalog.Items)-active {
		t.Fatalf("products summary %+v", prod)
	}
	p, _ := crs.Product(changed.SKU)
	// CB's short description becomes the name, its extended description (when CB has one) the description.
	if p.RetailPrice.String() != "25.49" || p.Name != "Classic Cotton Tee (L) v2" || !strings.HasPrefix(p.Description, "Classic Cotton Tee (L) v2") {
		t.Errorf("CartRover product %s = %+v; want CB's new price and description", changed.SKU, p)
	}
	t.Logf("both simulators: products over 1,000 items: %d CartRover and %d CB calls (%d synthetic SKUs unknown to CartRover: %d failed)",
		crCalls, cbCalls, len(synthetic), prod.Failed)
}
