package e2e_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cartrover-cb/ordermanager/cartrover"
	"github.com/cartrover-cb/ordermanager/sandbox/cartroversim"
	"github.com/cartrover-cb/ordermanager/sandbox/cbsim"
	"github.com/cartrover-cb/ordermanager/telemetry"
	"github.com/cartrover-cb/ordermanager/workflows"
)

// cbOutage is how long CB answers nothing but HTTP 503 in TestOrderSendRidesOutATwoMinuteCBOutage.
const cbOutage = 2 * time.Minute

// CB answers every call with 503 for two minutes from the start of a run: the run's progress says
// CB is unreachable while it lasts, no order is lost or doubled, and every order is imported once
// CB answers again. The sandbox's CB client reports each call to telemetry as the worker's does,
// which is what the run's progress reads.
func TestOrderSendRidesOutATwoMinuteCBOutage(t *testing.T) {
	s := newSandbox(t, cartroversim.Options{Seed: 34, NoRateLimit: true}, nil)
	crSim, cbSim, st := s.cr, s.cb.sim, s.settings
	// Past every other test's cust_refs (7000 is the held-backlog test's: the same Shopify and
	// WooCommerce references would meet that test's open Order workflows on the shared dev server).
	s.skipCustRefs(t, 8500)
	refs := crSim.Generate(12, 0)

	// One answered call first: it clears a mark an earlier test's faults may have left.
	if _, err := s.acts.CB.ShippingMethods(context.Background()); err != nil {
		t.Fatal(err)
	}
	outageStarts := time.Now()
	cbSim.SetFaults(cbsim.Faults{Fail5xx: 1 << 30})
	outageEnds := outageStarts.Add(cbOutage)
	run := s.start(t, "e2e-cb-outage", st)

	// While CB is down the run's progress names it: the run either is still waiting on its page
	// (and looks every half minute) or has ended with its orders answering that they wait.
	var during workflows.RunSummary
	var ended bool
	waitFor(t, cbOutage-10*time.Second, "the run's progress to say CB is unreachable", func() string {
		v, err := s.env.Client.QueryWorkflow(context.Background(), run.GetID(), run.GetRunID(), workflows.ProgressQuery)
		if err != nil {
			return err.Error()
		}
		if err := v.Get(&during); err != nil {
			return err.Error()
		}
		for _, u := range during.Unreachable {
			// Since this outage: a mark left by an earlier test's faults would not count.
			if u.System == telemetry.SystemCB && !u.Since.Before(outageStarts) {
				d, err := s.env.Client.DescribeWorkflowExecution(context.Background(), run.GetID(), run.GetRunID())
				ended = err == nil && d.GetWorkflowExecutionInfo().GetCloseTime() != nil
				return ""
			}
		}
		return fmt.Sprintf("progress says unreachable %+v", during.Unreachable)
	})
	t.Logf("progress during the outage (run ended: %v): unreachable %+v, dispatch %+v", ended, during.Unreachable, during.Orders.Dispatch)
	if ended && during.Orders.Dispatch.Waiting != len(refs) {
		t.Errorf("the run ended during the outage saying %d orders wait, want %d", during.Orders.Dispatch.Waiting, len(refs))
	}
	for _, ref := range refs {
		if n := len(cbSim.SalesOrdersByPOCode(ref)); n != 0 {
			t.Fatalf("order %s reached CB during the outage (%d sales orders)", ref, n)
		}
	}
	time.Sleep(time.Until(outageEnds))
	cbSim.SetFaults(cbsim.Faults{})

	sum := result(t, run)
	if sum.Orders.Dispatch.New != len(refs) {
		t.Errorf("the run dispatched %+v, want %d new", sum.Orders.Dispatch, len(refs))
	}
	waitFor(t, 3*time.Minute, "every order to be imported after the outage", func() string {
		var left []string
		for _, ref := range refs {
			if o, _ := crSim.Order(ref); o.OrderStatus != cartrover.StatusAtWMS {
				left = append(left, ref+" "+string(o.OrderStatus))
			}
		}
		return strings.Join(left, ", ")
	})
	for _, ref := range refs {
		if n := len(cbSim.SalesOrdersByPOCode(ref)); n != 1 {
			t.Errorf("order %s has %d CB sales orders, want exactly one", ref, n)
		}
		if st := s.orderState(t, workflows.OrderWorkflowID(ref)); st.SalesOrderCode == "" {
			t.Errorf("order %s: its workflow names no sales order: %+v", ref, st)
		}
	}
	t.Logf("the run's result: dispatched %+v, unreachable at its end %+v", sum.Orders.Dispatch, sum.Unreachable)
}
