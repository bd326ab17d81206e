package clustertest

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/cartrover-cb/ordermanager/cartrover"
	"github.com/cartrover-cb/ordermanager/internal/temporaltest"
	"github.com/cartrover-cb/ordermanager/sandbox"
	"github.com/cartrover-cb/ordermanager/sandbox/cartroversim"
	"github.com/cartrover-cb/ordermanager/sandbox/cbsim"
	"github.com/cartrover-cb/ordermanager/workflows"
)

// The scenario's size and CartRover's scaled-down bucket (the real one is 100 calls, then one per
// 0.6 s): small enough to finish in a few minutes, large enough that pacing decides the speed.
const (
	orders       = 1000
	heldShare    = 0.1
	bucketBurst  = 20
	bucketRefill = 50 * time.Millisecond
	replicas     = 3
	namespace    = "ordermanager-cluster"
	scheduleID   = "cluster-orders"
	paceWindow   = 5 * time.Second
	completeIn   = 10 * time.Minute
)

// result is one scenario's figures.
type result struct {
	backend                      string
	orders, importable, held     int
	kills, workerRestarts        int
	pgRestarts                   int
	duplicates, lost, heldInCB   int
	failed, heldFailed           int
	scheduledRuns                int
	calls, rateLimited           int
	callsPerSec, peakCallsPerSec float64
	busy, wall                   time.Duration
}

func (r result) ordersPerSec() float64 { return float64(r.orders) / r.busy.Seconds() }

func (r result) summary() string {
	return fmt.Sprintf("cluster[%s]: orders=%d (importable %d, held %d) kills=%d restarts=worker:%d,postgres:%d duplicates=%d lost=%d held_in_cb=%d failed=%d (held orders failed: %d) scheduled_runs=%d "+
		"cartrover=%.1f calls/s avg, %.1f/s peak %s vs bucket %.0f/s (burst %d), rate_limited=%d of %d calls; busy=%s wall=%s orders/s=%.2f",
		r.backend, r.orders, r.importable, r.held, r.kills, r.workerRestarts, r.pgRestarts, r.duplicates, r.lost, r.heldInCB, r.failed, r.heldFailed, r.scheduledRuns,
		r.callsPerSec, r.peakCallsPerSec, paceWindow, float64(time.Second)/float64(bucketRefill), bucketBurst, r.rateLimited, r.calls,
		r.busy.Round(time.Second), r.wall.Round(time.Second), r.ordersPerSec())
}

func TestCluster(t *testing.T) {
	if os.Getenv("ORDERMANAGER_CLUSTER_TEST") == "" {
		t.Skip("the cluster test runs with ORDERMANAGER_CLUSTER_TEST=1: use `make test-cluster`")
	}
	root, err := temporaltest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{"worker", "starter", "temporal-server", "temporal-sql-tool", "temporal"} {
		if _, err := os.Stat(filepath.Join(root, "bin", b)); err != nil {
			t.Fatalf("./bin/%s is missing: run `make test-cluster`, which builds it", b)
		}
	}
	backends := []string{"postgres"}
	if os.Getenv("CLUSTER_COMPARE_DEV") != "" {
		backends = append(backends, "dev")
	}
	var results []result
	for _, name := range backends {
		ok := t.Run(name, func(t *testing.T) {
			r := runScenario(t, root, name)
			fmt.Println(r.summary())
			results = append(results, r)
		})
		if !ok {
			return
		}
	}
	if len(results) == 2 {
		fmt.Printf("cluster: orders/s on PostgreSQL-backed server vs dev server = %.2f/%.2f = %.2f\n",
			results[0].ordersPerSec(), results[1].ordersPerSec(), results[0].ordersPerSec()/results[1].ordersPerSec())
	}
}

