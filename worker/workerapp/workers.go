// Package workerapp wires the worker process: the real CartRover and Connected Business clients
// into the Activities, and one Temporal worker on the task queue (every workflow and activity).
// CartRover's rate limit is kept by the CartRover client's pacer, not by Temporal. The worker
// binary and the end-to-end test harness share this code.
package workerapp

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/worker"

	"github.com/cartrover-cb/ordermanager/activities"
	"github.com/cartrover-cb/ordermanager/config"
	"github.com/cartrover-cb/ordermanager/telemetry/runmetrics"
	"github.com/cartrover-cb/ordermanager/workflows"
)

// Options sizes the worker. Zero values take the config.Tuning defaults.
type Options struct {
	// TaskQueue is the task queue of the workflows and activities.
	TaskQueue string
	// Tuning sizes pollers and slots and bounds the graceful stop.
	Tuning config.Tuning
	// OnFatalError is called when the worker stops on its own (e.g. the namespace vanished).
	OnFatalError func(error)
	// OnRunEnd, if set, is told of every OrderManager run that finishes (it must not block).
	OnRunEnd func(runmetrics.RunEnd)
}

// Workers is the Temporal worker of one process.
type Workers struct {
	// Main polls the task queue: workflows and every activity.
	Main worker.Worker
}

// NewWorkers creates (does not start) the worker on c and registers the workflows under their
// fixed names and acts' methods under their method names. It gives acts the client c when acts has
// none (the dispatching activities start Order workflows with it).
func NewWorkers(c client.Client, acts *activities.Activities, opts Options) (*Workers, error) {
	if opts.TaskQueue == "" {
		return nil, errors.New("workerapp: Options.TaskQueue is empty: set TASK_QUEUE (default order-manager)")
	}
	t := opts.Tuning.WithDefaults()
	w := &Workers{Main: worker.New(c, opts.TaskQueue, worker.Options{
		MaxConcurrentWorkflowTaskPollers:   t.WorkflowPollers,
		MaxConcurrentActivityTaskPollers:   t.ActivityPollers,
		MaxConcurrentActivityExecutionSize: t.MaxConcurrentActivities,
		WorkerStopTimeout:                  t.StopTimeout,
		OnFatalError:                       opts.OnFatalError,
		// Business metrics (and notifications) of every finished OrderManager run.
		Interceptors: []interceptor.WorkerInterceptor{runmetrics.NewRunInterceptor(opts.OnRunEnd)},
	})}
	if acts.Temporal == nil {
		acts.Temporal = c // DispatchPage hands orders to their Order workflows with it
	}
	workflows.Register(w.Main)
	w.Main.RegisterActivity(acts)
	return w, nil
}

// Start starts the worker (it polls once Start returns).
func (w *Workers) Start() error {
	if err := w.Main.Start(); err != nil {
		return fmt.Errorf("start worker on the task queue: %w", err)
	}
	return nil
}

// Stop stops the worker, waiting up to its WorkerStopTimeout for running activities.
func (w *Workers) Stop() { w.Main.Stop() }

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
