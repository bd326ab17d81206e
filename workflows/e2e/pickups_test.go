package e2e_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/cartrover-cb/ordermanager/activities"
	"github.com/cartrover-cb/ordermanager/cartrover"
	"github.com/cartrover-cb/ordermanager/internal/cbsimtest"
	"github.com/cartrover-cb/ordermanager/internal/temporaltest"
	"github.com/cartrover-cb/ordermanager/sandbox/cartroversim"
	"github.com/cartrover-cb/ordermanager/sandbox/catalog"
	"github.com/cartrover-cb/ordermanager/sandbox/cbsim"
	"github.com/cartrover-cb/ordermanager/settings"
	"github.com/cartrover-cb/ordermanager/workflows"
)

type pickupSandbox struct {
	// seq is unique to the test within the dev server's life (from its task queue): it keeps
	// cust_refs and workflow IDs apart when tests repeat (-count).
	seq      string
	cr       *cartroversim.Server
	cb       *cbsim.Server
	bulk     []string // the synthetic CB items (unknown to CartRover)
	env      *temporaltest.Env
	settings settings.Settings
}

// newPickupSandbox starts both simulators (CB with its catalogue in stock, plus bulkItems
// synthetic items CartRover does not know) and a worker on the dev server.
func newPickupSandbox(t *testing.T, bulkItems int) *pickupSandbox {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	sim := cartroversim.New(cartroversim.Options{Seed: 41, NoRateLimit: true, Logger: quiet})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	crc, err := cartrover.New(cartrover.Config{BaseURL: srv.URL, APIUser: cartroversim.DefaultAPIUser, APIKey: cartroversim.DefaultAPIKey,
		RatePerSecond: -1, Timeout: 5 * time.Second, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	cbs, cbc := cbsimtest.Start(t, cbsim.Options{})
	for _, it := range catalog.Items {
		cbs.SetStock(it.Code, "MAIN", 500)
	}
	var bulk []string
	if bulkItems > 0 {
		bulk = cbs.AddSyntheticItems(bulkItems, 7)
	}
	s, err := settings.Load(filepath.Join("..", "..", "deploy", "settings.sandbox.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	env := temporaltest.NewEnv(t, &activities.Activities{CartRover: crc, CB: cbc}, temporaltest.WorkerOptions{})
	seq := env.TaskQueue[strings.LastIndex(env.TaskQueue, "-")+1:]
	return &pickupSandbox{seq: seq, cr: sim, cb: cbs, bulk: bulk, env: env, settings: s}
}

// ship has CB's warehouse ship the sales order of po (see cbsim.ShipOptions) and returns the
// tracking numbers of the new boxes. An order of a single unit cannot ship partially: it ships whole.
func (s *pickupSandbox) ship(t *testing.T, po string, opt cbsim.ShipOptions) []string {
	t.Helper()
	sos := s.cb.SalesOrdersByPOCode(po)
	if len(sos) != 1 {
		t.Fatalf("CB has %d orders for %s; want 1", len(sos), po)
	}
	before := len(sos[0].Boxes)
	err := s.cb.ShipNow(sos[0].Code, opt)
	if err != nil && opt.Partial {
		err = s.cb.ShipNow(sos[0].Code, cbsim.ShipOptions{})
	}
	if err != nil {
		t.Fatal(err)
	}
	var tracking []string
	for _, b := range s.cb.SalesOrdersByPOCode(po)[0].Boxes[before:] {
		tracking = append(tracking, b.TrackingNumber)
	}
	return tracking
}

// cbCalls counts the CB webservice calls so far (sessions left out).
func (s *pickupSandbox) cbCalls() int { return cbsimtest.Calls(s.cb) }

// addOrders generates n clean orders in a scratch simulator and stores them here with cust_refs
// starting with prefix (one per test), so that their ImportOrder workflow IDs differ from every
// other test's on the shared dev server.
func (s *pickupSandbox) addOrders(t *testing.T, prefix string, n int) []string {
	t.Helper()
	return s.addGenerated(t, prefix, n, 0)
}

// addGenerated is addOrders with a share of orders that need a human (held when dispatched).
func (s *pickupSandbox) addGenerated(t *testing.T, prefix string, n int, heldShare float64) []string {
	t.Helper()
	scratch := cartroversim.New(cartroversim.Options{Seed: 41, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	scratch.Generate(n, heldShare)
	var refs []string
	for _, o := range scratch.Orders() {
		o.CustRef = prefix + s.seq + "-" + o.CustRef
		o.CustPONo = o.CustRef
		if o.PONumber != "" {
			o.PONumber = o.CustRef
		}
		if err := s.cr.AddOrders(o); err != nil {
			t.Fatal(err)
		}
		refs = append(refs, o.CustRef)
	}
	return refs
}

func (s *pickupSandbox) run(t *testing.T, id string, tasks ...workflows.Task) workflows.RunSummary {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	run, err := s.env.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: s.id(id), TaskQueue: s.env.TaskQueue,
		WorkflowExecutionTimeout: 10 * time.Minute}, workflows.OrderManagerName,
		workflows.OrderManagerInput{Settings: s.settings, Tasks: tasks})
	if err != nil {
		t.Fatal(err)
	}
	var sum workflows.RunSummary
	if err := run.Get(ctx, &sum); err != nil {
		t.Fatalf("run %s: %v", id, err)
	}
	return sum
}

// waitAtWMS waits (at most 3 minutes) until every order is at_wms in CartRover: a run hands its
// orders to their Order workflows and does not wait for the imports.
func waitAtWMS(tb testing.TB, cr *cartroversim.Server, refs []string) bool {
	tb.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for _, ref := range refs {
		for {
			if o, _ := cr.Order(ref); o.OrderStatus == cartrover.StatusAtWMS {
				break
			}
			if time.Now().After(deadline) {
				tb.Errorf("order %s never reached at_wms", ref)
				return false
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return true
}

// id makes a workflow ID unique to the test.
func (s *pickupSandbox) id(name string) string { return name + "-" + s.seq }

// historyLen counts the events of the pickup child of run that performed task.
func (s *pickupSandbox) historyLen(t *testing.T, run string, task workflows.Task) int {
	t.Helper()
	it := s.env.Client.GetWorkflowHistory(context.Background(), s.id(run)+"/"+string(task), "", false, 0)
	n := 0
	for it.HasNext() {
		if _, err := it.Next(); err != nil {
			t.Fatal(err)
		}
		n++
	}
	return n
}

// crShipments returns an order's CartRover tracking numbers and shipped quantity per SKU.
func (s *pickupSandbox) crShipments(ref string) ([]string, map[string]string, cartrover.Status) {
	o, _ := s.cr.Order(ref)
	var tracking []string
	qty := map[string]decimal.Decimal{}
	for _, sh := range o.Shipments {
		tracking = append(tracking, sh.TrackingNo)
		for _, it := range sh.Items {
			qty[it.Item] = qty[it.Item].Add(it.Quantity.Decimal)
		}
	}
	out := map[string]string{}
	for k, v := range qty {
		out[k] = v.String()
	}
	return tracking, out, o.OrderStatus
}

// shippedOrders is what CB's warehouse shipped in a scenario, as CartRover must end up holding it.
type shippedOrders struct {
	tracking map[string][]string
	qty      map[string]map[string]string
	status   map[string]cartrover.Status
	boxes    int
	partial  int
}

// shipAll has CB's warehouse ship every order of refs: a third in one box, a third in two boxes,
// a third partially; and returns what CB shipped.
func (s *pickupSandbox) shipAll(t *testing.T, refs []string) shippedOrders {
	t.Helper()
	for i, ref := range refs {
		s.ship(t, ref, []cbsim.ShipOptions{{Boxes: 1}, {Boxes: 2}, {Partial: true}}[i%3])
	}
	return s.cbShipped(refs)
}

// cbShipped reads what CB shipped for each order of refs: the tracking numbers in box order, the
// quantity per item (ItemName is the SKU in the sandbox) and shipped or partial as CB's status says.
func (s *pickupSandbox) cbShipped(refs []string) shippedOrders {
	want := shippedOrders{tracking: map[string][]string{}, qty: map[string]map[string]string{}, status: map[string]cartrover.Status{}}
	for _, ref := range refs {
		so := s.cb.SalesOrdersByPOCode(ref)[0]
		qty := map[string]decimal.Decimal{}
		for _, b := range so.Boxes {
			want.tracking[ref] = append(want.tracking[ref], b.TrackingNumber)
			for _, it := range b.Items {
				qty[it.ItemName] = qty[it.ItemName].Add(it.Quantity)
			}
		}
		want.qty[ref] = map[string]string{}
		for k, v := range qty {
			want.qty[ref][k] = v.String()
		}
		want.boxes += len(so.Boxes)
		want.status[ref] = cartrover.StatusShipped
		if so.Status != "Completed" {
			want.status[ref] = cartrover.StatusPartial
			want.partial++
		}
	}
	return want
}

// checkShipped asserts that every order holds exactly the boxes, quantities and status CB shipped.
func (s *pickupSandbox) checkShipped(t *testing.T, refs []string, want shippedOrders) {
	t.Helper()
	for _, ref := range refs {
		tracking, qty, status := s.crShipments(ref)
		if !slices.Equal(tracking, want.tracking[ref]) || !mapsEqual(qty, want.qty[ref]) || status != want.status[ref] {
			t.Errorf("order %s in CartRover: tracking %v qty %v status %s; want %v %v %s",
				ref, tracking, qty, status, want.tracking[ref], want.qty[ref], want.status[ref])
		}
	}
}

func TestShipmentPickupLeavesEveryOrderWithExactlyCBsBoxesAndARerunPostsNothing(t *testing.T) {
	s := newPickupSandbox(t, 0)
	refs := s.addOrders(t, "PK-", 30)
	if sum := s.run(t, "pk-orders", workflows.TaskOrders).Orders; sum == nil || sum.Dispatch == nil || sum.Dispatch.New != len(refs) || !waitAtWMS(t, s.cr, refs) {
		t.Fatalf("Order Send imported %+v of %d", sum, len(refs))
	}

	want := s.shipAll(t, refs)
	wantStatus, boxes, partial := want.status, want.boxes, want.partial
	if partial == 0 {
		t.Fatal("the scenario needs partially shipped orders")
	}

	s.cr.ResetStats()
	cbBefore := s.cbCalls()
	sum := s.run(t, "pk-shipments-1", workflows.TaskShipments).Shipments
	crCalls, cbCalls := s.cr.Stats().Total, s.cbCalls()-cbBefore
	if sum == nil || sum.BoxesPosted != boxes || sum.OrdersShipped != len(refs)-partial || sum.OrdersPartial != partial ||
		sum.Failed != 0 || sum.OrdersChecked != len(refs) {
		t.Fatalf("shipments summary %+v; want %d boxes, %d shipped, %d partial", sum, boxes, len(refs)-partial, partial)
	}
	s.checkShipped(t, refs, want)
	t.Logf("shipments run: %d shipped orders (%d boxes): %.2f CartRover calls and %.2f CB calls per shipped order; child history %d events",
		len(refs), boxes, float64(crCalls)/float64(len(refs)), float64(cbCalls)/float64(len(refs)),
		s.historyLen(t, "pk-shipments-1", workflows.TaskShipments))

	// A second run posts nothing.
	s.cr.ResetStats()
	sum2 := s.run(t, "pk-shipments-2", workflows.TaskShipments).Shipments
	if n := s.cr.Stats().ByRoute[cartrover.RouteUpdateOrder.Name]; n != 0 || sum2.BoxesPosted != 0 {
		t.Fatalf("second run posted: %d updates, summary %+v", n, sum2)
	}
	if sum2.AlreadyPosted != len(refs) {
		t.Errorf("second run %+v; want all %d already posted", sum2, len(refs))
	}
	t.Logf("re-run: %d CartRover calls for %d orders in the window", s.cr.Stats().Total, len(refs))

	// The warehouse ships the rest of the partial orders: only those new boxes are posted.
	for _, ref := range refs {
		if wantStatus[ref] == cartrover.StatusPartial {
			s.ship(t, ref, cbsim.ShipOptions{})
		}
	}
	sum3 := s.run(t, "pk-shipments-3", workflows.TaskShipments).Shipments
	if sum3.BoxesPosted != partial || sum3.OrdersShipped != partial || sum3.OrdersPartial != 0 {
		t.Fatalf("third run %+v; want the %d remaining boxes posted", sum3, partial)
	}
	after := s.cbShipped(refs)
	if after.partial != 0 {
		t.Fatalf("CB still has %d partial orders", after.partial)
	}
	s.checkShipped(t, refs, after)
}

func TestShipmentPickupUnderCartRoverFaultsPostsEveryBoxExactlyOnce(t *testing.T) {
	s := newPickupSandbox(t, 0)
	refs := s.addOrders(t, "PF-", 24)
	if sum := s.run(t, "pk-faults-orders", workflows.TaskOrders).Orders; sum == nil || sum.Dispatch == nil || sum.Dispatch.New != len(refs) || !waitAtWMS(t, s.cr, refs) {
		t.Fatalf("Order Send imported %+v of %d", sum, len(refs))
	}
	want := s.shipAll(t, refs)
	// 5xx, dropped connections, replies lost after CartRover saved the boxes, and RateLimit answers.
	s.cr.SetFaults(cartroversim.Faults{ServerError: 0.1, Drop: 0.05, LostReply: 0.15, RateLimit: 0.05})
	s.cr.ResetStats()
	sum := s.run(t, "pk-faults-shipments-1", workflows.TaskShipments).Shipments
	faults := s.cr.Stats()
	s.cr.SetFaults(cartroversim.Faults{})
	if sum.Failed != 0 || sum.BoxesPosted != want.boxes {
		t.Fatalf("summary under faults %+v; want %d boxes, none failed", sum, want.boxes)
	}
	s.checkShipped(t, refs, want)
	t.Logf("under faults: %d injected faults and %d RateLimit answers in %d CartRover calls", faults.Faults, faults.RateLimited, faults.Total)
	if sum2 := s.run(t, "pk-faults-shipments-2", workflows.TaskShipments).Shipments; sum2.BoxesPosted != 0 || sum2.AlreadyPosted != len(refs) {
		t.Errorf("re-run after faults %+v; want nothing posted", sum2)
	}
}

func TestInventoryAndProductPickupsCarryCBChangesToCartRover(t *testing.T) {
	bulk := 10000 - len(catalog.Items) // with the catalogue: 10,000 CB items
	s := newPickupSandbox(t, bulk)
	s.cb.SetStock(catalog.Items[0].Code, "MAIN", 123)
	s.cb.SetStock(catalog.Items[0].Code, "WEST", 4)
	s.cb.SetStock(catalog.Items[1].Code, "MAIN", 0)
	s.cb.SetStock(catalog.Items[1].Code, "WEST", 0)
	changed := catalog.Items[2]
	s.cb.SeedItems(cbsim.Item{Code: changed.Code, Name: changed.SKU, Description: "Classic Cotton Tee (L), new cut", UPC: changed.UPC,
		CaseUPC: changed.CaseUPC, Retail: decimal.RequireFromString("24.99"), Wholesale: decimal.RequireFromString(changed.Wholesale),
		WeightLbs: decimal.RequireFromString(changed.WeightLbs), Active: true})

	s.cr.ResetStats()
	cbBefore := s.cbCalls()
	inv := s.run(t, "pk-inventory", workflows.TaskInventory).Inventory
	crCalls, cbCalls := s.cr.Stats().Total, s.cbCalls()-cbBefore
	if inv == nil || inv.Items != 10000 || inv.Posted != len(catalog.Items) || inv.MissingInCartRover != bulk || inv.Failed != 0 ||
		inv.Batches < 100 || inv.Batches > 101 { // one per 100 items; a walk ending on a full batch reads one empty batch to learn it ended
		t.Fatalf("inventory summary %+v", inv)
	}
	for _, c := range []struct {
		sku  string
		want string
	}{{catalog.Items[0].SKU, "127"}, {catalog.Items[1].SKU, "0"}} {
		got, _ := s.cr.Inventory(c.sku)
		if got.QtyAvailable.String() != c.want {
			t.Errorf("CartRover stock of %s = %s; want %s (CB's MAIN+WEST free stock)", c.sku, got.QtyAvailable, c.want)
		}
	}
	t.Logf("inventory run over 10,000 items: %.1f CartRover and %.1f CB calls per 1,000 items; child history %d events",
		float64(crCalls)/10, float64(cbCalls)/10, s.historyLen(t, "pk-inventory", workflows.TaskInventory))

	s.cb.RemoveItems(s.bulk...) // products over the catalogue (CartRover knows only those)
	s.cr.ResetStats()
	cbBefore = s.cbCalls()
	prod := s.run(t, "pk-products", workflows.TaskProducts).Products
	crCalls, cbCalls = s.cr.Stats().Total, s.cbCalls()-cbBefore
	active := len(catalog.ActiveItems())
	if prod == nil || prod.Items != len(catalog.Items) || prod.Posted != active || prod.Inactive != len(catalog.Items)-active || prod.Failed != 0 {
		t.Fatalf("products summary %+v", prod)
	}
	p, _ := s.cr.Product(changed.SKU)
	// CB's short description becomes the name, its extended description (when CB has one) the description.
	if p.RetailPrice.String() != "24.99" || p.Name != "Classic Cotton Tee (L), new cut" || !strings.HasPrefix(p.Description, "Classic Cotton Tee (L), new cut") {
		t.Errorf("CartRover product %s = %+v; want CB's new price and description", changed.SKU, p)
	}
	t.Logf("products run over %d items: %.1f CartRover and %.1f CB calls per 1,000 items",
		len(catalog.Items), float64(crCalls)*1000/float64(len(catalog.Items)), float64(cbCalls)*1000/float64(len(catalog.Items)))
}

// TestRecordPickupReplayHistories records histories workflows/pickups_replay_test.go replays: an
// InventorySync over 250 items (three batches) and a ProductSync, in a run that also ships
// one-box, two-box and partial orders (the ShipmentPickup histories are kept or recorded
// elsewhere, see the loop). Run it with RECORD_REPLAY_HISTORIES=1 after an intended
// incompatible change to a pickup workflow.
func TestRecordPickupReplayHistories(t *testing.T) {
	if os.Getenv("RECORD_REPLAY_HISTORIES") == "" {
		t.Skip("set RECORD_REPLAY_HISTORIES=1 to re-record workflows/testdata/*pickup*.json")
	}
	s := newPickupSandbox(t, 250-len(catalog.Items))
	refs := s.addOrders(t, "PR-", 3)
	if sum := s.run(t, "pk-replay-orders", workflows.TaskOrders).Orders; sum.Dispatch == nil || sum.Dispatch.New != 3 || !waitAtWMS(t, s.cr, refs) {
		t.Fatalf("orders %+v", sum)
	}
	for i, ref := range refs {
		s.ship(t, ref, []cbsim.ShipOptions{{Boxes: 1}, {Boxes: 2}, {Partial: true}}[i])
	}
	s.run(t, "pk-replay", workflows.TaskShipments, workflows.TaskInventory, workflows.TaskProducts)
	// shipmentpickup.json stays as recorded: the previous release's pickup, which posted the boxes
	// itself. This release's (shipmentpickup_handoff.json) is recorded by the lifecycle test.
	for file, task := range map[string]workflows.Task{"inventorysync.json": workflows.TaskInventory, "productsync.json": workflows.TaskProducts} {
		it := s.env.Client.GetWorkflowHistory(context.Background(), s.id("pk-replay")+"/"+string(task), "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		var h historypb.History
		for it.HasNext() {
			e, err := it.Next()
			if err != nil {
				t.Fatal(err)
			}
			h.Events = append(h.Events, e)
		}
		if err := temporaltest.DecodeHistory(&h); err != nil { // committed readable, replayable without the test key
			t.Fatal(err)
		}
		b, err := protojson.MarshalOptions{Indent: "  "}.Marshal(&h)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("..", "testdata", file), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
