package telemetry

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/cartrover-cb/ordermanager/cartrover"
	"github.com/cartrover-cb/ordermanager/connectedbusiness"
)

// Business metric names (OpenTelemetry instrument names; Prometheus shows dots as underscores,
// adds _total to counters and the unit suffix, e.g. _seconds). The dashboard and alerts in
// deploy/monitoring use exactly these; a test checks they exist after an end-to-end run.
const (
	// MetricOrders counts orders by cart and stage reached (dispatched, imported, held, canceled,
	// failed); the order workflow records it through its replay-safe metrics handler.
	MetricOrders = "ordermanager.orders"
	// MetricOrdersHeld is the number of orders held for a human now (OrderStage = held).
	MetricOrdersHeld = "ordermanager.orders.held"
	// MetricOrdersHeldOldestAge is how long (s) the oldest held order has been waiting.
	MetricOrdersHeldOldestAge = "ordermanager.orders.held.oldest_age"
	// MetricCartRoverCalls counts CartRover calls by route and result (ok, rate_limited, error).
	MetricCartRoverCalls = "cartrover.calls"
	// MetricCBCallDuration is the latency (s) of CB calls by operation and result (ok, error).
	MetricCBCallDuration = "connectedbusiness.call.duration"
	// MetricShipmentsPosted counts orders whose shipment was confirmed to CartRover (status shipped or partial).
	MetricShipmentsPosted = "ordermanager.shipments.posted"
	// MetricTrackingNumbersPosted counts boxes posted to CartRover, each with its tracking number.
	MetricTrackingNumbersPosted = "ordermanager.tracking_numbers.posted"
	// MetricItemsPushed counts items pushed to CartRover by kind (inventory, products).
	MetricItemsPushed = "ordermanager.items.pushed"
	// MetricRuns counts finished OrderManager runs by schedule and result (completed, failed).
	MetricRuns = "ordermanager.runs"
	// MetricRunLastSuccess is the time (Unix seconds) of the last successful run per schedule and task.
	MetricRunLastSuccess = "ordermanager.run.last_success"
	// MetricDependencyUnreachable is how long (s) a system (cartrover, connectedbusiness) has been
	// unreachable from this worker; 0 while it answers.
	MetricDependencyUnreachable = "ordermanager.dependency.unreachable"
)

// Systems named by MetricDependencyUnreachable and Unreachable.
const (
	// SystemCartRover is the CartRover Merchant API.
	SystemCartRover = "cartrover"
	// SystemCB is Connected Business.
	SystemCB = "connectedbusiness"
)

type instruments struct {
	crCalls      metric.Int64Counter
	cbDuration   metric.Float64Histogram
	shipments    metric.Int64Counter
	tracking     metric.Int64Counter
	items        metric.Int64Counter
	runs         metric.Int64Counter
	lastSuccess  metric.Float64Gauge
	held         metric.Int64Gauge
	heldOldest   metric.Float64Gauge
	unreachable  metric.Float64ObservableGauge
	registration metric.Registration
}

var (
	instMu       sync.Mutex
	instProvider metric.MeterProvider
	inst         *instruments
)

