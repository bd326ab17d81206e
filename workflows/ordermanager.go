package workflows

import (
	"errors"
	"fmt"
	"sort"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cartrover-cb/ordermanager/activities"
	"github.com/cartrover-cb/ordermanager/connectedbusiness"
	"github.com/cartrover-cb/ordermanager/settings"
)

// DefaultMaxInFlight is the default number of ImportOrder children running at once.
const DefaultMaxInFlight = 16

// OrderPageSize is how many orders one CartRover list call asks for (CartRover's maximum).
const OrderPageSize = 100

// OrderManager is one run of the CartRover Order Manager job: it performs the tasks its input
// selects, in AllTasks order, and returns a readable summary (also answered by the progress query).
// Order Send pages through CartRover's new orders and imports each in an ImportOrder child, with a
// bounded window of children in flight; the pickups run as children of their own. It continues as
// new when the server suggests it, carrying the figures and where to resume.
func OrderManager(ctx workflow.Context, in OrderManagerInput) (RunSummary, error) {
	// Schedules carry settings `starter` validated; a hand-started run may not: refuse it whole,
	// naming every bad key, rather than hold every order.
	in.Settings.ApplyDefaults()
	if err := in.Settings.Validate(); err != nil {
		return RunSummary{Tasks: in.Tasks}, temporal.NewNonRetryableApplicationError(
			"the run's settings are invalid; fix them and apply the schedule again: "+err.Error(), activities.ErrTypeInvalidSettings, nil)
	}
	m := newOrderManager(ctx, in)
	if err := workflow.SetQueryHandler(ctx, ProgressQuery, func() (RunSummary, error) { return m.summary, nil }); err != nil {
		return RunSummary{}, fmt.Errorf("register the progress query: %w", err)
	}
	for _, task := range AllTasks {
		if !m.selected(task) || m.done(task) {
			continue
		}
		var err error
		switch task {
		case TaskOrders:
			if workflow.GetVersion(ctx, dispatchVersion, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
				err = m.runOrders(ctx) // a run of the previous release, replaying
			} else {
				err = m.dispatchOrders(ctx)
			}
		default:
			err = m.runPickup(ctx, task)
		}
		if err != nil {
			return m.summary, err
		}
		m.carry.TasksDone = append(m.carry.TasksDone, task)
	}
	m.setDetails(ctx)
	return m.summary, nil
}

type orderManager struct {
	in      OrderManagerInput
	carry   Carry
	summary RunSummary
	logger  log.Logger
	window  int

	// Per-run CB caches (rebuilt after continue-as-new: one more lookup per hop, not per order).
	catalogCache
	stuck map[string]bool
}

func newOrderManager(ctx workflow.Context, in OrderManagerInput) *orderManager {
	m := &orderManager{in: in, window: in.MaxInFlight, stuck: map[string]bool{}, catalogCache: catalogCache{
		items: map[string]*activities.CatalogItem{}, templates: map[string]activities.TemplateChoice{}}}
	if m.window <= 0 {
		m.window = DefaultMaxInFlight
	}
	if in.Carry != nil {
		m.carry = *in.Carry
		m.summary = in.Carry.Summary
	}
	m.summary.Tasks = in.Tasks
	for _, ref := range m.carry.Stuck {
		m.stuck[ref] = true
	}
	m.logger = log.With(workflow.GetLogger(ctx), "Tasks", fmt.Sprint(in.Tasks))
	return m
}

func (m *orderManager) selected(t Task) bool {
	for _, s := range m.in.Tasks {
		if s == t {
			return true
		}
	}
	return false
}

func (m *orderManager) done(t Task) bool {
	for _, s := range m.carry.TasksDone {
		if s == t {
			return true
		}
	}
	return false
}

