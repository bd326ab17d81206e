package command_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/golang/mock/gomock"
	"github.com/stretchr/testify/mock"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/operatorservicemock/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/mocks"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/cartrover-cb/ordermanager/starter/command"
	"github.com/cartrover-cb/ordermanager/workflows"
)

func TestSetupRegistersOnlyTheMissingSearchAttributes(t *testing.T) {
	f := newFixture(t)
	expectNamespace(t, f.client)
	op := operatorservicemock.NewMockOperatorServiceClient(gomock.NewController(t))
	f.client.On("OperatorService").Return(op)
	op.EXPECT().ListSearchAttributes(gomock.Any(), gomock.Any()).Return(&operatorservice.ListSearchAttributesResponse{
		CustomAttributes: map[string]enumspb.IndexedValueType{workflows.SACustRef: enumspb.INDEXED_VALUE_TYPE_KEYWORD},
	}, nil)
	op.EXPECT().AddSearchAttributes(gomock.Any(), gomock.Any()).DoAndReturn(
		func(_ context.Context, req *operatorservice.AddSearchAttributesRequest, _ ...any) (*operatorservice.AddSearchAttributesResponse, error) {
			if len(req.SearchAttributes) != 3 || req.SearchAttributes[workflows.SACustRef] != 0 || req.Namespace != "default" {
				t.Errorf("add request %v", req)
			}
			for name, typ := range req.SearchAttributes {
				if typ != enumspb.INDEXED_VALUE_TYPE_KEYWORD {
					t.Errorf("%s registered as %v", name, typ)
				}
			}
			return &operatorservice.AddSearchAttributesResponse{}, nil
		})
	if code := f.run("setup"); code != 0 {
		t.Fatalf("exit %d: %s", code, f.err.String())
	}
	if !strings.Contains(f.out.String(), workflows.SACustRef+" already registered") || !strings.Contains(f.out.String(), "registered search attribute "+workflows.SAImportOutcome) {
		t.Errorf("output: %s", f.out.String())
	}
}

func TestSetupRefusesASearchAttributeOfTheWrongType(t *testing.T) {
	f := newFixture(t)
	expectNamespace(t, f.client)
	op := operatorservicemock.NewMockOperatorServiceClient(gomock.NewController(t))
	f.client.On("OperatorService").Return(op)
	op.EXPECT().ListSearchAttributes(gomock.Any(), gomock.Any()).Return(&operatorservice.ListSearchAttributesResponse{
		CustomAttributes: map[string]enumspb.IndexedValueType{workflows.SAImportOutcome: enumspb.INDEXED_VALUE_TYPE_TEXT},
	}, nil)
	if code := f.run("setup"); code != 1 || !strings.Contains(f.err.String(), workflows.SAImportOutcome) || !strings.Contains(f.err.String(), "must be Keyword") {
		t.Errorf("exit %d: %s", code, f.err.String())
	}
}

func keywordSA(t *testing.T, kv map[string]string) *commonpb.SearchAttributes {
	sa := &commonpb.SearchAttributes{IndexedFields: map[string]*commonpb.Payload{}}
	for k, v := range kv {
		sa.IndexedFields[k] = payload(t, v)
	}
	return sa
}

