package workflows_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/cartrover-cb/ordermanager/activities"
	"github.com/cartrover-cb/ordermanager/workflows"
)

// lifecycleEnv is orderEnv plus CartRover's shipment posts and CB's hold, recorded.
type lifecycleRec struct {
	mu     sync.Mutex
	posted []string // tracking numbers, in post order
	holds  []string // CB sales order codes put on hold
}

func lifecycleEnv(t *testing.T) (*testsuite.TestWorkflowEnvironment, saRecorder, *orderCalls, *lifecycleRec) {
	env, sa, calls := orderEnv(t)
	rec := &lifecycleRec{}
	env.OnActivity(pkActs.CartRoverPostShipments, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.PostShipmentsInput) (activities.PostShipmentsResult, error) {
			rec.mu.Lock()
			defer rec.mu.Unlock()
			for _, s := range in.Shipments {
				rec.posted = append(rec.posted, s.Tracking)
			}
			st := "partial"
			if in.Complete {
				st = "shipped"
			}
			return activities.PostShipmentsResult{Posted: len(in.Shipments), Status: st}, nil
		}).Maybe()
	env.OnActivity(oacts.HoldSalesOrder, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.HoldSalesOrderInput) error {
			rec.mu.Lock()
			defer rec.mu.Unlock()
			rec.holds = append(rec.holds, in.SalesOrderCode)
			return nil
		}).Maybe()
	return env, sa, calls, rec
}

// send sends an update at workflow time at; done receives its answer.
func send[T any](t *testing.T, env *testsuite.TestWorkflowEnvironment, at time.Duration, name string, arg any, out *T) {
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(name, "", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { t.Errorf("update %s rejected: %v", name, err) },
			OnAccept: func() {},
			OnComplete: func(v any, err error) {
				if err != nil {
					t.Errorf("update %s: %v", name, err)
					return
				}
				if r, ok := v.(T); ok && out != nil {
					*out = r
				}
			},
		}, arg)
	}, at)
}

func box(tracking, sku string, qty int64) activities.ShipmentPost {
	return activities.ShipmentPost{Carrier: "UPS", Method: "03", Tracking: tracking, Items: []activities.OrderLine{{SKU: sku, Qty: pkQty(qty)}}}
}

func TestOrderPostsAPartialThenTheCompleteShipmentAndEndsDone(t *testing.T) {
	env, sa, _, rec := lifecycleEnv(t)
	o := testOrder("7001")
	update(t, env, 0, activities.DispatchUpdate, dispatchOf(t, o, mustSettings(t)), nil)
	var first, second activities.ShipmentsResult
	var between workflows.OrderState
	var stageBetween string
	send(t, env, time.Hour, activities.ShipmentsUpdate, activities.ShipmentsInput{CustRef: "7001", SalesOrderCodes: []string{"SO-7001"},
		Shipments: []activities.ShipmentPost{box("1Z-A", o.Items[0].SKU, 1)}}, &first)
	env.RegisterDelayedCallback(func() { between = queryState(t, env); stageBetween = sa.keyword(workflows.OrderStageKey) }, 90*time.Minute)
	// The next pickup listed CartRover before the first post landed: it hands 1Z-A again with the rest.
	send(t, env, 2*time.Hour, activities.ShipmentsUpdate, activities.ShipmentsInput{CustRef: "7001", SalesOrderCodes: []string{"SO-7001"},
		Shipments: []activities.ShipmentPost{box("1Z-A", o.Items[0].SKU, 1), box("1Z-B", o.Items[0].SKU, 1)}, Complete: true}, &second)
	env.ExecuteWorkflow(workflows.Order, workflows.OrderInput{Key: "7001"})
	var st workflows.OrderState
	if err := env.GetWorkflowResult(&st); err != nil {
		t.Fatal(err)
	}
	if first.Posted != 1 || first.Stage != activities.StagePartial || first.Problem != nil {
		t.Errorf("first hand-off answered %+v", first)
	}
	if between.Stage != activities.StagePartial || stageBetween != activities.StagePartial {
		t.Errorf("between the shipments: stage %s, attribute %s", between.Stage, stageBetween)
	}
	if second.Posted != 1 || second.AlreadyThere != 1 || second.Stage != activities.StageDone || second.Status != "shipped" {
		t.Errorf("second hand-off answered %+v", second)
	}
	if !slices.Equal(rec.posted, []string{"1Z-A", "1Z-B"}) {
		t.Errorf("posted %v; want each tracking number once", rec.posted)
	}
	if st.Stage != activities.StageDone || !slices.Equal(st.Posted, []string{"1Z-A", "1Z-B"}) || sa.keyword(workflows.OrderStageKey) != activities.StageDone {
		t.Errorf("end state %+v, attributes %v", st, sa)
	}
	story := strings.Join(st.Story, "\n")
	for _, w := range []string{"received", "SO-7001", "at_wms", "1Z-A", "1Z-B", "done"} {
		if !strings.Contains(story, w) {
			t.Errorf("story lacks %q:\n%s", w, story)
		}
	}
}