func (m *orderManager) setDetails(ctx workflow.Context) {
	if o := m.summary.Orders; o != nil && o.Dispatch != nil {
		d := o.Dispatch
		details := fmt.Sprintf("orders: %d listed, %d dispatched: %d new, %d new and held, %d already held, %d rechecked, %d importing, %d already in CB, %d quarantined, %d skipped (on hold / sending canceled)",
			d.Listed, d.Dispatched, d.New, d.NewHeld, d.AlreadyHeld, d.Rechecked+o.Rechecked, d.Importing, d.AlreadyInCB, d.Quarantined, d.Skipped)
		if d.Waiting > 0 {
			details += fmt.Sprintf("; %d waiting on a system that does not answer", d.Waiting)
		}
		for _, u := range m.summary.Unreachable {
			details += fmt.Sprintf("; %s unreachable since %s", u.System, u.Since.UTC().Format(time.RFC3339))
		}
		workflow.SetCurrentDetails(ctx, details)
		return
	}
	if o := m.summary.Orders; o != nil {
		workflow.SetCurrentDetails(ctx, fmt.Sprintf("orders: %d downloaded, %d imported, %d healed, %d held, %d failed",
			o.Downloaded, o.Imported, o.Healed, o.Held, o.Failed))
	}
}

// statuses are the CartRover statuses the orders task lists: new, and error when held orders are
// put on error in CartRover (so the next run still retries them).
func (m *orderManager) statuses() []string {
	if m.in.Settings.HoldInCartRover {
		return []string{"new", "error"}
	}
	return []string{"new"}
}

// runOrders is Order Send.
func (m *orderManager) runOrders(ctx workflow.Context) error {
	if m.summary.Orders == nil {
		m.summary.Orders = &OrdersSummary{}
	}
	if len(m.in.CustRefs) > 0 {
		var page activities.OrderPage
		if err := workflow.ExecuteActivity(crListOptions(ctx), orderActs.GetOrders, activities.GetOrdersInput{CustRefs: m.in.CustRefs}).Get(ctx, &page); err != nil {
			return err
		}
		for _, ref := range page.Missing {
			m.problem(Problem{Key: ref, Reason: "CartRover has no order with this cust_ref; check the reference", Type: activities.ErrTypeOrderNotFound})
			m.summary.Orders.Failed++
		}
		return m.importPage(ctx, page.Orders)
	}
	limit := m.in.Settings.DownloadLimit
	if limit <= 0 {
		limit = settings.DefaultDownloadLimit
	}
	pageSize := min(OrderPageSize, limit)
	statuses := m.statuses()
	if m.carry.NextPage == 0 {
		m.carry.NextPage = 1
	}
	for ; m.carry.StatusIndex < len(statuses); m.carry.StatusIndex, m.carry.NextPage, m.carry.StuckInStatus = m.carry.StatusIndex+1, 1, 0 {
		status := statuses[m.carry.StatusIndex]
		for m.summary.Orders.Downloaded < limit {
			var page activities.OrderPage
			in := activities.ListOrdersInput{Status: status, Page: m.carry.NextPage, Limit: pageSize}
			if err := workflow.ExecuteActivity(crListOptions(ctx), orderActs.ListOrders, in).Get(ctx, &page); err != nil {
				return err
			}
			var fresh []activities.Order
			for _, o := range page.Orders {
				if !m.stuck[o.CustRef] && len(fresh) < limit-m.summary.Orders.Downloaded {
					fresh = append(fresh, o)
				}
			}
			if len(fresh) == 0 {
				if !page.Full {
					break
				}
				m.carry.NextPage++ // a whole page of orders this run already handled: look further
				continue
			}
			if err := m.importPage(ctx, fresh); err != nil {
				return err
			}
			if !page.Full {
				break
			}
			// Imported orders left the list; the ones that stayed (held, failed) still fill the
			// first pages. Skip whole pages of them; the stuck set skips the rest.
			m.carry.NextPage = max(1, m.carry.StuckInStatus/pageSize+1)
			if workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
				return m.continueAsNew(ctx)
			}
		}
	}
	return nil
}

func (m *orderManager) continueAsNew(ctx workflow.Context) error {
	m.summary.Continuations++
	m.carry.Summary = m.summary
	m.carry.Stuck = workflow.DeterministicKeys(m.stuck)
	next := m.in
	c := m.carry
	next.Carry = &c
	m.logger.Info("Continuing as new", "Downloaded", m.summary.Orders.Downloaded, "NextPage", c.NextPage)
	return workflow.NewContinueAsNewError(ctx, OrderManagerName, next)
}

