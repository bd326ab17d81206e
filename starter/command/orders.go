package command

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/cartrover-cb/ordermanager/activities"
	"github.com/cartrover-cb/ordermanager/workflows"
)

// OrderView is one CartRover order as Temporal sees it: its Order workflow (or the previous
// release's ImportOrder) and search attributes.
type OrderView struct {
	CustRef string `json:"cust_ref"`
	Source  string `json:"order_source,omitempty"`
	Outcome string `json:"outcome"`
	// Stage is the Order workflow's OrderStage (held, in_cb, at_wms, …; empty for ImportOrder runs).
	Stage  string `json:"stage,omitempty"`
	Reason string `json:"reason,omitempty"`
	// ReasonType is the error type of a held or failed order (e.g. UnmappedShipCode).
	ReasonType string    `json:"reason_type,omitempty"`
	SalesOrder string    `json:"cb_sales_order,omitempty"`
	Status     string    `json:"status"`
	Started    time.Time `json:"started"`
	WorkflowID string    `json:"workflow_id"`
	RunID      string    `json:"run_id"`
	Link       string    `json:"link,omitempty"`
	// Story is the Order workflow's story (received, SO code, shipments and tracking, done or
	// canceled), oldest first; only `orders show` reads it.
	Story []string `json:"story,omitempty"`
}

// OrdersFilter selects orders for ListOrders.
type OrdersFilter struct {
	// Outcome is imported, held or failed ("" = any).
	Outcome string
	// Stage is an OrderStage (held, in_cb, at_wms, …; "" = any); only Order workflows have one.
	Stage string
	// Source is the CartRover order_source ("" = any).
	Source string
	// Since keeps orders whose workflow started after it (zero = any time).
	Since time.Time
	// Limit caps the result (0 = 100).
	Limit int
}

// OrdersQuery is the visibility query of a filter.
func OrdersQuery(f OrdersFilter) string {
	q := []string{fmt.Sprintf("WorkflowType IN ('%s', '%s')", workflows.ImportOrderName, workflows.OrderName)}
	if f.Stage != "" {
		q = append(q, fmt.Sprintf("%s = '%s'", workflows.SAOrderStage, quote(f.Stage)))
	}
	if f.Outcome != "" {
		q = append(q, fmt.Sprintf("%s = '%s'", workflows.SAImportOutcome, quote(f.Outcome)))
	}
	if f.Source != "" {
		q = append(q, fmt.Sprintf("%s = '%s'", workflows.SAOrderSource, quote(f.Source)))
	}
	if !f.Since.IsZero() {
		q = append(q, fmt.Sprintf("StartTime > '%s'", f.Since.UTC().Format(time.RFC3339)))
	}
	return strings.Join(q, " AND ")
}

func quote(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `'`, `\'`) }

// ListOrders lists CartRover orders from visibility, newest first, one row per order (its newest
// ImportOrder run), with the reason of the held and failed ones. With an outcome filter, an order
// whose newest run has moved on (e.g. held, then imported after a fix) is left out.
func ListOrders(ctx context.Context, c client.Client, ui, namespace string, f OrdersFilter) ([]OrderView, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	v := viewer{c: c, ui: ui, namespace: namespace}
	var infos []*workflowpb.WorkflowExecutionInfo
	seen := map[string]int{} // workflow ID → index in infos
	var token []byte
	for len(infos) < f.Limit {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Query: OrdersQuery(f), NextPageToken: token, PageSize: int32(min(f.Limit, 100)),
		})
		if err != nil {
			return nil, fmt.Errorf("list orders (%s): %w; has `starter setup` registered the search attributes?", OrdersQuery(f), err)
		}
		for _, e := range resp.GetExecutions() {
			wid := e.GetExecution().GetWorkflowId()
			if i, ok := seen[wid]; ok {
				if e.GetStartTime().AsTime().After(infos[i].GetStartTime().AsTime()) {
					infos[i] = e
				}
				continue
			}
			if len(infos) == f.Limit {
				break
			}
			seen[wid] = len(infos)
			infos = append(infos, e)
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			break
		}
	}
	sort.SliceStable(infos, func(i, j int) bool {
		return infos[i].GetStartTime().AsTime().After(infos[j].GetStartTime().AsTime())
	})
	out := []OrderView{}
	for _, e := range infos {
		if f.Outcome != "" {
			d, err := c.DescribeWorkflowExecution(ctx, e.GetExecution().GetWorkflowId(), "")
			if err == nil && d.GetWorkflowExecutionInfo().GetExecution().GetRunId() != e.GetExecution().GetRunId() {
				continue // a newer run of this order exists: its outcome is not f.Outcome any more
			}
		}
		out = append(out, v.order(ctx, e))
	}
	return out, nil
}

