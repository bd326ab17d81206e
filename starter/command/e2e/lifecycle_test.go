package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/cartrover-cb/ordermanager/activities"
	"github.com/cartrover-cb/ordermanager/internal/temporaltest"
	"github.com/cartrover-cb/ordermanager/starter/command"
	"github.com/cartrover-cb/ordermanager/workflows"
)

// namespace is the harness's namespace, set by the test before it runs the starter.
var namespace = "default"

// standInOrderManager answers like OrderManager (progress query, RunSummary) with figures derived
// from its input, so the test can tell that the figures the starter shows are the run's own and
// that the schedule carried the settings: downloaded = settings.download_limit, imported = the
// number of cust_refs asked for (orders retry), each answered as now in CB.
func standInOrderManager(ctx workflow.Context, in workflows.OrderManagerInput) (workflows.RunSummary, error) {
	s := workflows.RunSummary{Tasks: in.Tasks, Orders: &workflows.OrdersSummary{Downloaded: in.Settings.DownloadLimit, Imported: len(in.CustRefs)}}
	for _, ref := range in.CustRefs {
		s.Orders.Retried = append(s.Orders.Retried, activities.RetryOutcome{CustRef: ref,
			DispatchResult: activities.DispatchResult{Outcome: activities.OutcomeInCB, Stage: activities.StageAtWMS}})
	}
	if err := workflow.SetQueryHandler(ctx, workflows.ProgressQuery, func() (workflows.RunSummary, error) { return s, nil }); err != nil {
		return s, err
	}
	return s, nil
}

// devServer returns the harness's dev server (search attributes registered) and a worker on a
// task queue of the test's own running the stand-in OrderManager.
func devServer(t *testing.T) (hostPort, namespace, taskQueue, cliPath string) {
	t.Helper()
	env := temporaltest.NewClientEnv(t)
	w := worker.New(env.Client, env.TaskQueue, worker.Options{})
	w.RegisterWorkflowWithOptions(standInOrderManager, workflow.RegisterOptions{Name: workflows.OrderManagerName})
	if err := w.Start(); err != nil {
		t.Fatalf("start the worker: %v", err)
	}
	t.Cleanup(w.Stop)
	cliPath, err := temporaltest.CLIPath()
	if err != nil {
		t.Fatal(err)
	}
	return env.Server.HostPort, env.Server.Namespace, env.TaskQueue, cliPath
}

// starter runs the CLI against the dev server; it returns stdout and fails the test on a non-zero exit.
func starter(t *testing.T, ctx context.Context, hostPort, taskQueue string, args ...string) string {
	t.Helper()
	out, code, msg := starterCode(ctx, hostPort, taskQueue, args...)
	if code != 0 {
		t.Fatalf("starter %s: exit %d: %s", strings.Join(args, " "), code, msg)
	}
	return out
}

func starterCode(ctx context.Context, hostPort, taskQueue string, args ...string) (string, int, string) {
	var out, errb bytes.Buffer
	all := append([]string{"starter", "--address", hostPort, "--task-queue", taskQueue, "--namespace", namespace}, args...)
	err := command.Run(ctx, all, command.Env{Stdout: &out, Stderr: &errb, PollInterval: 100 * time.Millisecond})
	if err != nil {
		errb.WriteString(err.Error())
	}
	return out.String(), command.ExitCode(err), errb.String()
}

func describeJSON(t *testing.T, ctx context.Context, hostPort, tq, id string) command.ScheduleView {
	t.Helper()
	var sv command.ScheduleView
	if err := json.Unmarshal([]byte(starter(t, ctx, hostPort, tq, "-o", "json", "schedule", "describe", id)), &sv); err != nil {
		t.Fatalf("describe json: %v", err)
	}
	return sv
}