func TestOrdersListQueriesVisibilityAndShowsWhyAnOrderIsHeld(t *testing.T) {
	f := newFixture(t)
	started := time.Date(2026, 11, 24, 11, 0, 0, 0, time.UTC)
	var query string
	f.client.On("ListWorkflow", mock.Anything, mock.Anything).Run(func(a mock.Arguments) {
		query = a.Get(1).(*workflowservice.ListWorkflowExecutionsRequest).Query
	}).Return(&workflowservice.ListWorkflowExecutionsResponse{Executions: []*workflowpb.WorkflowExecutionInfo{{
		Execution: &commonpb.WorkflowExecution{WorkflowId: workflows.ImportOrderWorkflowID("111000222"), RunId: "r1"},
		Status:    enumspb.WORKFLOW_EXECUTION_STATUS_FAILED, StartTime: timestamppb.New(started),
		SearchAttributes: keywordSA(t, map[string]string{workflows.SACustRef: "111000222", workflows.SAOrderSource: "WooCommerce", workflows.SAImportOutcome: "held"}),
	}, {
		// An older run of the same order (held before): shown once, as its newest run.
		Execution: &commonpb.WorkflowExecution{WorkflowId: workflows.ImportOrderWorkflowID("111000222"), RunId: "r0"},
		Status:    enumspb.WORKFLOW_EXECUTION_STATUS_FAILED, StartTime: timestamppb.New(started.Add(-time.Hour)),
		SearchAttributes: keywordSA(t, map[string]string{workflows.SACustRef: "111000222", workflows.SAOrderSource: "WooCommerce", workflows.SAImportOutcome: "held"}),
	}, {
		// Held once, imported since: not held any more.
		Execution: &commonpb.WorkflowExecution{WorkflowId: workflows.ImportOrderWorkflowID("333"), RunId: "r3"},
		Status:    enumspb.WORKFLOW_EXECUTION_STATUS_FAILED, StartTime: timestamppb.New(started.Add(-2 * time.Hour)),
		SearchAttributes: keywordSA(t, map[string]string{workflows.SACustRef: "333", workflows.SAImportOutcome: "held"}),
	}}}, nil)
	latest := func(wid, rid string) *workflowservice.DescribeWorkflowExecutionResponse {
		return &workflowservice.DescribeWorkflowExecutionResponse{WorkflowExecutionInfo: &workflowpb.WorkflowExecutionInfo{
			Execution: &commonpb.WorkflowExecution{WorkflowId: wid, RunId: rid}}}
	}
	f.client.On("DescribeWorkflowExecution", mock.Anything, workflows.ImportOrderWorkflowID("111000222"), "").Return(latest(workflows.ImportOrderWorkflowID("111000222"), "r1"), nil)
	f.client.On("DescribeWorkflowExecution", mock.Anything, workflows.ImportOrderWorkflowID("333"), "").Return(latest(workflows.ImportOrderWorkflowID("333"), "r4"), nil)
	run := mocks.NewWorkflowRun(t)
	run.On("Get", mock.Anything, mock.Anything).Return(temporal.NewNonRetryableApplicationError(
		`ship code "local_pickup" of order 111000222 is not mapped: add a rule under carts.WooCommerce.shipping`, "UnmappedShipCode", nil))
	f.client.On("GetWorkflow", mock.Anything, workflows.ImportOrderWorkflowID("111000222"), "r1").Return(run)

	if code := f.run("orders", "list", "--outcome", "held", "--source", "WooCommerce", "--since", "24h", "-o", "json"); code != 0 {
		t.Fatalf("exit %d: %s", code, f.err.String())
	}
	want := "WorkflowType = 'ImportOrder' AND ImportOutcome = 'held' AND CartRoverOrderSource = 'WooCommerce' AND StartTime > '2026-11-23T12:00:00Z'"
	if query != want {
		t.Errorf("query\n got %s\nwant %s", query, want)
	}
	var orders []command.OrderView
	if err := json.Unmarshal(f.out.Bytes(), &orders); err != nil {
		t.Fatal(err)
	}
	if len(orders) != 1 || orders[0].CustRef != "111000222" || orders[0].Outcome != "held" || orders[0].Source != "WooCommerce" ||
		!strings.Contains(orders[0].Reason, "carts.WooCommerce.shipping") || !strings.Contains(orders[0].Link, "/namespaces/default/workflows/cartrover-order:111000222/r1/history") {
		t.Errorf("orders %+v", orders)
	}
	if code := f.run("orders", "list", "--outcome", "lost"); code != 2 {
		t.Errorf("unknown outcome: exit %d", code)
	}
}

func TestOrdersShowAnUnknownOrderSaysWhatToDo(t *testing.T) {
	f := newFixture(t)
	f.client.On("DescribeWorkflowExecution", mock.Anything, workflows.ImportOrderWorkflowID("nope"), "").Return(nil, errNotFound())
	if code := f.run("orders", "show", "nope"); code != 1 || !strings.Contains(f.err.String(), "starter orders list") {
		t.Errorf("exit %d: %s", code, f.err.String())
	}
}

func TestOrdersRetryNeedsASchedule(t *testing.T) {
	f := newFixture(t)
	f.schedule.On("List", mock.Anything, mock.Anything).Return(&sliceIterator{}, nil)
	if code := f.run("orders", "retry", "111"); code != 2 || !strings.Contains(f.err.String(), "--settings FILE") || !strings.Contains(f.err.String(), "--schedule ID") {
		t.Errorf("exit %d: %s", code, f.err.String())
	}
}
