// Package workerapp wires the worker process: the real CartRover and Connected Business clients
// into the Activities, and two Temporal workers on one client — the main task queue (every
// workflow and activity) and the CartRover task queue (activities only, rate-capped by the server
// across all workers). The worker binary and the end-to-end test harness share this code.
package workerapp

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/worker"

	"github.com/cartrover-cb/ordermanager/activities"
	"github.com/cartrover-cb/ordermanager/config"
	"github.com/cartrover-cb/ordermanager/telemetry/runmetrics"
	"github.com/cartrover-cb/ordermanager/workflows"
)

// Options sizes the two workers. Zero values take the config.Tuning defaults.
type Options struct {
	// TaskQueue is the main task queue; the CartRover queue is workflows.CartRoverTaskQueue(TaskQueue).
	TaskQueue string
	// CartRoverActivitiesPerSecond is the server-side cap of the CartRover queue (all workers together).
	CartRoverActivitiesPerSecond float64
	// Tuning sizes pollers and slots and bounds the graceful stop.
	Tuning config.Tuning
	// OnFatalError is called when a worker stops on its own (e.g. the namespace vanished).
	OnFatalError func(error)
	// OnRunEnd, if set, is told of every OrderManager run that finishes (it must not block).
	OnRunEnd func(runmetrics.RunEnd)
}

// cartRoverPollers is enough for a queue the server caps near 1.6 activities/s; more pollers
// would only hold idle long-polls open.
const cartRoverPollers = 2

// Workers is the pair of Temporal workers of one process.
type Workers struct {
	// Main polls the main task queue: workflows and every activity.
	Main worker.Worker
	// CartRover polls the CartRover task queue: activities only, rate-capped by the server.
	CartRover worker.Worker
}

// NewWorkers creates (does not start) the two workers on c and registers the workflows under
// their fixed names and acts' methods under their method names.
func NewWorkers(c client.Client, acts *activities.Activities, opts Options) (*Workers, error) {
	if opts.TaskQueue == "" {
		return nil, errors.New("workerapp: Options.TaskQueue is empty: set TASK_QUEUE (default order-manager)")
	}
	if opts.CartRoverActivitiesPerSecond <= 0 {
		return nil, fmt.Errorf("workerapp: CartRover rate %v is not positive: set CARTROVER_ACTIVITIES_PER_SECOND", opts.CartRoverActivitiesPerSecond)
	}
	t := withDefaults(opts.Tuning)
	mainOpts := worker.Options{
		MaxConcurrentWorkflowTaskPollers:   t.WorkflowPollers,
		MaxConcurrentActivityTaskPollers:   t.ActivityPollers,
		MaxConcurrentActivityExecutionSize: t.MaxConcurrentActivities,
		WorkerStopTimeout:                  t.StopTimeout,
		OnFatalError:                       opts.OnFatalError,
		// Business metrics (and notifications) of every finished OrderManager run.
		Interceptors: []interceptor.WorkerInterceptor{runmetrics.NewRunInterceptor(opts.OnRunEnd)},
	}
	crOpts := worker.Options{
		MaxConcurrentActivityTaskPollers:   cartRoverPollers,
		MaxConcurrentActivityExecutionSize: t.MaxConcurrentActivities,
		// The server hands out at most this many CartRover tasks per second to ALL workers of the
		// queue: CartRover's limit is per API user, not per process (DESIGN §3.5).
		TaskQueueActivitiesPerSecond: opts.CartRoverActivitiesPerSecond,
		WorkerStopTimeout:            t.StopTimeout,
		OnFatalError:                 opts.OnFatalError,
	}
	w := &Workers{
		Main:      worker.New(c, opts.TaskQueue, mainOpts),
		CartRover: worker.New(c, workflows.CartRoverTaskQueue(opts.TaskQueue), crOpts),
	}
	workflows.Register(w.Main)
	w.Main.RegisterActivity(acts)
	w.CartRover.RegisterActivity(acts)
	return w, nil
}

func withDefaults(t config.Tuning) config.Tuning {
	if t.WorkflowPollers <= 0 {
		t.WorkflowPollers = 4
	}
	if t.ActivityPollers <= 0 {
		t.ActivityPollers = 8
	}
	if t.MaxConcurrentActivities <= 0 {
		t.MaxConcurrentActivities = 200
	}
	if t.StopTimeout <= 0 {
		t.StopTimeout = 30 * time.Second
	}
	return t
}

// Start starts both workers (they poll once it returns); if the second fails the first is stopped.
func (w *Workers) Start() error {
	if err := w.Main.Start(); err != nil {
		return fmt.Errorf("start worker on the main task queue: %w", err)
	}
	if err := w.CartRover.Start(); err != nil {
		w.Main.Stop()
		return fmt.Errorf("start worker on the CartRover task queue: %w", err)
	}
	return nil
}

// Stop stops both workers, each waiting up to its WorkerStopTimeout for running activities.
func (w *Workers) Stop() {
	done := make(chan struct{})
	go func() { w.CartRover.Stop(); close(done) }()
	w.Main.Stop()
	<-done
}

// Ready reports whether the Temporal frontend answers: with the workers started, that is
// "connected and polling".
func Ready(c client.Client) func(context.Context) error {
	return func(ctx context.Context) error {
		if _, err := c.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
			return fmt.Errorf("temporal not reachable: %w", err)
		}
		return nil
	}
}
