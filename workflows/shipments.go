package workflows

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cartrover-cb/ordermanager/activities"
	"github.com/cartrover-cb/ordermanager/settings"
)

// shipmentChunk is how many shipped orders one CB box read covers; their posts run concurrently.
// It bounds both the activity payload (≈25 orders × a few boxes) and the posts in flight, which the
// CartRover client paces anyway.
const shipmentChunk = 25

// openListLimit is the CartRover list page size (its maximum).
const openListLimit = 100

// ShipmentResume is what a ShipmentPickup hands to its own continuation (PickupInput.Shipments).
type ShipmentResume struct {
	// Since is the window start the first run chose (kept so the continuation sees the same feed).
	Since time.Time `json:"since"`
	// After is the last cust_ref handled: candidates are handled in cust_ref order.
	After string `json:"after,omitempty"`
	// Counted is true once the orders of the window were counted (a continuation only posts).
	Counted bool             `json:"counted,omitempty"`
	Summary ShipmentsSummary `json:"summary"`
}

// ShipmentPickup carries what CB shipped back to CartRover (Shipment Confirmation Pickup) and
// CartRover's cancellations to the order workflows.
//
// Where the work comes from: CB's shipped feed over a window (settings.Shipments.Lookback back from
// workflow.Now; a scheduled run keeps no state between runs, and the window overlaps the previous
// run on purpose), intersected with the CartRover orders still open for shipments (lists at_wms and
// partial: one call per 100 orders, and the list already carries each order's shipments). Only
// orders in both are read box by box in CB and posted; a box whose tracking number the CartRover
// order already has is never posted again, so re-running posts nothing. Orders shipped in CB but
// no longer open in CartRover were posted before (counted as already posted), or were canceled
// there (listed canceled since the window start: counted and reported, never retried).
//
// Who posts: each order's new boxes are handed to its Order workflow (ShipmentsUpdate with
// Update-with-Start, activity HandShipments), which posts those it has not posted itself and moves
// to partial or done; an order imported before its workflow stayed open gets a run that starts at
// at_wms. Every order CartRover lists canceled since the window start is handed to its open Order
// workflow (CancelUpdate, activity HandCancels): a held order ends canceled, an imported one puts
// its CB sales order on hold first. Runs recorded before the hand-off (shipmentsHandOffChange)
// post the boxes themselves.
func ShipmentPickup(ctx workflow.Context, in PickupInput) (ShipmentsSummary, error) {
	p := &shipmentPickup{in: in}
	if err := p.setup(ctx); err != nil {
		return ShipmentsSummary{}, err
	}
	return p.run(ctx)
}

type shipmentPickup struct {
	in    PickupInput
	carry ShipmentResume
	// handOff is true when the order workflows post (see shipmentsHandOffChange).
	handOff bool
}

func (p *shipmentPickup) setup(ctx workflow.Context) error {
	carry, fresh, err := resume(p.in.Shipments, p.in.Cursor, ShipmentPickupName)
	if err != nil {
		return err
	}
	p.carry = carry
	if fresh {
		p.carry.Since = workflow.Now(ctx).Add(-p.in.Settings.Shipments.LookbackDuration()).UTC()
	}
	return workflow.SetQueryHandler(ctx, ProgressQuery, func() (ShipmentsSummary, error) {
		return p.carry.Summary, nil
	})
}

// shipmentsHandOffChange versions the pickup's hand-off: version 1 hands cancellations and each
// order's new boxes to the order's workflow (which posts them); runs recorded before it
// (DefaultVersion) post the boxes themselves.
const shipmentsHandOffChange = "shipments-handoff"

