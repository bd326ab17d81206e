package readme_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cartrover-cb/ordermanager/internal/temporaltest"
	"github.com/cartrover-cb/ordermanager/sandbox"
	"github.com/cartrover-cb/ordermanager/sandbox/cbsim"
	"github.com/cartrover-cb/ordermanager/starter/command"
)

// TestApplyKeepsWhatItIsNotToldAndPrintsEveryChange: re-applying with fewer flags must not reset
// the catch-up window (it went from 1m to the server's 1 year), and every change is printed.
func TestApplyKeepsWhatItIsNotToldAndPrintsEveryChange(t *testing.T) {
	env := temporaltest.NewClientEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel) // after the schedule's deletion below (cleanups run last-in, first-out)
	root, _ := temporaltest.ModuleRoot()
	settingsFile := filepath.Join(root, "deploy", "settings.sandbox.yaml")
	run := func(args ...string) (string, int) {
		var out, errb bytes.Buffer
		all := append([]string{"starter", "--address", env.Server.HostPort, "--namespace", env.Server.Namespace, "--task-queue", env.TaskQueue}, args...)
		err := command.Run(ctx, all, command.Env{Stdout: &out, Stderr: &errb})
		if err != nil {
			t.Logf("starter %s: %v %s", strings.Join(args, " "), err, errb.String())
		}
		return out.String(), command.ExitCode(err)
	}
	const id = "apply-keeps"
	t.Cleanup(func() { run("schedule", "delete", id, "--yes") })
	if _, code := run("schedule", "apply", "--id", id, "--settings", settingsFile, "--tasks", "orders", "--every", "1m",
		"--catchup-window", "1m", "--jitter", "5s", "--overlap", "buffer-one", "--pause-on-failure", "--note", "first", "--paused"); code != 0 {
		t.Fatal("create failed")
	}
	describe := func() command.ScheduleView {
		out, code := run("-o", "json", "schedule", "describe", id)
		var sv command.ScheduleView
		if code != 0 || json.Unmarshal([]byte(out), &sv) != nil {
			t.Fatalf("describe: %d %s", code, out)
		}
		return sv
	}
	before := describe()

	// The same trigger, settings and tasks, nothing else: nothing changes.
	out, code := run("schedule", "apply", "--id", id, "--settings", settingsFile, "--tasks", "orders", "--every", "1m")
	if code != 0 || !strings.Contains(out, "unchanged") {
		t.Fatalf("re-apply with fewer flags: exit %d: %s", code, out)
	}
	if after := describe(); after.CatchupWindow != before.CatchupWindow || after.Jitter != before.Jitter ||
		after.Overlap != before.Overlap || after.PauseOnFailure != before.PauseOnFailure || after.Note != before.Note {
		t.Fatalf("re-apply changed properties it was not given:\nbefore %+v\nafter  %+v", before, after)
	}

	// A dry run prints every change and changes nothing.
	args := []string{"schedule", "apply", "--id", id, "--settings", filepath.Join("..", "..", "testdata", "settings-changed.yaml"),
		"--tasks", "orders,shipments", "--every", "2m", "--catchup-window", "5m", "--jitter", "0s", "--overlap", "skip",
		"--pause-on-failure=false", "--note", "second", "--run-timeout", "10m", "--max-in-flight", "3"}
	var dry command.ApplyResult
	out, code = run(append(append([]string{"-o", "json"}, args...), "--dry-run")...)
	if code != 0 || json.Unmarshal([]byte(out), &dry) != nil {
		t.Fatalf("dry run: %d %s", code, out)
	}
	fields := func(changes []string) []string {
		var f []string
		for _, c := range changes {
			name, _, _ := strings.Cut(c, ":")
			f = append(f, name)
		}
		slices.Sort(f)
		return f
	}
	want := []string{"catchup window", "description", "jitter", "max in flight", "note", "overlap", "pause on failure", "run timeout", "settings digest", "tasks", "trigger"}
	if !dry.DryRun || !slices.Equal(fields(dry.Changes), want) {
		t.Fatalf("dry run changes %q, want the fields %q", dry.Changes, want)
	}
	if after := describe(); after.CatchupWindow != before.CatchupWindow || after.Note != "first" {
		t.Fatalf("the dry run changed the schedule: %+v", after)
	}
	var res command.ApplyResult
	out, code = run(append([]string{"-o", "json"}, args...)...)
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || !slices.Equal(res.Changes, dry.Changes) {
		t.Fatalf("apply: %d %s; want the dry run's changes %q", code, out, dry.Changes)
	}
	after := describe()
	if after.CatchupWindow != "5m0s" || after.Jitter != "" || after.Note != "second" || !after.Paused {
		t.Errorf("after apply: %+v", after)
	}
	text, _ := run(args...)
	t.Logf("dry-run changes: %q\nre-apply: %s", dry.Changes, text)
}

// TestSettingsCheckAgainstCBRefusesToTakeOverARunningWorkersSession: with a worker polling the
// task queue, --against-cb without --yes refuses before signing in (the worker keeps its session).
func TestSettingsCheckAgainstCBRefusesToTakeOverARunningWorkersSession(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sb, err := sandbox.Start(ctx, sandbox.Options{CartRoverAddr: "127.0.0.1:0", CBAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	acts, env := sandboxWorker(t, sb)
	if err := acts.CB.SignIn(ctx); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CB_BASE_URL", sb.CBURL)
	t.Setenv("CB_USER_CODE", cbsim.DefaultUserCode)
	t.Setenv("CB_PASSWORD", cbsim.DefaultPassword)
	root, _ := temporaltest.ModuleRoot()
	var out, errb bytes.Buffer
	var code int
	// The worker's pollers show up in DescribeTaskQueue once they have polled.
	for range 50 {
		out.Reset()
		errb.Reset()
		err = command.Run(ctx, []string{"starter", "--address", env.Server.HostPort, "--namespace", env.Server.Namespace, "--task-queue", env.TaskQueue,
			"settings", "check", filepath.Join(root, "deploy", "settings.sandbox.yaml"), "--against-cb"}, command.Env{Stdout: &out, Stderr: &errb})
		if err != nil {
			errb.WriteString(err.Error())
		}
		if code = command.ExitCode(err); code == 2 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if code != 2 || !strings.Contains(errb.String(), "poll task queue") || !strings.Contains(errb.String(), "--yes") {
		t.Fatalf("exit %d, want 2 naming the polling worker and --yes: %s", code, errb.String())
	}
	if sb.CB.Calls("system/forcesignout") != 0 || !sb.CB.SignedIn(cbsim.DefaultUserCode) {
		t.Errorf("the refused check touched the worker's CB session (force sign-outs %d)", sb.CB.Calls("system/forcesignout"))
	}
	t.Logf("refused: %s", errb.String())
}
