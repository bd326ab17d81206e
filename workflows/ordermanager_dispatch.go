package workflows

import (
	"context"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cartrover-cb/ordermanager/activities"
	"github.com/cartrover-cb/ordermanager/settings"
	"github.com/cartrover-cb/ordermanager/telemetry"
)

// dispatchVersion is the workflow.GetVersion change ID under which Order Send dispatches orders to
// their Order workflows; runs recorded before it (no marker) keep importing in ImportOrder children.
const dispatchVersion = "order-send-dispatch"

// MaxDispatchTime bounds how long one run dispatches orders: a run that reaches it stops listing
// (the next scheduled run goes on), so a run's age stays bounded whatever CartRover or Temporal do.
const MaxDispatchTime = 15 * time.Minute

// dispatchOrders is Order Send as discover-and-dispatch: hand the held orders new settings when the
// settings changed, then list CartRover's new orders page by page and hand each to its Order
// workflow (DispatchPage), never waiting for an import. download_limit counts only orders new to
// their workflow and importable, so held orders neither fill it nor stall the run.
func (m *orderManager) dispatchOrders(ctx workflow.Context) error {
	s := m.summary.Orders
	if s == nil {
		s = &OrdersSummary{}
		m.summary.Orders = s
	}
	if s.Dispatch == nil {
		s.Dispatch = &activities.DispatchCounts{}
	}
	digest := activities.Digest(m.in.Settings)
	started := workflow.Now(ctx)
	if m.carry.NextPage == 0 && len(m.in.CustRefs) == 0 {
		var re activities.RecheckHeldResult
		if err := workflow.ExecuteActivity(recheckOptions(ctx), orderActs.RecheckHeld,
			activities.RecheckHeldInput{Settings: m.in.Settings, Digest: digest, TaskQueue: workflow.GetInfo(ctx).TaskQueueName}).Get(ctx, &re); err != nil {
			m.logger.Warn("Could not hand the held orders the new settings; the next run tries again", "Error", err)
		}
		s.Rechecked += re.Rechecking
		m.carry.NextPage = 1
	}
	limit := m.in.Settings.DownloadLimit
	if limit <= 0 {
		limit = settings.DefaultDownloadLimit
	}
	for {
		in := activities.DispatchPageInput{
			Settings: m.in.Settings, SettingsDigest: digest, TaskQueue: workflow.GetInfo(ctx).TaskQueueName,
			From: m.carry.From, Page: m.carry.NextPage, Limit: OrderPageSize, Remaining: limit - s.Dispatch.New,
			SkipKeys: m.carry.Boundary, CustRefs: m.in.CustRefs,
		}
		var page activities.DispatchPageResult
		fut := workflow.ExecuteActivity(dispatchOptions(ctx), orderActs.DispatchPage, in)
		if workflow.GetVersion(ctx, dependenciesVersion, workflow.DefaultVersion, 1) == 1 {
			m.watchDependencies(ctx, fut)
		}
		if err := fut.Get(ctx, &page); err != nil {
			return err
		}
		// Orders that answered while their import waits on a failing system: say which systems
		// the worker cannot reach (the page may have been quicker than the watch's first look).
		if page.Counts.Waiting > 0 && workflow.GetVersion(ctx, waitingVersion, workflow.DefaultVersion, 1) == 1 {
			m.refreshDependencies(ctx)
		}
		s.Dispatch.Add(page.Counts)
		s.Downloaded = s.Dispatch.New
		s.Held = s.Dispatch.NewHeld + s.Dispatch.AlreadyHeld + s.Dispatch.Quarantined
		for _, p := range page.Problems {
			m.problem(p)
		}
		s.Retried = append(s.Retried, page.Retried...)
		m.setDetails(ctx)
		if len(m.in.CustRefs) > 0 || page.LimitReached || !page.Full {
			return nil
		}
		// The next page starts at the last created date seen: dispatched orders leave the list
		// (held ones before their dispatch answers, imported ones soon after), which shifts page
		// numbers but not a watermark. Orders created in the watermark's second are listed again
		// and skipped by key; only a page made entirely of them moves on to the next page.
		// The keys to skip are this page's: at the watermark's second the next call can list
		// again only what this page listed (orders leave the list or keep their order; newer ones
		// come after them). Carrying every key seen since the run began grew without bound when
		// thousands of orders shared one second, and past a cap the run skipped pages of orders.
		if page.LastCreated.After(m.carry.From) {
			m.carry.From, m.carry.NextPage = page.LastCreated, 1
		} else if page.Counts.Listed == 0 {
			m.carry.NextPage++
		} else if page.Relisted > page.Counts.Listed {
			// Mostly orders still importing: give them a moment to leave the list.
			_ = workflow.Sleep(ctx, 2*time.Second)
		}
		m.carry.Boundary = page.BoundaryKeys
		if workflow.Now(ctx).Sub(started) > MaxDispatchTime {
			s.StoppedEarly = "dispatching took longer than " + MaxDispatchTime.String() + "; the next run goes on"
			return nil
		}
		if workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			return m.continueAsNew(ctx)
		}
	}
}

