package command_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/mocks"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/cartrover-cb/ordermanager/settings"
	"github.com/cartrover-cb/ordermanager/starter/command"
	"github.com/cartrover-cb/ordermanager/workflows"
)

// fixture is a starter wired to the SDK's mocks.
type fixture struct {
	t        *testing.T
	client   *mocks.Client
	schedule *mocks.ScheduleClient
	handle   *mocks.ScheduleHandle
	out, err bytes.Buffer
	dialed   int
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{t: t, client: mocks.NewClient(t), schedule: mocks.NewScheduleClient(t), handle: mocks.NewScheduleHandle(t)}
	return f
}

// run runs the CLI and returns its exit status.
func (f *fixture) run(args ...string) int {
	f.t.Helper()
	f.out.Reset()
	f.err.Reset()
	env := command.Env{
		Stdout: &f.out, Stderr: &f.err,
		Dial: func(context.Context, client.Options) (client.Client, error) {
			f.dialed++
			f.client.On("Close").Return().Maybe()
			f.client.On("ScheduleClient").Return(f.schedule).Maybe()
			return f.client, nil
		},
		Now: func() time.Time { return time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC) },
	}
	err := command.Run(context.Background(), append([]string{"starter"}, args...), env)
	if err != nil {
		f.err.WriteString(err.Error())
	}
	return command.ExitCode(err)
}

func (f *fixture) onHandle(id string) {
	f.schedule.On("GetHandle", mock.Anything, id).Return(f.handle)
	f.handle.On("GetID").Return(id).Maybe()
}

func loadTestSettings(t *testing.T, path string) settings.Settings {
	t.Helper()
	s, err := settings.Load(path)
	if err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	return s
}

func payload(t *testing.T, v any) *commonpb.Payload {
	t.Helper()
	p, err := converter.GetDefaultDataConverter().ToPayload(v)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// existing is how the server describes a schedule applied with every 5m and the given settings.
func existing(t *testing.T, s settings.Settings, paused bool) client.ScheduleDescription {
	in := workflows.OrderManagerInput{Settings: s, Tasks: []workflows.Task{workflows.TaskOrders, workflows.TaskShipments}}
	return client.ScheduleDescription{
		Schedule: client.Schedule{
			Action: &client.ScheduleWorkflowAction{
				ID: command.ScheduleWorkflowIDPrefix("orders"), Workflow: workflows.OrderManagerName,
				Args: []any{payload(t, in)}, TaskQueue: workflows.DefaultTaskQueue,
				Memo: map[string]any{
					command.MemoDescription:    payload(t, "orders every 5 minutes"),
					command.MemoSettingsDigest: payload(t, command.SettingsDigest(s)),
					command.MemoTrigger:        payload(t, "every 5m0s"),
				},
			},
			Spec:   &client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: 5 * time.Minute}}},
			Policy: &client.SchedulePolicies{Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP, CatchupWindow: 365 * 24 * time.Hour},
			State:  &client.ScheduleState{Paused: paused, Note: "orders every 5 minutes"},
		},
		Info: client.ScheduleInfo{NumActions: 3, NumActionsSkippedOverlap: 1},
	}
}

