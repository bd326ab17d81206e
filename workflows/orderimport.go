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
	"github.com/cartrover-cb/ordermanager/settings"
)

// orderActs is only used for method references: activity names come from the method names.
var orderActs *activities.Activities

// importOrder is one import attempt: catalog, checks, customer (exactly once, per customer key),
// sales order (exactly once, per POCode), at_wms in CartRover. Transient faults that outlast the
// activities' retries are waited out here, with the fault in the details; nothing fails the workflow.
func (w *orderWF) importOrder(ctx workflow.Context) {
	defer func() { w.attempts++ }()
	backoff := time.Minute
	for {
		if w.cancelAsked {
			return // CartRover canceled the order: the main loop cancels it (before CB if not there yet)
		}
		err := w.importOnce(ctx)
		if err == nil {
			w.st.Failing = ""
			w.count(ctx, "imported")
			return
		}
		var appErr *temporal.ApplicationError
		switch {
		case errors.As(err, &appErr) && activities.IsHeldType(appErr.Type()):
			w.st.Failing = ""
			w.hold(ctx, problemOf(w.st.Key, err))
			return
		case errors.As(err, &appErr) && appErr.NonRetryable():
			w.st.Failing = ""
			w.setStage(activities.StageFailed)
			p := problemOf(w.st.Key, err)
			w.st.Reason = &p
			w.story(ctx, "failed: %s (the next run or `starter orders retry` tries again)", p.Reason)
			w.count(ctx, "failed")
			return
		}
		// Transient: CB or CartRover unreachable beyond the activity's retries. Wait and go on.
		w.st.Failing = rootMessage(err)
		w.story(ctx, "still failing, retrying in %s: %s", backoff, w.st.Failing)
		w.publish(ctx)
		_ = workflow.Sleep(ctx, backoff)
		backoff = min(2*backoff, 10*time.Minute)
	}
}

// placeVersion is the workflow.GetVersion change ID under which an import checks the catalogue in a
// local activity and places the order with one PlaceOrder activity (customer lookup, sales order,
// at_wms), instead of LoadCatalog, EnsureCustomer, CreateSalesOrder and MarkAtWMS one by one.
const placeVersion = "order-place"

// placing reports whether this run imports with PlaceOrder (placeVersion).
func (w *orderWF) placing(ctx workflow.Context) bool {
	return workflow.GetVersion(ctx, placeVersion, workflow.DefaultVersion, 1) == 1
}

// importOnce is one import attempt: PlaceOrder under placeVersion, else the previous path
// (importorder.go), which Orders that started their import before placeVersion finish on.
func (w *orderWF) importOnce(ctx workflow.Context) error {
	if w.placing(ctx) {
		return w.place(ctx)
	}
	return w.importUnplaced(ctx)
}

// place is one import attempt under placeVersion: the catalogue check (a local activity: no
// events but its marker), then PlaceOrder, which finds a returning customer, creates the sales
// order and acknowledges it in CartRover. A new customer or ship-to is created in CustomerLock (as
// before), then PlaceOrder runs again with it. An order found in CB whose acknowledgement failed
// moves to in_cb, and later attempts only acknowledge it.
func (w *orderWF) place(ctx workflow.Context) error {
	if w.st.Stage == activities.StageInCB {
		if err := workflow.ExecuteActivity(crOrderOptions(ctx), orderActs.MarkAtWMS, w.st.Key).Get(ctx, nil); err != nil {
			return err
		}
		w.setStage(activities.StageAtWMS)
		w.story(ctx, "at_wms in CartRover")
		return nil
	}
	cat, err := w.catalog(ctx)
	if err != nil {
		return err
	}
	imp := w.importer(cat, false)
	so, err := imp.mapOrder()
	if err != nil {
		return err
	}
	w.checked = true
	in := activities.PlaceOrderInput{SalesOrder: so, Customer: imp.customerInput()}
	var res activities.PlaceOrderResult
	err = workflow.ExecuteActivity(placeOptions(ctx), orderActs.PlaceOrder, in).Get(ctx, &res)
	if err == nil && res.NeedCustomer {
		cust, lerr := w.lockCustomer(ctx, in.Customer)
		if lerr != nil {
			return lerr
		}
		res.Customer = cust
		if !cust.CreditHold {
			in.SalesOrder.CustomerCode, in.SalesOrder.ShipToCode, in.SalesOrder.ShipToName = cust.CustomerCode, cust.ShipToCode, cust.ShipToName
			err = workflow.ExecuteActivity(placeOptions(ctx), orderActs.PlaceOrder, in).Get(ctx, &res)
		}
	}
	if placed, ok := activities.PlacedOrder(err); ok {
		w.inCB(ctx, placed) // the attempt's outcome is published with the stage
	}
	if err != nil {
		return err
	}
	if err := w.creditHold(imp, res.Customer); err != nil {
		return err
	}
	w.inCB(ctx, res)
	w.setStage(activities.StageAtWMS)
	w.story(ctx, "at_wms in CartRover")
	return nil
}

