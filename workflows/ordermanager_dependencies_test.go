package workflows_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"

	"github.com/cartrover-cb/ordermanager/activities"
	cb "github.com/cartrover-cb/ordermanager/connectedbusiness"
	"github.com/cartrover-cb/ordermanager/telemetry"
	"github.com/cartrover-cb/ordermanager/workflows"
)

func TestARunWaitingOnAPageSaysInItsProgressThatCBIsUnreachable(t *testing.T) {
	env, _ := newEnv(t)
	// The page takes three minutes (CB is down and the dispatch's catalogue check retries).
	env.OnActivity(oacts.DispatchPage, mock.Anything, mock.Anything).
		Return(activities.DispatchPageResult{Counts: activities.DispatchCounts{Listed: 1, Dispatched: 1, New: 1}}, nil).
		After(3 * time.Minute)
	env.OnActivity(oacts.RecheckHeld, mock.Anything, mock.Anything).Return(activities.RecheckHeldResult{}, nil)
	// The worker's CB client stops getting answers ...
	telemetry.ObserveCBCall(context.Background(), "Customer/find", &cb.TransportError{Op: "Customer/find", Err: context.DeadlineExceeded}, time.Second)
	t.Cleanup(func() { telemetry.ObserveCBCall(context.Background(), "Customer/find", nil, time.Millisecond) })
	var during workflows.RunSummary
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(workflows.ProgressQuery)
		if err != nil {
			t.Errorf("progress query: %v", err)
			return
		}
		if err := v.Get(&during); err != nil {
			t.Error(err)
		}
	}, 70*time.Second)
	// ... and answers again before the page is done.
	env.RegisterDelayedCallback(func() {
		telemetry.ObserveCBCall(context.Background(), "Customer/find", nil, time.Millisecond)
	}, 150*time.Second)
	env.ExecuteWorkflow(workflows.OrderManager, managerInput(t, 10))
	var end workflows.RunSummary
	if err := env.GetWorkflowResult(&end); err != nil {
		t.Fatal(err)
	}
	if len(during.Unreachable) != 1 || during.Unreachable[0].System != telemetry.SystemCB || during.Unreachable[0].Since.IsZero() {
		t.Errorf("progress during the outage says unreachable %+v, want connectedbusiness with a time", during.Unreachable)
	}
	if len(end.Unreachable) != 0 {
		t.Errorf("the run's result still says unreachable %+v after CB answered again", end.Unreachable)
	}
}

// A page done before the watch's first look, whose orders answered that their import waits on a
// system that does not answer: the run's result counts them and names CB.
func TestARunWhoseOrdersWaitNamesTheUnreachableSystem(t *testing.T) {
	env, _ := newEnv(t)
	env.OnActivity(oacts.DispatchPage, mock.Anything, mock.Anything).
		Return(activities.DispatchPageResult{Counts: activities.DispatchCounts{Listed: 3, Dispatched: 3, New: 3, Waiting: 2}}, nil)
	env.OnActivity(oacts.RecheckHeld, mock.Anything, mock.Anything).Return(activities.RecheckHeldResult{}, nil)
	telemetry.ObserveCBCall(context.Background(), "Customer/find", &cb.TransportError{Op: "Customer/find", Err: context.DeadlineExceeded}, time.Second)
	t.Cleanup(func() { telemetry.ObserveCBCall(context.Background(), "Customer/find", nil, time.Millisecond) })
	env.ExecuteWorkflow(workflows.OrderManager, managerInput(t, 10))
	var end workflows.RunSummary
	if err := env.GetWorkflowResult(&end); err != nil {
		t.Fatal(err)
	}
	if end.Orders.Dispatch.Waiting != 2 {
		t.Errorf("the run counts %d orders waiting, want 2", end.Orders.Dispatch.Waiting)
	}
	if len(end.Unreachable) != 1 || end.Unreachable[0].System != telemetry.SystemCB {
		t.Errorf("the run's result says unreachable %+v, want connectedbusiness", end.Unreachable)
	}
}
