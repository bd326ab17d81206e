package command

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/cartrover-cb/ordermanager/settings"
	"github.com/cartrover-cb/ordermanager/workflows"
)

// Memo keys on the schedule's workflow action. The schedule's own memo cannot be changed by an
// update, so the description and the settings digest live on the action: every run inherits them,
// and the Web UI shows them on each run.
const (
	// MemoDescription holds the job plan's description (--note).
	MemoDescription = "description"
	// MemoSettingsDigest holds SettingsDigest of the settings the runs carry.
	MemoSettingsDigest = "settings_digest"
	// MemoTrigger holds the trigger as the operator wrote it (Trigger.String).
	MemoTrigger = "trigger"
)

// ScheduleWorkflowIDPrefix is the workflow ID prefix of the runs a schedule starts (the server
// appends the scheduled time).
func ScheduleWorkflowIDPrefix(scheduleID string) string { return "ordermanager:" + scheduleID }

// SettingsDigest is the sha256 of the settings' canonical JSON (struct order, sorted map keys):
// two schedules with equal digests run with the same mapping.
func SettingsDigest(s settings.Settings) string {
	b, err := json.Marshal(s)
	if err != nil {
		// Settings holds only strings, numbers, bools, slices and maps: Marshal cannot fail.
		panic(fmt.Sprintf("marshal settings: %v", err))
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// ScheduleConfig is everything `schedule apply` sets on one schedule.
type ScheduleConfig struct {
	// ID is the schedule ID (the job plan's name).
	ID string
	// Description is the job plan's description (memo, and the note on create).
	Description string
	// Settings is the validated connector settings carried in every run's input.
	Settings settings.Settings
	// Tasks are what each run does.
	Tasks []workflows.Task
	// MaxInFlight bounds ImportOrder children per run (0 = the workflow's default).
	MaxInFlight int
	// Trigger is when it runs.
	Trigger Trigger
	// Paused means "not yet approved" on create. An update never changes the schedule's state:
	// approving and pausing are `approve` and `pause`, so re-applying from a deploy job that always
	// passes --paused cannot withdraw an approval.
	Paused bool
	// Overlap is skip or buffer-one.
	Overlap enumspb.ScheduleOverlapPolicy
	// CatchupWindow is how late a missed run may still start after an outage.
	CatchupWindow time.Duration
	// Jitter delays each run by a random amount up to this.
	Jitter time.Duration
	// PauseOnFailure pauses the schedule when a run fails.
	PauseOnFailure bool
	// RunTimeout bounds one run (0 = none).
	RunTimeout time.Duration
	// TaskQueue is the worker's task queue.
	TaskQueue string
	// Given names the properties (Given* constants) the operator set; an update keeps the others as
	// they are. Nil means every property is given.
	Given map[string]bool
}

// Input is the OrderManager input the schedule carries.
func (cfg ScheduleConfig) Input() workflows.OrderManagerInput {
	return workflows.OrderManagerInput{Settings: cfg.Settings, Tasks: cfg.Tasks, MaxInFlight: cfg.MaxInFlight}
}

func (cfg ScheduleConfig) action() *client.ScheduleWorkflowAction {
	return &client.ScheduleWorkflowAction{
		ID:                 ScheduleWorkflowIDPrefix(cfg.ID),
		Workflow:           workflows.OrderManagerName,
		Args:               []any{cfg.Input()},
		TaskQueue:          cfg.TaskQueue,
		WorkflowRunTimeout: cfg.RunTimeout,
		Memo: map[string]any{
			MemoDescription:    cfg.Description,
			MemoSettingsDigest: SettingsDigest(cfg.Settings),
			MemoTrigger:        cfg.Trigger.String(),
		},
		StaticSummary: fmt.Sprintf("%s: %s", cfg.ID, joinTasks(cfg.Tasks)),
	}
}

func joinTasks(ts []workflows.Task) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = string(t)
	}
	return strings.Join(s, ",")
}

// ApplyResult says what `schedule apply` did (or, with DryRun, would do).
type ApplyResult struct {
	ID string `json:"id"`
	// Created is true when the schedule did not exist.
	Created bool `json:"created"`
	// DryRun is true when nothing was sent: Created and Changes say what would happen.
	DryRun bool `json:"dry_run,omitempty"`
	// Changes lists "field: old → new" for an update (empty = nothing changed, nothing sent).
	Changes []string `json:"changes"`
	// Paused is the schedule's state after the apply.
	Paused bool `json:"paused"`
}

