package workflows_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cartrover-cb/ordermanager/activities"
	"github.com/cartrover-cb/ordermanager/workflows"
)

// fakeCartRover is a CartRover order list the mocks share: MarkAtWMS removes an order from "new".
type fakeCartRover struct {
	mu     sync.Mutex
	orders []activities.Order // in list order
	acked  map[string]int
	lists  []activities.ListOrdersInput
}

func newFakeCartRover(n int, change func(i int, o *activities.Order)) *fakeCartRover {
	f := &fakeCartRover{acked: map[string]int{}}
	for i := 0; i < n; i++ {
		o := testOrder(fmt.Sprintf("R%04d", i))
		if change != nil {
			change(i, &o)
		}
		f.orders = append(f.orders, o)
	}
	return f
}

func (f *fakeCartRover) list(_ context.Context, in activities.ListOrdersInput) (activities.OrderPage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lists = append(f.lists, in)
	var open []activities.Order
	for _, o := range f.orders {
		if f.acked[o.CustRef] == 0 {
			open = append(open, o)
		}
	}
	from := (in.Page - 1) * in.Limit
	if from >= len(open) {
		return activities.OrderPage{}, nil
	}
	to := min(from+in.Limit, len(open))
	return activities.OrderPage{Orders: open[from:to], Full: to-from == in.Limit}, nil
}

func (f *fakeCartRover) ack(_ context.Context, ref string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.acked[ref]++
	return nil
}

func managerEnv(t *testing.T, f *fakeCartRover) (*testEnv, *sync.Map) {
	env, _ := newEnv(t)
	created := &sync.Map{} // POCode → count
	env.OnActivity(oacts.ListOrders, mock.Anything, mock.Anything).Return(f.list)
	env.OnActivity(oacts.MarkAtWMS, mock.Anything, mock.Anything).Return(f.ack)
	env.OnActivity(oacts.LoadCatalog, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.CatalogInput) (activities.Catalog, error) {
			var c activities.Catalog
			for _, n := range in.ItemNames {
				if n == teeItem.Name {
					c.Items = append(c.Items, teeItem)
				}
			}
			if in.ReferenceLists {
				c.ReferenceListsOK = true
				c.ShippingMethods = []activities.ShippingMethodRef{{Group: "DEFAULT", Code: "UPS Ground"}}
			}
			return c, nil
		})
	env.OnActivity(oacts.EnsureCustomer, mock.Anything, mock.Anything).Return(activities.CustomerResult{CustomerCode: "C", ShipToCode: "S"}, nil)
	env.OnActivity(oacts.CreateSalesOrder, mock.Anything, mock.Anything).Return(
		func(_ context.Context, so activities.SalesOrderInput) (activities.SalesOrderResult, error) {
			n, _ := created.LoadOrStore(so.CustRef, new(int))
			*n.(*int)++
			return activities.SalesOrderResult{Code: "SO-" + so.CustRef}, nil
		})
	return &testEnv{env}, created
}

func managerInput(t *testing.T, limit int) workflows.OrderManagerInput {
	s := mustSettings(t)
	s.DownloadLimit = limit
	return workflows.OrderManagerInput{Settings: s, Tasks: []workflows.Task{workflows.TaskOrders}, MaxInFlight: 8}
}

func TestOrderManagerImportsEveryNewOrderOnceAndHoldsTheRest(t *testing.T) {
	// 230 orders over three pages; every 10th has an unmapped ship code and stays "new".
	f := newFakeCartRover(230, func(i int, o *activities.Order) {
		if i%10 == 3 {
			o.ShipCode = "carrier-pigeon"
		}
	})
	env, created := managerEnv(t, f)
	env.ExecuteWorkflow(workflows.OrderManager, managerInput(t, 1000))
	var sum workflows.RunSummary
	if err := env.GetWorkflowResult(&sum); err != nil {
		t.Fatal(err)
	}
	o := sum.Orders
	if o == nil || o.Downloaded != 230 || o.Imported != 207 || o.Held != 23 || o.Failed != 0 || o.Healed != 0 {
		t.Fatalf("summary %+v", o)
	}
	for _, ord := range f.orders {
		n, ok := created.Load(ord.CustRef)
		held := ord.ShipCode == "carrier-pigeon"
		switch {
		case held && ok:
			t.Errorf("held order %s reached CB", ord.CustRef)
		case !held && (!ok || *n.(*int) != 1 || f.acked[ord.CustRef] != 1):
			t.Errorf("order %s: want exactly one CB order and one acknowledgement", ord.CustRef)
		}
	}
	if len(o.Problems) != 23 || o.Problems[0].Type != activities.ErrTypeUnmappedShipCode || !strings.Contains(o.Problems[0].Reason, "carrier-pigeon") {
		t.Errorf("problems %+v", o.Problems)
	}
	for _, l := range f.lists {
		if l.Status != "new" || l.Limit != 100 {
			t.Errorf("list call %+v", l)
		}
	}
}