// importPage starts one ImportOrder child per order, never more than the window at once, and
// waits for all of them (so the next list page sees the imported orders gone).
func (m *orderManager) importPage(ctx workflow.Context, orders []activities.Order) error {
	if err := m.loadCatalog(ctx, orders); err != nil {
		return err
	}
	sel := workflow.NewSelector(ctx)
	inFlight := 0
	for _, o := range orders {
		for inFlight >= m.window {
			sel.Select(ctx)
		}
		m.summary.Orders.Downloaded++
		fut := workflow.ExecuteChildWorkflow(m.childOptions(ctx, o), ImportOrder, m.childInput(o))
		inFlight++
		sel.AddFuture(fut, func(f workflow.Future) {
			inFlight--
			var res ImportOrderResult
			m.record(o, f.Get(ctx, &res), res)
		})
	}
	for inFlight > 0 {
		sel.Select(ctx)
	}
	m.setDetails(ctx)
	return nil
}

func (m *orderManager) childOptions(ctx workflow.Context, o activities.Order) workflow.Context {
	return workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID: ImportOrderWorkflowID(o.CustRef),
		// A new run only after a failed (held) one: an imported order is never imported twice,
		// and an order another run is importing is left to it.
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY,
		// Abandon: an order in flight finishes even if this run is terminated.
		ParentClosePolicy:        enumspb.PARENT_CLOSE_POLICY_ABANDON,
		WorkflowExecutionTimeout: 2 * time.Hour,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			CustRefKey.ValueSet(o.CustRef), OrderSourceKey.ValueSet(o.OrderSource)),
		StaticSummary: o.Label() + " → CB sales order",
	})
}

// record counts one child's outcome.
func (m *orderManager) record(o activities.Order, err error, res ImportOrderResult) {
	s := m.summary.Orders
	if err == nil {
		if res.Healed {
			s.Healed++
		} else {
			s.Imported++
		}
		return
	}
	var started *temporal.ChildWorkflowExecutionAlreadyStartedError
	if errors.As(err, &started) {
		s.Downloaded--
		s.InOtherRun++
		m.stuck[o.CustRef] = true
		return
	}
	m.stuck[o.CustRef] = true
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) && activities.IsHeldType(appErr.Type()) {
		s.Held++
		var d HeldDetails
		if appErr.HasDetails() {
			_ = appErr.Details(&d)
		}
		if !d.Flagged {
			m.carry.StuckInStatus++
		}
		m.problem(Problem{Key: o.CustRef, Reason: appErr.Message(), Type: appErr.Type()})
		return
	}
	s.Failed++
	m.carry.StuckInStatus++
	m.problem(failedProblem(o, err))
}

// failedProblem is the summary line of an order whose ImportOrder failed (not held): the step
// that failed, the activity's own words (record, operation, fault) and what happens next. Its type
// is the product's error type when the failure was classified as final (BadCredentials, …), else
// ErrTypeRetriesExhausted: a transient fault outlasted the bounded retries.
func failedProblem(o activities.Order, err error) Problem {
	p := Problem{Key: o.CustRef, Type: activities.ErrTypeRetriesExhausted}
	msg := rootMessage(err)
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		// The outermost application error is the activity's (or ImportOrder's) own message.
		msg = appErr.Message()
		if appErr.NonRetryable() {
			p.Type = appErr.Type()
		}
	}
	var timeoutErr *temporal.TimeoutError
	if errors.As(err, &timeoutErr) {
		last := msg
		msg = "timed out (" + timeoutErr.TimeoutType().String() + ")"
		if appErr != nil {
			msg += "; last error: " + last
		}
	}
	var actErr *temporal.ActivityError
	if errors.As(err, &actErr) && actErr.ActivityType() != nil {
		msg = actErr.ActivityType().GetName() + ": " + msg
	}
	p.Reason = o.Label() + ": " + msg
	if p.Type == activities.ErrTypeRetriesExhausted {
		p.Reason += " (still failing after the retries; the order stays in CartRover and the next run retries it)"
	}
	return p
}

// rootMessage is the innermost error's message (the activity's own words, not the wrappers').
func rootMessage(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}

func (m *orderManager) problem(p Problem) {
	ps := m.summary.Orders.Problems
	if len(ps) < MaxProblems {
		m.summary.Orders.Problems = append(ps, p)
		return
	}
	// The list is full. A failure is rarer and more urgent than a held order (held orders repeat on
	// every run until the settings are fixed), so it takes the place of the newest held one.
	if activities.IsHeldType(p.Type) {
		return
	}
	for i := len(ps) - 1; i >= 0; i-- {
		if activities.IsHeldType(ps[i].Type) {
			ps[i] = p
			return
		}
	}
}