func TestScheduleApplyCreatesAPausedScheduleCarryingTheSettings(t *testing.T) {
	f := newFixture(t)
	want := loadTestSettings(t, "testdata/settings.yaml")
	var got client.ScheduleOptions
	f.schedule.On("Create", mock.Anything, mock.Anything).Run(func(a mock.Arguments) {
		got = a.Get(1).(client.ScheduleOptions)
	}).Return(f.handle, nil).Once()

	code := f.run("schedule", "apply", "--id", "orders", "--settings", "testdata/settings.yaml",
		"--tasks", "shipments,orders", "--every", "1m", "--paused", "--note", "orders every minute",
		"--overlap", "buffer-one", "--catchup-window", "5m", "--jitter", "10s", "--run-timeout", "30m")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, f.err.String())
	}
	if got.ID != "orders" || !got.Paused || got.Note != "orders every minute" {
		t.Errorf("schedule options: id %q paused %v note %q", got.ID, got.Paused, got.Note)
	}
	if got.Overlap != enumspb.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE || got.CatchupWindow != 5*time.Minute || got.Spec.Jitter != 10*time.Second {
		t.Errorf("policies: %v %v %v", got.Overlap, got.CatchupWindow, got.Spec.Jitter)
	}
	if len(got.Spec.Intervals) != 1 || got.Spec.Intervals[0].Every != time.Minute {
		t.Errorf("spec intervals: %+v", got.Spec.Intervals)
	}
	a := got.Action.(*client.ScheduleWorkflowAction)
	if a.Workflow != workflows.OrderManagerName || a.TaskQueue != workflows.DefaultTaskQueue || a.WorkflowRunTimeout != 30*time.Minute {
		t.Errorf("action: %+v", a)
	}
	if !strings.HasPrefix(a.ID, "ordermanager:orders") {
		t.Errorf("workflow ID prefix %q", a.ID)
	}
	in := a.Args[0].(workflows.OrderManagerInput)
	if in.Settings.DownloadLimit != want.DownloadLimit || in.Settings.Warehouse != "MAIN" {
		t.Errorf("input settings: %+v", in.Settings)
	}
	if len(in.Tasks) != 2 || in.Tasks[0] != workflows.TaskOrders || in.Tasks[1] != workflows.TaskShipments {
		t.Errorf("tasks in run order: %v", in.Tasks)
	}
	if a.Memo[command.MemoSettingsDigest] != command.SettingsDigest(want) {
		t.Errorf("memo digest %v", a.Memo[command.MemoSettingsDigest])
	}
	if !strings.Contains(f.out.String(), "created schedule orders") || !strings.Contains(f.out.String(), "starter schedule approve orders") {
		t.Errorf("output: %s", f.out.String())
	}
}

func TestScheduleApplyUpdatesAnExistingScheduleInPlace(t *testing.T) {
	f := newFixture(t)
	old := loadTestSettings(t, "testdata/settings.yaml")
	f.schedule.On("Create", mock.Anything, mock.Anything).Return(nil, temporal.ErrScheduleAlreadyRunning).Once()
	f.onHandle("orders")
	var upd *client.ScheduleUpdate
	f.handle.On("Update", mock.Anything, mock.Anything).Run(func(a mock.Arguments) {
		var err error
		upd, err = a.Get(1).(client.ScheduleUpdateOptions).DoUpdate(client.ScheduleUpdateInput{Description: existing(t, old, true)})
		if err != nil {
			t.Errorf("DoUpdate: %v", err)
		}
	}).Return(nil).Once()

	code := f.run("schedule", "apply", "--id", "orders", "--settings", "testdata/settings-changed.yaml",
		"--tasks", "orders,shipments", "--every", "1m", "--note", "orders every 5 minutes", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, f.err.String())
	}
	var res command.ApplyResult
	if err := json.Unmarshal(f.out.Bytes(), &res); err != nil {
		t.Fatalf("json output: %v\n%s", err, f.out.String())
	}
	if res.Created || !res.Paused {
		t.Errorf("result: %+v (want an update that keeps the schedule paused)", res)
	}
	joined := strings.Join(res.Changes, "\n")
	for _, want := range []string{"trigger: every 5m0s → every 1m0s", "settings digest: "} {
		if !strings.Contains(joined, want) {
			t.Errorf("changes lack %q:\n%s", want, joined)
		}
	}
	if strings.Contains(joined, "tasks") || strings.Contains(joined, "description") {
		t.Errorf("unchanged fields reported as changed:\n%s", joined)
	}
	if upd == nil || upd.Schedule == nil || !upd.Schedule.State.Paused {
		t.Fatalf("update must keep the paused state: %+v", upd)
	}
	if upd.Schedule.Spec.Intervals[0].Every != time.Minute {
		t.Errorf("new spec %+v", upd.Schedule.Spec)
	}
	in := upd.Schedule.Action.(*client.ScheduleWorkflowAction).Args[0].(workflows.OrderManagerInput)
	if in.Settings.DownloadLimit != 250 {
		t.Errorf("new settings not carried: download_limit %d", in.Settings.DownloadLimit)
	}
}