func TestOrderCanceledBeforeImportEndsCanceledWithoutCB(t *testing.T) {
	env, sa, calls, rec := lifecycleEnv(t)
	o := testOrder("7002")
	o.ShipCode = "pigeon" // held: no shipping rule
	update(t, env, 0, activities.DispatchUpdate, dispatchOf(t, o, mustSettings(t)), nil)
	var res activities.CancelResult
	send(t, env, time.Hour, activities.CancelUpdate, activities.CancelInput{CustRef: "7002"}, &res)
	env.ExecuteWorkflow(workflows.Order, workflows.OrderInput{Key: "7002"})
	var st workflows.OrderState
	if err := env.GetWorkflowResult(&st); err != nil {
		t.Fatal(err)
	}
	if res.Stage != activities.StageCanceled || res.OnHoldInCB || st.Stage != activities.StageCanceled || sa.keyword(workflows.OrderStageKey) != activities.StageCanceled ||
		sa.keyword(workflows.ImportOutcomeKey) != workflows.OutcomeCanceled {
		t.Errorf("answer %+v, state %+v, attributes %v", res, st, sa)
	}
	if calls.get("CreateSalesOrder") != 0 || len(rec.holds) != 0 {
		t.Errorf("a held order canceled in CartRover reached CB: %v, holds %v", calls.n, rec.holds)
	}
	if !strings.Contains(strings.Join(st.Story, "\n"), "never sent to CB") {
		t.Errorf("story %v", st.Story)
	}
}

func TestOrderCanceledWhileImportingDuringACBOutageNeverReachesCB(t *testing.T) {
	env, _, calls, rec := lifecycleEnv(t)
	calls.cbDown = true
	update(t, env, 0, activities.DispatchUpdate, dispatchOf(t, testOrder("7003"), mustSettings(t)), nil)
	var res activities.CancelResult
	send(t, env, 5*time.Minute, activities.CancelUpdate, activities.CancelInput{CustRef: "7003"}, &res)
	env.RegisterDelayedCallback(func() { calls.mu.Lock(); calls.cbDown = false; calls.mu.Unlock() }, 20*time.Minute)
	env.ExecuteWorkflow(workflows.Order, workflows.OrderInput{Key: "7003"})
	var st workflows.OrderState
	if err := env.GetWorkflowResult(&st); err != nil {
		t.Fatal(err)
	}
	if !res.Pending || st.Stage != activities.StageCanceled || st.SalesOrderCode != "" || len(rec.holds) != 0 || calls.get("MarkAtWMS") != 0 {
		t.Errorf("answer %+v, state %+v, holds %v, calls %v", res, st, rec.holds, calls.n)
	}
}

func TestOrderCanceledAfterImportPutsItsCBSalesOrderOnHold(t *testing.T) {
	env, sa, _, rec := lifecycleEnv(t)
	update(t, env, 0, activities.DispatchUpdate, dispatchOf(t, testOrder("7004"), mustSettings(t)), nil)
	var res activities.CancelResult
	send(t, env, time.Hour, activities.CancelUpdate, activities.CancelInput{CustRef: "7004"}, &res)
	env.ExecuteWorkflow(workflows.Order, workflows.OrderInput{Key: "7004"})
	var st workflows.OrderState
	if err := env.GetWorkflowResult(&st); err != nil {
		t.Fatal(err)
	}
	if !res.OnHoldInCB || res.Stage != activities.StageCanceled || res.SalesOrderCode != "SO-7004" {
		t.Errorf("cancel answered %+v", res)
	}
	if !slices.Equal(rec.holds, []string{"SO-7004"}) || st.Stage != activities.StageCanceled || !st.OnHoldInCB ||
		sa.keyword(workflows.OrderStageKey) != activities.StageCanceled {
		t.Errorf("holds %v, state %+v, attributes %v", rec.holds, st, sa)
	}
	if !strings.Contains(strings.Join(st.Story, "\n"), "SO-7004 put on hold") {
		t.Errorf("story %v", st.Story)
	}
}

