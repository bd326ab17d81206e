// Package runmetrics is the workflow-aware half of the business metrics: a worker interceptor
// that records each finished OrderManager run, and the held-orders count from visibility. It is
// apart from package telemetry so that workflow code may use telemetry's names without a cycle.
package runmetrics

import (
	"context"
	"errors"
	"strings"

	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cartrover-cb/ordermanager/telemetry"
	"github.com/cartrover-cb/ordermanager/workflows"
)

// RunEnd is one finished OrderManager run, as the run interceptor saw it.
type RunEnd struct {
	// WorkflowID and RunID identify the run.
	WorkflowID, RunID string
	// Schedule is the schedule that started it ("" for manual runs and retries).
	Schedule string
	// Input is the run's input (settings and tasks).
	Input workflows.OrderManagerInput
	// Summary is its result (nil when it failed).
	Summary *workflows.RunSummary
	// Err is why it failed ("" when it completed).
	Err string
}

// NewRunInterceptor records, when an OrderManager run finishes (never on replay), the business
// metrics its summary carries — runs by result, last success per schedule and task, shipments,
// tracking numbers and items pushed — and hands the run to onEnd (nil = none; it must not block).
func NewRunInterceptor(onEnd func(RunEnd)) interceptor.WorkerInterceptor {
	return &runInterceptor{onEnd: onEnd}
}

type runInterceptor struct {
	interceptor.WorkerInterceptorBase
	onEnd func(RunEnd)
}

func (r *runInterceptor) InterceptWorkflow(ctx workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	i := &runInbound{onEnd: r.onEnd}
	i.Next = next
	return i
}

type runInbound struct {
	interceptor.WorkflowInboundInterceptorBase
	onEnd func(RunEnd)
}

func (i *runInbound) ExecuteWorkflow(ctx workflow.Context, in *interceptor.ExecuteWorkflowInput) (any, error) {
	res, err := i.Next.ExecuteWorkflow(ctx, in)
	info := workflow.GetInfo(ctx)
	if info.WorkflowType.Name != workflows.OrderManagerName || workflow.IsReplaying(ctx) {
		return res, err
	}
	if err != nil && workflow.IsContinueAsNewError(err) {
		return res, err // the run goes on in its next hop
	}
	end := RunEnd{WorkflowID: info.WorkflowExecution.ID, RunID: info.WorkflowExecution.RunID, Schedule: scheduleOf(ctx, info)}
	if len(in.Args) > 0 {
		if input, ok := in.Args[0].(workflows.OrderManagerInput); ok {
			end.Input = input
		}
	}
	if err != nil {
		end.Err = rootCause(err)
	} else if s, ok := res.(workflows.RunSummary); ok {
		end.Summary = &s
	} else if s, ok := res.(*workflows.RunSummary); ok && s != nil {
		end.Summary = s
	}
	recordRunEnd(end, workflow.Now(ctx).Unix())
	if i.onEnd != nil {
		i.onEnd(end)
	}
	return res, err
}

func rootCause(err error) string {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err.Error()
		}
		err = u
	}
}

// scheduledByKey is the search attribute the server sets on the runs a schedule starts.
var scheduledByKey = temporal.NewSearchAttributeKeyKeyword("TemporalScheduledById")

// scheduleOf is the ID of the schedule that started the run, from its TemporalScheduledById
// search attribute ("" when none did).
func scheduleOf(ctx workflow.Context, info *workflow.Info) string {
	if id, ok := workflow.GetTypedSearchAttributes(ctx).GetKeyword(scheduledByKey); ok && id != "" {
		return id
	}
	if strings.HasPrefix(info.WorkflowExecution.ID, "ordermanager:retry:") {
		return "retry"
	}
	return "manual"
}

func recordRunEnd(e RunEnd, nowUnix int64) {
	f := telemetry.RunFigures{Schedule: e.Schedule, Completed: e.Summary != nil, EndUnix: nowUnix}
	if s := e.Summary; s != nil {
		for _, t := range s.Tasks {
			f.Tasks = append(f.Tasks, string(t))
		}
		if s.Shipments != nil {
			f.OrdersShipped, f.OrdersPartial, f.BoxesPosted = s.Shipments.OrdersShipped, s.Shipments.OrdersPartial, s.Shipments.BoxesPosted
		}
		if s.Inventory != nil {
			f.InventoryPosted = s.Inventory.Posted
		}
		if s.Products != nil {
			f.ProductsPosted = s.Products.Posted
		}
	}
	telemetry.RecordRun(context.Background(), f)
}