func TestScheduleApplyWithNothingChangedSendsNoUpdate(t *testing.T) {
	f := newFixture(t)
	s := loadTestSettings(t, "testdata/settings.yaml")
	f.schedule.On("Create", mock.Anything, mock.Anything).Return(nil, serviceerror.NewAlreadyExists("exists")).Once()
	f.onHandle("orders")
	var skipErr error
	f.handle.On("Update", mock.Anything, mock.Anything).Run(func(a mock.Arguments) {
		_, skipErr = a.Get(1).(client.ScheduleUpdateOptions).DoUpdate(client.ScheduleUpdateInput{Description: existing(t, s, false)})
	}).Return(nil).Once()

	code := f.run("schedule", "apply", "--id", "orders", "--settings", "testdata/settings.yaml",
		"--tasks", "orders,shipments", "--every", "5m", "--note", "orders every 5 minutes", "--paused")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, f.err.String())
	}
	if !errors.Is(skipErr, temporal.ErrSkipScheduleUpdate) {
		t.Errorf("DoUpdate returned %v, want ErrSkipScheduleUpdate", skipErr)
	}
	if !strings.Contains(f.out.String(), "schedule orders unchanged (approved") {
		t.Errorf("output: %s", f.out.String())
	}
}

func TestScheduleApplyRejectsInvalidSettingsBeforeConnecting(t *testing.T) {
	for _, file := range []string{"testdata/settings-invalid.yaml", "testdata/settings-badkey.yaml", "testdata/missing.yaml"} {
		f := newFixture(t)
		code := f.run("schedule", "apply", "--id", "orders", "--settings", file, "--tasks", "orders", "--every", "1m")
		if code != 2 || f.dialed != 0 {
			t.Errorf("%s: exit %d, dialed %d times; want 2 and no connection", file, code, f.dialed)
		}
		if !strings.Contains(f.err.String(), "settings") {
			t.Errorf("%s: message does not name the settings: %s", file, f.err.String())
		}
	}
}

func TestScheduleApplyUsageErrors(t *testing.T) {
	cases := map[string][]string{
		"no trigger":      {"--id", "x", "--settings", "testdata/settings.yaml", "--tasks", "orders"},
		"no tasks":        {"--id", "x", "--settings", "testdata/settings.yaml", "--every", "1m"},
		"unknown task":    {"--id", "x", "--settings", "testdata/settings.yaml", "--tasks", "refunds", "--every", "1m"},
		"bad overlap":     {"--id", "x", "--settings", "testdata/settings.yaml", "--tasks", "orders", "--every", "1m", "--overlap", "all"},
		"bad calendar":    {"--id", "x", "--settings", "testdata/settings.yaml", "--tasks", "orders", "--calendar", "hour=25"},
		"no id":           {"--settings", "testdata/settings.yaml", "--tasks", "orders", "--every", "1m"},
		"unknown flag":    {"--id", "x", "--bogus"},
		"bad every value": {"--id", "x", "--settings", "testdata/settings.yaml", "--tasks", "orders", "--every", "soon"},
	}
	for name, args := range cases {
		f := newFixture(t)
		if code := f.run(append([]string{"schedule", "apply"}, args...)...); code != 2 {
			t.Errorf("%s: exit %d, want 2 (%s)", name, code, f.err.String())
		}
	}
}

func TestScheduleApplyCalendarAndCron(t *testing.T) {
	f := newFixture(t)
	var got client.ScheduleOptions
	f.schedule.On("Create", mock.Anything, mock.Anything).Run(func(a mock.Arguments) { got = a.Get(1).(client.ScheduleOptions) }).Return(f.handle, nil)
	code := f.run("schedule", "apply", "--id", "p", "--settings", "testdata/settings.yaml", "--tasks", "products",
		"--cron", "0 3 * * MON-WED,FRI", "--calendar", "hour=9,17 minute=30 day_of_week=1-5 comment=office")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, f.err.String())
	}
	if len(got.Spec.CronExpressions) != 1 || got.Spec.CronExpressions[0] != "0 3 * * MON-WED,FRI" {
		t.Errorf("cron kept whole (commas included): %q", got.Spec.CronExpressions)
	}
	cal := got.Spec.Calendars[0]
	if len(cal.Hour) != 2 || cal.Hour[0].Start != 9 || cal.Hour[1].Start != 17 || cal.Minute[0].Start != 30 ||
		cal.DayOfWeek[0] != (client.ScheduleRange{Start: 1, End: 5}) || cal.Comment != "office" {
		t.Errorf("calendar %+v", cal)
	}
}

