package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"

	"github.com/cartrover-cb/ordermanager/activities"
	"github.com/cartrover-cb/ordermanager/cartrover"
	"github.com/cartrover-cb/ordermanager/sandbox/cartroversim"
	"github.com/cartrover-cb/ordermanager/sandbox/cbsim"
	"github.com/cartrover-cb/ordermanager/workflows"
)

// Eight new shoppers order twice each; both orders of a shopper are imported at the same time
// while CB answers 250 ms late (find-then-create races widest then): exactly eight customers, and
// one ship-to per customer.
func TestOrderSendCreatesEachNewCustomerExactlyOnceUnderConcurrency(t *testing.T) {
	s := newSandbox(t, cartroversim.Options{Seed: 31, NoRateLimit: true}, nil)
	s.skipCustRefs(t, 6000)
	firsts := s.cr.Generate(8, 0)
	var refs []string
	emails := map[string]bool{}
	for i, ref := range firsts {
		o, _ := s.cr.Order(ref)
		email := strings.ToLower(fmt.Sprintf("new-shopper-%d-%s@example.com", i, ref))
		o.CustEmail, o.ShipEmail = email, email
		emails[email] = true
		twin := o
		twin.CustRef, twin.CustPONo = ref+"-B", o.CustPONo+"-B"
		twin.CreatedDateTime = cartrover.Time{}
		if err := s.cr.Apply(ref, cartroversim.Update{OrderStatus: cartrover.StatusCanceled}); err != nil {
			t.Fatal(err)
		}
		o.CustRef, o.CustPONo, o.OrderStatus, o.CreatedDateTime = ref+"-A", o.CustPONo+"-A", cartrover.StatusNew, cartrover.Time{}
		if err := s.cr.AddOrders(o, twin); err != nil {
			t.Fatal(err)
		}
		refs = append(refs, o.CustRef, twin.CustRef)
	}
	s.cb.sim.SetFaults(cbsim.Faults{Latency: 250 * time.Millisecond})
	sum := result(t, s.start(t, "e2e-customers", s.settings)).Orders
	if sum.Dispatch.New != 16 {
		t.Fatalf("dispatch %+v", sum.Dispatch)
	}
	s.settle(t, refs, func(string) bool { return false })
	s.checkExactlyOnce(t, refs, func(string) bool { return false })
	created := 0
	for _, c := range s.cb.sim.Customers() {
		if !emails[strings.ToLower(c.Email)] {
			continue
		}
		created++
		if n := len(s.cb.sim.ShipTosOf(c.Code)); n != 1 {
			t.Errorf("customer %s (%s) has %d ship-tos, want 1", c.Code, c.Email, n)
		}
	}
	if created != 8 {
		for _, c := range s.cb.sim.Customers() {
			t.Logf("customer %s %q %q", c.Code, c.Name, c.Email)
		}
		for _, r := range refs {
			for _, so := range s.cb.sim.SalesOrdersByPOCode(r) {
				t.Logf("order %s → %s", r, so.BillToCode)
			}
		}
		t.Errorf("%d CB customers for 8 new shoppers, want 8", created)
	}
}

// One page holds an order whose order_discount is "NaN", one with a 2,000-character cust_ref and
// one with an empty cust_ref: those three are quarantined with readable reasons, every other order
// of the page is imported, and the run completes.
func TestOrderSendQuarantinesPoisonOrdersOneByOne(t *testing.T) {
	s := newSandbox(t, cartroversim.Options{Seed: 32, NoRateLimit: true}, nil)
	s.skipCustRefs(t, 6500)
	refs := s.cr.Generate(20, 0)
	nan, long, empty := refs[3], refs[7], refs[11]
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.cr.SetRawField(nan, "order_discount", json.RawMessage(`"NaN"`)))
	longRef, _ := json.Marshal(strings.Repeat("L", 2000))
	must(s.cr.SetRawField(long, "cust_ref", longRef))
	must(s.cr.SetRawField(empty, "cust_ref", json.RawMessage(`""`)))

	sum := result(t, s.start(t, "e2e-poison", s.settings)).Orders
	if d := sum.Dispatch; d.Quarantined != 3 || d.New != 17 {
		t.Fatalf("dispatch %+v", d)
	}
	var good []string
	for _, r := range refs {
		if r != nan && r != long && r != empty {
			good = append(good, r)
		}
	}
	s.settle(t, good, func(string) bool { return false })
	s.checkExactlyOnce(t, good, func(string) bool { return false })
	for _, r := range []string{nan, long, empty} {
		if s.cb.OrdersFor(r) != 0 {
			t.Errorf("poison order %s reached CB", r)
		}
	}
	reasons := map[string]string{}
	for _, p := range sum.Problems {
		reasons[p.Type] += p.Reason + "\n"
	}
	if r := reasons[activities.ErrTypeUndecodable]; !strings.Contains(r, "order_discount") || !strings.Contains(r, "NaN") {
		t.Errorf("the NaN order's reason: %q", r)
	}
	if r := reasons[activities.ErrTypeUnusableCustRef]; !strings.Contains(r, "2000 characters") || !strings.Contains(r, `cust_ref ""`) {
		t.Errorf("the unusable cust_refs' reasons: %q", r)
	}
	st := s.orderState(t, workflows.OrderWorkflowID(nan))
	if st.Stage != activities.StageHeld || st.Reason == nil || !strings.Contains(st.Reason.Reason, "order_discount") {
		t.Errorf("the NaN order's workflow: %+v", st)
	}
	if o, _ := s.cr.Order(nan); o.OrderStatus != cartrover.StatusError {
		t.Errorf("the NaN order is %s in CartRover, want error (it names the field)", o.OrderStatus)
	}
	st = s.orderState(t, workflows.OrderWorkflowID(strings.Repeat("L", 2000)))
	if st.Stage != activities.StageHeld || !strings.Contains(st.Reason.Reason, "2000 characters") {
		t.Errorf("the long cust_ref's workflow: %+v", st)
	}
}

