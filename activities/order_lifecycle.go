package activities

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// The Order workflow's contract after import: the shipments pickup hands it CB's boxes and
// CartRover's cancellations.
const (
	// ShipmentsUpdate hands an Order workflow the boxes CB shipped that CartRover lacks (as the
	// pickup listed CartRover); the workflow posts those it has not posted itself and answers a
	// ShipmentsResult. Sent with Update-with-Start: an order imported before its workflow stayed
	// open (previous release) gets a run that starts at at_wms.
	ShipmentsUpdate = "shipments"
	// CancelUpdate tells an Order workflow that CartRover canceled its order: a held order ends
	// canceled, an imported one puts its CB sales order on hold first. Sent without start.
	CancelUpdate = "cancel"
)

// ShipmentsInput is what ShipmentsUpdate carries for one order.
type ShipmentsInput struct {
	CustRef string `json:"cust_ref"`
	// SalesOrderCodes are the CB sales orders the boxes come from.
	SalesOrderCodes []string `json:"so"`
	// Shipments are CB's boxes whose tracking numbers CartRover lacked when the pickup listed it.
	Shipments []ShipmentPost `json:"shipments,omitempty"`
	// Complete is true when, with these boxes, every line has shipped in full.
	Complete bool `json:"complete,omitempty"`
}

// ShipmentsResult is an Order workflow's answer to ShipmentsUpdate.
type ShipmentsResult struct {
	PostShipmentsResult
	// Stage is the order's stage after the post (partial, done, canceled, …).
	Stage string `json:"stage"`
	// Problem is set when the boxes could not be posted (the next pickup tries again, unless the
	// type is CartRoverOrderCanceled).
	Problem *Problem `json:"problem,omitempty"`
}

// CancelInput is what CancelUpdate carries.
type CancelInput struct {
	CustRef string `json:"cust_ref"`
}

// CancelResult is an Order workflow's answer to CancelUpdate.
type CancelResult struct {
	Stage          string `json:"stage"`
	SalesOrderCode string `json:"sales_order_code,omitempty"`
	// OnHoldInCB is true when the CB sales order was put on hold.
	OnHoldInCB bool `json:"on_hold_in_cb,omitempty"`
	// Pending is true when the order is being imported: the workflow cancels it when the
	// attempt ends (before CB if it can, else by holding the sales order).
	Pending bool `json:"pending,omitempty"`
}

// HoldSalesOrderInput names the CB sales order to put on hold and why.
type HoldSalesOrderInput struct {
	SalesOrderCode string `json:"so"`
	Reason         string `json:"reason"`
}

// HoldSalesOrder puts a CB sales order on hold (the assumed CB call, see
// connectedbusiness.Service.HoldSalesOrder). Holding twice is harmless, so retries are safe.
func (a *Activities) HoldSalesOrder(ctx context.Context, in HoldSalesOrderInput) error {
	err := a.CB.HoldSalesOrder(ctx, in.SalesOrderCode, in.Reason)
	if err == nil {
		return nil
	}
	return classify(err, "put CB sales order "+in.SalesOrderCode+" on hold", ErrTypeSalesOrderHold)
}

// HandShipmentsInput is a chunk of orders whose CB boxes the pickup hands to their workflows.
type HandShipmentsInput struct {
	// TaskQueue is where the Order workflows run.
	TaskQueue string           `json:"task_queue"`
	Orders    []ShipmentsInput `json:"orders"`
}

// HandShipmentsResult holds one answer per order, in input order.
type HandShipmentsResult struct {
	Results []ShipmentsResult `json:"results"`
}

// handTimeout bounds the wait for one Order workflow's answer (its post to CartRover).
const handTimeout = 2 * time.Minute

// HandShipments hands each order its boxes with Update-with-Start of its Order workflow
// (ShipmentsUpdate) and collects the answers; the posts themselves are the workflows' activities.
// A workflow that is not running (completed by the previous release at at_wms, or never started
// here) is started at at_wms with the sales order code. The update ID is derived from the calling
// run and the order, so a retried activity gets the answers already given instead of new posts.
func (a *Activities) HandShipments(ctx context.Context, in HandShipmentsInput) (HandShipmentsResult, error) {
	out := HandShipmentsResult{Results: make([]ShipmentsResult, len(in.Orders))}
	info := activity.GetInfo(ctx).WorkflowExecution
	var wg sync.WaitGroup
	for i, o := range in.Orders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out.Results[i] = a.handShipments(ctx, in.TaskQueue, info.ID+":"+info.RunID, o)
		}()
	}
	wg.Wait()
	return out, ctx.Err()
}

