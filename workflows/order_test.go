package workflows_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/cartrover-cb/ordermanager/activities"
	"github.com/cartrover-cb/ordermanager/settings"
	"github.com/cartrover-cb/ordermanager/workflows"
)

// orderCalls counts the activity calls an Order made.
type orderCalls struct {
	mu sync.Mutex
	n  map[string]int
	// cbDown makes CreateSalesOrder fail as a CB outage would.
	cbDown bool
}

func (c *orderCalls) add(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n[name]++
}

func (c *orderCalls) get(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[name]
}

// orderEnv is a test environment whose CB and CartRover activities succeed (counting calls).
func orderEnv(t *testing.T) (*testsuite.TestWorkflowEnvironment, saRecorder, *orderCalls) {
	env, sa := newEnv(t)
	calls := &orderCalls{n: map[string]int{}}
	env.OnActivity(oacts.LoadCatalog, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.CatalogInput) (activities.Catalog, error) {
		calls.add("LoadCatalog")
		c := activities.Catalog{ReferenceListsOK: true, ShippingMethods: []activities.ShippingMethodRef{{Group: "DEFAULT", Code: "UPS Ground"}}}
		for _, n := range in.ItemNames {
			if n == teeItem.Name {
				c.Items = append(c.Items, teeItem)
			}
		}
		return c, nil
	})
	env.OnActivity(oacts.EnsureCustomer, mock.Anything, mock.Anything).Return(func(context.Context, activities.EnsureCustomerInput) (activities.CustomerResult, error) {
		calls.add("EnsureCustomer")
		return activities.CustomerResult{CustomerCode: "CUST-1", ShipToCode: "SHIP-1"}, nil
	}).Maybe()
	env.OnActivity(oacts.CreateSalesOrder, mock.Anything, mock.Anything).Return(func(_ context.Context, so activities.SalesOrderInput) (activities.SalesOrderResult, error) {
		calls.add("CreateSalesOrder")
		calls.mu.Lock()
		down := calls.cbDown
		calls.mu.Unlock()
		if down {
			return activities.SalesOrderResult{}, errors.New("CB: 503 Service Unavailable")
		}
		return activities.SalesOrderResult{Code: "SO-" + so.CustRef}, nil
	}).Maybe()
	env.OnActivity(oacts.MarkAtWMS, mock.Anything, mock.Anything).Return(func(context.Context, string) error {
		calls.add("MarkAtWMS")
		return nil
	}).Maybe()
	env.OnActivity(oacts.FlagOrder, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.FlagOrderInput) error {
		calls.add("FlagOrder")
		return nil
	}).Maybe()
	return env, sa, calls
}

func dispatchOf(t *testing.T, o activities.Order, s settings.Settings) activities.DispatchInput {
	skus := []string{}
	for _, l := range o.Items {
		skus = append(skus, l.SKU)
	}
	return activities.DispatchInput{Order: &o, Settings: s.Resolve(o.OrderSource).ForSKUs(skus), SettingsDigest: activities.Digest(s)}
}

// update sends an update at the given workflow time and stores its answer in *out.
func update(t *testing.T, env *testsuite.TestWorkflowEnvironment, at time.Duration, name string, arg any, out *activities.DispatchResult) {
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(name, "", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { t.Errorf("update %s rejected: %v", name, err) },
			OnAccept: func() {},
			OnComplete: func(v any, err error) {
				if err != nil {
					t.Errorf("update %s: %v", name, err)
					return
				}
				if r, ok := v.(activities.DispatchResult); ok && out != nil {
					*out = r
				}
			},
		}, arg)
	}, at)
}

