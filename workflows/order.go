package workflows

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cartrover-cb/ordermanager/activities"
	"github.com/cartrover-cb/ordermanager/settings"
)

// OrderName is the workflow type of one CartRover order's whole life (ID: OrderWorkflowID).
const OrderName = activities.OrderWorkflowType

// OrderWorkflowID is the workflow ID of a CartRover order: cartrover-order:<cust_ref>, hashed when
// the cust_ref cannot be part of an ID.
func OrderWorkflowID(custRef string) string { return activities.OrderWorkflowID(custRef) }

// OrderInput starts an Order workflow, or continues one (State set).
type OrderInput struct {
	// Key is the order's cust_ref (or the stand-in of an order without a usable one).
	Key   string      `json:"key"`
	State *OrderState `json:"state,omitempty"`
	// SalesOrderCode is set when the shipments pickup starts the workflow for an order imported
	// before (by the previous release, whose workflows ended at at_wms): the run starts at at_wms.
	SalesOrderCode string `json:"sales_order_code,omitempty"`
}

// OrderState is an order's story: what the order query answers, the workflow returns and
// continue-as-new carries.
type OrderState struct {
	Key   string `json:"key"`
	Stage string `json:"stage"`
	Label string `json:"label,omitempty"`
	// Order is the compact order as last dispatched (nil for a quarantined order).
	Order *activities.Order `json:"order,omitempty"`
	// Settings are the settings resolved for the order; OrderDigest is their digest.
	Settings    settings.Resolved `json:"settings"`
	OrderDigest string            `json:"order_digest,omitempty"`
	// SettingsDigest is the digest of the whole settings file the order last saw.
	SettingsDigest string `json:"settings_digest,omitempty"`
	// Reason is why the order is held or failed (the key or record that fixes it).
	Reason *Problem `json:"reason,omitempty"`
	// HeldSince is when the order was first held (zero when it is not held).
	HeldSince time.Time `json:"held_since,omitzero"`
	// FlaggedFor is the held reason CartRover was last told (status error).
	FlaggedFor     string `json:"flagged_for,omitempty"`
	SalesOrderCode string `json:"sales_order_code,omitempty"`
	CustomerCode   string `json:"customer_code,omitempty"`
	// Healed is true when CB already held the order when this workflow saved it.
	Healed bool `json:"healed,omitempty"`
	// Failing is the last transient fault while importing (CB or CartRover unreachable); cleared on success.
	Failing string `json:"failing,omitempty"`
	// Posted are the tracking numbers this workflow posted to CartRover (never posted twice).
	Posted []string `json:"posted,omitempty"`
	// OnHoldInCB is true once the CB sales order was put on hold because CartRover canceled the order.
	OnHoldInCB bool `json:"on_hold_in_cb,omitempty"`
	// Counted are the ordermanager.orders stages already counted for this order.
	Counted []string `json:"counted,omitempty"`
	// Story is the order's history in short lines, oldest first (at most maxStory).
	Story []string `json:"story,omitempty"`
}

const maxStory = 30

// orderContinueAfter is the history length after which an Order continues as new (a held order
// collects a few events per run that passes it; a month of runs stays far below Temporal's limits).
const orderContinueAfter = 2000

