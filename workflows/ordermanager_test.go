package workflows_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/workflow"

	"github.com/cartrover-cb/ordermanager/activities"
	"github.com/cartrover-cb/ordermanager/workflows"
)

// fakeDispatch is a CartRover new list behind DispatchPage: orders created one a second, some held
// (they never count toward the limit); it records the pages asked for.
type fakeDispatch struct {
	mu    sync.Mutex
	n     int
	held  func(i int) bool
	base  time.Time
	calls []activities.DispatchPageInput
	seen  map[int]bool
	// oneSecond creates every order in the same second; leave takes a dispatched order off the
	// list at once (as CartRover does once it is at_wms or on error).
	oneSecond, leave bool
}

func (f *fakeDispatch) created(i int) time.Time {
	if f.oneSecond {
		return f.base
	}
	return f.base.Add(time.Duration(i) * time.Second)
}

func (f *fakeDispatch) page(_ context.Context, in activities.DispatchPageInput) (activities.DispatchPageResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, in)
	var list []int // orders created at or after the watermark, not yet seen
	for i := 0; i < f.n; i++ {
		if !in.From.IsZero() && f.created(i).Before(in.From) || f.leave && f.seen[i] {
			continue
		}
		list = append(list, i)
	}
	skip := map[string]bool{}
	for _, k := range in.SkipKeys {
		skip[k] = true
	}
	from := (in.Page - 1) * in.Limit
	var res activities.DispatchPageResult
	for j := from; j < len(list) && j < from+in.Limit; j++ {
		i := list[j]
		key := fmt.Sprintf("R%04d", i)
		created := f.created(i)
		switch {
		case created.After(res.LastCreated):
			res.LastCreated, res.BoundaryKeys = created, []string{key}
		case created.Equal(res.LastCreated):
			res.BoundaryKeys = append(res.BoundaryKeys, key)
		}
		if skip[key] || res.LimitReached {
			continue
		}
		res.Counts.Listed++
		res.Counts.Dispatched++
		switch {
		case f.seen[i]:
			res.Counts.Importing++
		case f.held(i):
			res.Counts.NewHeld++
			res.Problems = append(res.Problems, activities.Problem{Key: key, Type: activities.ErrTypeUnmappedShipCode, Reason: "held"})
		default:
			res.Counts.New++
		}
		f.seen[i] = true
		if res.Counts.New >= in.Remaining {
			res.LimitReached = true
		}
	}
	res.Full = len(list)-from >= in.Limit
	return res, nil
}

func dispatchEnv(t *testing.T, f *fakeDispatch) *testEnv {
	env, _ := newEnv(t)
	f.seen = map[int]bool{}
	f.base = time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	env.OnActivity(oacts.DispatchPage, mock.Anything, mock.Anything).Return(f.page)
	env.OnActivity(oacts.RecheckHeld, mock.Anything, mock.Anything).Return(activities.RecheckHeldResult{Told: 3, Rechecking: 2}, nil)
	return &testEnv{env}
}

func managerInput(t *testing.T, limit int) workflows.OrderManagerInput {
	s := mustSettings(t)
	s.DownloadLimit = limit
	return workflows.OrderManagerInput{Settings: s, Tasks: []workflows.Task{workflows.TaskOrders}}
}

func TestOrderManagerDispatchesPastHeldOrdersUpToTheLimitOfNewOnes(t *testing.T) {
	// 600 held orders ahead of 50 new ones, download_limit 100: held ones do not fill the limit.
	f := &fakeDispatch{n: 650, held: func(i int) bool { return i < 600 }}
	env := dispatchEnv(t, f)
	env.ExecuteWorkflow(workflows.OrderManager, managerInput(t, 100))
	var sum workflows.RunSummary
	if err := env.GetWorkflowResult(&sum); err != nil {
		t.Fatal(err)
	}
	d := sum.Orders.Dispatch
	if d == nil || d.New != 50 || d.NewHeld != 600 || d.Listed != 650 || sum.Orders.Rechecked != 2 {
		t.Fatalf("summary %+v dispatch %+v", sum.Orders, d)
	}
	if len(f.calls) != 7 {
		t.Errorf("want 7 pages for 650 orders, got %d", len(f.calls))
	}
	for i, c := range f.calls {
		if c.Page != 1 || c.Limit != 100 || c.SettingsDigest == "" || c.TaskQueue == "" {
			t.Errorf("page call %d: %+v", i, c)
		}
		if i > 0 && !c.From.After(f.calls[i-1].From) {
			t.Errorf("page call %d does not move the watermark: %v", i, c.From)
		}
	}
	if len(sum.Orders.Problems) == 0 || sum.Orders.Problems[0].Type != activities.ErrTypeUnmappedShipCode {
		t.Errorf("problems %+v", sum.Orders.Problems)
	}
}