func (p *shipmentPickup) run(ctx workflow.Context) (ShipmentsSummary, error) {
	sum := &p.carry.Summary
	p.handOff = workflow.GetVersion(ctx, shipmentsHandOffChange, workflow.DefaultVersion, 1) >= 1
	var feed activities.ShippedOrdersResult
	err := workflow.ExecuteActivity(cbOptions(ctx), pickupActs.CBShippedOrders,
		activities.ShippedOrdersInput{Since: p.carry.Since}).Get(ctx, &feed)
	if err != nil {
		sum.Problems = appendProblem(sum.Problems, problemOf("CB shipped feed since "+p.carry.Since.Format(time.RFC3339), err))
		sum.Failed++
		return *sum, nil
	}
	byRef := groupByCustRef(feed.Orders)
	refs := workflow.DeterministicKeys(byRef) // sorted: continuations resume after carry.After
	todo := refs[:0:0]
	for _, r := range refs {
		if r > p.carry.After {
			todo = append(todo, r)
		}
	}
	var canceled map[string]activities.OpenOrder
	if p.handOff && !p.carry.Counted {
		// Cancellations first, whether or not CB shipped anything: the order workflows end
		// canceled (an imported order's CB sales order is put on hold). A continuation only posts.
		var err error
		if canceled, err = p.listOrders(ctx, "canceled", p.carry.Since); err != nil {
			sum.Problems = appendProblem(sum.Problems, problemOf("CartRover canceled orders", err))
			sum.Failed++
			return *sum, nil
		}
		p.handCancels(ctx, canceled)
	}
	if len(todo) == 0 {
		return *sum, nil
	}

	open, err := p.listOrders(ctx, "at_wms", time.Time{})
	if err == nil {
		var partial map[string]activities.OpenOrder
		partial, err = p.listOrders(ctx, "partial", time.Time{})
		for _, r := range sortedOrderKeys(partial) {
			open[r] = partial[r]
		}
	}
	if err == nil && !p.handOff {
		canceled, err = p.listOrders(ctx, "canceled", p.carry.Since)
	}
	if err != nil {
		sum.Problems = appendProblem(sum.Problems, problemOf("CartRover open orders", err))
		sum.Failed++
		return *sum, nil
	}

	var candidates []activities.OpenOrder
	for _, ref := range todo {
		o, isOpen := open[ref]
		if isOpen {
			candidates = append(candidates, o)
		}
		if p.carry.Counted {
			continue
		}
		sum.OrdersChecked++
		switch {
		case isOpen:
		case canceled[ref].CustRef != "":
			sum.Canceled++
			sum.Problems = appendProblem(sum.Problems, Problem{Key: ref, Type: activities.ErrTypeOrderCanceled,
				Reason: fmt.Sprintf("CB shipped sales order %s but CartRover order %s is canceled: nothing posted; reconcile the order by hand", strings.Join(byRef[ref], ", "), ref)})
		default:
			// Not open for shipments in CartRover: its boxes were posted by an earlier run.
			sum.AlreadyPosted++
		}
	}

	p.carry.Counted = true
	for start := 0; start < len(candidates); start += shipmentChunk {
		end := min(start+shipmentChunk, len(candidates))
		p.handleChunk(ctx, candidates[start:end], byRef)
		p.carry.After = candidates[end-1].CustRef
		if end < len(candidates) && workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			return *sum, workflow.NewContinueAsNewError(ctx, ShipmentPickup, PickupInput{Settings: p.in.Settings, Shipments: &p.carry})
		}
	}
	return *sum, nil
}

// listOrders reads every page of one CartRover status (one activity per page of ≤100 orders).
func (p *shipmentPickup) listOrders(ctx workflow.Context, status string, from time.Time) (map[string]activities.OpenOrder, error) {
	out := map[string]activities.OpenOrder{}
	actx := cartRoverOptions(ctx, time.Minute)
	for page := 1; ; page++ {
		var res activities.OpenOrdersPage
		err := workflow.ExecuteActivity(actx, pickupActs.CartRoverOpenOrders, activities.OpenOrdersInput{
			Status: status, Page: page, Limit: openListLimit, FromDate: from,
		}).Get(ctx, &res)
		if err != nil {
			return nil, err
		}
		for _, o := range res.Orders {
			out[o.CustRef] = o
		}
		if !res.More {
			return out, nil
		}
	}
}