func TestScheduleCommandsOnAMissingScheduleSayWhatToDo(t *testing.T) {
	nf := serviceerror.NewNotFound("schedule not found")
	cases := map[string]func(h *mocks.ScheduleHandle){
		"describe": func(h *mocks.ScheduleHandle) { h.On("Describe", mock.Anything).Return(nil, nf) },
		"approve":  func(h *mocks.ScheduleHandle) { h.On("Unpause", mock.Anything, mock.Anything).Return(nf) },
		"pause":    func(h *mocks.ScheduleHandle) { h.On("Pause", mock.Anything, mock.Anything).Return(nf) },
		"trigger":  func(h *mocks.ScheduleHandle) { h.On("Trigger", mock.Anything, mock.Anything).Return(nf) },
		"delete":   func(h *mocks.ScheduleHandle) { h.On("Delete", mock.Anything).Return(nf) },
		"backfill": func(h *mocks.ScheduleHandle) { h.On("Backfill", mock.Anything, mock.Anything).Return(nf) },
	}
	extra := map[string][]string{
		"pause": {"--note", "why"}, "delete": {"--yes"},
		"backfill": {"--start", "2026-01-01T00:00:00Z", "--end", "2026-01-01T01:00:00Z"},
	}
	for verb, setup := range cases {
		f := newFixture(t)
		f.onHandle("ghost")
		setup(f.handle)
		args := append([]string{"schedule", verb}, extra[verb]...)
		code := f.run(append(args, "ghost")...)
		if code != 1 {
			t.Errorf("%s: exit %d, want 1", verb, code)
		}
		if msg := f.err.String(); !strings.Contains(msg, `schedule "ghost" not found`) || !strings.Contains(msg, "starter schedule list") {
			t.Errorf("%s: message %q", verb, msg)
		}
	}
}

func TestScheduleApprovePauseTriggerBackfillDelete(t *testing.T) {
	f := newFixture(t)
	f.onHandle("orders")
	f.handle.On("Unpause", mock.Anything, client.ScheduleUnpauseOptions{Note: "looks right"}).Return(nil).Once()
	f.handle.On("Pause", mock.Anything, client.SchedulePauseOptions{Note: "CB maintenance"}).Return(nil).Once()
	f.handle.On("Trigger", mock.Anything, client.ScheduleTriggerOptions{}).Return(nil).Once()
	start, end := time.Date(2026, 1, 2, 8, 0, 0, 0, time.UTC), time.Date(2026, 1, 2, 12, 0, 0, 0, time.UTC)
	f.handle.On("Backfill", mock.Anything, client.ScheduleBackfillOptions{Backfill: []client.ScheduleBackfill{{Start: start, End: end}}}).Return(nil).Once()
	f.handle.On("Delete", mock.Anything).Return(nil).Once()

	steps := [][]string{
		{"schedule", "unpause", "--note", "looks right", "orders"},
		{"schedule", "pause", "--note", "CB maintenance", "orders"},
		{"schedule", "trigger", "orders"},
		{"schedule", "backfill", "--start", "2026-01-02T08:00:00Z", "--end", "2026-01-02T12:00:00Z", "orders"},
		{"schedule", "delete", "--yes", "orders"},
	}
	for _, args := range steps {
		if code := f.run(args...); code != 0 {
			t.Errorf("%v: exit %d: %s", args, code, f.err.String())
		}
		if !strings.Contains(f.out.String(), "orders") {
			t.Errorf("%v: output %q", args, f.out.String())
		}
	}
}

func TestSchedulePauseNeedsANoteAndDeleteNeedsYes(t *testing.T) {
	for _, args := range [][]string{{"schedule", "pause", "orders"}, {"schedule", "delete", "orders"}, {"schedule", "describe"}} {
		f := newFixture(t)
		f.schedule.On("GetHandle", mock.Anything, "orders").Return(f.handle).Maybe()
		f.handle.On("GetID").Return("orders").Maybe()
		if code := f.run(args...); code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, f.err.String())
		}
	}
}