// Schedule properties an apply may be told to change (ScheduleConfig.Given); what is not given
// keeps its current value on an update.
const (
	// GivenTrigger is --every, --cron or --calendar.
	GivenTrigger = "trigger"
	// GivenJitter is --jitter.
	GivenJitter = "jitter"
	// GivenOverlap is --overlap.
	GivenOverlap = "overlap"
	// GivenCatchupWindow is --catchup-window.
	GivenCatchupWindow = "catchup-window"
	// GivenPauseOnFailure is --pause-on-failure.
	GivenPauseOnFailure = "pause-on-failure"
	// GivenRunTimeout is --run-timeout.
	GivenRunTimeout = "run-timeout"
	// GivenMaxInFlight is --max-in-flight.
	GivenMaxInFlight = "max-in-flight"
	// GivenNote is --note.
	GivenNote = "note"
	// GivenTaskQueue is --task-queue (or TASK_QUEUE).
	GivenTaskQueue = "task-queue"
)

// given reports whether the apply was told to set property p (a nil Given means all were).
func (cfg ScheduleConfig) given(p string) bool { return cfg.Given == nil || cfg.Given[p] }

// Apply creates the schedule, or updates it in place when it exists (same ID, history and recent
// runs kept; never delete and recreate). An update changes only the properties cfg.Given names
// (plus the settings and tasks, which every apply carries) and keeps the rest as they are. With
// dryRun nothing is sent: the result says what would change. The settings must already be validated.
func Apply(ctx context.Context, sc client.ScheduleClient, cfg ScheduleConfig, dryRun bool) (ApplyResult, error) {
	res := ApplyResult{ID: cfg.ID, DryRun: dryRun}
	if cfg.ID == "" {
		return res, usageErrorf("schedule apply: --id is required")
	}
	spec, err := cfg.Trigger.Spec(cfg.Jitter)
	if err != nil {
		return res, err
	}
	if dryRun {
		d, err := sc.GetHandle(ctx, cfg.ID).Describe(ctx)
		switch {
		case isNotFound(err):
			res.Created, res.Paused = true, cfg.Paused
			return res, nil
		case err != nil:
			return res, fmt.Errorf("describe schedule %s: %w", cfg.ID, err)
		}
		_, res.Changes = mergeSchedule(*d, cfg, spec)
		if d.Schedule.State != nil {
			res.Paused = d.Schedule.State.Paused
		}
		return res, nil
	}
	_, err = sc.Create(ctx, client.ScheduleOptions{
		ID:             cfg.ID,
		Spec:           spec,
		Action:         cfg.action(),
		Overlap:        cfg.Overlap,
		CatchupWindow:  cfg.CatchupWindow,
		PauseOnFailure: cfg.PauseOnFailure,
		Note:           cfg.Description,
		Paused:         cfg.Paused,
		Memo: map[string]any{
			// Informational only (set once at creation); the action memo is kept current.
			MemoDescription: cfg.Description,
		},
	})
	if err == nil {
		res.Created, res.Paused = true, cfg.Paused
		return res, nil
	}
	if !isAlreadyExists(err) {
		return res, fmt.Errorf("create schedule %s: %w", cfg.ID, err)
	}
	err = sc.GetHandle(ctx, cfg.ID).Update(ctx, client.ScheduleUpdateOptions{DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
		next, changes := mergeSchedule(in.Description, cfg, spec)
		res.Changes = changes
		if next.State != nil {
			res.Paused = next.State.Paused
		}
		if len(changes) == 0 {
			return nil, temporal.ErrSkipScheduleUpdate
		}
		return &client.ScheduleUpdate{Schedule: next}, nil
	}})
	if err != nil {
		return res, fmt.Errorf("update schedule %s: %w", cfg.ID, err)
	}
	return res, nil
}