// handleChunk reads the boxes of a chunk of open orders in CB, then posts every order's new boxes
// concurrently.
func (p *shipmentPickup) handleChunk(ctx workflow.Context, orders []activities.OpenOrder, byRef map[string][]string) {
	sum := &p.carry.Summary
	var codes []string
	for _, o := range orders {
		codes = append(codes, byRef[o.CustRef]...)
	}
	var boxes activities.ShipmentBoxesResult
	if err := workflow.ExecuteActivity(cbOptions(ctx), pickupActs.CBShipmentBoxes,
		activities.ShipmentBoxesInput{SalesOrderCodes: codes}).Get(ctx, &boxes); err != nil {
		for _, o := range orders {
			sum.Failed++
			sum.Problems = appendProblem(sum.Problems, problemOf(o.CustRef, err))
		}
		return
	}
	bySO := map[string]activities.OrderBoxes{}
	for _, b := range boxes.Orders {
		bySO[b.SalesOrderCode] = b
	}

	type pending struct {
		ref      string
		posts    int
		complete bool
		future   workflow.Future
	}
	var inFlight []pending
	hand := activities.HandShipmentsInput{TaskQueue: workflow.GetInfo(ctx).TaskQueueName}
	for _, o := range orders {
		var all []activities.Box
		skip := false
		for _, so := range byRef[o.CustRef] {
			ob := bySO[so]
			switch {
			case ob.Voided:
				sum.Voided++
				sum.Problems = appendProblem(sum.Problems, Problem{Key: o.CustRef, Type: activities.ErrTypeOrderVoided,
					Reason: fmt.Sprintf("CB voided sales order %s of CartRover order %s: nothing posted; cancel the order in CartRover or re-create it in CB", so, o.CustRef)})
				skip = true
			case ob.Problem != nil:
				sum.Failed++
				sum.Problems = appendProblem(sum.Problems, Problem{Key: o.CustRef, Type: ob.Problem.Type, Reason: ob.Problem.Reason})
				skip = true
			}
			all = append(all, ob.Boxes...)
		}
		if skip {
			continue
		}
		posts, complete := newShipments(p.in.Settings, o, all)
		if len(posts) == 0 {
			sum.AlreadyPosted++
			continue
		}
		if p.handOff {
			hand.Orders = append(hand.Orders, activities.ShipmentsInput{CustRef: o.CustRef, SalesOrderCodes: byRef[o.CustRef], Shipments: posts, Complete: complete})
			continue
		}
		f := workflow.ExecuteActivity(cartRoverOptions(ctx, time.Minute), pickupActs.CartRoverPostShipments,
			activities.PostShipmentsInput{CustRef: o.CustRef, Shipments: posts, Complete: complete})
		inFlight = append(inFlight, pending{ref: o.CustRef, posts: len(posts), complete: complete, future: f})
	}
	if len(hand.Orders) > 0 {
		p.handShipments(ctx, hand)
	}
	for _, pf := range inFlight {
		var res activities.PostShipmentsResult
		if err := pf.future.Get(ctx, &res); err != nil {
			if errorType(err) == activities.ErrTypeOrderCanceled {
				sum.Canceled++
			} else {
				sum.Failed++
			}
			sum.Problems = appendProblem(sum.Problems, problemOf(pf.ref, err))
			continue
		}
		sum.BoxesPosted += res.Posted
		if res.Posted == 0 {
			sum.AlreadyPosted++
			continue
		}
		if res.Status == "shipped" || (res.Status == "" && pf.complete) {
			sum.OrdersShipped++
		} else {
			sum.OrdersPartial++
		}
	}
}

// newShipments returns the boxes of CB that the CartRover order does not have yet (by tracking
// number), mapped to CartRover's vocabulary, and whether the order is complete with them.
// Boxes without a tracking number are left for a later run: without one a box cannot be
// de-duplicated, and CB assigns it when the label prints.
func newShipments(s settings.Settings, o activities.OpenOrder, boxes []activities.Box) ([]activities.ShipmentPost, bool) {
	have := map[string]bool{}
	for _, t := range o.Tracking {
		have[t] = true
	}
	skuOf := lineSKUs(s, o)
	shipped := map[string]decimal.Decimal{}
	for _, l := range o.Shipped {
		shipped[l.SKU] = shipped[l.SKU].Add(l.Qty)
	}
	var out []activities.ShipmentPost
	for _, b := range boxes {
		if b.Tracking == "" || have[b.Tracking] {
			continue
		}
		have[b.Tracking] = true
		carrier, method := s.Shipments.MapCarrier(b.Carrier, b.Service)
		post := activities.ShipmentPost{Carrier: carrier, Method: method, Tracking: b.Tracking, Date: b.ShipDate, WeightLbs: b.WeightLbs}
		for _, it := range b.Items {
			if !it.Qty.IsPositive() {
				continue
			}
			sku := skuOf[it.ItemName]
			if sku == "" {
				sku = it.ItemName
			}
			post.Items = append(post.Items, activities.OrderLine{SKU: sku, Qty: it.Qty})
			shipped[sku] = shipped[sku].Add(it.Qty)
		}
		out = append(out, post)
	}
	complete := len(o.Lines) > 0
	for _, l := range o.Lines {
		if shipped[l.SKU].LessThan(l.Qty) {
			complete = false
		}
	}
	return out, complete
}