// Order carries one CartRover order through its life: dispatched (DispatchUpdate) → checked →
// held (waits, never fails) or imported (customer, ship-to, sales order) → at_wms in CartRover →
// partial → done as the shipments pickup hands it CB's boxes (ShipmentsUpdate), or canceled when
// CartRover cancels the order (CancelUpdate; an imported order's CB sales order is put on hold).
// A held order waits for new settings (SettingsUpdate), changed order data (the next dispatch) or
// an operator (RetryUpdate); while held it is on error in CartRover, so it leaves the new list.
// An order at at_wms waits without timers: it costs no history until CB ships.
func Order(ctx workflow.Context, in OrderInput) (OrderState, error) {
	w := &orderWF{st: OrderState{Key: in.Key}}
	if in.State != nil {
		w.st = *in.State
	} else if in.SalesOrderCode != "" {
		w.st.Stage, w.st.SalesOrderCode = activities.StageAtWMS, in.SalesOrderCode
		w.st.Label = "CartRover order " + in.Key
		w.story(ctx, "imported before this workflow (CB sales order %s), at_wms in CartRover: waiting for CB's shipments", in.SalesOrderCode)
	}
	w.logger = log.With(workflow.GetLogger(ctx), "Order", in.Key)
	// Before the handlers: an update that came with the start runs as its handler is registered.
	w.wake = in.State != nil && w.st.Stage == activities.StageReceived
	if err := workflow.SetQueryHandler(ctx, activities.OrderQuery, func() (OrderState, error) { return w.st, nil }); err != nil {
		return w.st, err
	}
	if err := workflow.SetUpdateHandler(ctx, activities.DispatchUpdate, w.dispatch); err != nil {
		return w.st, err
	}
	if err := workflow.SetUpdateHandler(ctx, activities.SettingsUpdate, w.newSettings); err != nil {
		return w.st, err
	}
	if err := workflow.SetUpdateHandler(ctx, activities.RetryUpdate, w.retry); err != nil {
		return w.st, err
	}
	if err := workflow.SetUpdateHandler(ctx, activities.ShipmentsUpdate, w.shipments); err != nil {
		return w.st, err
	}
	if err := workflow.SetUpdateHandler(ctx, activities.CancelUpdate, w.cancelUpdate); err != nil {
		return w.st, err
	}
	for {
		if err := workflow.Await(ctx, func() bool { return w.wake || w.st.Stage != "" && w.long(ctx) }); err != nil {
			return w.st, err
		}
		if w.wake {
			w.wake = false
			if w.st.Stage == activities.StageReceived {
				w.importOrder(ctx)
			}
			if w.cancelAsked && w.st.Stage != activities.StageCanceled && w.st.Stage != activities.StageDone {
				w.cancel(ctx)
			}
			if w.st.Stage == activities.StageHeld {
				w.flag(ctx)
			}
			w.publish(ctx)
		}
		if w.st.Stage == activities.StageAtWMS && !w.staysOpen(ctx) {
			break // a run recorded before the hand-off existed ended here
		}
		if w.st.Stage == activities.StageCanceled || w.st.Stage == activities.StageDone {
			break
		}
		if w.st.Stage != "" && w.long(ctx) {
			if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
				return w.st, err
			}
			st := w.st
			return w.st, workflow.NewContinueAsNewError(ctx, OrderName, OrderInput{Key: in.Key, State: &st})
		}
	}
	// Let a retry that is waiting for the outcome answer before the run closes.
	err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
	return w.st, err
}

type orderWF struct {
	st     OrderState
	logger log.Logger
	// wake asks the main loop to act (import, flag); attempts counts finished import attempts
	// (RetryUpdate waits for the next one).
	wake     bool
	attempts int
	// checked is set once an import attempt found the order importable against CB's catalogue.
	checked bool
	// holds counts hold() calls and flagged the hold flag() last handled: a dispatch that holds
	// the order answers after the order left CartRover's new list, so the run's next list call
	// does not see it again.
	holds, flagged int
	// cancelAsked is set by CancelUpdate; the main loop cancels (before CB when it still can).
	cancelAsked bool
	// posting is true while a shipments hand-off posts: hand-offs run one at a time.
	posting bool
}

func (w *orderWF) long(ctx workflow.Context) bool {
	info := workflow.GetInfo(ctx)
	return info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() > orderContinueAfter
}

func (w *orderWF) story(ctx workflow.Context, format string, args ...any) {
	line := workflow.Now(ctx).UTC().Format("2006-01-02 15:04") + " " + fmt.Sprintf(format, args...)
	w.st.Story = append(w.st.Story, line)
	if len(w.st.Story) > maxStory {
		w.st.Story = append(w.st.Story[:1], w.st.Story[len(w.st.Story)-maxStory+1:]...)
	}
}

// count adds the order to the ordermanager.orders counter for a stage, once per order and stage.
func (w *orderWF) count(ctx workflow.Context, stage string) {
	for _, s := range w.st.Counted {
		if s == stage {
			return
		}
	}
	w.st.Counted = append(w.st.Counted, stage)
	cart := w.st.Settings.OrderSource
	if w.st.Order != nil {
		cart = w.st.Order.OrderSource
	}
	workflow.GetMetricsHandler(ctx).WithTags(map[string]string{"cart": cart, "stage": stage}).Counter("ordermanager.orders").Inc(1)
}

// result is the answer of the updates.
func (w *orderWF) result(outcome string) activities.DispatchResult {
	return activities.DispatchResult{Outcome: outcome, Stage: w.st.Stage, Reason: w.st.Reason, SalesOrderCode: w.st.SalesOrderCode, Failing: w.st.Failing}
}

// dispatch takes the order a run found in CartRover's new list.
func (w *orderWF) dispatch(ctx workflow.Context, d activities.DispatchInput) (activities.DispatchResult, error) {
	switch w.st.Stage {
	case "":
		importable := w.take(ctx, d)
		w.count(ctx, "dispatched") // after take: the order, and so its cart, is known
		if importable && w.awaitChecked(ctx) {
			return w.result(activities.OutcomeNew), nil
		}
		w.awaitFlag(ctx)
		return w.result(activities.OutcomeNewHeld), nil
	case activities.StageReceived:
		return w.result(activities.OutcomeImporting), nil
	case activities.StageHeld, activities.StageFailed:
		if w.st.Stage == activities.StageHeld && !d.Force && !w.changed(d) {
			return w.result(activities.OutcomeStillHeld), nil
		}
		if w.take(ctx, d) {
			return w.result(activities.OutcomeRechecking), nil
		}
		w.awaitFlag(ctx)
		return w.result(activities.OutcomeStillHeld), nil
	case activities.StageCanceled:
		return w.result(activities.OutcomeClosed), nil
	}
	return w.result(activities.OutcomeInCB), nil
}

