package command

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/cartrover-cb/ordermanager/workflows"
)

// RunView is one OrderManager run with its figures.
type RunView struct {
	WorkflowID string `json:"workflow_id"`
	RunID      string `json:"run_id,omitempty"`
	// Schedule is the schedule that started it ("" for one-off runs).
	Schedule string    `json:"schedule,omitempty"`
	Started  time.Time `json:"started"`
	// Status is Running, Completed, Failed, Canceled, Terminated, TimedOut or ContinuedAsNew.
	Status  string                `json:"status"`
	Summary *workflows.RunSummary `json:"summary,omitempty"`
	// Error is the failure message of a failed run.
	Error string `json:"error,omitempty"`
	// Link opens the run in the Temporal Web UI.
	Link string `json:"link,omitempty"`
}

// ScheduleView is a described schedule: the job plan and how it has been doing.
type ScheduleView struct {
	ID             string           `json:"id"`
	Description    string           `json:"description,omitempty"`
	Note           string           `json:"note,omitempty"`
	Paused         bool             `json:"paused"`
	Trigger        string           `json:"trigger"`
	Workflow       string           `json:"workflow"`
	Tasks          []workflows.Task `json:"tasks"`
	MaxInFlight    int              `json:"max_in_flight,omitempty"`
	SettingsDigest string           `json:"settings_digest"`
	TaskQueue      string           `json:"task_queue"`
	Overlap        string           `json:"overlap"`
	CatchupWindow  string           `json:"catchup_window,omitempty"`
	Jitter         string           `json:"jitter,omitempty"`
	PauseOnFailure bool             `json:"pause_on_failure"`
	RunTimeout     string           `json:"run_timeout,omitempty"`
	Actions        int              `json:"actions"`
	Skipped        int              `json:"skipped_overlap"`
	Missed         int              `json:"missed_catchup_window"`
	NextRuns       []time.Time      `json:"next_runs"`
	RecentRuns     []RunView        `json:"recent_runs"`
	Running        []RunView        `json:"running"`
	CreatedAt      time.Time        `json:"created_at"`
	UpdatedAt      time.Time        `json:"updated_at,omitzero"`
}

// viewer turns schedules and workflows into views; ui and namespace build Web UI links.
type viewer struct {
	c         client.Client
	ui        string
	namespace string
}

func (v viewer) link(wid, rid string) string {
	if v.ui == "" {
		return ""
	}
	l := fmt.Sprintf("%s/namespaces/%s/workflows/%s", strings.TrimRight(v.ui, "/"), v.namespace, wid)
	if rid != "" {
		l += "/" + rid
	}
	return l + "/history"
}

// DescribeSchedule describes one schedule with the figures of its recent runs (at most recent).
func (v viewer) DescribeSchedule(ctx context.Context, id string, recent int) (ScheduleView, error) {
	d, err := v.c.ScheduleClient().GetHandle(ctx, id).Describe(ctx)
	if err != nil {
		return ScheduleView{}, fmt.Errorf("describe schedule %s: %w", id, notFound(id, err))
	}
	a := describeAction(*d)
	sv := ScheduleView{
		ID: id, Description: a.Description, Trigger: a.Trigger, Workflow: a.Workflow,
		Tasks: a.Tasks, MaxInFlight: a.MaxInFlight, SettingsDigest: a.SettingsDigest,
		TaskQueue: a.TaskQueue, RunTimeout: durationText(a.RunTimeout),
		Actions: d.Info.NumActions, Skipped: d.Info.NumActionsSkippedOverlap,
		Missed: d.Info.NumActionsMissedCatchupWindow, NextRuns: d.Info.NextActionTimes,
		CreatedAt: d.Info.CreatedAt, UpdatedAt: d.Info.LastUpdateAt,
		RecentRuns: []RunView{}, Running: []RunView{},
	}
	if sv.UpdatedAt.Unix() <= 0 { // never updated: the API says 1970
		sv.UpdatedAt = time.Time{}
	}
	if sv.CreatedAt.Unix() <= 0 {
		sv.CreatedAt = time.Time{}
	}
	if st := d.Schedule.State; st != nil {
		sv.Paused, sv.Note = st.Paused, st.Note
	}
	if p := d.Schedule.Policy; p != nil {
		sv.Overlap, sv.CatchupWindow, sv.PauseOnFailure = overlapName(p.Overlap), durationText(p.CatchupWindow), p.PauseOnFailure
	}
	if s := d.Schedule.Spec; s != nil {
		sv.Jitter = durationText(s.Jitter)
		if sv.Trigger == "" { // created by another tool: say what we can
			sv.Trigger = fmt.Sprintf("%d interval(s), %d calendar(s)", len(s.Intervals), len(s.Calendars))
		}
	}
	if len(sv.NextRuns) > 3 {
		sv.NextRuns = sv.NextRuns[:3]
	}
	acts := d.Info.RecentActions
	if recent >= 0 && len(acts) > recent {
		acts = acts[len(acts)-recent:]
	}
	// Newest first.
	for i := len(acts) - 1; i >= 0; i-- {
		r := acts[i].StartWorkflowResult
		if r == nil {
			continue
		}
		rv := v.run(ctx, r.WorkflowID, acts[i].ActualTime)
		rv.Schedule = id
		sv.RecentRuns = append(sv.RecentRuns, rv)
	}
	for _, r := range d.Info.RunningWorkflows {
		sv.Running = append(sv.Running, RunView{WorkflowID: r.WorkflowID, RunID: r.FirstExecutionRunID, Schedule: id, Status: "Running", Link: v.link(r.WorkflowID, "")})
	}
	return sv, nil
}