// runScenario runs the whole scenario on one backend and fails t unless every order came out right.
func runScenario(t *testing.T, root, backendName string) result {
	wallStart := time.Now()
	logDir, err := os.MkdirTemp("", "ordermanager-cluster-logs-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("logs kept in %s", logDir)
			return
		}
		os.RemoveAll(logDir)
	})
	var be *backend
	if backendName == "postgres" {
		be = startPostgresBackend(t, root, logDir)
	} else {
		be = startDevBackend(t, root, logDir)
	}
	t.Logf("Temporal (%s) up on %s after %s", be.name, be.hostPort, time.Since(wallStart).Round(time.Millisecond))

	// The simulators, in this process so that the test reads their counters and state directly.
	simLog, err := os.Create(filepath.Join(logDir, "sandbox.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { simLog.Close() })
	simCtx, stopSims := context.WithCancel(context.Background())
	t.Cleanup(stopSims)
	sb, err := sandbox.Start(simCtx, sandbox.Options{
		CartRoverAddr: "127.0.0.1:0", CBAddr: "127.0.0.1:0",
		CartRoverBurst: bucketBurst, CartRoverRefill: bucketRefill,
		SeedOrders: orders, HeldShare: heldShare, Seed: 13,
		Logger: slog.New(slog.NewJSONHandler(simLog, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	var importable, held []string
	for _, ref := range sb.Seeded {
		if sb.CartRover.HeldReason(ref) != "" {
			held = append(held, ref)
		} else {
			importable = append(importable, ref)
		}
	}
	if len(sb.Seeded) != orders || len(held) == 0 {
		t.Fatalf("the sandbox seeded %d orders, %d held; want %d with some held", len(sb.Seeded), len(held), orders)
	}

	// Namespace and search attributes, as an operator makes them.
	starter := filepath.Join(root, "bin", "starter")
	// Payloads are encrypted as in production: the starter (through this process's environment),
	// the workers and this test's client share one keyring.
	t.Setenv("PAYLOAD_ENCRYPTION_KEYS", temporaltest.PayloadKeys())
	conn := []string{"--address", be.hostPort, "--namespace", namespace}
	t.Log(strings.TrimSpace(run(t, nil, starter, append(conn, "setup", "--retention", "24h")...)))

	// The worker replicas.
	workerEnv := []string{
		"TEMPORAL_ADDRESS=" + be.hostPort, "TEMPORAL_NAMESPACE=" + namespace,
		"CARTROVER_BASE_URL=" + sb.CartRoverURL, "CARTROVER_API_USER=" + cartroversim.DefaultAPIUser, "CARTROVER_API_KEY=" + cartroversim.DefaultAPIKey,
		"CB_BASE_URL=" + sb.CBURL, "CB_USER_CODE=" + cbsim.DefaultUserCode, "CB_PASSWORD=" + cbsim.DefaultPassword,
		"OTEL_SDK_DISABLED=true", "LOG_LEVEL=warn", "PAYLOAD_ENCRYPTION_KEYS=" + temporaltest.PayloadKeys(),
	}
	workerEnv = append(workerEnv, pacerEnv()...)
	taken := map[int]bool{}
	startWorker := func(name string) *proc {
		addr := "127.0.0.1:" + strconv.Itoa(freePort(t, 33000, 60000, taken))
		p := startProc(t, logDir, name, root, append(workerEnv, "METRICS_ADDR="+addr), filepath.Join(root, "bin", "worker"))
		err := waitFor(time.Minute, 200*time.Millisecond, name+" ready", func() error {
			if p.exited() {
				return fmt.Errorf("exited: %v", p.err)
			}
			resp, err := http.Get("http://" + addr + "/readyz")
			if err != nil {
				return err
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("/readyz answered %s", resp.Status)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("%v\n%s", err, p.tail(3000))
		}
		return p
	}
	workers := make([]*proc, replicas)
	for i := range workers {
		workers[i] = startWorker(fmt.Sprintf("worker-%d", i+1))
	}

	// Watch the simulators: CartRover's call counters and CB's sales orders, four times a second.
	smp := startSampler(sb)
	defer smp.stop()

	// The orders come in through a schedule on its trigger (never triggered by hand here).
	settingsFile := filepath.Join(root, "deploy", "settings.sandbox.yaml")
	run(t, nil, starter, append(conn, "schedule", "apply", "--id", scheduleID, "--settings", settingsFile,
		"--tasks", "orders", "--every", "15s", "--paused", "--note", "cluster test")...)
	run(t, nil, starter, append(conn, "schedule", "approve", "--note", "cluster test", scheduleID)...)

	// The chaos, keyed to progress (share of importable orders in CB) so that it lands mid-run
	// whatever the machine's speed.
	res := result{backend: be.name, orders: orders, importable: len(importable), held: len(held)}
	type event struct {
		at   float64
		name string
		do   func() error
	}
	events := []event{
		{0.15, "kill -9 worker-1", func() error { workers[0].kill(); res.kills++; return nil }},
		{0.55, "kill -9 worker-2", func() error { workers[1].kill(); res.kills++; return nil }},
		{0.70, "restart worker-1", func() error { workers[0] = startWorker("worker-1b"); res.workerRestarts++; return nil }},
	}
	if be.pg != nil {
		events = append(events, event{0.35, "restart PostgreSQL", func() error { res.pgRestarts++; return be.pg.restart() }})
	}
	sort.Slice(events, func(i, j int) bool { return events[i].at < events[j].at })

	importableSet := setOf(importable)
	c, err := be.dial(namespace)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	deadline := time.Now().Add(completeIn)
	heldSeen := map[string]bool{}
	var lastHeldCheck time.Time
	for {
		done, inCB := progress(sb, importable)
		if done && time.Since(lastHeldCheck) > 3*time.Second {
			// Held orders leave no trace in CB: they are done once their order workflow says held.
			lastHeldCheck = time.Now()
			for _, ref := range held {
				if !heldSeen[ref] && markedHeld(c, ref) {
					heldSeen[ref] = true
				}
			}
		}
		done = done && len(heldSeen) == len(held)
		for len(events) > 0 && float64(inCB) >= events[0].at*float64(len(importable)) {
			ev := events[0]
			events = events[1:]
			t.Logf("%s at %d/%d importable orders in CB (%s)", ev.name, inCB, len(importable), time.Since(wallStart).Round(time.Second))
			if err := ev.do(); err != nil {
				t.Fatalf("%s: %v", ev.name, err)
			}
		}
		if done {
			break
		}
		if be.server.exited() {
			t.Fatalf("the Temporal server exited: %v\n%s", be.server.err, be.server.tail(4000))
		}
		if time.Now().After(deadline) {
			pgLog := ""
			if be.pg != nil {
				pgLog = "\nPostgreSQL:\n" + be.pg.log()
			}
			t.Fatalf("not done within %s: %d/%d importable orders in CB and at_wms, %d/%d held orders marked held; logs in %s\n%s%s",
				completeIn, inCB, len(importable), len(heldSeen), len(held), logDir, be.server.tail(3000), pgLog)
		}
		time.Sleep(250 * time.Millisecond)
	}
	if len(events) > 0 {
		t.Errorf("the run finished before these events: %v (the scenario did not exercise them)", events)
	}
	// Late duplicates would come from activities retried after the kills: give them time to land.
	time.Sleep(5 * time.Second)
	smp.stop()

	// Judge at the simulators.
	byPO := map[string]int{}
	for _, so := range sb.CB.SalesOrders() {
		byPO[so.POCode]++
	}
	for po, n := range byPO {
		switch {
		case importableSet[po] && n > 1:
			res.duplicates += n - 1
			t.Errorf("cust_ref %s has %d CB sales orders, want 1", po, n)
		case !importableSet[po]:
			res.heldInCB += n
			t.Errorf("CB holds %d sales order(s) with POCode %q, which is not an importable order", n, po)
		}
	}
	for _, ref := range importable {
		if byPO[ref] == 0 {
			res.lost++
			t.Errorf("importable order %s has no CB sales order", ref)
		}
	}

	// Judge at Temporal: no workflow failed but for held orders (whose workflows failed by design
	// before held orders became a waiting stage), none on a RateLimit answer, and the orders came
	// through runs the schedule started.
	res.failed, res.heldFailed = checkFailures(t, c, setOf(held))
	res.scheduledRuns = countWorkflows(t, c, fmt.Sprintf("TemporalScheduledById = '%s'", scheduleID))
	if res.scheduledRuns == 0 {
		t.Errorf("no workflow run was started by schedule %s", scheduleID)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	desc, err := c.ScheduleClient().GetHandle(ctx, scheduleID).Describe(ctx)
	if err != nil {
		t.Fatalf("describe schedule %s: %v", scheduleID, err)
	}
	if desc.Info.NumActions == 0 {
		t.Errorf("schedule %s took no action on its trigger", scheduleID)
	}

	// Judge CartRover's pace across the replicas: every call that reached the simulator (allowed or
	// answered RateLimit) against what the bucket allows in the same time.
	pace := smp.pace(bucketBurst, bucketRefill, paceWindow)
	res.calls, res.rateLimited = pace.calls, pace.rateLimited
	res.callsPerSec, res.peakCallsPerSec, res.busy = pace.avg, pace.peak, pace.busy
	if pace.peakExcess > 0.10 {
		t.Errorf("CartRover pace broke: %d calls within %s where the bucket allows %.0f (%.0f%% over)",
			pace.peakCalls, pace.peakSpan.Round(time.Millisecond), pace.peakAllowed, 100*pace.peakExcess)
	}
	if pace.calls > 0 && float64(pace.rateLimited) > 0.05*float64(pace.calls) {
		t.Errorf("CartRover answered RateLimit to %d of %d calls: the replicas do not share the pace", pace.rateLimited, pace.calls)
	}
	for _, w := range workers[2:] {
		if w.exited() {
			t.Errorf("%s died during the run: %v\n%s", w.name, w.err, w.tail(2000))
		}
	}
	res.wall = time.Since(wallStart)
	return res
}

// pacerEnv configures the workers' CartRover pacer to CartRover's (scaled-down) bucket. Both the
// task queue cap and the pacer's burst/refill variables are set; a worker ignores the names it
// does not know.
func pacerEnv() []string {
	return []string{
		"CARTROVER_ACTIVITIES_PER_SECOND=" + strconv.FormatFloat(float64(time.Second)/float64(bucketRefill), 'f', -1, 64),
		"CARTROVER_RATE_BURST=" + strconv.Itoa(bucketBurst),
		"CARTROVER_RATE_REFILL=" + bucketRefill.String(),
	}
}

// progress reports whether every importable order is in CB and at_wms in CartRover, and how many
// importable orders CB holds.
func progress(sb *sandbox.Sandbox, importable []string) (done bool, inCB int) {
	byPO := map[string]bool{}
	for _, so := range sb.CB.SalesOrders() {
		byPO[so.POCode] = true
	}
	atWMS := 0
	for _, ref := range importable {
		if byPO[ref] {
			inCB++
		}
		if o, ok := sb.CartRover.Order(ref); ok && o.OrderStatus == cartrover.StatusAtWMS {
			atWMS++
		}
	}
	return inCB == len(importable) && atWMS == len(importable), inCB
}

// markedHeld reports whether the order workflow of cust_ref ref says the order is held: its
// OrderStage (or, before the order lifecycle had stages, its ImportOutcome) search attribute is
// "held".
func markedHeld(c client.Client, ref string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Query: fmt.Sprintf("%s = '%s'", workflows.SACustRef, ref), PageSize: 10,
	})
	if err != nil {
		return false
	}
	for _, e := range resp.GetExecutions() {
		for _, name := range []string{"OrderStage", workflows.SAImportOutcome} {
			p := e.GetSearchAttributes().GetIndexedFields()[name]
			var v string
			if p != nil && converter.GetDefaultDataConverter().FromPayload(p, &v) == nil && v == workflows.OutcomeHeld {
				return true
			}
		}
	}
	return false
}

// checkFailures fails t for every workflow that failed, timed out or was terminated, except held
// orders' workflows; any failure that mentions RateLimit fails t whichever workflow it is. It
// returns the count of other failures and of held orders' failed workflows.
func checkFailures(t *testing.T, c client.Client, held map[string]bool) (failed, heldFailed int) {
	t.Helper()
	q := "ExecutionStatus = 'Failed' OR ExecutionStatus = 'TimedOut' OR ExecutionStatus = 'Terminated'"
	var token []byte
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: q, PageSize: 200, NextPageToken: token})
		cancel()
		if err != nil {
			t.Fatalf("list failed workflows: %v", err)
		}
		for _, e := range resp.GetExecutions() {
			id := e.GetExecution().GetWorkflowId()
			status := enumspb.WorkflowExecutionStatus_name[int32(e.GetStatus())]
			cause := failureOf(c, id, e.GetExecution().GetRunId())
			if strings.Contains(cause, "RateLimit") {
				t.Errorf("workflow %s ended %s on a CartRover RateLimit answer: %s", id, status, cause)
			}
			if held[strings.TrimPrefix(id, orderWorkflowPrefix)] {
				heldFailed++
				continue
			}
			failed++
			t.Errorf("workflow %s (%s) ended %s: %s", id, e.GetType().GetName(), status, cause)
		}
		token = resp.GetNextPageToken()
		if len(token) == 0 {
			return failed, heldFailed
		}
	}
}

// orderWorkflowPrefix starts the ID of every order workflow (cartrover-order:<cust_ref>).
const orderWorkflowPrefix = "cartrover-order:"

// failureOf returns the failure message that closed a workflow run, from its last history event.
func failureOf(c client.Client, id, runID string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	it := c.GetWorkflowHistory(ctx, id, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return err.Error()
		}
		if a := ev.GetWorkflowExecutionFailedEventAttributes(); a != nil {
			return a.GetFailure().String()
		}
		if a := ev.GetWorkflowExecutionTerminatedEventAttributes(); a != nil {
			return "terminated: " + a.GetReason()
		}
		if ev.GetWorkflowExecutionTimedOutEventAttributes() != nil {
			return "timed out"
		}
	}
	return ""
}

func countWorkflows(t *testing.T, c client.Client, q string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := c.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Query: q})
	if err != nil {
		t.Fatalf("count workflows %q: %v", q, err)
	}
	return int(resp.GetCount())
}

