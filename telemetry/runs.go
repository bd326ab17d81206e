package telemetry

import (
	"context"
	"errors"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

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
	ctx := context.Background()
	b := business()
	sched := attribute.String("schedule", e.Schedule)
	if e.Summary == nil {
		b.runs.Add(ctx, 1, metric.WithAttributes(sched, attribute.String("result", "failed")))
		return
	}
	b.runs.Add(ctx, 1, metric.WithAttributes(sched, attribute.String("result", "completed")))
	for _, t := range e.Summary.Tasks {
		b.lastSuccess.Record(ctx, float64(nowUnix), metric.WithAttributes(sched, attribute.String("task", string(t))))
	}
	if s := e.Summary.Shipments; s != nil {
		b.shipments.Add(ctx, int64(s.OrdersShipped), metric.WithAttributes(attribute.String("status", "shipped")))
		b.shipments.Add(ctx, int64(s.OrdersPartial), metric.WithAttributes(attribute.String("status", "partial")))
		b.tracking.Add(ctx, int64(s.BoxesPosted))
	}
	if s := e.Summary.Inventory; s != nil {
		b.items.Add(ctx, int64(s.Posted), metric.WithAttributes(attribute.String("kind", "inventory")))
	}
	if s := e.Summary.Products; s != nil {
		b.items.Add(ctx, int64(s.Posted), metric.WithAttributes(attribute.String("kind", "products")))
	}
}