// 600 held orders ahead of 50 new ones with download_limit 100: the held ones neither fill the
// limit nor stall the run, so the 50 import in the first run; the next runs list none of the 600.
func TestOrderSendImportsNewOrdersBehindAHeldBacklogInTheFirstRun(t *testing.T) {
	s := newSandbox(t, cartroversim.Options{Seed: 33, NoRateLimit: true}, nil)
	s.skipCustRefs(t, 7000)
	held := s.cr.Generate(600, 1)
	fresh := s.cr.Generate(50, 0)
	st := s.settings
	st.DownloadLimit = 100
	s.cr.ResetStats()
	sum := result(t, s.start(t, "e2e-backlog-1", st)).Orders
	if d := sum.Dispatch; d.New != 50 || d.NewHeld != 600 {
		t.Fatalf("first run: %+v", d)
	}
	s.settle(t, fresh, func(string) bool { return false })
	s.checkExactlyOnce(t, fresh, func(string) bool { return false })
	lists := s.cr.Stats().ByRoute[cartrover.RouteListOrders.Name]
	t.Logf("first run: %d list calls for 600 held + 50 new orders", lists)

	s.cr.ResetStats()
	sum2 := result(t, s.start(t, "e2e-backlog-2", st)).Orders
	lists2 := s.cr.Stats().ByRoute[cartrover.RouteListOrders.Name]
	t.Logf("second run: %d list calls, dispatch %+v", lists2, sum2.Dispatch)
	if lists2 != 1 || sum2.Dispatch.Listed != 0 {
		t.Errorf("second run listed %d orders in %d calls; the held backlog must not be listed again", sum2.Dispatch.Listed, lists2)
	}
	for _, ref := range held[:20] {
		if n := s.runs(t, workflows.OrderWorkflowID(ref)); n != 1 {
			t.Errorf("held order %s has %d runs", ref, n)
		}
	}
}

// Orders with Cancel Sending or on hold in CartRover are never sent to CB; the run shows them.
func TestOrderSendSkipsSendingCanceledAndOnHoldOrders(t *testing.T) {
	s := newSandbox(t, cartroversim.Options{Seed: 34, NoRateLimit: true}, nil)
	s.skipCustRefs(t, 7800)
	refs := s.cr.Generate(6, 0)
	if err := s.cr.SetRawField(refs[1], "sending_canceled", json.RawMessage(`"Y"`)); err != nil {
		t.Fatal(err)
	}
	if err := s.cr.SetRawField(refs[4], "on_hold", json.RawMessage(`"Y"`)); err != nil {
		t.Fatal(err)
	}
	sum := result(t, s.start(t, "e2e-skip", s.settings)).Orders
	if sum.Dispatch.Skipped != 2 || sum.Dispatch.New != 4 {
		t.Fatalf("dispatch %+v", sum.Dispatch)
	}
	types := map[string]string{}
	for _, p := range sum.Problems {
		types[p.Key] = p.Type
	}
	if types[refs[1]] != activities.ErrTypeSendingCanceled || types[refs[4]] != activities.ErrTypeOnHold {
		t.Errorf("problems %+v", sum.Problems)
	}
	ok := []string{refs[0], refs[2], refs[3], refs[5]}
	s.settle(t, ok, func(string) bool { return false })
	s.checkExactlyOnce(t, ok, func(string) bool { return false })
	for _, r := range []string{refs[1], refs[4]} {
		if s.cb.OrdersFor(r) != 0 || s.runs(t, workflows.OrderWorkflowID(r)) != 0 {
			t.Errorf("skipped order %s reached CB or got a workflow", r)
		}
	}
	resp, err := s.env.Client.CountWorkflow(context.Background(), &workflowservice.CountWorkflowExecutionsRequest{
		Query: fmt.Sprintf("TaskQueue = %q AND ExecutionStatus = 'Failed'", s.env.TaskQueue)})
	if err != nil || resp.GetCount() != 0 {
		t.Errorf("failed runs: %v %v", resp.GetCount(), err)
	}
}