func TestOrderManagerStopsAtTheDownloadLimit(t *testing.T) {
	f := newFakeCartRover(330, nil)
	env, created := managerEnv(t, f)
	env.ExecuteWorkflow(workflows.OrderManager, managerInput(t, 150))
	var sum workflows.RunSummary
	if err := env.GetWorkflowResult(&sum); err != nil {
		t.Fatal(err)
	}
	n := 0
	created.Range(func(_, _ any) bool { n++; return true })
	if sum.Orders.Downloaded != 150 || sum.Orders.Imported != 150 || n != 150 {
		t.Fatalf("want 150 orders, got summary %+v and %d CB orders", sum.Orders, n)
	}
	if len(f.lists) != 2 {
		t.Errorf("want 2 list calls for 150 orders, got %d", len(f.lists))
	}
}

func TestOrderManagerContinuesAsNewWhenSuggested(t *testing.T) {
	f := newFakeCartRover(250, func(i int, o *activities.Order) {
		if i < 5 {
			o.Items[0].SKU = "NOPE"
		}
	})
	env, _ := managerEnv(t, f)
	env.SetContinueAsNewSuggested(true)
	env.ExecuteWorkflow(workflows.OrderManager, managerInput(t, 1000))
	err := env.GetWorkflowError()
	var can *workflow.ContinueAsNewError
	if !errorsAs(err, &can) {
		t.Fatalf("want continue-as-new, got %v", err)
	}
	var next workflows.OrderManagerInput
	if err := decodeCANInput(can, &next); err != nil {
		t.Fatal(err)
	}
	c := next.Carry
	if c == nil || c.Summary.Orders.Downloaded != 100 || c.Summary.Orders.Held != 5 || c.Summary.Continuations != 1 ||
		c.NextPage != 1 || len(c.Stuck) != 5 || c.StuckInStatus != 5 {
		t.Fatalf("carry %+v", c)
	}
	if next.Settings.DownloadLimit != 1000 || len(next.Tasks) != 1 {
		t.Errorf("the continuation must keep the settings and tasks: %+v", next)
	}

	// The continuation resumes: it skips the 5 held orders and imports the other 145.
	env2, created := managerEnv(t, f)
	env2.ExecuteWorkflow(workflows.OrderManager, next)
	var sum workflows.RunSummary
	if err := env2.GetWorkflowResult(&sum); err != nil {
		t.Fatal(err)
	}
	n := 0
	created.Range(func(_, _ any) bool { n++; return true })
	if sum.Orders.Downloaded != 250 || sum.Orders.Imported != 245 || sum.Orders.Held != 5 || n != 150 {
		t.Fatalf("after continuing: %+v, %d CB orders in the second run", sum.Orders, n)
	}
}

// windowProbe is a stand-in ImportOrder that records how many run at once.
type windowProbe struct {
	mu            sync.Mutex
	running, peak int
	done          int
}

func (p *windowProbe) importOrder(ctx workflow.Context, in workflows.ImportOrderInput) (workflows.ImportOrderResult, error) {
	p.mu.Lock()
	p.running++
	p.peak = max(p.peak, p.running)
	p.mu.Unlock()
	_ = workflow.Sleep(ctx, time.Minute)
	p.mu.Lock()
	p.running--
	p.done++
	p.mu.Unlock()
	if strings.HasSuffix(in.Order.CustRef, "7") {
		return workflows.ImportOrderResult{}, temporal.NewNonRetryableApplicationError("boom", "SomethingBroke", nil)
	}
	return workflows.ImportOrderResult{CustRef: in.Order.CustRef, SalesOrderCode: "SO"}, nil
}