// business returns the business instruments on the global meter provider (the one New sets),
// made again when the provider changes, so the client hooks can be wired before telemetry starts.
func business() *instruments {
	mp := otel.GetMeterProvider()
	instMu.Lock()
	defer instMu.Unlock()
	if inst != nil && instProvider == mp {
		return inst
	}
	if inst != nil && inst.registration != nil {
		_ = inst.registration.Unregister()
	}
	instProvider, inst = mp, &instruments{}
	{
		inst := inst
		m := mp.Meter(instrumentationName)
		inst.crCalls, _ = m.Int64Counter(MetricCartRoverCalls, metric.WithUnit("{call}"), metric.WithDescription("CartRover calls by route and result (ok, rate_limited, error)"))
		inst.cbDuration, _ = m.Float64Histogram(MetricCBCallDuration, metric.WithUnit("s"), metric.WithDescription("Connected Business call latency by operation and result"))
		inst.shipments, _ = m.Int64Counter(MetricShipmentsPosted, metric.WithUnit("{order}"), metric.WithDescription("orders whose shipment was confirmed to CartRover, by status (shipped, partial)"))
		inst.tracking, _ = m.Int64Counter(MetricTrackingNumbersPosted, metric.WithUnit("{box}"), metric.WithDescription("boxes posted to CartRover, each with its tracking number"))
		inst.items, _ = m.Int64Counter(MetricItemsPushed, metric.WithUnit("{item}"), metric.WithDescription("items pushed to CartRover by kind (inventory, products)"))
		inst.runs, _ = m.Int64Counter(MetricRuns, metric.WithUnit("{run}"), metric.WithDescription("finished OrderManager runs by schedule and result (completed, failed)"))
		inst.lastSuccess, _ = m.Float64Gauge(MetricRunLastSuccess, metric.WithUnit("s"), metric.WithDescription("Unix time of the last successful run, by schedule and task"))
		inst.held, _ = m.Int64Gauge(MetricOrdersHeld, metric.WithUnit("{order}"), metric.WithDescription("orders held for a human now"))
		inst.heldOldest, _ = m.Float64Gauge(MetricOrdersHeldOldestAge, metric.WithUnit("s"), metric.WithDescription("age of the oldest held order (0 when none)"))
		inst.unreachable, _ = m.Float64ObservableGauge(MetricDependencyUnreachable, metric.WithUnit("s"), metric.WithDescription("how long a system has been unreachable from this worker (0 = reachable)"))
		inst.registration, _ = m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
			now := time.Now()
			for _, sys := range []string{SystemCartRover, SystemCB} {
				v := 0.0
				if since, down := unreachableSince(sys); down {
					v = now.Sub(since).Seconds()
				}
				o.ObserveFloat64(inst.unreachable, v, metric.WithAttributes(attribute.String("system", sys)))
			}
			return nil
		}, inst.unreachable)
	}
	return inst
}

// ObserveCartRoverCall is the CartRover client's Observe hook: it counts the call by route and
// result and tracks whether CartRover is reachable.
func ObserveCartRoverCall(ctx context.Context, route string, err error, _ time.Duration) {
	result := "ok"
	var ce *cartrover.Error
	switch {
	case err == nil:
	case cartrover.IsRateLimit(err):
		result = "rate_limited"
	default:
		result = "error"
	}
	business().crCalls.Add(ctx, 1, metric.WithAttributes(attribute.String("route", route), attribute.String("result", result)))
	switch {
	case err == nil, errors.As(err, &ce) && !unreachableCode(ce.Code):
		markReachable(SystemCartRover) // it answered
	case errors.As(err, &ce) && ce.Code == cartrover.CodeCanceled:
	default:
		markUnreachable(SystemCartRover)
	}
}

func unreachableCode(c cartrover.ErrorCode) bool {
	switch c {
	case cartrover.CodeTransport, cartrover.CodeTimeout, cartrover.CodeServer, cartrover.CodeBadResponse, cartrover.CodeCanceled:
		return true
	}
	return false
}

// ObserveCBCall is the CB client's Observe hook: it records the call's latency by operation and
// result and tracks whether CB is reachable (no answer, or HTTP 5xx, = unreachable).
func ObserveCBCall(ctx context.Context, operation string, err error, elapsed time.Duration) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	business().cbDuration.Record(ctx, elapsed.Seconds(), metric.WithAttributes(attribute.String("operation", operation), attribute.String("result", result)))
	var te *connectedbusiness.TransportError
	switch {
	case errors.As(err, &te) && (te.StatusCode == 0 || te.StatusCode >= 500):
		if ctx.Err() == nil {
			markUnreachable(SystemCB)
		}
	default:
		markReachable(SystemCB) // it answered (an answer about a record is still an answer)
	}
}

var (
	reachMu   sync.Mutex
	downSince = map[string]time.Time{}
	// stateHooks are told when a system becomes unreachable or reachable again (notifications).
	stateHooks []hook
)

func markUnreachable(system string) {
	reachMu.Lock()
	if _, down := downSince[system]; down {
		reachMu.Unlock()
		return
	}
	now := time.Now()
	downSince[system] = now
	hooks := stateHooks
	reachMu.Unlock()
	for _, h := range hooks {
		(*h.f)(system, true, now)
	}
}