// dependenciesVersion is the workflow.GetVersion change ID under which a run waiting on a page
// asks the worker which systems it cannot reach (runs recorded before it just wait).
const dependenciesVersion = "progress-dependencies"

// waitingVersion is the workflow.GetVersion change ID under which a page whose orders wait on a
// failing system makes the run read which systems the worker cannot reach.
const waitingVersion = "progress-waiting-orders"

// dependencyCheckEvery is how long a run waits on one page before it asks the worker which systems
// it cannot reach, so that its progress query says "CB unreachable since …" during an outage.
const dependencyCheckEvery = 30 * time.Second

// watchDependencies waits for page and, every dependencyCheckEvery it is not ready, records in the
// run's summary which systems the worker cannot reach (a local activity reads the worker's view:
// its clients mark a system unreachable when it stops answering). A page done in time costs a
// started and a canceled timer (two events).
func (m *orderManager) watchDependencies(ctx workflow.Context, page workflow.Future) {
	tctx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	for !page.IsReady() {
		ready := false
		workflow.NewSelector(ctx).
			AddFuture(page, func(workflow.Future) { ready = true }).
			AddFuture(workflow.NewTimer(tctx, dependencyCheckEvery), func(workflow.Future) {}).
			Select(ctx)
		if ready {
			break
		}
		m.refreshDependencies(ctx)
	}
	if len(m.summary.Unreachable) > 0 {
		m.refreshDependencies(ctx) // the page is done: say whether they answer again
	}
}

func (m *orderManager) refreshDependencies(ctx workflow.Context) {
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{StartToCloseTimeout: 5 * time.Second})
	var states []telemetry.DependencyState
	if err := workflow.ExecuteLocalActivity(lctx, workerDependencies).Get(ctx, &states); err != nil {
		m.logger.Warn("Could not read which systems the worker reaches", "Error", err)
		return
	}
	m.summary.Unreachable = states
	m.setDetails(ctx)
}

// workerDependencies is the local activity behind refreshDependencies: the worker's own view.
func workerDependencies(context.Context) ([]telemetry.DependencyState, error) {
	return telemetry.Unreachable(), nil
}

// dispatchOptions: one CartRover list call per attempt (paced by the CartRover client), then one
// Update-with-Start per order; a retry resumes from the heartbeat. Retries are bounded by time,
// so RateLimit answers only delay the page.
func dispatchOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    5 * time.Minute,
		ScheduleToCloseTimeout: 15 * time.Minute,
		HeartbeatTimeout:       time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute,
		},
	})
}

// recheckOptions: visibility reads and updates only (no CartRover or CB call).
func recheckOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 5 * time.Minute,
		HeartbeatTimeout:    time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumAttempts: 3},
	})
}
