package workflows

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cartrover-cb/ordermanager/activities"
	"github.com/cartrover-cb/ordermanager/connectedbusiness"
)

// orderActs is only used for method references: activity names come from the method names.
var orderActs *activities.Activities

// ImportOrder turns one CartRover order into exactly one CB sales order, then acknowledges it in
// CartRover (at_wms). Its workflow ID is derived from cust_ref and the sales order's POCode is the
// cust_ref, so overlapping runs and re-runs heal instead of duplicating. An order a person must
// fix ends with a non-retryable error of a held type (activities.HeldTypes) naming the settings
// key or record to fix; the run counts it and the next run retries it.
func ImportOrder(ctx workflow.Context, in ImportOrderInput) (ImportOrderResult, error) {
	w := &importOrder{in: in, o: in.Order, label: in.Order.Label()}
	w.logger = log.With(workflow.GetLogger(ctx), "CustRef", in.Order.CustRef, "OrderSource", in.Order.OrderSource)
	res, err := w.run(ctx)
	return res, w.finish(ctx, res, err)
}

type importOrder struct {
	in     ImportOrderInput
	o      activities.Order
	label  string
	logger log.Logger
	soCode string
	// pure skips the checks that need CB's answers (items): the Order workflow's first check.
	pure bool
}

// heldError is a problem a person must fix, found by the workflow itself or classified by an activity.
func (w *importOrder) held(errType, format string, args ...any) error {
	msg := fmt.Sprintf("%s (cust_ref %s): %s", w.label, w.o.CustRef, fmt.Sprintf(format, args...))
	return temporal.NewNonRetryableApplicationError(msg, errType, nil)
}

func (w *importOrder) run(ctx workflow.Context) (ImportOrderResult, error) {
	workflow.SetCurrentDetails(ctx, w.label+" → checking")
	so, err := w.mapOrder()
	if err != nil {
		return ImportOrderResult{}, err
	}
	cust, err := w.ensureCustomer(ctx)
	if err != nil {
		return ImportOrderResult{}, err
	}
	so.CustomerCode, so.ShipToCode, so.ShipToName = cust.CustomerCode, cust.ShipToCode, cust.ShipToName

	var created activities.SalesOrderResult
	if err := workflow.ExecuteActivity(cbOrderOptions(ctx), orderActs.CreateSalesOrder, so).Get(ctx, &created); err != nil {
		return ImportOrderResult{}, err
	}
	w.soCode = created.Code
	workflow.SetCurrentDetails(ctx, w.label+" → "+created.Code+" (acknowledging in CartRover)")

	// Acknowledge only now that CB holds the order: a crash before this line re-runs the order,
	// and CreateSalesOrder's check on POCode finds the order instead of creating a second one.
	if err := workflow.ExecuteActivity(crOrderOptions(ctx), orderActs.MarkAtWMS, w.o.CustRef).Get(ctx, nil); err != nil {
		return ImportOrderResult{}, err
	}
	return ImportOrderResult{CustRef: w.o.CustRef, SalesOrderCode: created.Code, Healed: created.Existed, CustomerCreated: cust.Created}, nil
}

// ensureCustomer finds or creates the customer, then the ship-to if the address is new to CB.
func (w *importOrder) ensureCustomer(ctx workflow.Context) (activities.CustomerResult, error) {
	var cust activities.CustomerResult
	err := workflow.ExecuteActivity(cbOrderOptions(ctx), orderActs.EnsureCustomer, w.customerInput()).Get(ctx, &cust)
	if err != nil {
		return cust, err
	}
	if cust.CreditHold {
		return cust, w.held(activities.ErrTypeCreditHold, "CB customer %s is on credit hold; release the hold (or approve the credit) in CB and the next run imports the order", cust.CustomerCode)
	}
	if cust.ShipToCode == "" {
		err := workflow.ExecuteActivity(cbOrderOptions(ctx), orderActs.CreateShipTo, activities.ShipToInput{
			CustRef: w.o.CustRef, CustomerCode: cust.CustomerCode, ClassCode: w.in.Catalog.ShipToTemplate,
			Email: w.o.Email, ShipTo: w.o.ShipTo,
		}).Get(ctx, &cust.ShipToCode)
		if err != nil {
			return cust, err
		}
		cust.ShipToName = w.o.ShipTo.Name()
	}
	return cust, nil
}