func TestOrderManagerStopsAtTheDownloadLimit(t *testing.T) {
	f := &fakeDispatch{n: 330, held: func(int) bool { return false }}
	env := dispatchEnv(t, f)
	env.ExecuteWorkflow(workflows.OrderManager, managerInput(t, 150))
	var sum workflows.RunSummary
	if err := env.GetWorkflowResult(&sum); err != nil {
		t.Fatal(err)
	}
	if sum.Orders.Dispatch.New != 150 || len(f.calls) != 2 || f.calls[1].Remaining != 50 {
		t.Fatalf("summary %+v, %d calls", sum.Orders.Dispatch, len(f.calls))
	}
}

// Thousands of orders created in one second (a bulk import) all go out in one run: the keys it
// skips at the watermark are the last page's, not every key seen (which once grew past a cap and
// made the run skip pages).
func TestOrderManagerDispatchesABulkCreatedInOneSecondInOneRun(t *testing.T) {
	f := &fakeDispatch{n: 3000, held: func(i int) bool { return i%10 == 0 }, oneSecond: true, leave: true}
	env := dispatchEnv(t, f)
	env.ExecuteWorkflow(workflows.OrderManager, managerInput(t, 5000))
	var sum workflows.RunSummary
	if err := env.GetWorkflowResult(&sum); err != nil {
		t.Fatal(err)
	}
	if d := sum.Orders.Dispatch; d.New != 2700 || d.NewHeld != 300 || d.Importing != 0 {
		t.Fatalf("one run dispatched %+v, want 2700 new and 300 held", d)
	}
	for _, c := range f.calls {
		if len(c.SkipKeys) > workflows.OrderPageSize {
			t.Fatalf("a page was asked to skip %d keys; at most one page's worth is needed", len(c.SkipKeys))
		}
	}
}

func TestOrderManagerContinuesAsNewCarryingTheWatermark(t *testing.T) {
	f := &fakeDispatch{n: 250, held: func(i int) bool { return i < 5 }}
	env := dispatchEnv(t, f)
	env.SetContinueAsNewSuggested(true)
	env.ExecuteWorkflow(workflows.OrderManager, managerInput(t, 1000))
	var can *workflow.ContinueAsNewError
	if err := env.GetWorkflowError(); !errorsAs(err, &can) {
		t.Fatalf("want continue-as-new, got %v", err)
	}
	var next workflows.OrderManagerInput
	if err := decodeCANInput(can, &next); err != nil {
		t.Fatal(err)
	}
	c := next.Carry
	if c == nil || c.Summary.Orders.Dispatch.New != 95 || c.Summary.Orders.Dispatch.NewHeld != 5 || c.From.IsZero() || len(c.Boundary) != 1 {
		t.Fatalf("carry %+v", c)
	}
	env2 := dispatchEnv(t, f)
	env2.ExecuteWorkflow(workflows.OrderManager, next)
	var sum workflows.RunSummary
	if err := env2.GetWorkflowResult(&sum); err != nil {
		t.Fatal(err)
	}
	if d := sum.Orders.Dispatch; d.New != 245 || d.NewHeld != 5 || d.Importing != 0 {
		t.Fatalf("after continuing: %+v", d)
	}
}

func TestOrderManagerRetriesNamedOrdersInOneDispatch(t *testing.T) {
	env, _ := newEnv(t)
	var got activities.DispatchPageInput
	env.OnActivity(oacts.DispatchPage, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.DispatchPageInput) (activities.DispatchPageResult, error) {
		got = in
		return activities.DispatchPageResult{Counts: activities.DispatchCounts{Listed: 2, Dispatched: 2, Rechecked: 2}}, nil
	}).Once()
	in := managerInput(t, 10)
	in.CustRefs = []string{"A", "B"}
	env.ExecuteWorkflow(workflows.OrderManager, in)
	var sum workflows.RunSummary
	if err := env.GetWorkflowResult(&sum); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got.CustRefs, ",") != "A,B" || sum.Orders.Dispatch.Rechecked != 2 {
		t.Fatalf("input %+v, summary %+v", got, sum.Orders.Dispatch)
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