// checkWait bounds how long a dispatch waits for the order's check against CB's catalogue.
const checkWait = 20 * time.Second

// awaitChecked waits until the import attempt has checked the order against CB's catalogue (items,
// shipping methods): false when that held it. A run's download_limit thus counts only orders that
// are importable, not ones CB's catalogue holds. When CB is slow or down it answers true after
// checkWait (the order counts as new; the attempt goes on).
//
// Under placeVersion the catalogue check is a local activity bounded by checkWait, whose failure
// sets Failing: the wait needs no timer.
func (w *orderWF) awaitChecked(ctx workflow.Context) bool {
	done := func() bool { return w.checked || w.st.Failing != "" || w.st.Stage != activities.StageReceived }
	if w.placing(ctx) {
		_ = workflow.Await(ctx, done)
	} else {
		_, _ = workflow.AwaitWithTimeout(ctx, checkWait, done)
	}
	return w.st.Stage != activities.StageHeld
}

// awaitFlag waits until the main loop has told CartRover about the hold (or tried to).
func (w *orderWF) awaitFlag(ctx workflow.Context) {
	_ = workflow.Await(ctx, func() bool { return w.flagged >= w.holds })
}

// changed reports whether a dispatch brings anything a held order has not been checked against.
func (w *orderWF) changed(d activities.DispatchInput) bool {
	if d.Quarantine != nil {
		return w.st.Reason == nil || w.st.Reason.Reason != d.Quarantine.Reason
	}
	return w.st.Order == nil || activities.Digest(*w.st.Order) != activities.Digest(*d.Order) || activities.Digest(d.Settings) != w.st.OrderDigest
}

// take stores a dispatched order and checks it without any call (settings, data): true when it
// is importable (the main loop imports it), false when it is held.
func (w *orderWF) take(ctx workflow.Context, d activities.DispatchInput) bool {
	if d.SettingsDigest != "" {
		w.st.SettingsDigest = d.SettingsDigest
	}
	if d.Quarantine != nil {
		w.st.Label = "CartRover order " + d.Quarantine.Key
		w.story(ctx, "received, quarantined: %s", d.Quarantine.Reason)
		w.hold(ctx, *d.Quarantine)
		return false
	}
	w.st.Order, w.st.Settings, w.st.OrderDigest = d.Order, d.Settings, activities.Digest(d.Settings)
	w.st.Label = d.Order.Label()
	w.story(ctx, "received from CartRover")
	return w.check(ctx)
}

// check runs the pure checks on the stored order and settings.
func (w *orderWF) check(ctx workflow.Context) bool {
	imp := w.importer(OrderCatalog{}, true)
	if _, err := imp.mapOrder(); err != nil {
		w.hold(ctx, problemOf(w.st.Key, err))
		return false
	}
	w.setStage(activities.StageReceived)
	w.st.Reason = nil
	w.wake = true
	return true
}

func (w *orderWF) setStage(stage string) {
	if stage != activities.StageHeld {
		w.st.HeldSince = time.Time{}
	}
	w.st.Stage = stage
}

// hold puts the order in the held stage with its reason; the main loop tells CartRover.
func (w *orderWF) hold(ctx workflow.Context, p Problem) {
	if w.st.Stage != activities.StageHeld {
		w.st.HeldSince = workflow.Now(ctx)
	}
	w.st.Stage = activities.StageHeld
	w.st.Reason = &p
	w.holds++
	w.story(ctx, "held: %s", p.Reason)
	w.count(ctx, "held")
	w.wake = true
}

// newSettings re-checks a held order against a run's settings when its own settings changed.
func (w *orderWF) newSettings(ctx workflow.Context, in activities.SettingsInput) (activities.DispatchResult, error) {
	if w.st.Stage != activities.StageHeld || w.st.Order == nil {
		w.st.SettingsDigest = in.Digest
		w.wake = true // publish the digest
		return w.result(activities.OutcomeStillHeld), nil
	}
	w.st.SettingsDigest = in.Digest
	skus := make([]string, 0, len(w.st.Order.Items))
	for _, l := range w.st.Order.Items {
		skus = append(skus, l.SKU)
	}
	r := in.Settings.Resolve(w.st.Order.OrderSource).ForSKUs(skus)
	if activities.Digest(r) == w.st.OrderDigest {
		w.wake = true
		return w.result(activities.OutcomeStillHeld), nil
	}
	w.st.Settings, w.st.OrderDigest = r, activities.Digest(r)
	w.story(ctx, "settings changed: checking again")
	if w.check(ctx) {
		return w.result(activities.OutcomeRechecking), nil
	}
	return w.result(activities.OutcomeStillHeld), nil
}