// customerInput is what finding or creating the order's customer needs.
func (w *importOrder) customerInput() activities.EnsureCustomerInput {
	r := w.in.Settings
	return activities.EnsureCustomerInput{
		CustRef: w.o.CustRef, Email: w.o.Email, Match: r.Match, OrderSource: w.o.OrderSource,
		BusinessType: r.BusinessType, ClassCode: w.in.Catalog.CustomerTemplate, ShipToClass: w.in.Catalog.ShipToTemplate,
		PaymentTerm: r.PaymentTerm, BillTo: w.o.BillTo, ShipTo: w.o.ShipTo,
	}
}

// mapOrder is the pure part: lines, address, ship code, SKUs and payment term checked and mapped
// to a CB sales order, or the first problem a person must fix.
func (w *importOrder) mapOrder() (activities.SalesOrderInput, error) {
	r, cat := w.in.Settings, w.in.Catalog
	so := activities.SalesOrderInput{
		CustRef: w.o.CustRef, ShipTo: w.o.ShipTo, SourceCode: r.SourceCode, WebSiteCode: r.WebSiteCode,
		Warehouse: r.Warehouse, Freight: w.o.Freight, Notes: w.notes(),
	}
	if err := w.checkAddress(); err != nil {
		return so, err
	}
	method, key, ok := r.ShipMethod(w.o.ShipCode, w.o.Carrier, w.o.ShipCodeDescription)
	if !ok {
		return so, w.held(activities.ErrTypeUnmappedShipCode,
			"ship code %q (carrier %q, description %q) maps to no CB shipping method; add a rule for it under %s (or a default)",
			w.o.ShipCode, w.o.Carrier, w.o.ShipCodeDescription, r.ShippingKey())
	}
	if cat.ListsChecked && cat.ShippingMethod == nil {
		return so, w.held(activities.ErrTypeUnknownShippingMethod,
			"ship code %q maps (by %s) to CB shipping method %s / %s, which CB does not have; correct %s.to or create the method in CB",
			w.o.ShipCode, key, method.Group, method.Code, key)
	}
	so.Shipping = activities.ShippingMethodRef{Group: method.Group, Code: method.Code}
	if r.PaymentTerm != "" {
		switch {
		case cat.PaymentTerm != nil:
			so.PaymentTerm = *cat.PaymentTerm
		case cat.ListsChecked:
			key := "payment_term"
			if r.HasCart {
				key = "carts." + r.OrderSource + ".payment_term (or payment_term)"
			}
			return so, w.held(activities.ErrTypeUnknownPaymentTerm, "payment term %q is not a CB payment term; correct %s", r.PaymentTerm, key)
		}
	}
	lines, err := w.mapLines()
	if err != nil {
		return so, err
	}
	so.Lines = lines
	return so, nil
}

func (w *importOrder) checkAddress() error {
	a := w.o.ShipTo
	var missing []string
	if a.Name() == "" {
		missing = append(missing, "ship_first_name/ship_last_name or ship_company")
	}
	for _, f := range []struct{ name, v string }{
		{"ship_address_1", a.Address1}, {"ship_city", a.City}, {"ship_country", a.Country},
	} {
		if strings.TrimSpace(f.v) == "" {
			missing = append(missing, f.name)
		}
	}
	if c := connectedbusiness.CountryCode(a.Country); (c == "US" || c == "CA") && strings.TrimSpace(a.Zip) == "" {
		missing = append(missing, "ship_zip")
	}
	if len(missing) > 0 {
		return w.held(activities.ErrTypeInvalidAddress, "the ship-to address lacks %s; correct the order in CartRover (or the cart)", strings.Join(missing, ", "))
	}
	if c := connectedbusiness.CountryCode(a.Country); (c == "US" || c == "CA") && len(strings.TrimSpace(a.State)) > 5 {
		return w.held(activities.ErrTypeInvalidAddress, "ship_state %q is not a state code (CB keeps 5 characters); use the 2-letter code in CartRover (or the cart)", a.State)
	}
	return nil
}