func TestOrderImportedByThePreviousReleaseStartsAtWMSFromTheHandOff(t *testing.T) {
	env, _, calls, rec := lifecycleEnv(t)
	var res activities.ShipmentsResult
	send(t, env, 0, activities.ShipmentsUpdate, activities.ShipmentsInput{CustRef: "7005", SalesOrderCodes: []string{"SO-OLD"},
		Shipments: []activities.ShipmentPost{box("1Z-OLD-1", "CR-TEE", 1)}, Complete: true}, &res)
	env.ExecuteWorkflow(workflows.Order, workflows.OrderInput{Key: "7005", SalesOrderCode: "SO-OLD"})
	var st workflows.OrderState
	if err := env.GetWorkflowResult(&st); err != nil {
		t.Fatal(err)
	}
	if res.Posted != 1 || st.Stage != activities.StageDone || st.SalesOrderCode != "SO-OLD" || !slices.Equal(rec.posted, []string{"1Z-OLD-1"}) {
		t.Errorf("answer %+v, state %+v, posted %v", res, st, rec.posted)
	}
	if calls.get("LoadCatalog")+calls.get("CreateSalesOrder")+calls.get("MarkAtWMS") != 0 {
		t.Errorf("an order already in CB was imported again: %v", calls.n)
	}
}

func TestOrderParkedAtWMSContinuesAsNewAndTheNextRunShipsIt(t *testing.T) {
	env, _, _, _ := lifecycleEnv(t)
	update(t, env, 0, activities.DispatchUpdate, dispatchOf(t, testOrder("7006"), mustSettings(t)), nil)
	env.SetContinueAsNewSuggested(true)
	env.ExecuteWorkflow(workflows.Order, workflows.OrderInput{Key: "7006"})
	var can *workflow.ContinueAsNewError
	if err := env.GetWorkflowError(); !errorsAs(err, &can) {
		t.Fatalf("want continue-as-new, got %v", err)
	}
	var next workflows.OrderInput
	if err := decodeCANInput(can, &next); err != nil {
		t.Fatal(err)
	}
	if next.State == nil || next.State.Stage != activities.StageAtWMS || next.State.SalesOrderCode != "SO-7006" {
		t.Fatalf("carried %+v", next.State)
	}

	// The continuation waits at at_wms and imports nothing again; a hand-off ends it done.
	env2, _, calls, rec := lifecycleEnv(t)
	send(t, env2, time.Hour, activities.ShipmentsUpdate, activities.ShipmentsInput{CustRef: "7006", SalesOrderCodes: []string{"SO-7006"},
		Shipments: []activities.ShipmentPost{box("1Z-C", "TEE-CLASSIC-M", 2)}, Complete: true}, (*activities.ShipmentsResult)(nil))
	env2.ExecuteWorkflow(workflows.Order, next)
	var st workflows.OrderState
	if err := env2.GetWorkflowResult(&st); err != nil {
		t.Fatal(err)
	}
	if st.Stage != activities.StageDone || !slices.Equal(rec.posted, []string{"1Z-C"}) || calls.get("CreateSalesOrder")+calls.get("MarkAtWMS") != 0 {
		t.Errorf("continuation: state %+v, posted %v, calls %v", st, rec.posted, calls.n)
	}
	if !strings.Contains(strings.Join(st.Story, "\n"), "in CB as sales order SO-7006") {
		t.Errorf("the story did not survive continue-as-new: %v", st.Story)
	}
}

func TestOrderCanceledAfterImportWhoseHoldCBRefusesEndsCanceledWithTheReason(t *testing.T) {
	env, _, _ := orderEnv(t)
	env.OnActivity(oacts.HoldSalesOrder, mock.Anything, mock.Anything).Return(
		temporal.NewNonRetryableApplicationError("Sales order SO-7007 is completed and cannot be put on hold.", activities.ErrTypeSalesOrderHold, nil))
	update(t, env, 0, activities.DispatchUpdate, dispatchOf(t, testOrder("7007"), mustSettings(t)), nil)
	var res activities.CancelResult
	send(t, env, time.Hour, activities.CancelUpdate, activities.CancelInput{CustRef: "7007"}, &res)
	env.ExecuteWorkflow(workflows.Order, workflows.OrderInput{Key: "7007"})
	var st workflows.OrderState
	if err := env.GetWorkflowResult(&st); err != nil {
		t.Fatal(err)
	}
	if res.OnHoldInCB || st.Stage != activities.StageCanceled || st.OnHoldInCB || st.Reason == nil ||
		!strings.Contains(st.Reason.Reason, "SO-7007") || !strings.Contains(st.Reason.Reason, "by hand") {
		t.Errorf("answer %+v, state %+v", res, st)
	}
}