func TestScheduleDescribeShowsStateAndRecentRunFigures(t *testing.T) {
	f := newFixture(t)
	s := loadTestSettings(t, "testdata/settings.yaml")
	d := existing(t, s, true)
	started := time.Date(2026, 11, 24, 11, 0, 0, 0, time.UTC)
	d.Info.RecentActions = []client.ScheduleActionResult{{ActualTime: started, StartWorkflowResult: &client.ScheduleWorkflowExecution{WorkflowID: "ordermanager:orders-1", FirstExecutionRunID: "r1"}}}
	d.Info.NextActionTimes = []time.Time{started.Add(time.Hour)}
	f.onHandle("orders")
	f.handle.On("Describe", mock.Anything).Return(&d, nil)
	f.client.On("DescribeWorkflowExecution", mock.Anything, "ordermanager:orders-1", "").Return(&workflowservice.DescribeWorkflowExecutionResponse{
		WorkflowExecutionInfo: &workflowpb.WorkflowExecutionInfo{
			Execution: &commonpb.WorkflowExecution{WorkflowId: "ordermanager:orders-1", RunId: "r2"},
			Status:    enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED, StartTime: timestamppb.New(started),
		}}, nil)
	run := mocks.NewWorkflowRun(t)
	run.On("Get", mock.Anything, mock.Anything).Run(func(a mock.Arguments) {
		*a.Get(1).(*workflows.RunSummary) = workflows.RunSummary{Tasks: []workflows.Task{workflows.TaskOrders},
			Orders: &workflows.OrdersSummary{Downloaded: 7, Imported: 5, Held: 2}}
	}).Return(nil)
	f.client.On("GetWorkflow", mock.Anything, "ordermanager:orders-1", "r2").Return(run)

	if code := f.run("schedule", "describe", "orders"); code != 0 {
		t.Fatalf("exit %d: %s", code, f.err.String())
	}
	out := f.out.String()
	for _, want := range []string{"paused", "every 5m0s", command.SettingsDigest(s), "7 downloaded, 5 imported, 0 healed, 2 held", "3 taken, 1 skipped", "orders every 5 minutes"} {
		if !strings.Contains(out, want) {
			t.Errorf("describe lacks %q:\n%s", want, out)
		}
	}
	if code := f.run("-o", "json", "schedule", "describe", "orders"); code != 0 {
		t.Fatalf("json exit %d", code)
	}
	var sv command.ScheduleView
	if err := json.Unmarshal(f.out.Bytes(), &sv); err != nil {
		t.Fatal(err)
	}
	if !sv.Paused || len(sv.RecentRuns) != 1 || sv.RecentRuns[0].Summary.Orders.Held != 2 || sv.RecentRuns[0].RunID != "r2" {
		t.Errorf("json view %+v", sv)
	}
}

func TestScheduleListShowsEverySchedule(t *testing.T) {
	f := newFixture(t)
	it := &sliceIterator{entries: []*client.ScheduleListEntry{
		{ID: "products", Paused: true, Note: "not yet approved", Spec: &client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: time.Hour}}}},
		{ID: "orders", Spec: &client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: time.Minute}}}},
	}}
	f.schedule.On("List", mock.Anything, mock.Anything).Return(it, nil)
	if code := f.run("schedule", "list"); code != 0 {
		t.Fatalf("exit %d: %s", code, f.err.String())
	}
	lines := strings.Split(strings.TrimSpace(f.out.String()), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[1], "orders") || !strings.Contains(lines[1], "approved") ||
		!strings.Contains(lines[2], "paused") || !strings.Contains(lines[2], "every 1h0m0s") {
		t.Errorf("list:\n%s", f.out.String())
	}
}

type sliceIterator struct{ entries []*client.ScheduleListEntry }

func (s *sliceIterator) HasNext() bool { return len(s.entries) > 0 }
func (s *sliceIterator) Next() (*client.ScheduleListEntry, error) {
	e := s.entries[0]
	s.entries = s.entries[1:]
	return e, nil
}

func errNotFound() error { return serviceerror.NewNotFound("workflow not found") }