// inCB records the CB sales order of the order.
func (w *orderWF) inCB(ctx workflow.Context, res activities.PlaceOrderResult) {
	w.st.CustomerCode, w.st.SalesOrderCode, w.st.Healed = res.Customer.CustomerCode, res.SalesOrder.Code, res.SalesOrder.Existed
	w.setStage(activities.StageInCB)
	if res.SalesOrder.Existed {
		w.story(ctx, "already in CB as %s (not created twice)", res.SalesOrder.Code)
	} else {
		w.story(ctx, "in CB as sales order %s (customer %s)", res.SalesOrder.Code, res.Customer.CustomerCode)
	}
}

// catalog looks up what the order needs from CB (items, reference lists, class templates); under
// placeVersion in a local activity.
func (w *orderWF) catalog(ctx workflow.Context) (OrderCatalog, error) {
	o, r := *w.st.Order, w.st.Settings
	in := activities.CatalogInput{ReferenceLists: true}
	seen := map[string]bool{}
	for _, l := range o.Items {
		name, _ := r.ItemName(l.SKU)
		if !seen[name] {
			seen[name] = true
			in.ItemNames = append(in.ItemNames, name)
		}
	}
	country := connectedbusiness.CountryCode(o.ShipTo.Country)
	if r.CustomerClassTemplate == "" || r.ShipToClassTemplate == "" {
		in.Templates = []activities.TemplateChoice{{BusinessType: r.BusinessType, Country: country}}
	}
	var c activities.Catalog
	var fut workflow.Future
	if w.placing(ctx) {
		fut = workflow.ExecuteLocalActivity(cbCatalogLocalOptions(ctx), orderActs.LoadCatalog, in)
	} else {
		fut = workflow.ExecuteActivity(cbCatalogOptions(ctx), orderActs.LoadCatalog, in)
	}
	if err := fut.Get(ctx, &c); err != nil {
		return OrderCatalog{}, err
	}
	m := &catalogCache{items: map[string]*activities.CatalogItem{}, templates: map[string]activities.TemplateChoice{}}
	for i := range c.Items {
		m.items[c.Items[i].Name] = &c.Items[i]
	}
	m.listsRead, m.methods, m.terms = c.ReferenceListsOK, c.ShippingMethods, c.PaymentTerms
	for _, tc := range c.Templates {
		m.templates[tc.BusinessType+"|"+tc.Country] = tc
	}
	return m.catalogFor(o, r), nil
}

// lockCustomer finds or creates the order's customer and ship-to in the CustomerLock child of its
// customer key, waiting its turn while another order of the customer holds the key.
func (w *orderWF) lockCustomer(ctx workflow.Context, in activities.EnsureCustomerInput) (activities.CustomerResult, error) {
	var cust activities.CustomerResult
	id := CustomerLockWorkflowID(activities.CustomerKey(in))
	wait := time.Second
	for i := 0; ; i++ {
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID: id, StaticSummary: "CB customer for " + w.st.Label,
		})
		fut := workflow.ExecuteChildWorkflow(cctx, CustomerLock, in)
		err := fut.Get(ctx, &cust)
		var started *temporal.ChildWorkflowExecutionAlreadyStartedError
		if errors.As(err, &started) && i < 120 {
			// Another order of this customer holds the key: wait, then find what it created.
			_ = workflow.Sleep(ctx, wait)
			wait = min(2*wait, 5*time.Second)
			continue
		}
		if err != nil {
			return cust, unwrapChild(err)
		}
		return cust, nil
	}
}

// creditHold holds an order whose CB customer is on credit hold.
func (w *orderWF) creditHold(imp *importOrder, cust activities.CustomerResult) error {
	if cust.CreditHold {
		return imp.held(activities.ErrTypeCreditHold, "CB customer %s is on credit hold; release the hold (or approve the credit) in CB, then `starter orders retry %s`", cust.CustomerCode, w.st.Key)
	}
	return nil
}

// unwrapChild returns the child's own application error (held types keep their type).
func unwrapChild(err error) error {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return appErr
	}
	return err
}

func (w *orderWF) importer(cat OrderCatalog, pure bool) *importOrder {
	return &importOrder{r: w.st.Settings, cat: cat,
		o: *w.st.Order, label: w.st.Label, logger: w.logger, pure: pure}
}

