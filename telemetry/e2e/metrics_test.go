// Package e2e_test runs the worker process (workerapp.Run, as the binary does) against a dev
// server and the simulators, drives runs through the starter, scrapes /metrics and checks that
// every metric the alert rules and the dashboard use exists.
package e2e_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sethvargo/go-envconfig"
	"go.yaml.in/yaml/v3"

	"github.com/cartrover-cb/ordermanager/config"
	"github.com/cartrover-cb/ordermanager/internal/mailtest"
	"github.com/cartrover-cb/ordermanager/internal/temporaltest"
	"github.com/cartrover-cb/ordermanager/sandbox"
	"github.com/cartrover-cb/ordermanager/sandbox/cartroversim"
	"github.com/cartrover-cb/ordermanager/sandbox/cbsim"
	"github.com/cartrover-cb/ordermanager/starter/command"
	"github.com/cartrover-cb/ordermanager/worker/workerapp"
)

func TestMain(m *testing.M) { temporaltest.Main(m) }

// worker is a running worker process (in-process workerapp.Run) on its own task queue.
type worker struct {
	metricsURL string
	taskQueue  string
	hostPort   string
	namespace  string
	stop       func() error
}

func startWorker(t *testing.T, ctx context.Context, sb *sandbox.Sandbox, extraEnv map[string]string) *worker {
	t.Helper()
	srv := temporaltest.Server(t)
	tq := temporaltest.TaskQueue(t)
	env := map[string]string{
		"TEMPORAL_ADDRESS":        srv.HostPort,
		"TEMPORAL_NAMESPACE":      srv.Namespace,
		"TASK_QUEUE":              tq,
		"CARTROVER_BASE_URL":      sb.CartRoverURL,
		"CARTROVER_API_USER":      cartroversim.DefaultAPIUser,
		"CARTROVER_API_KEY":       cartroversim.DefaultAPIKey,
		"PAYLOAD_ENCRYPTION_KEYS": temporaltest.PayloadKeys(),
		"CB_BASE_URL":             sb.CBURL,
		"CB_USER_CODE":            cbsim.DefaultUserCode,
		"CB_PASSWORD":             cbsim.DefaultPassword,
		"METRICS_ADDR":            "127.0.0.1:0",
		"OTEL_SDK_DISABLED":       "true",
		"LOG_LEVEL":               "warn",
		"WORKER_STOP_TIMEOUT":     "5s",
	}
	for k, v := range extraEnv {
		env[k] = v
	}
	cfg, err := config.LoadWorkerFrom(ctx, envconfig.MapLookuper(env))
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithCancel(ctx)
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- workerapp.Run(wctx, cfg, workerapp.RunOptions{
			LogOutput: testWriter{t}, HeldInterval: 300 * time.Millisecond,
			OnReady: func(addr string) { ready <- addr },
		})
	}()
	w := &worker{taskQueue: tq, hostPort: srv.HostPort, namespace: srv.Namespace}
	select {
	case addr := <-ready:
		w.metricsURL = "http://" + addr + "/metrics"
	case err := <-done:
		cancel()
		t.Fatalf("the worker stopped during start-up: %v", err)
	case <-ctx.Done():
		cancel()
		t.Fatal("the worker did not start")
	}
	stopped := false
	w.stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		return <-done
	}
	t.Cleanup(func() { _ = w.stop() })
	return w
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Logf("worker: %s", bytes.TrimSpace(p))
	return len(p), nil
}

// starter runs one starter command against the worker's task queue and returns stdout.
func (w *worker) starter(t *testing.T, ctx context.Context, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	all := append([]string{"starter", "--address", w.hostPort, "--namespace", w.namespace, "--task-queue", w.taskQueue}, args...)
	if err := command.Run(ctx, all, command.Env{Stdout: &out, Stderr: &errb, PollInterval: 200 * time.Millisecond}); err != nil {
		t.Fatalf("starter %s: %v %s", strings.Join(args, " "), err, errb.String())
	}
	return out.String()
}

// scrape returns every sample name on /metrics with the samples' text.
func scrape(t *testing.T, url string) (map[string]bool, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var text strings.Builder
	names := map[string]bool{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		l := sc.Text()
		text.WriteString(l + "\n")
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		name := l[:strings.IndexAny(l, "{ ")]
		names[name] = true
	}
	return names, text.String()
}