func (a *Activities) handShipments(ctx context.Context, taskQueue, caller string, in ShipmentsInput) ShipmentsResult {
	id := OrderWorkflowID(in.CustRef)
	so := ""
	if len(in.SalesOrderCodes) > 0 {
		so = in.SalesOrderCodes[0]
	}
	start := a.Temporal.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                taskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		// A closed run (the previous release's Order or ImportOrder, which ended at at_wms) makes
		// way for a run that starts at at_wms: the order is in CB and CartRover lists it at_wms.
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			temporal.NewSearchAttributeKeyKeyword("CartRoverCustRef").ValueSet(clip(in.CustRef, 250)),
			temporal.NewSearchAttributeKeyKeyword("CBSalesOrderCode").ValueSet(so),
			temporal.NewSearchAttributeKeyKeyword(SAOrderStage).ValueSet(StageAtWMS)),
		StaticSummary: "CartRover order " + clip(in.CustRef, 80),
	}, OrderWorkflowType, OrderStart{Key: in.CustRef, SalesOrderCode: so})
	uctx, cancel := context.WithTimeout(ctx, handTimeout)
	defer cancel()
	h, err := a.Temporal.UpdateWithStartWorkflow(uctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions: client.UpdateWorkflowOptions{
			UpdateID: ShipmentsUpdate + ":" + caller + ":" + clip(in.CustRef, 200), WorkflowID: id, UpdateName: ShipmentsUpdate,
			Args: []any{in}, WaitForStage: client.WorkflowUpdateStageCompleted,
		},
	})
	var res ShipmentsResult
	if err == nil {
		err = h.Get(uctx, &res)
	}
	if err != nil {
		reason := fmt.Sprintf("could not hand CB's boxes to the order's workflow %s (the next run tries again): %v", id, err)
		if strings.Contains(err.Error(), "unknown update") {
			reason = fmt.Sprintf("the order's workflow %s is a run of the previous release still importing it; the next run hands it the boxes", id)
		}
		return ShipmentsResult{Problem: &Problem{Key: in.CustRef, Type: ErrTypeShipmentRejected, Reason: reason}}
	}
	return res
}

// HandCancelsInput names CartRover orders listed canceled.
type HandCancelsInput struct {
	CustRefs []string `json:"cust_refs"`
}

// HandCancelsResult counts what HandCancels did.
type HandCancelsResult struct {
	// Canceled counts open Order workflows told (they end canceled).
	Canceled int `json:"canceled"`
	// OnHoldInCB counts those whose CB sales order was put on hold.
	OnHoldInCB int `json:"on_hold_in_cb,omitempty"`
	// Problems lists orders whose workflow could not be told (the next run tries again).
	Problems []Problem `json:"problems,omitempty"`
}

// HandCancels tells the open Order workflow of each canceled CartRover order (CancelUpdate,
// without start), a few at a time. An order without an open workflow (never dispatched, or
// closed: done, canceled before) costs one Temporal call and nothing else. An order whose answer
// takes long (CB slow to put its sales order on hold) is counted as told: its workflow carries on.
func (a *Activities) HandCancels(ctx context.Context, in HandCancelsInput) (HandCancelsResult, error) {
	var (
		res HandCancelsResult
		mu  sync.Mutex
		wg  sync.WaitGroup
	)
	info := activity.GetInfo(ctx).WorkflowExecution
	slots := make(chan struct{}, cancelsAtOnce)
	for _, ref := range in.CustRefs {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer func() { <-slots; wg.Done() }()
			out, told, problem := a.handCancel(ctx, info.ID+":"+info.RunID, ref)
			mu.Lock()
			defer mu.Unlock()
			if told {
				res.Canceled++
			}
			if out.OnHoldInCB {
				res.OnHoldInCB++
			}
			if problem != nil {
				res.Problems = append(res.Problems, *problem)
			}
			activity.RecordHeartbeat(ctx, res.Canceled)
		}()
	}
	wg.Wait()
	return res, ctx.Err()
}

// cancelsAtOnce bounds the cancel updates in flight; cancelAnswerWait how long one answer is awaited.
const (
	cancelsAtOnce    = 10
	cancelAnswerWait = 30 * time.Second
)

func (a *Activities) handCancel(ctx context.Context, caller, ref string) (CancelResult, bool, *Problem) {
	var out CancelResult
	uctx, cancel := context.WithTimeout(ctx, cancelAnswerWait)
	defer cancel()
	h, err := a.Temporal.UpdateWorkflow(uctx, client.UpdateWorkflowOptions{
		UpdateID:   CancelUpdate + ":" + caller + ":" + clip(ref, 200),
		WorkflowID: OrderWorkflowID(ref), UpdateName: CancelUpdate, Args: []any{CancelInput{CustRef: ref}},
		WaitForStage: client.WorkflowUpdateStageAccepted,
	})
	if err == nil {
		if err = h.Get(uctx, &out); err != nil && uctx.Err() != nil && ctx.Err() == nil {
			return CancelResult{Pending: true}, true, nil // accepted; the workflow finishes the cancel
		}
	}
	var notFound *serviceerror.NotFound
	switch {
	case err == nil:
		return out, true, nil
	case errors.As(err, &notFound) || strings.Contains(err.Error(), "workflow execution already completed") ||
		strings.Contains(err.Error(), "unknown update"):
		// No open Order workflow (or a previous release's ImportOrder): nothing to tell.
		return out, false, nil
	}
	return out, false, &Problem{Key: ref, Type: ErrTypeOrderCanceled,
		Reason: fmt.Sprintf("CartRover canceled order %s but its workflow could not be told (the next run tries again): %v", ref, err)}
}
