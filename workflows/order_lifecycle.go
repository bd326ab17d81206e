package workflows

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cartrover-cb/ordermanager/activities"
)

// orderAfterWMSChange versions the Order workflow's life after import: version 1 stays open at
// at_wms for the shipments hand-off and cancellations; runs recorded before it (DefaultVersion)
// end at at_wms as they did.
const orderAfterWMSChange = "order-after-wms"

// staysOpen reports whether this run carries the order on after at_wms (see orderAfterWMSChange).
func (w *orderWF) staysOpen(ctx workflow.Context) bool {
	return workflow.GetVersion(ctx, orderAfterWMSChange, workflow.DefaultVersion, 1) >= 1
}

// importWait bounds how long a shipments hand-off waits for an import in flight to finish.
const importWait = time.Minute

// shipments takes the boxes CB shipped that CartRover lacked when the pickup listed it, posts
// those this workflow has not posted itself, and moves the order to partial, or done when every
// line shipped in full. Hand-offs run one at a time, so no box is posted twice by this workflow;
// the posting activity re-reads CartRover on a retry, so a post whose answer was lost is not
// doubled either.
func (w *orderWF) shipments(ctx workflow.Context, in activities.ShipmentsInput) (activities.ShipmentsResult, error) {
	if w.st.Stage == activities.StageReceived || w.st.Stage == activities.StageInCB {
		_, _ = workflow.AwaitWithTimeout(ctx, importWait, func() bool {
			return w.st.Stage != activities.StageReceived && w.st.Stage != activities.StageInCB
		})
	}
	if err := workflow.Await(ctx, func() bool { return !w.posting }); err != nil {
		return activities.ShipmentsResult{}, err
	}
	out := activities.ShipmentsResult{Stage: w.st.Stage}
	switch w.st.Stage {
	case activities.StageAtWMS, activities.StagePartial:
		if w.cancelAsked {
			out.Problem = &Problem{Key: w.st.Key, Type: activities.ErrTypeOrderCanceled,
				Reason: fmt.Sprintf("CartRover canceled order %s: CB's boxes of %s are not posted; reconcile the order by hand", w.st.Key, strings.Join(in.SalesOrderCodes, ", "))}
			return out, nil
		}
	case activities.StageDone:
		out.AlreadyThere = len(in.Shipments)
		return out, nil
	case activities.StageCanceled:
		out.Problem = &Problem{Key: w.st.Key, Type: activities.ErrTypeOrderCanceled,
			Reason: fmt.Sprintf("CB shipped sales order %s but CartRover order %s is canceled: nothing posted; reconcile the order by hand", strings.Join(in.SalesOrderCodes, ", "), w.st.Key)}
		return out, nil
	default:
		out.Problem = &Problem{Key: w.st.Key, Type: activities.ErrTypeShipmentRejected,
			Reason: fmt.Sprintf("order %s is %s in its workflow, not at_wms: its CB boxes are handed again by the next run", w.st.Key, w.st.Stage)}
		return out, nil
	}
	w.posting = true
	defer func() { w.posting = false }()

	var posts []activities.ShipmentPost
	for _, p := range in.Shipments {
		if slices.Contains(w.st.Posted, p.Tracking) {
			out.AlreadyThere++
			continue
		}
		posts = append(posts, p)
	}
	if len(posts) > 0 {
		var res activities.PostShipmentsResult
		err := workflow.ExecuteActivity(cartRoverOptions(ctx, time.Minute), pickupActs.CartRoverPostShipments,
			activities.PostShipmentsInput{CustRef: w.st.Key, Shipments: posts, Complete: in.Complete}).Get(ctx, &res)
		if err != nil {
			p := problemOf(w.st.Key, err)
			out.Problem = &p
			if p.Type == activities.ErrTypeOrderCanceled {
				w.cancelAsked, w.wake = true, true // CartRover canceled it: put the CB order on hold
			}
			return out, nil
		}
		out.Posted, out.AlreadyThere = res.Posted, out.AlreadyThere+res.AlreadyThere
	}
	var tracking []string
	for _, p := range posts {
		w.st.Posted = append(w.st.Posted, p.Tracking)
		tracking = append(tracking, p.Tracking)
	}
	if len(tracking) > 0 {
		w.story(ctx, "CB shipped %d box(es) of %s, tracking %s: posted to CartRover", len(tracking), strings.Join(in.SalesOrderCodes, ", "), strings.Join(tracking, ", "))
	}
	if in.Complete {
		out.Status = "shipped"
		w.setStage(activities.StageDone)
		w.story(ctx, "shipped in full (%d box(es)): done", len(w.st.Posted))
	} else {
		out.Status = "partial"
		w.setStage(activities.StagePartial)
	}
	out.Stage = w.st.Stage
	w.wake = true // publish
	return out, nil
}

