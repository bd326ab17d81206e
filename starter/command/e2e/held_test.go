// Package e2e_test drives the starter against the real product: a Temporal dev server, the real
// workers (workerapp) and both sandbox simulators.
package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cartrover-cb/ordermanager/cartrover"
	"github.com/cartrover-cb/ordermanager/config"
	"github.com/cartrover-cb/ordermanager/internal/temporaltest"
	"github.com/cartrover-cb/ordermanager/sandbox"
	"github.com/cartrover-cb/ordermanager/sandbox/cartroversim"
	"github.com/cartrover-cb/ordermanager/starter/command"
	"github.com/cartrover-cb/ordermanager/worker/workerapp"
	"github.com/cartrover-cb/ordermanager/workflows"
)

func TestMain(m *testing.M) { temporaltest.Main(m) }

// runs counts the runs of the held-order test in this process (go test -count=N).
var runs int

func TestAScheduledRunImportsTheSandboxOrdersAndTheStarterFindsTheHeldOnes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	sb, err := sandbox.Start(ctx, sandbox.Options{
		CartRoverAddr: "127.0.0.1:0", CBAddr: "127.0.0.1:0", CartRoverNoLimit: true,
		Seed: 7,
	})
	if err != nil {
		t.Fatal(err)
	}
	// The tests share one dev server, and a cust_ref's ImportOrder workflow ID never runs twice
	// once completed: draw (and cancel) the cust_refs earlier runs of this test used.
	runs++
	for _, ref := range sb.CartRover.Generate(20*(runs-1), 0) {
		if err := sb.CartRover.Apply(ref, cartroversim.Update{OrderStatus: cartrover.StatusCanceled}); err != nil {
			t.Fatal(err)
		}
	}
	sb.Seeded = sb.CartRover.Generate(12, 0.25)
	// The fix-and-retry step below needs an order held for its ship code.
	unmapped := ""
	for try := 0; unmapped == "" && try < 50; try++ {
		for _, ref := range sb.Seeded {
			if sb.CartRover.HeldReason(ref) == cartroversim.HeldUnmappedShip {
				unmapped = ref
			}
		}
		if unmapped == "" {
			sb.Seeded = append(sb.Seeded, sb.CartRover.Generate(1, 1)...)
		}
	}
	if unmapped == "" {
		t.Fatal("the generator made no order with an unmapped ship code")
	}
	acts, err := workerapp.NewActivities(
		config.CartRover{BaseURL: sb.CartRoverURL, APIUser: "sandbox", APIKey: "sandbox-key"}, config.CartRoverRate{},
		config.CB{BaseURL: sb.CBURL, UserCode: "sandbox", Password: "sandbox-password"})
	if err != nil {
		t.Fatal(err)
	}
	env := temporaltest.NewEnv(t, acts, temporaltest.WorkerOptions{})
	var wantHeld []string
	for _, ref := range sb.Seeded {
		if sb.CartRover.HeldReason(ref) != "" {
			wantHeld = append(wantHeld, ref)
		}
	}
	if len(wantHeld) == 0 || len(wantHeld) == len(sb.Seeded) {
		t.Fatalf("the seed should hold some orders and not all: %d of %d", len(wantHeld), len(sb.Seeded))
	}
	settingsFile, _ := filepath.Abs("../../../deploy/settings.sandbox.yaml")
	run := func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		all := append([]string{"starter", "--address", env.Server.HostPort, "--namespace", env.Server.Namespace, "--task-queue", env.TaskQueue, "-o", "json"}, args...)
		if err := command.Run(ctx, all, command.Env{Stdout: &out, Stderr: &errb}); err != nil {
			t.Fatalf("starter %s: %v %s", strings.Join(args, " "), err, errb.String())
		}
		return out.String()
	}

	run("schedule", "apply", "--id", "sandbox-orders", "--settings", settingsFile, "--tasks", "orders", "--every", "1h", "--paused")
	t.Cleanup(func() {
		var out bytes.Buffer
		all := []string{"starter", "--address", env.Server.HostPort, "--namespace", env.Server.Namespace, "schedule", "delete", "--yes", "sandbox-orders"}
		if err := command.Run(context.Background(), all, command.Env{Stdout: &out, Stderr: &out}); err != nil {
			t.Errorf("delete the schedule: %v", err)
		}
	})
	run("schedule", "trigger", "sandbox-orders")
	var sv command.ScheduleView
	for {
		if err := json.Unmarshal([]byte(run("schedule", "describe", "sandbox-orders")), &sv); err != nil {
			t.Fatal(err)
		}
		if len(sv.RecentRuns) == 1 && sv.RecentRuns[0].Status != "Running" {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the run did not finish: %+v", sv)
		case <-time.After(300 * time.Millisecond):
		}
	}
	r := sv.RecentRuns[0]
	if r.Status != "Completed" || r.Summary == nil || r.Summary.Orders == nil {
		t.Fatalf("run: %+v", r)
	}
	o := r.Summary.Orders
	// The run hands each order to its Order workflow: held ones answer held at once; the others import on their own.
	if d := o.Dispatch; d == nil || d.Listed != len(sb.Seeded) || o.Held != len(wantHeld) || d.New != len(sb.Seeded)-len(wantHeld) {
		t.Errorf("figures %+v (dispatch %+v); seeded %d, held %d", o, d, len(sb.Seeded), len(wantHeld))
	}

	// orders list --outcome held finds exactly the held orders (visibility is eventually consistent).
	var held []command.OrderView
	for {
		held = nil
		if err := json.Unmarshal([]byte(run("orders", "list", "--outcome", workflows.OutcomeHeld)), &held); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, h := range held {
			if slices.Contains(sb.Seeded, h.CustRef) {
				n++
			}
		}
		if n >= len(wantHeld) {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("held orders listed: %+v, want %v", held, wantHeld)
		case <-time.After(300 * time.Millisecond):
		}
	}
	var got []string
	for _, h := range held {
		if !slices.Contains(sb.Seeded, h.CustRef) {
			continue // another run's order
		}
		got = append(got, h.CustRef)
		if h.Reason == "" || h.Source == "" {
			t.Errorf("held order without reason or source: %+v", h)
		}
	}
	slices.Sort(got)
	slices.Sort(wantHeld)
	if !slices.Equal(got, wantHeld) {
		t.Errorf("held orders %v, want %v", got, wantHeld)
	}
	t.Logf("run %s: %s; held %v", r.WorkflowID, command.FormatSummary(r.Summary), got)
	var shown command.OrderView
	if err := json.Unmarshal([]byte(run("orders", "show", unmapped)), &shown); err != nil {
		t.Fatal(err)
	}
	t.Logf("orders show %s: %s", shown.CustRef, shown.Reason)
	if shown.Outcome != workflows.OutcomeHeld || shown.ReasonType != "UnmappedShipCode" || !strings.Contains(shown.Reason, "shipping.rules") || !strings.Contains(shown.Link, shown.WorkflowID) {
		t.Errorf("orders show: %+v", shown)
	}

	// Fix the settings (map local_pickup), apply them in place, and retry one held order: it imports.
	raw, err := os.ReadFile(settingsFile)
	if err != nil {
		t.Fatal(err)
	}
	fixed := strings.Replace(string(raw), "        - {ship_code: flat_rate,", "        - {ship_code: local_pickup, to: {group: DEFAULT, code: UPS Ground}}\n        - {ship_code: flat_rate,", 1)
	if fixed == string(raw) {
		t.Fatal("deploy/settings.sandbox.yaml changed shape: the WooCommerce flat_rate rule is gone")
	}
	fixedFile := filepath.Join(t.TempDir(), "settings.yaml")
	if err := os.WriteFile(fixedFile, []byte(fixed), 0o600); err != nil {
		t.Fatal(err)
	}
	var res command.ApplyResult
	if err := json.Unmarshal([]byte(run("schedule", "apply", "--id", "sandbox-orders", "--settings", fixedFile, "--tasks", "orders", "--every", "1h", "--paused")), &res); err != nil {
		t.Fatal(err)
	}
	if res.Created || len(res.Changes) != 1 || !strings.HasPrefix(res.Changes[0], "settings digest") {
		t.Fatalf("apply of the fixed settings: %+v", res)
	}
	var rr command.RunResult
	if err := json.Unmarshal([]byte(run("orders", "retry", "--schedule", "sandbox-orders", "--wait", shown.CustRef)), &rr); err != nil {
		t.Fatal(err)
	}
	if rr.Summary == nil || rr.Summary.Orders == nil || len(rr.Summary.Orders.Retried) != 1 || rr.Summary.Orders.Retried[0].Outcome != "in_cb" {
		t.Fatalf("retry of %s: %+v", shown.CustRef, rr.Summary)
	}
	var after command.OrderView
	if err := json.Unmarshal([]byte(run("orders", "show", shown.CustRef)), &after); err != nil {
		t.Fatal(err)
	}
	// One workflow run for the order's whole life: the retry went to the held run, which imported it.
	if after.Outcome != workflows.OutcomeImported || after.SalesOrder == "" || after.Reason != "" || after.RunID != shown.RunID || after.Stage != "at_wms" {
		t.Errorf("after the retry: %+v", after)
	}
	if story := strings.Join(after.Story, "\n"); !strings.Contains(story, "held: ") || !strings.Contains(story, after.SalesOrder) {
		t.Errorf("the order's story in `orders show` lacks the hold or the sales order:\n%s", story)
	}
}