// ShowOrder describes the latest ImportOrder workflow of one CartRover order.
func ShowOrder(ctx context.Context, c client.Client, ui, namespace, custRef string) (OrderView, error) {
	wid := workflows.OrderWorkflowID(custRef)
	d, err := c.DescribeWorkflowExecution(ctx, wid, "")
	if err != nil {
		if isNotFound(err) {
			return OrderView{}, fmt.Errorf("order %q has no import workflow (%s): check the cust_ref, or list orders with `starter orders list`; it may not have been downloaded yet", custRef, wid)
		}
		return OrderView{}, fmt.Errorf("describe order %s: %w", custRef, err)
	}
	info := d.GetWorkflowExecutionInfo()
	o := viewer{c: c, ui: ui, namespace: namespace}.order(ctx, info)
	if info.GetType().GetName() == workflows.OrderName {
		// Best effort: a closed workflow answers the query only while a worker polls its queue.
		if v, err := c.QueryWorkflow(ctx, wid, o.RunID, activities.OrderQuery); err == nil {
			var st workflows.OrderState
			if v.Get(&st) == nil {
				o.Story = st.Story
			}
		}
	}
	return o, nil
}

func (v viewer) order(ctx context.Context, e *workflowpb.WorkflowExecutionInfo) OrderView {
	sa := e.GetSearchAttributes().GetIndexedFields()
	o := OrderView{
		CustRef:    keyword(sa, workflows.SACustRef),
		Source:     keyword(sa, workflows.SAOrderSource),
		Outcome:    keyword(sa, workflows.SAImportOutcome),
		Stage:      keyword(sa, workflows.SAOrderStage),
		SalesOrder: keyword(sa, workflows.SASalesOrderCode),
		Status:     statusName(e.GetStatus()),
		WorkflowID: e.GetExecution().GetWorkflowId(),
		RunID:      e.GetExecution().GetRunId(),
	}
	o.Link = v.link(o.WorkflowID, o.RunID)
	if e.GetStartTime() != nil {
		o.Started = e.GetStartTime().AsTime()
	}
	if o.CustRef == "" {
		o.CustRef = strings.TrimPrefix(o.WorkflowID, workflows.ImportOrderWorkflowID(""))
	}
	switch e.GetStatus() {
	case enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING:
		if o.Outcome == "" {
			o.Outcome = "in progress"
		}
		if e.GetType().GetName() == workflows.OrderName && (o.Stage == activities.StageHeld || o.Stage == activities.StageFailed) {
			// A held or failed order waits, open: its reason is in its state.
			if v, err := v.c.QueryWorkflow(ctx, o.WorkflowID, o.RunID, activities.OrderQuery); err == nil {
				var st workflows.OrderState
				if v.Get(&st) == nil && st.Reason != nil {
					o.Reason, o.ReasonType = st.Reason.Reason, st.Reason.Type
				}
			}
		}
	case enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED:
	default:
		if err := v.c.GetWorkflow(ctx, o.WorkflowID, o.RunID).Get(ctx, nil); err != nil {
			o.Reason = rootMessage(err)
			var app *temporal.ApplicationError
			if errors.As(err, &app) {
				o.ReasonType = app.Type()
			}
		}
		if o.Outcome == "" {
			o.Outcome = workflows.OutcomeFailed
		}
	}
	return o
}

// keyword decodes one Keyword search attribute ("" when absent).
func keyword(sa map[string]*commonpb.Payload, name string) string {
	p, ok := sa[name]
	if !ok {
		return ""
	}
	var s string
	if converter.GetDefaultDataConverter().FromPayload(p, &s) == nil {
		return s
	}
	var list []string
	if converter.GetDefaultDataConverter().FromPayload(p, &list) == nil && len(list) > 0 {
		return list[0]
	}
	return ""
}