// eventually polls cond until it holds or ctx ends (no timing is asserted: the bound is the test's).
func eventually(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("gave up waiting: %s", what)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func TestScheduleLifecycleOnARealDevServer(t *testing.T) {
	const id = "orders-e2e"
	hostPort, ns, tq, cliPath := devServer(t)
	namespace = ns
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	// setup is idempotent (the harness registered the search attributes already).
	for range 2 {
		if out := starter(t, ctx, hostPort, tq, "setup"); strings.Count(out, "already registered") != len(workflows.SearchAttributes) {
			t.Fatalf("setup: %s", out)
		}
	}

	// Apply paused (not yet approved); describe shows it paused.
	out := starter(t, ctx, hostPort, tq, "schedule", "apply", "--id", id, "--settings", "../testdata/settings.yaml",
		"--tasks", "orders,shipments", "--every", "1h", "--paused", "--note", "orders hourly")
	if !strings.Contains(out, "created schedule "+id) {
		t.Fatalf("apply: %s", out)
	}
	sv := describeJSON(t, ctx, hostPort, tq, id)
	if !sv.Paused || sv.Trigger != "every 1h0m0s" || sv.Description != "orders hourly" || len(sv.RecentRuns) != 0 {
		t.Fatalf("after apply: %+v", sv)
	}
	firstDigest := sv.SettingsDigest

	// Approve, trigger, and the run completes with its figures in describe and status.
	starter(t, ctx, hostPort, tq, "schedule", "approve", id)
	starter(t, ctx, hostPort, tq, "schedule", "trigger", id)
	eventually(t, ctx, "the triggered run completes", func() bool {
		sv = describeJSON(t, ctx, hostPort, tq, id)
		return len(sv.RecentRuns) == 1 && sv.RecentRuns[0].Status == "Completed"
	})
	if sv.Paused {
		t.Errorf("still paused after approve")
	}
	run := sv.RecentRuns[0]
	if !strings.HasPrefix(run.WorkflowID, command.ScheduleWorkflowIDPrefix(id)) || run.Summary == nil || run.Summary.Orders.Downloaded != 100 {
		t.Fatalf("recent run: %+v", run)
	}
	text := starter(t, ctx, hostPort, tq, "schedule", "describe", id)
	if !strings.Contains(text, "100 downloaded") || !strings.Contains(text, "approved") {
		t.Errorf("describe table:\n%s", text)
	}
	var st command.Status
	if err := json.Unmarshal([]byte(starter(t, ctx, hostPort, tq, "-o", "json", "status")), &st); err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(st.Schedules, func(s command.ScheduleView) bool { return s.ID == id })
	if i < 0 || len(st.Schedules[i].RecentRuns) != 1 || st.Schedules[i].RecentRuns[0].Summary.Orders.Downloaded != 100 {
		t.Errorf("status: %+v", st)
	}
	if text := starter(t, ctx, hostPort, tq, "status"); !strings.Contains(text, "schedule "+id) || !strings.Contains(text, "100 downloaded") {
		t.Errorf("status table:\n%s", text)
	} else {
		t.Logf("describe:\n%s\nstatus:\n%s", starter(t, ctx, hostPort, tq, "schedule", "describe", id), text)
	}

	// Apply again with a changed spec and settings: updated in place, same ID, recent runs kept.
	out = starter(t, ctx, hostPort, tq, "-o", "json", "schedule", "apply", "--id", id, "--settings", "../testdata/settings-changed.yaml",
		"--tasks", "orders,shipments", "--every", "30m", "--paused", "--note", "orders hourly")
	var res command.ApplyResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	// The note shown in the Web UI was "approved with starter" (approve's); --note sets it again,
	// and that is a change too.
	if res.Created || res.Paused || len(res.Changes) != 3 || !slices.Contains(res.Changes, "note: approved with starter → orders hourly") {
		t.Fatalf("re-apply: %+v (want an in-place update of trigger, settings and note that keeps the approval)", res)
	}
	sv = describeJSON(t, ctx, hostPort, tq, id)
	if sv.ID != id || sv.Trigger != "every 30m0s" || sv.SettingsDigest == firstDigest || len(sv.RecentRuns) != 1 || sv.RecentRuns[0].WorkflowID != run.WorkflowID || sv.Paused {
		t.Fatalf("after update: %+v", sv)
	}

	// Applying the same again changes nothing and sends no update.
	out = starter(t, ctx, hostPort, tq, "schedule", "apply", "--id", id, "--settings", "../testdata/settings-changed.yaml",
		"--tasks", "orders,shipments", "--every", "30m", "--paused", "--note", "orders hourly")
	if !strings.Contains(out, "schedule "+id+" unchanged (approved") {
		t.Errorf("re-apply of the same: %s", out)
	}

	// The real Temporal CLI agrees.
	cmd := exec.CommandContext(ctx, cliPath, "schedule", "describe", "--schedule-id", id, "--address", hostPort, "--output", "json")
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("temporal schedule describe: %v", err)
	}
	var desc struct {
		Schedule struct {
			Spec struct {
				Interval []struct {
					Interval string `json:"interval"`
				} `json:"interval"`
			} `json:"spec"`
			State struct {
				Paused bool `json:"paused"`
			} `json:"state"`
		} `json:"schedule"`
		Info struct {
			RecentActions []json.RawMessage `json:"recentActions"`
		} `json:"info"`
	}
	if err := json.Unmarshal(raw, &desc); err != nil {
		t.Fatalf("temporal CLI json: %v\n%s", err, raw)
	}
	if len(desc.Schedule.Spec.Interval) != 1 || desc.Schedule.Spec.Interval[0].Interval != "1800s" || desc.Schedule.State.Paused || len(desc.Info.RecentActions) != 1 {
		t.Errorf("temporal CLI sees %+v\n%s", desc, raw)
	}

	// A one-off run with --wait, and an order retry with the schedule's settings.
	out = starter(t, ctx, hostPort, tq, "run", "--settings", "../testdata/settings.yaml", "--tasks", "orders", "--wait")
	if !strings.Contains(out, "completed: orders: 100 downloaded") {
		t.Errorf("run --wait: %s", out)
	}
	var rr command.RunResult
	if err := json.Unmarshal([]byte(starter(t, ctx, hostPort, tq, "-o", "json", "orders", "retry", "--schedule", id, "--wait", "111000222")), &rr); err != nil {
		t.Fatal(err)
	}
	if rr.Summary == nil || rr.Summary.Orders.Downloaded != 250 || rr.Summary.Orders.Imported != 1 || len(rr.Summary.Tasks) != 1 {
		t.Errorf("retry used the schedule's (changed) settings and one cust_ref: %+v", rr.Summary)
	}

	// Delete removes it.
	starter(t, ctx, hostPort, tq, "schedule", "delete", "--yes", id)
	if _, code, msg := starterCode(ctx, hostPort, tq, "schedule", "describe", id); code != 1 || !strings.Contains(msg, "not found") {
		t.Errorf("describe after delete: exit %d %s", code, msg)
	}
	eventually(t, ctx, "list no longer shows the schedule", func() bool {
		return !strings.Contains(starter(t, ctx, hostPort, tq, "schedule", "list"), id)
	})
}