// loadCatalog looks up, once per run, what the page's orders need from CB and is not cached yet.
func (m *orderManager) loadCatalog(ctx workflow.Context, orders []activities.Order) error {
	var in activities.CatalogInput
	names := map[string]bool{}
	pairs := map[string]bool{}
	for _, o := range orders {
		r := m.in.Settings.Resolve(o.OrderSource)
		for _, l := range o.Items {
			name, _ := r.ItemName(l.SKU)
			if _, cached := m.items[name]; !cached && !names[name] {
				names[name] = true
				in.ItemNames = append(in.ItemNames, name)
			}
		}
		key := r.BusinessType + "|" + connectedbusiness.CountryCode(o.ShipTo.Country)
		if _, cached := m.templates[key]; !cached && !pairs[key] && (r.CustomerClassTemplate == "" || r.ShipToClassTemplate == "") {
			pairs[key] = true
			in.Templates = append(in.Templates, activities.TemplateChoice{BusinessType: r.BusinessType, Country: connectedbusiness.CountryCode(o.ShipTo.Country)})
		}
	}
	in.ReferenceLists = !m.listsRead
	if len(in.ItemNames) == 0 && len(in.Templates) == 0 && !in.ReferenceLists {
		return nil
	}
	sort.Strings(in.ItemNames)
	var cat activities.Catalog
	if err := workflow.ExecuteActivity(cbCatalogOptions(ctx), orderActs.LoadCatalog, in).Get(ctx, &cat); err != nil {
		return err
	}
	for _, name := range in.ItemNames {
		m.items[name] = nil
	}
	for i := range cat.Items {
		it := cat.Items[i]
		m.items[it.Name] = &it
	}
	if cat.ReferenceListsOK {
		m.listsRead, m.methods, m.terms = true, cat.ShippingMethods, cat.PaymentTerms
	}
	for _, tc := range cat.Templates {
		m.templates[tc.BusinessType+"|"+tc.Country] = tc
	}
	return nil
}

// childInput builds one child's input from the settings and the run's caches.
func (m *orderManager) childInput(o activities.Order) ImportOrderInput {
	r := m.in.Settings.Resolve(o.OrderSource)
	skus := make([]string, 0, len(o.Items))
	for _, l := range o.Items {
		skus = append(skus, l.SKU)
	}
	return ImportOrderInput{Order: o, Settings: r.ForSKUs(skus), Catalog: m.catalogFor(o, r), FlagHeld: m.in.Settings.HoldInCartRover}
}

// runPickup runs one pickup task as a child workflow and stores its summary.
func (m *orderManager) runPickup(ctx workflow.Context, task Task) error {
	// By function reference: the SDK checks the input against the function, and the type it
	// records is the registered name (each workflow is registered under its function's name).
	child := map[Task]any{TaskShipments: ShipmentPickup, TaskInventory: InventorySync, TaskProducts: ProductSync}[task]
	ctx = workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:    workflow.GetInfo(ctx).WorkflowExecution.ID + "/" + string(task),
		StaticSummary: "CartRover " + string(task) + " pickup",
	})
	fut := workflow.ExecuteChildWorkflow(ctx, child, PickupInput{Settings: m.in.Settings})
	var err error
	switch task {
	case TaskShipments:
		var s ShipmentsSummary
		err = fut.Get(ctx, &s)
		m.summary.Shipments = &s
	case TaskInventory:
		var s InventorySummary
		err = fut.Get(ctx, &s)
		m.summary.Inventory = &s
	case TaskProducts:
		var s ProductsSummary
		err = fut.Get(ctx, &s)
		m.summary.Products = &s
	}
	if err != nil {
		return fmt.Errorf("%s pickup: %w", task, err)
	}
	return nil
}

// cbCatalogOptions: the per-page CB lookups. Many reads: each attempt resumes from the previous
// one's heartbeat, so more attempts with a short cap make steady progress under a flaky CB.
func cbCatalogOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 5 * time.Minute,
		HeartbeatTimeout:    time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Second, MaximumAttempts: 20,
		},
	})
}

// crListOptions: CartRover list/get calls (paced by the CartRover client).
func crListOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 2 * time.Minute,
		HeartbeatTimeout:    time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute, MaximumAttempts: 12,
		},
	})
}