func TestOrderManagerKeepsTheWindowOfChildrenBounded(t *testing.T) {
	f := newFakeCartRover(40, nil)
	var s testEnvSuite
	env := s.env()
	env.RegisterActivity(oacts)
	env.RegisterWorkflowWithOptions(workflows.OrderManager, workflowOpts(workflows.OrderManagerName))
	probe := &windowProbe{}
	env.RegisterWorkflowWithOptions(probe.importOrder, workflowOpts(workflows.ImportOrderName))
	env.OnActivity(oacts.ListOrders, mock.Anything, mock.Anything).Return(f.list)
	env.OnActivity(oacts.LoadCatalog, mock.Anything, mock.Anything).Return(activities.Catalog{}, nil)
	var progress workflows.RunSummary
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(workflows.ProgressQuery)
		if err != nil {
			t.Errorf("progress query: %v", err)
			return
		}
		_ = v.Get(&progress)
	}, 90*time.Second)
	in := managerInput(t, 1000)
	in.MaxInFlight = 3
	env.ExecuteWorkflow(workflows.OrderManager, in)
	var sum workflows.RunSummary
	if err := env.GetWorkflowResult(&sum); err != nil {
		t.Fatal(err)
	}
	if probe.peak != 3 || probe.done != 40 {
		t.Errorf("want at most 3 children at once and all 40 done; peak %d, done %d", probe.peak, probe.done)
	}
	if sum.Orders.Imported != 36 || sum.Orders.Failed != 4 || sum.Orders.Problems[0].Type != "SomethingBroke" {
		t.Errorf("summary %+v", sum.Orders)
	}
	if progress.Orders == nil || progress.Orders.Downloaded == 0 || progress.Orders.Downloaded >= 40 {
		t.Errorf("the progress query must answer the figures while the run works: %+v", progress.Orders)
	}
}

func TestOrderManagerRetriesNamedOrders(t *testing.T) {
	f := newFakeCartRover(0, nil)
	env, created := managerEnv(t, f)
	env.OnActivity(oacts.GetOrders, mock.Anything, activities.GetOrdersInput{CustRefs: []string{"A1", "ZZ"}}).Return(
		activities.OrderPage{Orders: []activities.Order{testOrder("A1")}, Missing: []string{"ZZ"}}, nil).Once()
	in := managerInput(t, 10)
	in.CustRefs = []string{"A1", "ZZ"}
	env.ExecuteWorkflow(workflows.OrderManager, in)
	var sum workflows.RunSummary
	if err := env.GetWorkflowResult(&sum); err != nil {
		t.Fatal(err)
	}
	if _, ok := created.Load("A1"); !ok || sum.Orders.Imported != 1 || sum.Orders.Failed != 1 || sum.Orders.Problems[0].Key != "ZZ" {
		t.Errorf("summary %+v", sum.Orders)
	}
	if len(f.lists) != 0 {
		t.Error("named orders must not list CartRover")
	}
}

func TestOrderManagerListsErrorOrdersWhenHeldOrdersAreFlagged(t *testing.T) {
	f := newFakeCartRover(3, func(i int, o *activities.Order) {
		if i == 0 {
			o.ShipCode = "nope"
		}
	})
	env, _ := managerEnv(t, f)
	env.OnActivity(oacts.FlagOrder, mock.Anything, mock.Anything).Return(nil).Once()
	in := managerInput(t, 10)
	in.Settings.HoldInCartRover = true
	env.ExecuteWorkflow(workflows.OrderManager, in)
	var sum workflows.RunSummary
	if err := env.GetWorkflowResult(&sum); err != nil {
		t.Fatal(err)
	}
	var statuses []string
	for _, l := range f.lists {
		statuses = append(statuses, l.Status)
	}
	sort.Strings(statuses)
	if strings.Join(statuses, ",") != "error,new" || sum.Orders.Held != 1 || sum.Orders.Imported != 2 {
		t.Errorf("lists %v, summary %+v", statuses, sum.Orders)
	}
}

func TestOrderManagerRefusesInvalidSettingsNamingTheKeys(t *testing.T) {
	env, _ := newEnv(t)
	in := managerInput(t, 10)
	in.Settings.Warehouse = ""
	in.Settings.Customers.Match = "phone"
	env.ExecuteWorkflow(workflows.OrderManager, in)
	err := env.GetWorkflowError()
	if errType(err) != "InvalidSettings" || !strings.Contains(err.Error(), "warehouse") || !strings.Contains(err.Error(), "customers.match") {
		t.Fatalf("got %v", err)
	}
}