func markReachable(system string) {
	reachMu.Lock()
	since, down := downSince[system]
	if !down {
		reachMu.Unlock()
		return
	}
	delete(downSince, system)
	hooks := stateHooks
	reachMu.Unlock()
	for _, h := range hooks {
		(*h.f)(system, false, since)
	}
}

func unreachableSince(system string) (time.Time, bool) {
	reachMu.Lock()
	defer reachMu.Unlock()
	t, ok := downSince[system]
	return t, ok
}

// DependencyState is a system this worker cannot reach, and since when.
type DependencyState struct {
	// System is cartrover or connectedbusiness.
	System string `json:"system"`
	// Since is when its calls started failing without an answer.
	Since time.Time `json:"since"`
}

// Unreachable lists the systems (CartRover, CB) this worker process currently cannot reach: the
// last call got no answer (or HTTP 5xx) and none has answered since. Activities can put it in a
// run's progress; it is empty while both answer.
func Unreachable() []DependencyState {
	var out []DependencyState
	for _, sys := range []string{SystemCartRover, SystemCB} {
		if since, down := unreachableSince(sys); down {
			out = append(out, DependencyState{System: sys, Since: since})
		}
	}
	return out
}

// OnDependencyChange registers f to be told when a system becomes unreachable (true) or answers
// again (false); since is when it stopped answering. The returned function unregisters it.
func OnDependencyChange(f func(system string, unreachable bool, since time.Time)) (stop func()) {
	reachMu.Lock()
	defer reachMu.Unlock()
	h := &f
	stateHooks = append(stateHooks, hook{h})
	return func() {
		reachMu.Lock()
		defer reachMu.Unlock()
		stateHooks = slices.DeleteFunc(slices.Clone(stateHooks), func(x hook) bool { return x.f == h })
	}
}

type hook struct {
	f *func(system string, unreachable bool, since time.Time)
}

// RecordHeld sets the held-orders gauges: how many are held now and the age of the oldest.
func RecordHeld(ctx context.Context, count int, oldest time.Duration) {
	b := business()
	b.held.Record(ctx, int64(count))
	b.heldOldest.Record(ctx, oldest.Seconds())
}

// RunFigures are what one finished OrderManager run contributes to the business metrics.
type RunFigures struct {
	// Schedule started the run ("manual" or "retry" outside schedules).
	Schedule string
	// Completed is false when the run failed.
	Completed bool
	// EndUnix is when it ended (Unix seconds; the workflow's clock).
	EndUnix int64
	// Tasks are the tasks it ran.
	Tasks []string
	// OrdersShipped, OrdersPartial and BoxesPosted are its shipment figures.
	OrdersShipped, OrdersPartial, BoxesPosted int
	// InventoryPosted and ProductsPosted are the items it pushed.
	InventoryPosted, ProductsPosted int
}

// RecordRun records one finished run: runs by result, the last success per schedule and task,
// shipments, tracking numbers and items pushed.
func RecordRun(ctx context.Context, f RunFigures) {
	b := business()
	sched := attribute.String("schedule", f.Schedule)
	if !f.Completed {
		b.runs.Add(ctx, 1, metric.WithAttributes(sched, attribute.String("result", "failed")))
		return
	}
	b.runs.Add(ctx, 1, metric.WithAttributes(sched, attribute.String("result", "completed")))
	for _, t := range f.Tasks {
		b.lastSuccess.Record(ctx, float64(f.EndUnix), metric.WithAttributes(sched, attribute.String("task", t)))
	}
	b.shipments.Add(ctx, int64(f.OrdersShipped), metric.WithAttributes(attribute.String("status", "shipped")))
	b.shipments.Add(ctx, int64(f.OrdersPartial), metric.WithAttributes(attribute.String("status", "partial")))
	b.tracking.Add(ctx, int64(f.BoxesPosted))
	b.items.Add(ctx, int64(f.InventoryPosted), metric.WithAttributes(attribute.String("kind", "inventory")))
	b.items.Add(ctx, int64(f.ProductsPosted), metric.WithAttributes(attribute.String("kind", "products")))
}