func setOf(refs []string) map[string]bool {
	m := make(map[string]bool, len(refs))
	for _, r := range refs {
		m[r] = true
	}
	return m
}

// sampler records the CartRover simulator's call counters over time.
type sampler struct {
	sb      *sandbox.Sandbox
	mu      sync.Mutex
	samples []sample
	quit    chan struct{}
	once    sync.Once
	done    chan struct{}
}

type sample struct {
	at                 time.Time
	calls, rateLimited int
}

func startSampler(sb *sandbox.Sandbox) *sampler {
	s := &sampler{sb: sb, quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			st := sb.CartRover.Stats()
			s.mu.Lock()
			s.samples = append(s.samples, sample{at: time.Now(), calls: st.Total, rateLimited: st.RateLimited})
			s.mu.Unlock()
			select {
			case <-s.quit:
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

func (s *sampler) stop() {
	s.once.Do(func() { close(s.quit) })
	<-s.done
}

// paceFigures are CartRover's calls over the busy period (first call to last call).
type paceFigures struct {
	calls, rateLimited int
	busy               time.Duration
	avg, peak          float64
	peakCalls          int
	peakSpan           time.Duration
	peakAllowed        float64
	peakExcess         float64 // (calls − allowed) / allowed in the worst window; ≤ 0 when the pace held
}

func (s *sampler) pace(burst int, refill, window time.Duration) paceFigures {
	s.mu.Lock()
	defer s.mu.Unlock()
	var p paceFigures
	if len(s.samples) < 2 {
		return p
	}
	// The busy period: from the last sample before the first call to the first sample after the last.
	first, last := 0, len(s.samples)-1
	for first < last && s.samples[first+1].calls == 0 {
		first++
	}
	for last > first && s.samples[last-1].calls == s.samples[last].calls {
		last--
	}
	a, b := s.samples[first], s.samples[last]
	p.calls, p.rateLimited = b.calls-a.calls, b.rateLimited-a.rateLimited
	p.busy = b.at.Sub(a.at)
	if p.busy > 0 {
		p.avg = float64(p.calls) / p.busy.Seconds()
	}
	p.peakExcess = -1
	j := first
	for i := first; i <= last; i++ {
		for j < last && s.samples[j].at.Sub(s.samples[i].at) < window {
			j++
		}
		span := s.samples[j].at.Sub(s.samples[i].at)
		if span < window/2 {
			break
		}
		calls := s.samples[j].calls - s.samples[i].calls
		allowed := float64(burst) + float64(span)/float64(refill)
		if excess := (float64(calls) - allowed) / allowed; excess > p.peakExcess {
			p.peakExcess, p.peakCalls, p.peakSpan, p.peakAllowed = excess, calls, span, allowed
			p.peak = float64(calls) / span.Seconds()
		}
	}
	return p
}