// retry is an operator's retry: fresh order data (and settings) from a run that fetched the order;
// it answers once the attempt is over (imported, held or failed).
func (w *orderWF) retry(ctx workflow.Context, d activities.DispatchInput) (activities.DispatchResult, error) {
	d.Force = true
	res, err := w.dispatch(ctx, d)
	if err != nil || res.Outcome != activities.OutcomeRechecking && res.Outcome != activities.OutcomeNew {
		return res, err
	}
	before := w.attempts
	if err := workflow.Await(ctx, func() bool { return w.attempts > before && w.st.Stage != activities.StageReceived }); err != nil {
		return res, err
	}
	out := w.result(activities.OutcomeInCB)
	if w.st.Stage == activities.StageHeld || w.st.Stage == activities.StageFailed {
		out.Outcome = activities.OutcomeStillHeld
	}
	return out, nil
}

// problemOf describes a failed activity or import as a Problem: its application error type and
// message when it has one (typed by the activity), otherwise RetriesExhausted with the root cause.
func problemOf(key string, err error) Problem {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return Problem{Key: key, Reason: appErr.Message(), Type: appErr.Type()}
	}
	return Problem{Key: key, Reason: rootMessage(err), Type: activities.ErrTypeRetriesExhausted}
}

// publish records the stage where operators look: search attributes and current details.
func (w *orderWF) publish(ctx workflow.Context) {
	updates := []temporal.SearchAttributeUpdate{
		OrderStageKey.ValueSet(w.st.Stage),
		SettingsDigestKey.ValueSet(w.st.SettingsDigest),
	}
	if w.st.Order != nil {
		updates = append(updates, OrderSourceKey.ValueSet(w.st.Order.OrderSource))
	}
	if w.st.SalesOrderCode != "" {
		updates = append(updates, SalesOrderCodeKey.ValueSet(w.st.SalesOrderCode))
	}
	switch w.st.Stage {
	case activities.StageHeld:
		updates = append(updates, ImportOutcomeKey.ValueSet(OutcomeHeld))
	case activities.StageFailed:
		updates = append(updates, ImportOutcomeKey.ValueSet(OutcomeFailed))
	case activities.StageInCB, activities.StageAtWMS, activities.StagePartial, activities.StageShipped, activities.StageDone:
		updates = append(updates, ImportOutcomeKey.ValueSet(OutcomeImported))
	case activities.StageCanceled:
		if w.st.SalesOrderCode == "" { // canceled before import: no longer held or failed
			updates = append(updates, ImportOutcomeKey.ValueSet(OutcomeCanceled))
		}
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, updates...); err != nil {
		w.logger.Warn("Could not record the order's stage", "Error", err)
	}
	details := w.st.Label + ": " + w.st.Stage
	if w.st.SalesOrderCode != "" {
		details += " → CB " + w.st.SalesOrderCode
	}
	if w.st.Reason != nil {
		details += " — " + w.st.Reason.Reason
	}
	if w.st.Failing != "" && w.st.Stage == activities.StageReceived {
		details += " — retrying: " + w.st.Failing
	}
	workflow.SetCurrentDetails(ctx, details+"\n\n"+strings.Join(w.st.Story, "\n"))
}

// flag tells CartRover about a held order (status error with the reason), once per reason, so the
// order leaves CartRover's new list and no run lists it again. Best effort: a held order that
// could not be flagged stays in the new list and the next run passes it again.
func (w *orderWF) flag(ctx workflow.Context) {
	holds := w.holds
	defer func() { w.flagged = holds }()
	if w.st.Reason == nil || w.st.FlaggedFor == w.st.Reason.Reason || !activities.ImportableRef(w.st.Key) {
		return
	}
	msg := w.st.Reason.Reason
	if len(msg) > 250 {
		msg = msg[:250]
	}
	err := workflow.ExecuteActivity(crFlagOptions(ctx), orderActs.FlagOrder, activities.FlagOrderInput{CustRef: w.st.Key, Message: msg}).Get(ctx, nil)
	if err != nil {
		w.logger.Warn("Could not put the held order on error in CartRover", "Error", err)
		return
	}
	w.st.FlaggedFor = w.st.Reason.Reason
	w.story(ctx, "put on error in CartRover with the reason")
}