// mergeSchedule returns the schedule d with what cfg was given applied (everything else kept), and
// every change as "field: old → new".
func mergeSchedule(d client.ScheduleDescription, cfg ScheduleConfig, spec client.ScheduleSpec) (*client.Schedule, []string) {
	cur := d.Schedule
	act := describeAction(d)
	next := cur

	// The action: settings and tasks always; the rest only when given.
	want := cfg
	if !cfg.given(GivenMaxInFlight) {
		want.MaxInFlight = act.MaxInFlight
	}
	if !cfg.given(GivenNote) {
		want.Description = act.Description
	}
	if !cfg.given(GivenRunTimeout) {
		want.RunTimeout = act.RunTimeout
	}
	if !cfg.given(GivenTaskQueue) && act.TaskQueue != "" {
		want.TaskQueue = act.TaskQueue
	}
	a := want.action()
	triggerText := cfg.Trigger.String()
	if !cfg.given(GivenTrigger) {
		triggerText = act.Trigger
	}
	a.Memo[MemoTrigger] = triggerText
	next.Action = a

	// The spec: the new trigger when given, else the current one; the jitter likewise.
	curSpec := client.ScheduleSpec{}
	if cur.Spec != nil {
		curSpec = *cur.Spec
	}
	newSpec := curSpec
	if cfg.given(GivenTrigger) {
		newSpec = spec
		newSpec.Jitter = curSpec.Jitter
	}
	if cfg.given(GivenJitter) {
		newSpec.Jitter = cfg.Jitter
	}
	next.Spec = &newSpec

	// The policies.
	curPol := client.SchedulePolicies{}
	if cur.Policy != nil {
		curPol = *cur.Policy
	}
	newPol := curPol
	if cfg.given(GivenOverlap) {
		newPol.Overlap = cfg.Overlap
	}
	if cfg.given(GivenCatchupWindow) {
		newPol.CatchupWindow = cfg.CatchupWindow
	}
	if cfg.given(GivenPauseOnFailure) {
		newPol.PauseOnFailure = cfg.PauseOnFailure
	}
	next.Policy = &newPol

	// The state: the approval never changes; the note does when given.
	state := client.ScheduleState{}
	if cur.State != nil {
		state = *cur.State
	}
	curNote := state.Note
	if cfg.given(GivenNote) && cfg.Description != "" {
		state.Note = cfg.Description
	}
	next.State = &state

	var changes []string
	add := func(field, old, new string) {
		if old != new {
			changes = append(changes, fmt.Sprintf("%s: %s → %s", field, orNone(old), orNone(new)))
		}
	}
	// The trigger as the operator wrote it (the server compiles cron into calendars, so the spec
	// it returns is not comparable with a new one); a schedule made elsewhere has no such memo.
	if act.Trigger != "" || !cfg.given(GivenTrigger) {
		add("trigger", act.Trigger, triggerText)
	} else {
		add("trigger", specText(&curSpec), triggerText)
	}
	add("jitter", durationText(curSpec.Jitter), durationText(newSpec.Jitter))
	add("tasks", joinTasks(act.Tasks), joinTasks(want.Tasks))
	add("settings digest", short(act.SettingsDigest), short(SettingsDigest(want.Settings)))
	add("max in flight", fmt.Sprint(act.MaxInFlight), fmt.Sprint(want.MaxInFlight))
	add("description", act.Description, want.Description)
	add("note", curNote, state.Note)
	add("task queue", act.TaskQueue, want.TaskQueue)
	add("run timeout", durationText(act.RunTimeout), durationText(want.RunTimeout))
	add("overlap", overlapName(curPol.Overlap), overlapName(newPol.Overlap))
	add("catchup window", durationText(curPol.CatchupWindow), durationText(newPol.CatchupWindow))
	add("pause on failure", fmt.Sprint(curPol.PauseOnFailure), fmt.Sprint(newPol.PauseOnFailure))
	return &next, changes
}

func isAlreadyExists(err error) bool {
	var ae *serviceerror.AlreadyExists
	return errors.Is(err, temporal.ErrScheduleAlreadyRunning) || errors.As(err, &ae)
}

func isNotFound(err error) bool {
	var nf *serviceerror.NotFound
	return errors.As(err, &nf)
}

// notFound rewrites a NotFound error into one that says what to do.
func notFound(id string, err error) error {
	if isNotFound(err) {
		return fmt.Errorf("schedule %q not found: list them with `starter schedule list` or create it with `starter schedule apply --id %s`", id, id)
	}
	return err
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func short(digest string) string {
	if len(digest) > 12 {
		return digest[:12]
	}
	return digest
}

func durationText(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}

// actionView is what a schedule's workflow action carries, decoded.
type actionView struct {
	Workflow       string
	TaskQueue      string
	RunTimeout     time.Duration
	Tasks          []workflows.Task
	MaxInFlight    int
	Description    string
	SettingsDigest string
	Trigger        string
	Input          *workflows.OrderManagerInput
}

// describeAction decodes the workflow action of a described schedule (its args and memo come
// back as raw payloads).
func describeAction(d client.ScheduleDescription) actionView {
	var v actionView
	a, ok := d.Schedule.Action.(*client.ScheduleWorkflowAction)
	if !ok || a == nil {
		return v
	}
	v.TaskQueue, v.RunTimeout = a.TaskQueue, a.WorkflowRunTimeout
	switch w := a.Workflow.(type) {
	case string:
		v.Workflow = w
	}
	if len(a.Args) > 0 {
		var in workflows.OrderManagerInput
		if decodeAny(a.Args[0], &in) == nil {
			v.Input, v.Tasks, v.MaxInFlight = &in, in.Tasks, in.MaxInFlight
		}
	}
	_ = decodeAny(a.Memo[MemoDescription], &v.Description)
	_ = decodeAny(a.Memo[MemoSettingsDigest], &v.SettingsDigest)
	_ = decodeAny(a.Memo[MemoTrigger], &v.Trigger)
	return v
}

// decodeAny decodes a payload as returned by Describe (or a plain Go value, as set on create).
func decodeAny(v any, out any) error {
	switch p := v.(type) {
	case nil:
		return errors.New("absent")
	case *commonpb.Payload:
		return describedPayloadConverter().FromPayload(p, out)
	default:
		b, err := json.Marshal(p)
		if err != nil {
			return err
		}
		return json.Unmarshal(b, out)
	}
}