// OrderCatalog is what CB's catalogue says about one order: its items, shipping method, payment
// term and class templates (an Order reads it in its catalogue check; the previous release's run
// looked it up once per run).
type OrderCatalog struct {
	// Items are the CB items of the order's lines that exist (by ItemName); missing ones are unknown.
	Items []activities.CatalogItem `json:"items,omitempty"`
	// ListsChecked is true when CB's shipping methods and payment terms were read this run.
	ListsChecked bool `json:"lists_checked,omitempty"`
	// ShippingMethod is the CB method the order's ship code maps to, when CB has it.
	ShippingMethod *activities.ShippingMethodRef `json:"shipping_method,omitempty"`
	// PaymentTerm is the settings' payment term with its CB group, when CB has it.
	PaymentTerm *activities.PaymentTermRef `json:"payment_term,omitempty"`
	// CustomerTemplate and ShipToTemplate are the class templates for new customers and ship-tos.
	CustomerTemplate string `json:"customer_template,omitempty"`
	ShipToTemplate   string `json:"ship_to_template,omitempty"`
}

// catalogCache is what CB said about items, reference lists and class templates.
type catalogCache struct {
	items     map[string]*activities.CatalogItem // ItemName → item (nil = CB has none)
	listsRead bool
	methods   []activities.ShippingMethodRef
	terms     []activities.PaymentTermRef
	templates map[string]activities.TemplateChoice // business type + "|" + country
}

// catalogFor picks from the cache what one order needs.
func (m *catalogCache) catalogFor(o activities.Order, r settings.Resolved) OrderCatalog {
	var cat OrderCatalog
	seen := map[string]bool{}
	for _, l := range o.Items {
		name, _ := r.ItemName(l.SKU)
		if it := m.items[name]; it != nil && !seen[name] {
			seen[name] = true
			cat.Items = append(cat.Items, *it)
		}
	}
	cat.ListsChecked = m.listsRead && len(m.methods) > 0
	if method, _, ok := r.ShipMethod(o.ShipCode, o.Carrier, o.ShipCodeDescription); ok {
		for _, cm := range m.methods {
			if method.Is(cm.Group, cm.Code) {
				c := cm
				cat.ShippingMethod = &c
				break
			}
		}
	}
	if r.PaymentTerm != "" {
		for _, t := range m.terms {
			if settings.SameCode(t.Code, r.PaymentTerm) {
				c := t
				cat.PaymentTerm = &c
				break
			}
		}
	}
	tc := m.templates[r.BusinessType+"|"+connectedbusiness.CountryCode(o.ShipTo.Country)]
	cat.CustomerTemplate, cat.ShipToTemplate = r.CustomerClassTemplate, r.ShipToClassTemplate
	if cat.CustomerTemplate == "" {
		cat.CustomerTemplate = tc.Customer
	}
	if cat.ShipToTemplate == "" {
		cat.ShipToTemplate = tc.ShipTo
	}
	return cat
}

// importOrder checks and maps one order (the pure part of an import); the Order workflow and the
// previous release's ImportOrder share it.
type importOrder struct {
	r      settings.Resolved
	cat    OrderCatalog
	o      activities.Order
	label  string
	logger log.Logger
	soCode string
	// pure skips the checks that need CB's answers (items): the Order workflow's first check.
	pure bool
	// flagHeld: the previous release's ImportOrder puts a held order on error in CartRover.
	flagHeld bool
}

// held is a problem a person must fix, found by the workflow itself or classified by an activity.
func (w *importOrder) held(errType, format string, args ...any) error {
	msg := fmt.Sprintf("%s (cust_ref %s): %s", w.label, w.o.CustRef, fmt.Sprintf(format, args...))
	return temporal.NewNonRetryableApplicationError(msg, errType, nil)
}

// customerInput is what finding or creating the order's customer needs.
func (w *importOrder) customerInput() activities.EnsureCustomerInput {
	r := w.r
	return activities.EnsureCustomerInput{
		CustRef: w.o.CustRef, Email: w.o.Email, Match: r.Match, OrderSource: w.o.OrderSource,
		BusinessType: r.BusinessType, ClassCode: w.cat.CustomerTemplate, ShipToClass: w.cat.ShipToTemplate,
		PaymentTerm: r.PaymentTerm, BillTo: w.o.BillTo, ShipTo: w.o.ShipTo,
	}
}

// mapOrder is the pure part: lines, address, ship code, SKUs and payment term checked and mapped
// to a CB sales order, or the first problem a person must fix.
func (w *importOrder) mapOrder() (activities.SalesOrderInput, error) {
	r, cat := w.r, w.cat
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
	r := w.r
	if len(w.o.Items) == 0 {
		return nil, w.held(activities.ErrTypeInvalidLine, "the order has no lines; correct it in CartRover")
	}
	items := map[string]activities.CatalogItem{}
	for _, it := range w.cat.Items {
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
