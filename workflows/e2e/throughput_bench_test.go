package e2e_test

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/cartrover-cb/ordermanager/activities"
	"github.com/cartrover-cb/ordermanager/cartrover"
	"github.com/cartrover-cb/ordermanager/config"
	cb "github.com/cartrover-cb/ordermanager/connectedbusiness"
	"github.com/cartrover-cb/ordermanager/internal/temporaltest"
	"github.com/cartrover-cb/ordermanager/sandbox/cartroversim"
	"github.com/cartrover-cb/ordermanager/sandbox/cbsim"
	"github.com/cartrover-cb/ordermanager/settings"
	"github.com/cartrover-cb/ordermanager/workflows"
)

// benchBatch is the number of clean new orders each benchmark iteration imports.
const benchBatch = 60

// BenchmarkOrderSendThroughput runs Order Send on the real dev server with both simulators over
// HTTP (no faults, no CartRover rate limit) and reports imported orders per second, over the
// run's in-flight window (OrderManagerInput.MaxInFlight) and the worker's activity pollers
// (config.Tuning.ActivityPollers). Each iteration imports a fresh batch of benchBatch orders in
// one OrderManager run; a warm-up run of a few orders precedes the timed ones. Compare the
// sub-benchmarks of one run as ratios (the machine is shared). Later sub-benchmarks of one
// process run on a dev server holding more history and lose a few per cent: repeat the whole
// command for rounds, and compare pollers in separate processes (-bench 'Throughput/pollers=2/').
func BenchmarkOrderSendThroughput(b *testing.B) {
	for _, pollers := range []int{2, 8} {
		for _, window := range []int{4, 16, 32} {
			b.Run(fmt.Sprintf("pollers=%d/inflight=%d", pollers, window), func(b *testing.B) {
				s := newBenchSandbox(b, config.Tuning{ActivityPollers: pollers})
				s.importBatch(b, "warmup", 5, window)
				b.ResetTimer()
				var busy time.Duration
				for i := range b.N {
					busy += s.importBatch(b, fmt.Sprintf("run%d", i), benchBatch, window)
				}
				b.ReportMetric(float64(b.N*benchBatch)/busy.Seconds(), "orders/s")
			})
		}
	}
}

// benchSandbox is newSandbox for benchmarks: the CartRover simulator without a rate limit, the
// CB simulator (cbSandbox without faults), and the product's workers with the given tuning.
type benchSandbox struct {
	cr       *cartroversim.Server
	scratch  *cartroversim.Server
	cb       *cbSandbox
	env      *temporaltest.Env
	settings settings.Settings
	seq      string
}

func newBenchSandbox(b *testing.B, tuning config.Tuning) *benchSandbox {
	b.Helper()
	quiet := slog.New(slog.DiscardHandler)
	sim := cartroversim.New(cartroversim.Options{Seed: 61, NoRateLimit: true, Logger: quiet})
	srv := httptest.NewServer(sim)
	b.Cleanup(srv.Close)
	crc, err := cartrover.New(cartrover.Config{BaseURL: srv.URL, APIUser: cartroversim.DefaultAPIUser, APIKey: cartroversim.DefaultAPIKey,
		RatePerSecond: -1, Timeout: 5 * time.Second, Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	cbs := benchCBSandbox(b)
	st, err := settings.Load(filepath.Join("..", "..", "deploy", "settings.sandbox.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	env := temporaltest.NewEnv(b, &activities.Activities{CartRover: crc, CB: cbs.Service},
		temporaltest.WorkerOptions{Tuning: tuning})
	return &benchSandbox{cr: sim, scratch: cartroversim.New(cartroversim.Options{Seed: 62, Logger: quiet}), cb: cbs, env: env,
		settings: st, seq: env.TaskQueue[strings.LastIndex(env.TaskQueue, "-")+1:]}
}

// benchCBSandbox is newCBSandbox for a benchmark: the CB simulator behind httptest, no faults.
func benchCBSandbox(b *testing.B) *cbSandbox {
	b.Helper()
	sim := cbsim.New(cbsim.Options{Password: cbPassword})
	b.Cleanup(func() { _ = sim.Close() })
	s := &cbSandbox{sim: sim, dice: rand.New(rand.NewPCG(63, 2)), seeded: len(sim.Customers())}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	b.Cleanup(srv.Close)
	svc, err := cb.NewWebService(cb.Config{BaseURL: srv.URL + "/webservice/", UserCode: cbsim.DefaultUserCode, Password: cbPassword,
		Timeout: 5 * time.Second, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	s.Service = svc
	return s
}

// importBatch adds n clean new orders (cust_refs unique on the shared dev server, as
// pickupSandbox.addOrders makes them), runs Order Send over them with the given window, checks
// that every one was imported exactly once, and returns how long the run took.
func (s *benchSandbox) importBatch(b *testing.B, name string, n, window int) time.Duration {
	b.Helper()
	b.StopTimer()
	refs := s.scratch.Generate(n, 0)
	for i, ref := range refs {
		o, ok := s.scratch.Order(ref)
		if !ok {
			b.Fatalf("scratch simulator lost order %s", ref)
		}
		o.CustRef = "B" + s.seq + "-" + ref
		o.CustPONo = o.CustRef
		if o.PONumber != "" {
			o.PONumber = o.CustRef
		}
		if err := s.cr.AddOrders(o); err != nil {
			b.Fatal(err)
		}
		refs[i] = o.CustRef
	}
	id := fmt.Sprintf("bench-%s-%s", name, s.seq)
	b.StartTimer()

	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	run, err := s.env.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: s.env.TaskQueue,
		WorkflowExecutionTimeout: 10 * time.Minute}, workflows.OrderManagerName,
		workflows.OrderManagerInput{Settings: s.settings, Tasks: []workflows.Task{workflows.TaskOrders}, MaxInFlight: window})
	if err != nil {
		b.Fatal(err)
	}
	var sum workflows.RunSummary
	if err := run.Get(ctx, &sum); err != nil {
		b.Fatalf("run %s: %v", id, err)
	}
	// The run dispatches; each order imports in its own workflow: the batch is done at at_wms.
	if !waitAtWMS(b, s.cr, refs) {
		b.FailNow()
	}
	took := time.Since(start)

	b.StopTimer()
	if sum.Orders == nil || sum.Orders.Dispatch == nil || sum.Orders.Dispatch.New != n || sum.Orders.Held != 0 {
		b.Fatalf("run %s: summary %+v; want %d dispatched", id, sum.Orders, n)
	}
	for _, ref := range refs {
		if got := s.cb.OrdersFor(ref); got != 1 {
			b.Fatalf("order %s: %d CB orders; want exactly one", ref, got)
		}
	}
	b.StartTimer()
	return took
}