func queryState(t *testing.T, env *testsuite.TestWorkflowEnvironment) workflows.OrderState {
	t.Helper()
	v, err := env.QueryWorkflow(activities.OrderQuery)
	if err != nil {
		t.Fatal(err)
	}
	var st workflows.OrderState
	if err := v.Get(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

// stateAt runs the Order workflow of key and returns its state at workflow time at (the workflow
// is then canceled: an imported order waits at at_wms for its shipments).
func stateAt(t *testing.T, env *testsuite.TestWorkflowEnvironment, at time.Duration, key string) workflows.OrderState {
	t.Helper()
	var st workflows.OrderState
	env.RegisterDelayedCallback(func() { st = queryState(t, env); env.CancelWorkflow() }, at)
	env.ExecuteWorkflow(workflows.Order, workflows.OrderInput{Key: key})
	if !env.IsWorkflowCompleted() {
		t.Fatal("the workflow did not end when canceled")
	}
	return st
}

func TestOrderImportsADispatchedOrderAndWaitsAtWMS(t *testing.T) {
	env, sa, calls := orderEnv(t)
	var res activities.DispatchResult
	update(t, env, 0, activities.DispatchUpdate, dispatchOf(t, testOrder("1045"), mustSettings(t)), &res)
	st := stateAt(t, env, time.Hour, "1045")
	if res.Outcome != activities.OutcomeNew {
		t.Errorf("dispatch answered %+v, want new", res)
	}
	if st.Stage != activities.StageAtWMS || st.SalesOrderCode != "SO-1045" || st.CustomerCode != "CUST-1" {
		t.Errorf("state %+v", st)
	}
	if sa.keyword(workflows.OrderStageKey) != activities.StageAtWMS || sa.keyword(workflows.SalesOrderCodeKey) != "SO-1045" {
		t.Errorf("search attributes %v", sa)
	}
	for _, a := range []string{"CreateSalesOrder", "MarkAtWMS", "EnsureCustomer"} {
		if calls.get(a) != 1 {
			t.Errorf("%s called %d times, want once", a, calls.get(a))
		}
	}
	if calls.get("FlagOrder") != 0 {
		t.Error("an imported order must not be flagged")
	}
	story := strings.Join(st.Story, "\n")
	for _, w := range []string{"received", "SO-1045", "at_wms"} {
		if !strings.Contains(story, w) {
			t.Errorf("story lacks %q:\n%s", w, story)
		}
	}
}

func TestOrderHeldWaitsFlagsOnceAndImportsOnlyWhenItsSettingsChange(t *testing.T) {
	env, sa, calls := orderEnv(t)
	o := testOrder("2001")
	o.ShipCode = "pigeon"
	s := mustSettings(t)
	var first, again, sameSettings, unrelated, fixed activities.DispatchResult
	update(t, env, 0, activities.DispatchUpdate, dispatchOf(t, o, s), &first)
	// The next run passes the order again with the same settings: nothing happens.
	update(t, env, time.Hour, activities.DispatchUpdate, dispatchOf(t, o, s), &again)
	update(t, env, 2*time.Hour, activities.SettingsUpdate, activities.SettingsInput{Settings: s, Digest: "d1"}, &sameSettings)
	// A settings change that does not touch this order's source or SKUs: no re-check either.
	s2 := mustSettings(t)
	s2.Carts["WooCommerce"] = settings.Cart{SKUs: map[string]string{"OTHER": "TEE-CLASSIC-M"}}
	update(t, env, 3*time.Hour, activities.SettingsUpdate, activities.SettingsInput{Settings: s2, Digest: "d2"}, &unrelated)
	var held workflows.OrderState
	env.RegisterDelayedCallback(func() { held = queryState(t, env) }, 3*time.Hour+time.Minute)
	// The fix: a rule for the ship code.
	s3 := mustSettings(t)
	c := s3.Carts["Shopify"]
	c.Shipping.Rules = append(c.Shipping.Rules, settings.ShipRule{ShipCode: "pigeon", To: settings.ShippingMethod{Group: "DEFAULT", Code: "UPS Ground"}})
	s3.Carts["Shopify"] = c
	update(t, env, 4*time.Hour, activities.SettingsUpdate, activities.SettingsInput{Settings: s3, Digest: "d3"}, &fixed)
	st := stateAt(t, env, 5*time.Hour, "2001")
	if first.Outcome != activities.OutcomeNewHeld || first.Reason == nil || first.Reason.Type != activities.ErrTypeUnmappedShipCode ||
		!strings.Contains(first.Reason.Reason, "pigeon") || !strings.Contains(first.Reason.Reason, "carts.Shopify.shipping") {
		t.Errorf("first dispatch %+v", first)
	}
	if again.Outcome != activities.OutcomeStillHeld || sameSettings.Outcome != activities.OutcomeStillHeld || unrelated.Outcome != activities.OutcomeStillHeld {
		t.Errorf("unchanged passes: %+v %+v %+v", again, sameSettings, unrelated)
	}
	if held.Stage != activities.StageHeld || held.Reason == nil || held.HeldSince.IsZero() || held.SettingsDigest != "d2" {
		t.Errorf("while held: %+v", held)
	}
	if fixed.Outcome != activities.OutcomeRechecking {
		t.Errorf("after the fix: %+v", fixed)
	}
	if st.Stage != activities.StageAtWMS || st.Reason != nil || sa.keyword(workflows.OrderStageKey) != activities.StageAtWMS {
		t.Errorf("end state %+v, attributes %v", st, sa)
	}
	// Held: flagged once; the unchanged passes cost no call; CB only after the fix, once.
	if calls.get("FlagOrder") != 1 || calls.get("LoadCatalog") != 1 || calls.get("CreateSalesOrder") != 1 || calls.get("MarkAtWMS") != 1 {
		t.Errorf("calls %v", calls.n)
	}
}

func TestOrderQuarantinedOrderIsHeldWithItsReasonAndNeverReachesCB(t *testing.T) {
	env, sa, calls := orderEnv(t)
	q := &activities.Problem{Key: "Q-1", Type: activities.ErrTypeUndecodable, Reason: `field order_discount has the value "NaN", which does not decode`}
	var first, again activities.DispatchResult
	update(t, env, 0, activities.DispatchUpdate, activities.DispatchInput{Quarantine: q}, &first)
	update(t, env, time.Hour, activities.DispatchUpdate, activities.DispatchInput{Quarantine: q}, &again)
	var st workflows.OrderState
	env.RegisterDelayedCallback(func() { st = queryState(t, env); env.CancelWorkflow() }, 2*time.Hour)
	env.ExecuteWorkflow(workflows.Order, workflows.OrderInput{Key: "Q-1"})
	if first.Outcome != activities.OutcomeNewHeld || again.Outcome != activities.OutcomeStillHeld {
		t.Errorf("answers %+v %+v", first, again)
	}
	if st.Stage != activities.StageHeld || st.Reason == nil || !strings.Contains(st.Reason.Reason, "order_discount") {
		t.Errorf("state %+v", st)
	}
	if sa.keyword(workflows.OrderStageKey) != activities.StageHeld {
		t.Errorf("attributes %v", sa)
	}
	if calls.get("FlagOrder") != 1 || calls.get("LoadCatalog")+calls.get("CreateSalesOrder") != 0 {
		t.Errorf("calls %v", calls.n)
	}
}

func TestOrderRetryUpdateAnswersWithTheOutcomeOfTheAttempt(t *testing.T) {
	env, _ := newEnv(t)
	hold := true
	env.OnActivity(oacts.LoadCatalog, mock.Anything, mock.Anything).Return(activities.Catalog{Items: []activities.CatalogItem{teeItem},
		ReferenceListsOK: true, ShippingMethods: []activities.ShippingMethodRef{{Group: "DEFAULT", Code: "UPS Ground"}}}, nil)
	env.OnActivity(oacts.EnsureCustomer, mock.Anything, mock.Anything).Return(func(context.Context, activities.EnsureCustomerInput) (activities.CustomerResult, error) {
		return activities.CustomerResult{CustomerCode: "CUST-9", ShipToCode: "S", CreditHold: hold}, nil
	})
	env.OnActivity(oacts.FlagOrder, mock.Anything, mock.Anything).Return(nil)
	env.OnActivity(oacts.CreateSalesOrder, mock.Anything, mock.Anything).Return(activities.SalesOrderResult{Code: "SO-7"}, nil)
	env.OnActivity(oacts.MarkAtWMS, mock.Anything, mock.Anything).Return(nil)
	d := dispatchOf(t, testOrder("3001"), mustSettings(t))
	var first, stillHeld, retried activities.DispatchResult
	update(t, env, 0, activities.DispatchUpdate, d, &first)
	update(t, env, time.Hour, activities.RetryUpdate, d, &stillHeld)
	env.RegisterDelayedCallback(func() { hold = false }, 2*time.Hour)
	update(t, env, 3*time.Hour, activities.RetryUpdate, d, &retried)
	st := stateAt(t, env, 4*time.Hour, "3001")
	if first.Outcome != activities.OutcomeNew {
		t.Errorf("first %+v", first)
	}
	if stillHeld.Outcome != activities.OutcomeStillHeld || stillHeld.Reason == nil || stillHeld.Reason.Type != activities.ErrTypeCreditHold {
		t.Errorf("retry while on credit hold: %+v", stillHeld)
	}
	if retried.Outcome != activities.OutcomeInCB || retried.SalesOrderCode != "SO-7" || st.Stage != activities.StageAtWMS {
		t.Errorf("retry after the release: %+v, state %+v", retried, st)
	}
}

func TestOrderWaitsOutACBOutageWithoutFailing(t *testing.T) {
	env, _, calls := orderEnv(t)
	calls.cbDown = true
	var during workflows.OrderState
	var duringDispatch activities.DispatchResult
	d := dispatchOf(t, testOrder("5001"), mustSettings(t))
	update(t, env, 0, activities.DispatchUpdate, d, nil)
	update(t, env, 8*time.Minute, activities.DispatchUpdate, d, &duringDispatch)
	env.RegisterDelayedCallback(func() { during = queryState(t, env) }, 9*time.Minute)
	env.RegisterDelayedCallback(func() { calls.mu.Lock(); calls.cbDown = false; calls.mu.Unlock() }, 20*time.Minute)
	st := stateAt(t, env, 2*time.Hour, "5001")
	if during.Stage != activities.StageReceived || !strings.Contains(during.Failing, "503") {
		t.Errorf("during the outage: %+v", during)
	}
	if duringDispatch.Outcome != activities.OutcomeImporting {
		t.Errorf("a run passing the order during the outage: %+v", duringDispatch)
	}
	if st.Stage != activities.StageAtWMS || st.SalesOrderCode != "SO-5001" || calls.get("MarkAtWMS") != 1 {
		t.Errorf("after the outage: %+v", st)
	}
}

func TestOrderContinuesAsNewCarryingItsState(t *testing.T) {
	env, _, _ := orderEnv(t)
	o := testOrder("6001")
	o.ShipCode = "pigeon"
	update(t, env, 0, activities.DispatchUpdate, dispatchOf(t, o, mustSettings(t)), nil)
	env.SetContinueAsNewSuggested(true)
	env.ExecuteWorkflow(workflows.Order, workflows.OrderInput{Key: "6001"})
	var can *workflow.ContinueAsNewError
	if err := env.GetWorkflowError(); !errorsAs(err, &can) {
		t.Fatalf("want continue-as-new, got %v", err)
	}
	var next workflows.OrderInput
	if err := decodeCANInput(can, &next); err != nil {
		t.Fatal(err)
	}
	if next.Key != "6001" || next.State == nil || next.State.Stage != activities.StageHeld || next.State.Order == nil ||
		next.State.FlaggedFor == "" || len(next.State.Counted) == 0 {
		t.Fatalf("carried %+v", next.State)
	}
}