var (
	promStrings   = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	promMatchers  = regexp.MustCompile(`\{[^{}]*\}`)
	promGrouping  = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	promRanges    = regexp.MustCompile(`\[[^\]]*\]`)
	promIdent     = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*(\s*\()?`)
	promKeywords  = map[string]bool{"and": true, "or": true, "unless": true, "offset": true, "bool": true, "inf": true, "nan": true, "e": true}
	templateParts = regexp.MustCompile(`\$\{[^}]*\}|\$\w+`)
)

// metricNames returns the metric names a PromQL expression selects (not functions, labels,
// keywords or durations).
func metricNames(expr string) []string {
	e := promStrings.ReplaceAllString(expr, `""`)
	e = templateParts.ReplaceAllString(e, "")
	e = promMatchers.ReplaceAllString(e, " ")
	e = promGrouping.ReplaceAllString(e, " ")
	e = promRanges.ReplaceAllString(e, " ")
	var out []string
	for _, m := range promIdent.FindAllStringSubmatchIndex(e, -1) {
		word := e[m[0]:m[1]]
		if m[2] >= 0 { // a function call
			continue
		}
		if m[0] > 0 && (e[m[0]-1] >= '0' && e[m[0]-1] <= '9' || e[m[0]-1] == '.') {
			continue // the exponent or unit of a number (1e-9, 5m)
		}
		if !promKeywords[strings.ToLower(word)] {
			out = append(out, word)
		}
	}
	return out
}

// monitoringExprs returns every PromQL expression of alerts.yaml and dashboard.json, by where it is.
func monitoringExprs(t *testing.T) map[string]string {
	t.Helper()
	root, err := temporaltest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	exprs := map[string]string{}
	var rules struct {
		Groups []struct {
			Rules []struct {
				Alert, Record, Expr string
			}
		}
	}
	b, err := os.ReadFile(filepath.Join(root, "deploy", "monitoring", "alerts.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &rules); err != nil {
		t.Fatalf("alerts.yaml: %v", err)
	}
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			exprs["alert "+r.Alert+r.Record] = r.Expr
		}
	}
	var dash struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	b, err = os.ReadFile(filepath.Join(root, "deploy", "monitoring", "dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("dashboard.json: %v", err)
	}
	for _, p := range dash.Panels {
		for i, tg := range p.Targets {
			exprs[fmt.Sprintf("panel %q target %d", p.Title, i)] = tg.Expr
		}
	}
	if len(exprs) < 5 {
		t.Fatalf("found only %d expressions in deploy/monitoring", len(exprs))
	}
	return exprs
}

func TestMetricNamesParser(t *testing.T) {
	got := metricNames(`sum by (cart) (increase(ordermanager_orders_total{stage="held", cart=~"a|b"}[1h])) / clamp_min(x_total offset 5m, 1e-9) > 0 or absent(up{job="w"}) and on(instance) foo`)
	want := []string{"ordermanager_orders_total", "x_total", "up", "foo"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// syntheticSeries are made by Prometheus itself (not on /metrics).
var syntheticSeries = map[string]bool{"up": true, "scrape_duration_seconds": true}

func TestEveryMetricTheAlertsAndTheDashboardUseExistsAfterAnEndToEndRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	sb, err := sandbox.Start(ctx, sandbox.Options{
		CartRoverAddr: "127.0.0.1:0", CBAddr: "127.0.0.1:0",
		SeedOrders: 20, HeldShare: 0.2, ShipDelay: time.Second, Seed: 3,
		// About one CartRover answer in seven is RateLimit (of some 40 calls: all-ok odds ~0.1%), so cartrover_calls_total{result="rate_limited"} shows.
		CartRoverFaults: cartroversim.Faults{RateLimit: 0.15},
	})
	if err != nil {
		t.Fatal(err)
	}
	// Notifications go to a local webhook receiver and a local SMTP server.
	hook := make(chan string, 10)
	receiver := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		var m map[string]string
		_ = json.NewDecoder(r.Body).Decode(&m)
		hook <- m["text"]
	}))
	defer receiver.Close()
	smtpd := mailtest.Start(t)
	w := startWorker(t, ctx, sb, map[string]string{"NOTIFY_WEBHOOK_URL": receiver.URL, "NOTIFY_SMTP_ADDR": smtpd.Addr})
	root, _ := temporaltest.ModuleRoot()
	sample, err := os.ReadFile(filepath.Join(root, "deploy", "settings.sandbox.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	settingsFile := filepath.Join(t.TempDir(), "settings.yaml")
	notifySection := "\nnotify:\n  webhook: true\n  email: [ops@example.com]\n  window: 1h\n"
	if err := os.WriteFile(settingsFile, append(sample, notifySection...), 0o644); err != nil {
		t.Fatal(err)
	}

	// A schedule's run imports the orders (some held); then a run posts their shipments.
	w.starter(t, ctx, "setup")
	w.starter(t, ctx, "schedule", "apply", "--id", "metrics-orders", "--settings", settingsFile, "--tasks", "orders,shipments,inventory,products", "--every", "1h", "--paused")
	t.Cleanup(func() {
		var out bytes.Buffer
		_ = command.Run(context.Background(), []string{"starter", "--address", w.hostPort, "schedule", "delete", "metrics-orders", "--yes"}, command.Env{Stdout: &out, Stderr: &out})
	})
	w.starter(t, ctx, "schedule", "trigger", "metrics-orders")
	var names map[string]bool
	var text string
	for {
		names, text = scrape(t, w.metricsURL)
		if names["ordermanager_runs_total"] && strings.Contains(text, `schedule="metrics-orders"`) {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the scheduled run was never recorded:\n%s", grep(text, "ordermanager_"))
		case <-time.After(300 * time.Millisecond):
		}
	}
	// The CB simulator ships each order a second after it is saved: a shipments run (the scheduled
	// one, or the next) posts the boxes.
	for try := 0; sampleSum(text, "ordermanager_tracking_numbers_posted_total") == 0; try++ {
		if try == 20 {
			t.Fatalf("no tracking number was posted:\n%s", grep(text, "ordermanager_"))
		}
		time.Sleep(time.Second)
		w.starter(t, ctx, "run", "--settings", settingsFile, "--tasks", "shipments", "--wait")
		_, text = scrape(t, w.metricsURL)
	}
	for {
		names, text = scrape(t, w.metricsURL)
		if names["ordermanager_orders_held"] && names["ordermanager_tracking_numbers_posted_total"] {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("held gauge or tracking counter never showed:\n%s", grep(text, "ordermanager_"))
		case <-time.After(300 * time.Millisecond):
		}
	}
	// The scheduled run held some orders: one message, by webhook and by e-mail.
	select {
	case text := <-hook:
		if !strings.Contains(text, "new held") || !strings.Contains(text, "schedule metrics-orders") {
			t.Errorf("webhook message: %s", text)
		}
		t.Logf("webhook received:\n%s", text)
	case <-ctx.Done():
		t.Fatal("no webhook message for the run's held orders")
	}
	select {
	case <-smtpd.Got():
		t.Logf("e-mail received:\n%s", smtpd.Received()[0].Data)
	case <-ctx.Done():
		t.Fatal("no e-mail for the run's held orders")
	}
	t.Logf("business metrics after the run:\n%s", grep(text, "ordermanager_", "cartrover_calls", "connectedbusiness_call_duration_seconds_count"))

	exprs := monitoringExprs(t)
	keys := make([]string, 0, len(exprs))
	for k := range exprs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	used := map[string]bool{}
	for _, where := range keys {
		for _, n := range metricNames(exprs[where]) {
			used[n] = true
			switch {
			case names[n], syntheticSeries[n]:
			default:
				t.Errorf("%s uses %s, which /metrics does not have after an end-to-end run", where, n)
			}
		}
	}
	for _, must := range []string{"ordermanager_orders_held", "ordermanager_orders_held_oldest_age_seconds", "cartrover_calls_total",
		"connectedbusiness_call_duration_seconds_bucket", "ordermanager_dependency_unreachable_seconds", "ordermanager_run_last_success_seconds"} {
		if !used[must] {
			t.Errorf("neither the alerts nor the dashboard use %s", must)
		}
	}
	// Held orders need a person, not an alert: they show as held and never as a failure.
	if held := sampleSum(text, "ordermanager_orders_total", `stage="held"`); held == 0 {
		t.Errorf("no order was counted held although a fifth of the seeded orders are:\n%s", grep(text, "ordermanager_orders"))
	}
	if failed := sampleSum(text, "ordermanager_orders_total", `stage="failed"`); failed != 0 {
		t.Errorf("%v orders counted failed; the scenario has held orders but no broken one:\n%s", failed, grep(text, "ordermanager_orders"))
	}
	if failed := sampleSum(text, "temporal_workflow_failed_total"); failed != 0 {
		t.Errorf("%v workflows counted failed; a held order must not fail its workflow:\n%s", failed, grep(text, "temporal_workflow_failed_total"))
	}
	// A graceful stop signs the worker out of CB: the next sign-in as this user need not force.
	if !sb.CB.SignedIn(cbsim.DefaultUserCode) {
		t.Fatal("the worker is not signed in to CB after its runs")
	}
	if err := w.stop(); err != nil {
		t.Fatalf("worker stop: %v", err)
	}
	if sb.CB.SignedIn(cbsim.DefaultUserCode) {
		t.Error("the worker stopped without signing out of CB")
	}
	if !strings.Contains(text, `result="rate_limited"`) {
		t.Errorf("no rate-limited CartRover call was counted although the simulator answered RateLimit:\n%s", grep(text, "cartrover_calls"))
	}
}

// sampleSum adds up the values of every sample of metric name whose labels contain each of labels
// (for example `stage="held"`).
func sampleSum(text, name string, labels ...string) float64 {
	sum := 0.0
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, name+"{") && hasAll(l[:strings.LastIndex(l, " ")], labels) || strings.HasPrefix(l, name+" ") && len(labels) == 0 {
			var v float64
			if _, err := fmt.Sscan(l[strings.LastIndex(l, " ")+1:], &v); err == nil {
				sum += v
			}
		}
	}
	return sum
}

func hasAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

func grep(text string, prefixes ...string) string {
	var b strings.Builder
	for _, l := range strings.Split(text, "\n") {
		for _, p := range prefixes {
			if strings.HasPrefix(l, p) {
				b.WriteString(l + "\n")
				break
			}
		}
	}
	return b.String()
}