// mapLines checks every line and maps its SKU to a CB item; all unknown SKUs are named at once.
func (w *importOrder) mapLines() ([]activities.SalesOrderLine, error) {
	r := w.in.Settings
	if len(w.o.Items) == 0 {
		return nil, w.held(activities.ErrTypeInvalidLine, "the order has no lines; correct it in CartRover")
	}
	items := map[string]activities.CatalogItem{}
	for _, it := range w.in.Catalog.Items {
		items[it.Name] = it
	}
	var lines []activities.SalesOrderLine
	var unknown []string
	for i, l := range w.o.Items {
		n := i + 1
		qty, err1 := decimal.NewFromString(l.Quantity)
		price, err2 := decimal.NewFromString(l.Price)
		disc := decimal.Zero
		var err3 error
		if l.Discount != "" {
			disc, err3 = decimal.NewFromString(l.Discount)
		}
		switch {
		case errors.Join(err1, err2, err3) != nil:
			return nil, w.held(activities.ErrTypeInvalidLine, "line %d (SKU %s): quantity %q, price %q or discount %q is not a number; correct the order in CartRover", n, l.SKU, l.Quantity, l.Price, l.Discount)
		case !qty.IsPositive() || !qty.IsInteger():
			return nil, w.held(activities.ErrTypeInvalidLine, "line %d (SKU %s): quantity %s must be a whole number above 0; correct the order in CartRover", n, l.SKU, l.Quantity)
		case price.IsNegative():
			return nil, w.held(activities.ErrTypeInvalidLine, "line %d (SKU %s): price %s is negative; correct the order in CartRover", n, l.SKU, l.Price)
		case disc.IsNegative() || disc.GreaterThan(price):
			return nil, w.held(activities.ErrTypeInvalidLine, "line %d (SKU %s): discount %s per unit must be between 0 and the price %s; correct the order in CartRover", n, l.SKU, l.Discount, l.Price)
		}
		name, _ := r.ItemName(l.SKU)
		if w.pure {
			continue
		}
		item, ok := items[name]
		if !ok {
			unknown = append(unknown, fmt.Sprintf("%q (add %s: <CB ItemName>, or create item %q in CB)", l.SKU, r.SKUKey(l.SKU), name))
			continue
		}
		line := activities.SalesOrderLine{ItemCode: item.Code, ItemName: item.Name, UoM: item.UoM, Quantity: qty.String(), Price: price.String()}
		if disc.IsPositive() && price.IsPositive() {
			line.DiscountPercent = disc.Div(price).Mul(decimal.NewFromInt(100)).Round(4).String()
		}
		lines = append(lines, line)
	}
	if len(unknown) > 0 {
		return nil, w.held(activities.ErrTypeUnknownSKU, "SKU %s is not a CB item", strings.Join(unknown, "; SKU "))
	}
	return lines, nil
}

func (w *importOrder) notes() string {
	parts := []string{"CartRover " + w.label}
	if w.o.Notes != "" {
		parts = append(parts, w.o.Notes)
	}
	if d, err := decimal.NewFromString(w.o.Discount); err == nil && d.IsPositive() {
		parts = append(parts, "Order discount "+d.StringFixed(2))
	}
	n := strings.Join(parts, " / ")
	if len(n) > 255 { // CB Notes(255)
		n = n[:255]
	}
	return n
}