// lineSKUs maps each CB ItemName on a CartRover order back to the order line's SKU, resolving the
// line SKUs as Order Send did (the cart's SKU map, then the global one, else the SKU itself).
func lineSKUs(s settings.Settings, o activities.OpenOrder) map[string]string {
	out := map[string]string{}
	cartSKUs := s.Carts[o.OrderSource].SKUs
	for _, l := range o.Lines {
		name := l.SKU
		if n, ok := cartSKUs[l.SKU]; ok {
			name = n
		} else if n, ok := s.SKUs[l.SKU]; ok {
			name = n
		}
		if _, taken := out[name]; !taken {
			out[name] = l.SKU
		}
	}
	return out
}

func groupByCustRef(orders []activities.ShippedOrder) map[string][]string {
	out := map[string][]string{}
	for _, o := range orders {
		if o.CustRef == "" || slices.Contains(out[o.CustRef], o.SalesOrderCode) {
			continue
		}
		out[o.CustRef] = append(out[o.CustRef], o.SalesOrderCode)
	}
	return out
}

func sortedOrderKeys(m map[string]activities.OpenOrder) []string {
	return workflow.DeterministicKeys(m)
}

// handOptions are the options of the hand-off activities: each waits for the order workflows'
// answers (their posts are paced by the CartRover client), so no heartbeat; a retry re-sends the
// same update IDs and gets the answers already given.
func handOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute, MaximumAttempts: 5},
	})
}

// handShipments hands a chunk's new boxes to the order workflows and counts their answers as the
// pickup counted its own posts.
func (p *shipmentPickup) handShipments(ctx workflow.Context, hand activities.HandShipmentsInput) {
	sum := &p.carry.Summary
	var res activities.HandShipmentsResult
	if err := workflow.ExecuteActivity(handOptions(ctx), pickupActs.HandShipments, hand).Get(ctx, &res); err != nil {
		for _, o := range hand.Orders {
			sum.Failed++
			sum.Problems = appendProblem(sum.Problems, problemOf(o.CustRef, err))
		}
		return
	}
	for i, r := range res.Results {
		if i >= len(hand.Orders) {
			break
		}
		switch {
		case r.Problem != nil && r.Problem.Type == activities.ErrTypeOrderCanceled:
			sum.Canceled++
			sum.Problems = appendProblem(sum.Problems, *r.Problem)
		case r.Problem != nil:
			sum.Failed++
			sum.Problems = appendProblem(sum.Problems, *r.Problem)
		case r.Posted == 0:
			sum.AlreadyPosted++
		case r.Status == "shipped":
			sum.BoxesPosted += r.Posted
			sum.OrdersShipped++
		default:
			sum.BoxesPosted += r.Posted
			sum.OrdersPartial++
		}
	}
}

// handCancels tells the open order workflows of CartRover's canceled orders (in pages of 100).
func (p *shipmentPickup) handCancels(ctx workflow.Context, canceled map[string]activities.OpenOrder) {
	sum := &p.carry.Summary
	refs := sortedOrderKeys(canceled)
	for start := 0; start < len(refs); start += openListLimit {
		batch := refs[start:min(start+openListLimit, len(refs))]
		var res activities.HandCancelsResult
		if err := workflow.ExecuteActivity(handOptions(ctx), pickupActs.HandCancels, activities.HandCancelsInput{CustRefs: batch}).Get(ctx, &res); err != nil {
			sum.Failed++
			sum.Problems = appendProblem(sum.Problems, problemOf("CartRover canceled orders", err))
			return
		}
		sum.OrdersCanceled += res.Canceled
		sum.HeldInCB += res.OnHoldInCB
		for _, pr := range res.Problems {
			sum.Failed++
			sum.Problems = appendProblem(sum.Problems, pr)
		}
	}
}
