package temporaltest_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/cartrover-cb/ordermanager/activities"
	"github.com/cartrover-cb/ordermanager/internal/temporaltest"
	"github.com/cartrover-cb/ordermanager/settings"
	"github.com/cartrover-cb/ordermanager/workflows"
)

func TestMain(m *testing.M) { temporaltest.Main(m) }

func TestOrderManagerRunsOnTheDevServerThroughTheWorkerWiring(t *testing.T) {
	root, err := temporaltest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	s, err := settings.Load(filepath.Join(root, "deploy", "settings.sandbox.yaml"))
	if err != nil {
		t.Fatalf("load the sandbox settings: %v", err)
	}
	env := temporaltest.NewEnv(t, &activities.Activities{}, temporaltest.WorkerOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	// No tasks selected: the run touches neither CartRover nor CB, so nil clients are fine.
	run, err := env.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:        "harness-smoke-" + env.TaskQueue,
		TaskQueue: env.TaskQueue,
	}, workflows.OrderManagerName, workflows.OrderManagerInput{Settings: s, Tasks: []workflows.Task{}})
	if err != nil {
		t.Fatalf("start OrderManager: %v", err)
	}
	var summary workflows.RunSummary
	if err := run.Get(ctx, &summary); err != nil {
		t.Fatalf("OrderManager run: %v", err)
	}
	if summary.Orders != nil || summary.Shipments != nil || summary.Inventory != nil || summary.Products != nil {
		t.Errorf("a run with no tasks did work: %+v", summary)
	}
	desc, err := env.Client.DescribeWorkflowExecution(ctx, run.GetID(), run.GetRunID())
	if err != nil {
		t.Fatal(err)
	}
	if got := desc.WorkflowExecutionInfo.GetStatus(); got != enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
		t.Errorf("status = %v, want completed", got)
	}
}

func TestTheTaskQueueHasActivityPollers(t *testing.T) {
	env := temporaltest.NewEnv(t, &activities.Activities{}, temporaltest.WorkerOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, q := range []string{env.TaskQueue} {
		// Pollers register with their first long-poll; wait for it (bounded by ctx).
		for {
			resp, err := env.Client.DescribeTaskQueue(ctx, q, enumspb.TASK_QUEUE_TYPE_ACTIVITY)
			if err != nil {
				t.Fatalf("describe %s: %v", q, err)
			}
			if len(resp.GetPollers()) > 0 {
				break
			}
			select {
			case <-ctx.Done():
				t.Fatalf("no activity poller on %s", q)
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
}

func TestDevServerHasTheProductSearchAttributes(t *testing.T) {
	env := temporaltest.NewClientEnv(t)
	resp, err := env.Client.OperatorService().ListSearchAttributes(context.Background(),
		&operatorservice.ListSearchAttributesRequest{Namespace: env.Server.Namespace})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range workflows.SearchAttributes {
		if got := resp.GetCustomAttributes()[name]; got != enumspb.INDEXED_VALUE_TYPE_KEYWORD {
			t.Errorf("search attribute %s: type %v, want Keyword", name, got)
		}
	}
}

func TestEveryTestGetsItsOwnTaskQueue(t *testing.T) {
	seen := map[string]bool{}
	for range 3 {
		q := temporaltest.TaskQueue(t)
		if seen[q] {
			t.Fatalf("task queue %s handed out twice", q)
		}
		seen[q] = true
	}
}