// cancelUpdate records that CartRover canceled the order; the main loop cancels it. The answer
// waits for the outcome, except while the order is being imported (then it says Pending).
func (w *orderWF) cancelUpdate(ctx workflow.Context, _ activities.CancelInput) (activities.CancelResult, error) {
	if w.st.Stage != activities.StageCanceled && w.st.Stage != activities.StageDone {
		w.cancelAsked, w.wake = true, true
	}
	if w.st.Stage == activities.StageReceived {
		return activities.CancelResult{Stage: w.st.Stage, Pending: true}, nil
	}
	err := workflow.Await(ctx, func() bool {
		return w.st.Stage == activities.StageCanceled || w.st.Stage == activities.StageDone
	})
	return activities.CancelResult{Stage: w.st.Stage, SalesOrderCode: w.st.SalesOrderCode, OnHoldInCB: w.st.OnHoldInCB}, err
}

// cancel ends an order CartRover canceled: one never sent to CB is just canceled; one in CB has
// its sales order put on hold first (waiting out CB outages). A hold CB refuses is recorded as the
// reason, for a person to reconcile.
func (w *orderWF) cancel(ctx workflow.Context) {
	if err := workflow.Await(ctx, func() bool { return !w.posting }); err != nil {
		return
	}
	if w.st.SalesOrderCode == "" {
		w.story(ctx, "canceled in CartRover before import: never sent to CB")
		w.endCanceled(ctx, nil)
		return
	}
	w.posting = true // no hand-off posts while the sales order is put on hold
	defer func() { w.posting = false }()
	in := activities.HoldSalesOrderInput{SalesOrderCode: w.st.SalesOrderCode, Reason: "CartRover order " + w.st.Key + " was canceled"}
	backoff := time.Minute
	for {
		err := workflow.ExecuteActivity(cbOrderOptions(ctx), orderActs.HoldSalesOrder, in).Get(ctx, nil)
		var appErr *temporal.ApplicationError
		switch {
		case err == nil:
			w.st.OnHoldInCB = true
			w.story(ctx, "canceled in CartRover after import: CB sales order %s put on hold", w.st.SalesOrderCode)
			w.endCanceled(ctx, nil)
			return
		case errors.As(err, &appErr) && appErr.NonRetryable():
			p := Problem{Key: w.st.Key, Type: appErr.Type(),
				Reason: fmt.Sprintf("CartRover canceled the order but CB did not put sales order %s on hold: %s; hold or void it in CB by hand", w.st.SalesOrderCode, appErr.Message())}
			w.story(ctx, "canceled in CartRover; %s", p.Reason)
			w.endCanceled(ctx, &p)
			return
		}
		w.st.Failing = rootMessage(err)
		w.story(ctx, "canceled in CartRover; putting CB sales order %s on hold still fails, retrying in %s: %s", w.st.SalesOrderCode, backoff, w.st.Failing)
		w.publish(ctx)
		_ = workflow.Sleep(ctx, backoff)
		backoff = min(2*backoff, 10*time.Minute)
	}
}

func (w *orderWF) endCanceled(ctx workflow.Context, reason *Problem) {
	w.st.Failing, w.st.Reason = "", reason
	w.setStage(activities.StageCanceled)
	w.count(ctx, "canceled")
}
