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

// ApplyResult says what `schedule apply` did.
type ApplyResult struct {
	ID string `json:"id"`
	// Created is true when the schedule did not exist.
	Created bool `json:"created"`
	// Changes lists "field: old → new" for an update (empty = nothing changed, nothing sent).
	Changes []string `json:"changes"`
	// Paused is the schedule's state after the apply.
	Paused bool `json:"paused"`
}

// Apply creates the schedule, or updates it in place when it exists (same ID, history and recent
// runs kept; never delete and recreate). The settings must already be validated.
func Apply(ctx context.Context, sc client.ScheduleClient, cfg ScheduleConfig) (ApplyResult, error) {
	res := ApplyResult{ID: cfg.ID}
	if cfg.ID == "" {
		return res, usageErrorf("schedule apply: --id is required")
	}
	spec, err := cfg.Trigger.Spec(cfg.Jitter)
	if err != nil {
		return res, err
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
	h := sc.GetHandle(ctx, cfg.ID)
	err = h.Update(ctx, client.ScheduleUpdateOptions{DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
		cur := in.Description.Schedule
		res.Changes = diffSchedule(in.Description, cfg, spec)
		state := client.ScheduleState{}
		if cur.State != nil {
			state = *cur.State
		}
		res.Paused = state.Paused
		if len(res.Changes) == 0 {
			return nil, temporal.ErrSkipScheduleUpdate
		}
		if cfg.Description != "" {
			state.Note = cfg.Description
		}
		newSpec := spec
		return &client.ScheduleUpdate{Schedule: &client.Schedule{
			Action: cfg.action(),
			Spec:   &newSpec,
			Policy: &client.SchedulePolicies{
				Overlap:        cfg.Overlap,
				CatchupWindow:  cfg.CatchupWindow,
				PauseOnFailure: cfg.PauseOnFailure,
			},
			State: &state,
		}}, nil
	}})
	if err != nil {
		return res, fmt.Errorf("update schedule %s: %w", cfg.ID, err)
	}
	return res, nil
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

// diffSchedule compares the schedule as it is with what cfg asks for, field by field.
func diffSchedule(d client.ScheduleDescription, cfg ScheduleConfig, spec client.ScheduleSpec) []string {
	var changes []string
	add := func(field, old, new string) {
		if old != new {
			changes = append(changes, fmt.Sprintf("%s: %s → %s", field, orNone(old), orNone(new)))
		}
	}
	cur := describeAction(d)
	add("trigger", cur.Trigger, cfg.Trigger.String())
	add("tasks", joinTasks(cur.Tasks), joinTasks(cfg.Tasks))
	add("settings digest", short(cur.SettingsDigest), short(SettingsDigest(cfg.Settings)))
	add("max in flight", fmt.Sprint(cur.MaxInFlight), fmt.Sprint(cfg.MaxInFlight))
	add("description", cur.Description, cfg.Description)
	add("task queue", cur.TaskQueue, cfg.TaskQueue)
	add("run timeout", durationText(cur.RunTimeout), durationText(cfg.RunTimeout))
	if s := d.Schedule.Spec; s != nil {
		add("jitter", durationText(s.Jitter), durationText(spec.Jitter))
	}
	if p := d.Schedule.Policy; p != nil {
		add("overlap", overlapName(p.Overlap), overlapName(cfg.Overlap))
		if cfg.CatchupWindow != 0 {
			add("catchup window", durationText(p.CatchupWindow), durationText(cfg.CatchupWindow))
		}
		add("pause on failure", fmt.Sprint(p.PauseOnFailure), fmt.Sprint(cfg.PauseOnFailure))
	}
	return changes
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