// finish records the outcome (search attributes, details) and, for a held order, tells CartRover
// when the settings ask for it. It returns the error the workflow ends with.
func (w *importOrder) finish(ctx workflow.Context, res ImportOrderResult, err error) error {
	outcome := OutcomeImported
	details := w.label + " → " + w.soCode
	var appErr *temporal.ApplicationError
	isHeld := err != nil && errors.As(err, &appErr) && activities.IsHeldType(appErr.Type())
	switch {
	case isHeld:
		outcome = OutcomeHeld
		details = w.label + " held: " + appErr.Type()
	case err != nil:
		outcome = OutcomeFailed
		details = w.label + " failed"
	case res.Healed:
		details += " (already in CB)"
	}
	updates := []temporal.SearchAttributeUpdate{ImportOutcomeKey.ValueSet(outcome)}
	if w.soCode != "" {
		updates = append(updates, SalesOrderCodeKey.ValueSet(w.soCode))
	}
	if uerr := workflow.UpsertTypedSearchAttributes(ctx, updates...); uerr != nil {
		w.logger.Warn("Could not record the outcome search attributes", "Error", uerr)
	}
	workflow.SetCurrentDetails(ctx, details)
	if !isHeld {
		if err != nil {
			w.logger.Error("Order failed", "Error", err)
		}
		return err
	}
	w.logger.Info("Order held for a person", "Type", appErr.Type(), "Reason", appErr.Error())
	flagged := false
	if w.in.FlagHeld {
		ferr := workflow.ExecuteActivity(crFlagOptions(ctx), orderActs.FlagOrder,
			activities.FlagOrderInput{CustRef: w.o.CustRef, Message: appErr.Error()}).Get(ctx, nil)
		flagged = ferr == nil
		if ferr != nil {
			w.logger.Warn("Could not put the held order on error in CartRover", "Error", ferr)
		}
	}
	// Re-create the error with the details the parent reads; keep the message and stable type.
	return temporal.NewNonRetryableApplicationError(heldMessage(appErr), appErr.Type(), nil, HeldDetails{Flagged: flagged})
}

// heldMessage is the message of a held error without the activity wrapping the SDK adds.
func heldMessage(e *temporal.ApplicationError) string {
	return e.Message()
}

// cbOrderOptions are the options of the per-order CB activities: short calls, bounded retries
// (a CB that is down for minutes fails the order, and the next run retries it).
//
// The bound is sized so that transient faults do not exhaust it: one attempt makes two or three
// CB calls (lookup, write, lookup), so at a 20% fault rate per call an attempt fails 36–49% of
// the time. Eight attempts (the old bound) left up to 0.3% of these activities failed — with two
// or three per order, a real chance that one order of a few hundred fails on transient faults
// alone — while 25 attempts leave about 2e-8. The attempts are spaced at most 10 s apart and
// ScheduleToClose caps the whole at 5 minutes, so a CB outage still fails the order within
// minutes (the next run retries it) instead of stalling the run's window of children.
func cbOrderOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    45 * time.Second,
		ScheduleToCloseTimeout: 5 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    10 * time.Second,
			MaximumAttempts:    25,
		},
	})
}

// crOrderOptions are the options of a CartRover call (the client's pacer keeps all workers under
// CartRover's limit). Retries are bounded by time, not attempts: a RateLimit answer only delays
// the next attempt by the delay it carries, however many there are, so a busy bucket never fails
// the order; a fault that outlasts ScheduleToClose is waited out by the workflow.
func crOrderOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    45 * time.Second,
		ScheduleToCloseTimeout: 15 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    time.Minute,
		},
	})
}

// placeOptions are the options of PlaceOrder (CB lookups and one write, then one CartRover call).
// Its retries are bounded by time, not attempts: a RateLimit answer (the CartRover pacer's or
// CartRover's own) only delays the next attempt by the delay it carries, so a busy bucket never
// fails the order; a fault that outlasts ScheduleToClose is waited out by the workflow.
func placeOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    45 * time.Second,
		ScheduleToCloseTimeout: 10 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    10 * time.Second,
		},
	})
}

// cbCatalogLocalOptions are the options of the order's catalogue check as a local activity. The
// dispatch answers after it, so it gives up after checkWait (the workflow then waits and tries
// again); reads the worker already made are remembered, so a retry does not repeat them.
func cbCatalogLocalOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		ScheduleToCloseTimeout: checkWait,
		StartToCloseTimeout:    10 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    200 * time.Millisecond,
			BackoffCoefficient: 2,
			MaximumInterval:    3 * time.Second,
		},
	})
}

// crFlagOptions are for the best-effort FlagOrder call: retried for 45 s, then given up (the
// order is held and in the run summary either way). The bound is time, not attempts, so RateLimit
// answers only delay the call; it stays under the dispatching activity's heartbeat timeout, since
// a dispatch answers only after the flag.
func crFlagOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: 45 * time.Second,
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: time.Second},
	})
}