func TestOrderManagerRecordsAFailedOrderWithItsReasonAndKeepsItForTheNextRun(t *testing.T) {
	f := newFakeCartRover(5, nil)
	env, _ := newEnv(t)
	env.OnActivity(oacts.ListOrders, mock.Anything, mock.Anything).Return(f.list)
	env.OnActivity(oacts.MarkAtWMS, mock.Anything, mock.Anything).Return(f.ack)
	env.OnActivity(oacts.LoadCatalog, mock.Anything, mock.Anything).Return(activities.Catalog{
		Items: []activities.CatalogItem{teeItem}, ReferenceListsOK: true,
		ShippingMethods: []activities.ShippingMethodRef{{Group: "DEFAULT", Code: "UPS Ground"}}}, nil)
	env.OnActivity(oacts.EnsureCustomer, mock.Anything, mock.Anything).Return(activities.CustomerResult{CustomerCode: "C", ShipToCode: "S"}, nil)
	var mu sync.Mutex
	attempts := map[string]int{}
	env.OnActivity(oacts.CreateSalesOrder, mock.Anything, mock.Anything).Return(
		func(_ context.Context, so activities.SalesOrderInput) (activities.SalesOrderResult, error) {
			mu.Lock()
			defer mu.Unlock()
			attempts[so.CustRef]++
			switch {
			case so.CustRef == "R0002": // CB stays down for this order
				return activities.SalesOrderResult{}, fmt.Errorf("cust_ref %s: create CB sales order: connected business Transactions/createsalesorder: HTTP 503", so.CustRef)
			case so.CustRef == "R0004" && attempts[so.CustRef] <= 12: // a run of transient faults longer than 8 attempts
				return activities.SalesOrderResult{}, fmt.Errorf("cust_ref %s: create CB sales order: connected business Transactions/orderlookup: HTTP 503", so.CustRef)
			}
			return activities.SalesOrderResult{Code: "SO-" + so.CustRef}, nil
		})
	env.ExecuteWorkflow(workflows.OrderManager, managerInput(t, 10))
	var sum workflows.RunSummary
	if err := env.GetWorkflowResult(&sum); err != nil {
		t.Fatal(err)
	}
	o := sum.Orders
	if o.Imported != 4 || o.Failed != 1 || f.acked["R0004"] != 1 {
		t.Fatalf("want 4 imported (one after 12 transient faults) and 1 failed: %+v", o)
	}
	if n := attempts["R0002"]; n < 2 || n > 30 {
		t.Errorf("retries must be bounded and happen: %d attempts", n)
	}
	if len(o.Problems) != 1 {
		t.Fatalf("the failed order must be in the problems: %+v", o.Problems)
	}
	p := o.Problems[0]
	if p.Key != "R0002" || p.Type != workflows.ErrTypeRetriesExhausted || !strings.Contains(p.Reason, "CreateSalesOrder") ||
		!strings.Contains(p.Reason, "Transactions/createsalesorder: HTTP 503") || !strings.Contains(p.Reason, "next run retries it") {
		t.Errorf("problem %+v: want the cust_ref, the failed step, CB's answer and what happens next", p)
	}
	if f.acked["R0002"] != 0 {
		t.Error("a failed order must stay new in CartRover for the next run")
	}
}

func TestOrderManagerKeepsFailedOrdersInAFullProblemList(t *testing.T) {
	// 58 held orders fill the bounded problem list before the last two orders fail: the failures,
	// rarer and more urgent, must still be listed (they replace the newest held entries).
	f := newFakeCartRover(60, func(i int, o *activities.Order) {
		if i < 58 {
			o.ShipCode = "carrier-pigeon"
		}
	})
	env, _ := newEnv(t)
	env.OnActivity(oacts.ListOrders, mock.Anything, mock.Anything).Return(f.list)
	env.OnActivity(oacts.MarkAtWMS, mock.Anything, mock.Anything).Return(f.ack)
	env.OnActivity(oacts.LoadCatalog, mock.Anything, mock.Anything).Return(activities.Catalog{
		Items: []activities.CatalogItem{teeItem}, ReferenceListsOK: true,
		ShippingMethods: []activities.ShippingMethodRef{{Group: "DEFAULT", Code: "UPS Ground"}}}, nil)
	env.OnActivity(oacts.EnsureCustomer, mock.Anything, mock.Anything).Return(activities.CustomerResult{CustomerCode: "C", ShipToCode: "S"}, nil)
	env.OnActivity(oacts.CreateSalesOrder, mock.Anything, mock.Anything).Return(activities.SalesOrderResult{},
		temporal.NewNonRetryableApplicationError("CB refused the sign-in: check CB_USER_CODE and CB_PASSWORD", activities.ErrTypeBadCredentials, nil))
	env.ExecuteWorkflow(workflows.OrderManager, managerInput(t, 1000))
	var sum workflows.RunSummary
	if err := env.GetWorkflowResult(&sum); err != nil {
		t.Fatal(err)
	}
	o := sum.Orders
	if o.Held != 58 || o.Failed != 2 || len(o.Problems) != workflows.MaxProblems {
		t.Fatalf("summary: held %d, failed %d, %d problems; want 58, 2, %d", o.Held, o.Failed, len(o.Problems), workflows.MaxProblems)
	}
	failed := 0
	for _, p := range o.Problems {
		if p.Type == activities.ErrTypeBadCredentials {
			failed++
		}
	}
	if failed != 2 {
		t.Errorf("%d of the 2 failed orders are in the problem list of %d", failed, len(o.Problems))
	}
}