// RetryOrder starts an OrderManager run for one order with the settings of a schedule (or the
// given input's settings when in is not nil). It returns the started run.
func RetryOrder(ctx context.Context, c client.Client, taskQueue, custRef, workflowID string, in workflows.OrderManagerInput) (client.WorkflowRun, error) {
	in.Tasks = []workflows.Task{workflows.TaskOrders}
	in.CustRefs = []string{custRef}
	in.Carry = nil
	return StartRun(ctx, c, workflowID, taskQueue, in)
}

// ScheduleInput returns the OrderManager input a schedule carries (its settings). With id "" it
// uses the first schedule, by ID, whose runs import orders.
func ScheduleInput(ctx context.Context, c client.Client, id string) (string, workflows.OrderManagerInput, error) {
	ids := []string{id}
	if id == "" {
		entries, err := ListScheduleEntries(ctx, c.ScheduleClient())
		if err != nil {
			return "", workflows.OrderManagerInput{}, err
		}
		ids = ids[:0]
		for _, e := range entries {
			ids = append(ids, e.ID)
		}
	}
	for _, sid := range ids {
		d, err := c.ScheduleClient().GetHandle(ctx, sid).Describe(ctx)
		if err != nil {
			return sid, workflows.OrderManagerInput{}, fmt.Errorf("read the settings of schedule %s: %w", sid, notFound(sid, err))
		}
		a := describeAction(*d)
		if a.Input == nil {
			if id != "" {
				return sid, workflows.OrderManagerInput{}, fmt.Errorf("schedule %s does not start %s with readable settings: give --settings FILE", sid, workflows.OrderManagerName)
			}
			continue
		}
		if id != "" || slices.Contains(a.Tasks, workflows.TaskOrders) {
			return sid, *a.Input, nil
		}
	}
	return "", workflows.OrderManagerInput{}, usageErrorf("no schedule imports orders to take the settings from: give --schedule ID or --settings FILE")
}

