// Package e2e_test runs Order Send end to end: a real Temporal dev server (internal/temporaltest),
// the product's real workers, the CartRover simulator over HTTP, and Connected Business.
package e2e_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/cartrover-cb/ordermanager/activities"
	"github.com/cartrover-cb/ordermanager/cartrover"
	"github.com/cartrover-cb/ordermanager/internal/temporaltest"
	"github.com/cartrover-cb/ordermanager/sandbox/cartroversim"
	"github.com/cartrover-cb/ordermanager/sandbox/catalog"
	"github.com/cartrover-cb/ordermanager/settings"
	"github.com/cartrover-cb/ordermanager/worker/workerapp"
	"github.com/cartrover-cb/ordermanager/workflows"
)

func TestMain(m *testing.M) { temporaltest.Main(m) }

// cbPassword is the CB password of the test's CB simulator: it must never reach Temporal
// (checked with the CartRover API key in every history the tests read).
const cbPassword = "cb-e2e-password-do-not-store"

type sandbox struct {
	cr       *cartroversim.Server
	cb       *cbSandbox
	acts     *activities.Activities
	env      *temporaltest.Env
	settings settings.Settings
}

func newSandbox(t *testing.T, crOpts cartroversim.Options, cbFaults func(*cbSandbox)) *sandbox {
	t.Helper()
	sim := cartroversim.New(crOpts)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	crc, err := cartrover.New(cartrover.Config{BaseURL: srv.URL, APIUser: cartroversim.DefaultAPIUser, APIKey: cartroversim.DefaultAPIKey,
		RatePerSecond: -1, Timeout: 5 * time.Second, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	mem := newCBSandbox(t, crOpts.Seed, cbPassword)
	if cbFaults != nil {
		cbFaults(mem)
	}
	acts := &activities.Activities{CartRover: crc, CB: mem.Service}
	s, err := settings.Load(filepath.Join("..", "..", "deploy", "settings.sandbox.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return &sandbox{cr: sim, cb: mem, acts: acts, env: temporaltest.NewEnv(t, acts, temporaltest.WorkerOptions{}), settings: s}
}

// skipCustRefs draws and cancels n orders so that the cust_refs this test generates next differ
// from other tests' (the tests share one dev server, and an ImportOrder workflow ID is
// cartrover-order:<cust_ref>: a completed one is never run again).
func (s *sandbox) skipCustRefs(t *testing.T, n int) {
	t.Helper()
	for _, ref := range s.cr.Generate(n, 0) {
		if err := s.cr.Apply(ref, cartroversim.Update{OrderStatus: cartrover.StatusCanceled}); err != nil {
			t.Fatal(err)
		}
	}
}

func (s *sandbox) start(t *testing.T, id string, st settings.Settings) client.WorkflowRun {
	t.Helper()
	run, err := s.env.Client.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{
		ID: id, TaskQueue: s.env.TaskQueue, WorkflowExecutionTimeout: 10 * time.Minute,
	}, workflows.OrderManagerName, workflows.OrderManagerInput{Settings: st, Tasks: []workflows.Task{workflows.TaskOrders}})
	if err != nil {
		t.Fatal(err)
	}
	return run
}

func result(t *testing.T, run client.WorkflowRun) workflows.RunSummary {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	var sum workflows.RunSummary
	if err := run.Get(ctx, &sum); err != nil {
		t.Fatalf("run %s: %v", run.GetID(), err)
	}
	if sum.Orders == nil {
		t.Fatalf("run %s has no orders summary", run.GetID())
	}
	return sum
}

// checkExactlyOnce asserts that every importable order is in CB exactly once and at_wms in
// CartRover, and every held one is not in CB and still new. It returns the held cust_refs.
func (s *sandbox) checkExactlyOnce(t *testing.T, refs []string, stillHeld func(reason string) bool) (held []string) {
	t.Helper()
	for _, ref := range refs {
		o, _ := s.cr.Order(ref)
		n := s.cb.OrdersFor(ref)
		if reason := s.cr.HeldReason(ref); reason != "" && stillHeld(reason) {
			held = append(held, ref)
			if n != 0 || o.OrderStatus != cartrover.StatusNew {
				t.Errorf("held order %s (%s): %d CB orders, status %s; want none and new", ref, reason, n, o.OrderStatus)
			}
			continue
		}
		if n != 1 || o.OrderStatus != cartrover.StatusAtWMS {
			t.Errorf("order %s: %d CB orders, status %s; want exactly one and at_wms", ref, n, o.OrderStatus)
		}
	}
	return held
}

func TestOrderSendImportsEveryOrderOnceHoldsTheRestAndImportsThemAfterTheFix(t *testing.T) {
	s := newSandbox(t, cartroversim.Options{Seed: 11, Refill: 5 * time.Millisecond}, nil)
	refs := s.cr.Generate(300, 0.1)
	s.cr.ResetStats()

	sum := result(t, s.start(t, "e2e-clean-1", s.settings)).Orders
	held := s.checkExactlyOnce(t, refs, func(string) bool { return true })
	if len(held) != 30 || sum.Downloaded != 300 || sum.Imported != 270 || sum.Held != 30 || sum.Failed != 0 {
		t.Fatalf("summary %+v, %d held orders", sum, len(held))
	}
	reasons := map[string]workflows.Problem{}
	for _, p := range sum.Problems {
		reasons[p.Key] = p
	}
	for _, ref := range held {
		p, ok := reasons[ref]
		if !ok || !activities.IsHeldType(p.Type) || !strings.Contains(p.Reason, ref) {
			t.Errorf("held order %s lacks its reason in the summary: %+v", ref, p)
		}
	}

	// Figures: CartRover and CB calls per imported order, history events per ImportOrder.
	crCalls := s.cr.Stats().Total
	catalogCalls := s.cb.CallsTo("products/itemlookup", "system/loadsystemshippingmethod", "system/loadsystempaymentterm",
		"contacts/getcustomerclasstemplatebycountry", "contacts/getshiptoclasstemplatebycountry")
	newCustomers := s.cb.NewCustomers()
	perOrder := s.cb.Calls() - catalogCalls
	t.Logf("per imported order: %.3f CartRover calls; CB: %d calls for %d orders (%d new customers, %d returning) + %d per-run catalogue reads",
		float64(crCalls)/float64(sum.Imported), perOrder, sum.Imported, newCustomers, sum.Imported-newCustomers, catalogCalls)
	if max3 := 3*(sum.Imported-newCustomers) + 5*newCustomers; perOrder > max3 {
		t.Errorf("%d CB calls for the orders: want ≤ 3 per returning and ≤ 5 per new customer (%d)", perOrder, max3)
	}
	events, maxEvents := 0, 0
	for _, ref := range refs[:60] {
		if s.cr.HeldReason(ref) != "" {
			continue
		}
		n := len(history(t, s.env.Client, workflows.ImportOrderWorkflowID(ref)))
		events += n
		maxEvents = max(maxEvents, n)
	}
	parent := len(history(t, s.env.Client, "e2e-clean-1"))
	t.Logf("ImportOrder history: at most %d events; OrderManager history: %d events for %d orders", maxEvents, parent, sum.Downloaded)
	if maxEvents > 30 {
		t.Errorf("an imported order took %d history events, want ≤ 30", maxEvents)
	}
	if crCalls > int(1.02*float64(sum.Imported))+5 {
		t.Errorf("%d CartRover calls for %d orders: want ≤ 1.02 per order", crCalls, sum.Imported)
	}
	s.checkNoSecrets(t, "e2e-clean-1", refs[:40])

	// Fix the settings: map local_pickup and the discontinued SKU. Orders without an address stay held.
	fixed := s.settings
	woo := fixed.Carts["WooCommerce"]
	sh := *woo.Shipping
	sh.Rules = append(append([]settings.ShipRule(nil), sh.Rules...), settings.ShipRule{ShipCode: "local_pickup", To: settings.ShippingMethod{Group: "DEFAULT", Code: "UPS Ground"}})
	woo.Shipping = &sh
	fixed.Carts = map[string]settings.Cart{"Shopify": fixed.Carts["Shopify"], "Amazon_US2": fixed.Carts["Amazon_US2"], "WooCommerce": woo}
	fixed.SKUs = map[string]string{catalog.UnknownSKU: "MUG-STONE-OS"}
	if err := fixed.Validate(); err != nil {
		t.Fatal(err)
	}
	sum2 := result(t, s.start(t, "e2e-clean-2", fixed)).Orders
	stillHeld := s.checkExactlyOnce(t, refs, func(reason string) bool { return reason == cartroversim.HeldMissingAddress })
	if sum2.Imported != 30-len(stillHeld) || sum2.Held != len(stillHeld) || len(stillHeld) == 0 || sum2.Failed != 0 {
		t.Errorf("after the fix: %+v, %d orders still held", sum2, len(stillHeld))
	}
	for _, p := range sum2.Problems {
		if p.Type != activities.ErrTypeInvalidAddress || !strings.Contains(p.Reason, "ship_address_1") {
			t.Errorf("after the fix only address problems remain, got %+v", p)
		}
	}
}

func TestOrderSendSurvivesFaultsARestartedWorkerAndTwoRunsAtOnce(t *testing.T) {
	s := newSandbox(t, cartroversim.Options{Seed: 12, Refill: 5 * time.Millisecond,
		Faults: cartroversim.Faults{ServerError: 0.08, Drop: 0.04, LostReply: 0.04, RateLimit: 0.04}},
		func(m *cbSandbox) { m.Transient, m.SavedThenTimeout = 0.2, 0.1 })
	s.skipCustRefs(t, 2000)
	refs := s.cr.Generate(300, 0.1)

	a := s.start(t, "e2e-faults-a", s.settings)
	b := s.start(t, "e2e-faults-b", s.settings)

	// Stop the worker in the middle of the runs and start a fresh one on the same queues.
	waitForProgress(t, s.env.Client, a.GetID(), 60)
	s.env.Workers.Stop()
	ws, err := workerapp.NewWorkers(s.env.Client, s.acts, workerapp.Options{TaskQueue: s.env.TaskQueue})
	if err != nil {
		t.Fatal(err)
	}
	if err := ws.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ws.Stop)

	sa, sb := result(t, a).Orders, result(t, b).Orders
	s.checkExactlyOnce(t, refs, func(string) bool { return true })
	done := sa.Imported + sa.Healed + sb.Imported + sb.Healed
	if done != 270 || sa.Failed+sb.Failed != 0 {
		t.Errorf("two runs: %+v and %+v; want 270 imported or healed between them, none failed; failures: %+v",
			trim(sa), trim(sb), append(failures(sa), failures(sb)...))
	}
	t.Logf("run a %+v; run b %+v", trim(sa), trim(sb))
	if t.Failed() {
		return
	}
	s.checkNoSecrets(t, a.GetID(), refs[:40])
}

// A failed order (not held) stays new in CartRover, and its ImportOrder ended failed: the next
// run lists it again and may start its workflow ID again (WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY).
func TestOrderSendRetriesAFailedOrderInTheNextRun(t *testing.T) {
	s := newSandbox(t, cartroversim.Options{Seed: 14, NoRateLimit: true}, nil)
	s.skipCustRefs(t, 4000)
	refs := s.cr.Generate(4, 0)

	s.cb.refuseSalesOrders(http.StatusBadRequest)
	sum := result(t, s.start(t, "e2e-failed-1", s.settings)).Orders
	if sum.Failed != 4 || sum.Imported+sum.Healed+sum.Held != 0 {
		t.Fatalf("first run (CB refuses every sales order): %+v; want 4 failed", trim(sum))
	}
	reasons := map[string]string{}
	for _, p := range failures(sum) {
		reasons[p.Key] = p.Reason
	}
	for _, ref := range refs {
		o, _ := s.cr.Order(ref)
		if o.OrderStatus != cartrover.StatusNew || s.cb.OrdersFor(ref) != 0 {
			t.Errorf("failed order %s: status %s, %d CB orders; want new and none", ref, o.OrderStatus, s.cb.OrdersFor(ref))
		}
		if r := reasons[ref]; !strings.Contains(r, "CreateSalesOrder") || !strings.Contains(r, "HTTP 400") {
			t.Errorf("failed order %s lacks its reason in the summary: %q", ref, r)
		}
	}

	s.cb.refuseSalesOrders(0)
	sum2 := result(t, s.start(t, "e2e-failed-2", s.settings)).Orders
	if sum2.Imported != 4 || sum2.Failed != 0 || sum2.InOtherRun != 0 {
		t.Errorf("second run: %+v; want the 4 failed orders imported", trim(sum2))
	}
	s.checkExactlyOnce(t, refs, func(string) bool { return false })
}

// failures are the summary's problems that are not held orders (failed ones, with their reason).
func failures(o *workflows.OrdersSummary) []workflows.Problem {
	var out []workflows.Problem
	for _, p := range o.Problems {
		if !activities.IsHeldType(p.Type) {
			out = append(out, p)
		}
	}
	return out
}

func trim(o *workflows.OrdersSummary) workflows.OrdersSummary {
	c := *o
	c.Problems = nil
	return c
}

// waitForProgress polls the run's progress query until it downloaded n orders.
func waitForProgress(t *testing.T, c client.Client, id string, n int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		v, err := c.QueryWorkflow(context.Background(), id, "", workflows.ProgressQuery)
		if err == nil {
			var sum workflows.RunSummary
			if v.Get(&sum) == nil && sum.Orders != nil && sum.Orders.Downloaded >= n {
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("run %s never downloaded %d orders", id, n)
}

func history(t *testing.T, c client.Client, id string) []*historypb.HistoryEvent {
	t.Helper()
	it := c.GetWorkflowHistory(context.Background(), id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var events []*historypb.HistoryEvent
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			t.Fatalf("history of %s: %v", id, err)
		}
		events = append(events, e)
	}
	return events
}

// checkNoSecrets reads the run's history and some of its orders' and asserts that neither the
// CartRover API key nor the CB password appears in them, nor in the settings file.
func (s *sandbox) checkNoSecrets(t *testing.T, runID string, refs []string) {
	t.Helper()
	ids := []string{runID}
	for _, ref := range refs {
		ids = append(ids, workflows.ImportOrderWorkflowID(ref))
	}
	secrets := []string{cartroversim.DefaultAPIKey, cbPassword}
	for _, id := range ids {
		b, err := protojson.Marshal(&historypb.History{Events: history(t, s.env.Client, id)})
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range secrets {
			if strings.Contains(string(b), secret) {
				t.Errorf("history of %s contains a secret", id)
			}
		}
	}
	file, err := os.ReadFile(filepath.Join("..", "..", "deploy", "settings.sandbox.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range secrets {
		if strings.Contains(string(file), secret) {
			t.Error("the settings file contains a secret")
		}
	}
}

// TestRecordReplayHistories records the histories the replay test (workflows/replay_test.go)
// checks: a small OrderManager run with one held order, and one imported order's ImportOrder.
// Run it with RECORD_REPLAY_HISTORIES=1 after a workflow change that is meant to be incompatible.
func TestRecordReplayHistories(t *testing.T) {
	if os.Getenv("RECORD_REPLAY_HISTORIES") == "" {
		t.Skip("set RECORD_REPLAY_HISTORIES=1 to re-record workflows/testdata/*.json")
	}
	s := newSandbox(t, cartroversim.Options{Seed: 21}, nil)
	s.skipCustRefs(t, 5000)
	var refs []string
	for len(refs) < 6 || s.cr.HeldReason(refs[len(refs)-1]) == "" {
		refs = append(refs, s.cr.Generate(1, map[bool]float64{true: 1, false: 0}[len(refs) == 5])...)
	}
	run := s.start(t, "replay-ordermanager", s.settings)
	sum := result(t, run).Orders
	if sum.Imported != 5 || sum.Held != 1 {
		t.Fatalf("summary %+v", sum)
	}
	write := func(name, id string) {
		h := &historypb.History{Events: history(t, s.env.Client, id)}
		if err := temporaltest.DecodeHistory(h); err != nil { // committed readable, replayable without the test key
			t.Fatal(err)
		}
		b, err := protojson.MarshalOptions{Indent: "  "}.Marshal(h)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("..", "testdata", name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("ordermanager.json", run.GetID())
	write("importorder.json", workflows.ImportOrderWorkflowID(refs[0]))
	write("importorder_held.json", workflows.ImportOrderWorkflowID(refs[5]))
}

func TestOrderSendPutsHeldOrdersOnErrorInCartRoverWhenAskedAndRetriesThem(t *testing.T) {
	s := newSandbox(t, cartroversim.Options{Seed: 13, NoRateLimit: true}, nil)
	s.skipCustRefs(t, 3500)
	refs := s.cr.Generate(40, 0.25)
	st := s.settings
	st.HoldInCartRover = true
	sum := result(t, s.start(t, "e2e-flag-1", st)).Orders
	var held []string
	for _, ref := range refs {
		if s.cr.HeldReason(ref) == "" {
			continue
		}
		held = append(held, ref)
		o, _ := s.cr.Order(ref)
		if o.OrderStatus != cartrover.StatusError || !strings.Contains(o.ErrorMsg, ref) || s.cb.OrdersFor(ref) != 0 {
			t.Errorf("held order %s: status %s, error_msg %q", ref, o.OrderStatus, o.ErrorMsg)
		}
	}
	if sum.Held != len(held) || sum.Imported != 40-len(held) {
		t.Fatalf("summary %+v for %d held", trim(sum), len(held))
	}
	// The next run lists the error orders too: with the SKU mapped, those orders import.
	st.SKUs = map[string]string{catalog.UnknownSKU: "MUG-STONE-OS"}
	sum2 := result(t, s.start(t, "e2e-flag-2", st)).Orders
	imported := 0
	for _, ref := range held {
		o, _ := s.cr.Order(ref)
		if s.cr.HeldReason(ref) == cartroversim.HeldUnknownSKU {
			imported++
			if o.OrderStatus != cartrover.StatusAtWMS || s.cb.OrdersFor(ref) != 1 {
				t.Errorf("fixed order %s: status %s, %d CB orders", ref, o.OrderStatus, s.cb.OrdersFor(ref))
			}
		}
	}
	if imported == 0 || sum2.Imported != imported || sum2.Held != len(held)-imported {
		t.Errorf("second run %+v; want %d imported", trim(sum2), imported)
	}
}