// run describes the latest run of a workflow ID (following continue-as-new) with its result.
func (v viewer) run(ctx context.Context, wid string, started time.Time) RunView {
	rv := RunView{WorkflowID: wid, Started: started, Link: v.link(wid, "")}
	desc, err := v.c.DescribeWorkflowExecution(ctx, wid, "")
	if err != nil {
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			rv.Status = "Gone"
		} else {
			rv.Status, rv.Error = "Unknown", err.Error()
		}
		return rv
	}
	info := desc.GetWorkflowExecutionInfo()
	rv.RunID = info.GetExecution().GetRunId()
	rv.Status = statusName(info.GetStatus())
	if rv.Started.IsZero() && info.GetStartTime() != nil {
		rv.Started = info.GetStartTime().AsTime()
	}
	switch info.GetStatus() {
	case enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED:
		var s workflows.RunSummary
		if err := v.c.GetWorkflow(ctx, wid, rv.RunID).Get(ctx, &s); err == nil {
			rv.Summary = &s
		} else {
			rv.Error = err.Error()
		}
	case enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING:
		rv.Summary = v.progress(ctx, wid)
	default:
		if err := v.c.GetWorkflow(ctx, wid, rv.RunID).Get(ctx, nil); err != nil {
			rv.Error = rootMessage(err)
		}
	}
	return rv
}

// progress asks a running OrderManager for its figures so far; nil when no worker answers soon.
func (v viewer) progress(ctx context.Context, wid string) *workflows.RunSummary {
	qctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	val, err := v.c.QueryWorkflow(qctx, wid, "", workflows.ProgressQuery)
	if err != nil {
		return nil
	}
	var s workflows.RunSummary
	if val.Get(&s) != nil {
		return nil
	}
	return &s
}

// rootMessage is the innermost error message: the workflow's own words, not the wrapping.
func rootMessage(err error) string {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return app.Message()
	}
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}

func statusName(s enumspb.WorkflowExecutionStatus) string {
	name := strings.TrimPrefix(s.String(), "WORKFLOW_EXECUTION_STATUS_")
	switch name {
	case "CONTINUED_AS_NEW":
		return "ContinuedAsNew"
	case "TIMED_OUT":
		return "TimedOut"
	}
	if name == "" {
		return "Unknown"
	}
	return name[:1] + strings.ToLower(name[1:])
}

// ListScheduleEntries returns every schedule, sorted by ID.
func ListScheduleEntries(ctx context.Context, sc client.ScheduleClient) ([]*client.ScheduleListEntry, error) {
	it, err := sc.List(ctx, client.ScheduleListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list schedules: %w", err)
	}
	var out []*client.ScheduleListEntry
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("list schedules: %w", err)
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// FormatSummary renders a run summary as one line of figures.
func FormatSummary(s *workflows.RunSummary) string {
	if s == nil {
		return ""
	}
	var parts []string
	if o := s.Orders; o != nil && o.Dispatch != nil {
		// A dispatching run hands orders to their Order workflows and does not wait for them:
		// what it found is its figures; each order's fate is its OrderStage.
		d := o.Dispatch
		parts = append(parts, fmt.Sprintf("orders: %d listed, %d dispatched (%d new, %d new held, %d already held, %d rechecked, %d importing, %d already in CB, %d quarantined, %d skipped)",
			d.Listed, d.Dispatched, d.New, d.NewHeld, d.AlreadyHeld, d.Rechecked, d.Importing, d.AlreadyInCB, d.Quarantined, d.Skipped))
		if d.Waiting > 0 {
			parts = append(parts, fmt.Sprintf("%d orders waiting on a system that does not answer (they import once it does)", d.Waiting))
		}
	} else if o != nil {
		parts = append(parts, fmt.Sprintf("orders: %d downloaded, %d imported, %d healed, %d held, %d failed", o.Downloaded, o.Imported, o.Healed, o.Held, o.Failed))
	}
	if sh := s.Shipments; sh != nil {
		parts = append(parts, fmt.Sprintf("shipments: %d checked, %d boxes posted, %d shipped, %d partial, %d failed", sh.OrdersChecked, sh.BoxesPosted, sh.OrdersShipped, sh.OrdersPartial, sh.Failed))
	}
	if in := s.Inventory; in != nil {
		parts = append(parts, fmt.Sprintf("inventory: %d items, %d posted, %d failed", in.Items, in.Posted, in.Failed))
	}
	if p := s.Products; p != nil {
		parts = append(parts, fmt.Sprintf("products: %d items, %d posted, %d failed", p.Items, p.Posted, p.Failed))
	}
	for _, u := range s.Unreachable {
		parts = append(parts, fmt.Sprintf("%s unreachable since %s", u.System, u.Since.UTC().Format(time.RFC3339)))
	}
	if len(parts) == 0 {
		return fmt.Sprintf("tasks %s: no figures", joinTasks(s.Tasks))
	}
	if s.Continuations > 0 {
		parts = append(parts, fmt.Sprintf("%d continuations", s.Continuations))
	}
	return strings.Join(parts, "; ")
}