func ordersCommand(env *Env) *cli.Command {
	return &cli.Command{
		Name:  "orders",
		Usage: "find CartRover orders by outcome, source or cust_ref, and retry one",
		Subcommands: []*cli.Command{
			{
				Name: "list", Usage: "list orders from visibility, newest first",
				Description: "EXAMPLES:\n   starter orders list --outcome held --since 24h",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "outcome", Usage: "held, failed or imported"},
					&cli.StringFlag{Name: "stage", Usage: "an order stage: held, in_cb, at_wms, partial, done, canceled, failed (OrderStage)"},
					&cli.StringFlag{Name: "source", Usage: "CartRover order_source (cart)"},
					&cli.DurationFlag{Name: "since", Usage: "only orders whose import started within this long (e.g. 24h)"},
					&cli.IntFlag{Name: "limit", Value: 100, Usage: "at most this many orders"},
				},
				Action: func(c *cli.Context) error {
					f := OrdersFilter{Outcome: strings.ToLower(c.String("outcome")), Stage: strings.ToLower(c.String("stage")), Source: c.String("source"), Limit: c.Int("limit")}
					switch f.Outcome {
					case "", workflows.OutcomeHeld, workflows.OutcomeFailed, workflows.OutcomeImported:
					default:
						return usageErrorf("orders list: unknown --outcome %q: use held, failed or imported", f.Outcome)
					}
					if d := c.Duration("since"); d > 0 {
						f.Since = env.now().Add(-d)
					}
					return withClient(env, c, func(cl client.Client) error {
						orders, err := ListOrders(c.Context, cl, c.String(flagUIURL), c.String(flagNamespace), f)
						if err != nil {
							return err
						}
						return emit(c, env.stdout(), orders, func(w io.Writer) {
							if len(orders) == 0 {
								fmt.Fprintln(w, "no orders match")
								return
							}
							tw := newTable(w, "CUST_REF", "SOURCE", "STAGE", "OUTCOME", "CB ORDER", "STARTED", "REASON")
							for _, o := range orders {
								row(tw, o.CustRef, dash(o.Source), dash(o.Stage), o.Outcome, dash(o.SalesOrder), timeText(o.Started), dash(firstLine(o.Reason)))
							}
							_ = tw.Flush()
						})
					})
				},
			},
			{
				Name: "show", Usage: "one order: outcome, reason, CB sales order and a link to its run in the Web UI", ArgsUsage: "CUST_REF",
				Action: func(c *cli.Context) error {
					ref, err := oneArg(c, "CartRover cust_ref")
					if err != nil {
						return err
					}
					return withClient(env, c, func(cl client.Client) error {
						o, err := ShowOrder(c.Context, cl, c.String(flagUIURL), c.String(flagNamespace), ref)
						if err != nil {
							return err
						}
						return emit(c, env.stdout(), o, func(w io.Writer) {
							tw := newTable(w, "ORDER", o.CustRef)
							row(tw, "source", dash(o.Source))
							row(tw, "stage", dash(o.Stage))
							row(tw, "outcome", o.Outcome)
							row(tw, "reason", dash(o.Reason))
							row(tw, "reason type", dash(o.ReasonType))
							row(tw, "CB sales order", dash(o.SalesOrder))
							row(tw, "workflow", o.WorkflowID+" ("+o.Status+")")
							row(tw, "started", timeText(o.Started))
							row(tw, "web UI", dash(o.Link))
							label := "story"
							for _, line := range o.Story {
								row(tw, label, line)
								label = ""
							}
							_ = tw.Flush()
						})
					})
				},
			},
			{
				Name: "retry", Usage: "check one order again now (after fixing its settings) and wait for the outcome; exit 0 only when imported", ArgsUsage: "CUST_REF",
				Description: "EXAMPLES:\n   starter orders retry WC5004 --wait",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "schedule", Usage: "take the settings from this schedule (default: the only or first schedule)"},
					&cli.StringFlag{Name: "settings", Usage: "take the settings from this file instead"},
					&cli.BoolFlag{Name: "wait", Usage: "kept for scripts: retry always waits for the outcome (exit 0 only when imported)"},
				},
				Action: func(c *cli.Context) error {
					ref, err := oneArg(c, "CartRover cust_ref")
					if err != nil {
						return err
					}
					if c.IsSet("schedule") && c.IsSet("settings") {
						return usageErrorf("orders retry: give --schedule or --settings, not both")
					}
					var in workflows.OrderManagerInput
					if c.IsSet("settings") {
						if in.Settings, err = loadSettings(c.String("settings")); err != nil {
							return err
						}
					}
					return withClient(env, c, func(cl client.Client) error {
						if !c.IsSet("settings") {
							if _, in, err = ScheduleInput(c.Context, cl, c.String("schedule")); err != nil {
								return err
							}
						}
						wid := env.runID("ordermanager:retry:" + ref + ":")
						run, err := RetryOrder(c.Context, cl, c.String(flagTaskQueue), ref, wid, in)
						if err != nil {
							return err
						}
						v := viewer{ui: c.String(flagUIURL), namespace: c.String(flagNamespace)}
						res := RunResult{WorkflowID: run.GetID(), RunID: run.GetRunID(), Link: v.link(run.GetID(), run.GetRunID())}
						// The run hands the order to its Order workflow with the retry Update, which answers
						// after the import attempt: wait for it whatever --wait says.
						var s workflows.RunSummary
						if err := run.Get(c.Context, &s); err != nil {
							return fmt.Errorf("retry of order %s failed: %s (open %s)", ref, rootMessage(err), res.Link)
						}
						res.Summary = &s
						outcome, reason := retryOutcome(&s, ref)
						if err := emit(c, env.stdout(), res, func(w io.Writer) {
							fmt.Fprintf(w, "retried order %s in run %s: %s\n%s\n", ref, res.WorkflowID, outcome, res.Link)
							fmt.Fprintf(w, "%s\n", FormatSummary(res.Summary))
							printProblems(w, res.Summary)
						}); err != nil {
							return err
						}
						if outcome != "imported" {
							return fmt.Errorf("order %s was not imported: %s%s", ref, outcome, reason)
						}
						return nil
					})
				},
			},
		},
	}
}

// retryOutcome reads a retry run's answer for one order: "imported" when its Order workflow put it
// in CB, else its stage and reason.
func retryOutcome(s *workflows.RunSummary, ref string) (string, string) {
	if s.Orders == nil {
		return "unknown", ""
	}
	for _, r := range s.Orders.Retried {
		if r.CustRef != ref {
			continue
		}
		reason := ""
		if r.Reason != nil {
			reason = ": " + r.Reason.Reason
		}
		switch {
		case r.Outcome == activities.OutcomeInCB:
			return "imported", ""
		case r.Stage != "":
			return r.Stage, reason
		default:
			return r.Outcome, reason
		}
	}
	for _, p := range s.Orders.Problems {
		if p.Key == ref {
			return "not found", ": " + p.Reason
		}
	}
	return "not found in CartRover", ""
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
