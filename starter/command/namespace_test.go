package command_test

import (
	"context"
	"strings"
	"testing"

	"github.com/golang/mock/gomock"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/operatorservicemock/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/api/workflowservicemock/v1"
	"go.temporal.io/sdk/mocks"

	"github.com/cartrover-cb/ordermanager/workflows"
)

// expectNamespace makes the fixture's client know namespace "default" (setup checks it first).
func expectNamespace(t *testing.T, c *mocks.Client) {
	ws := workflowservicemock.NewMockWorkflowServiceClient(gomock.NewController(t))
	c.On("WorkflowService").Return(ws)
	ws.EXPECT().DescribeNamespace(gomock.Any(), gomock.Any()).Return(&workflowservice.DescribeNamespaceResponse{}, nil)
}

func TestSetupRegistersAMissingNamespaceWithTheRetentionGiven(t *testing.T) {
	f := newFixture(t)
	ws := workflowservicemock.NewMockWorkflowServiceClient(gomock.NewController(t))
	f.client.On("WorkflowService").Return(ws)
	ws.EXPECT().DescribeNamespace(gomock.Any(), gomock.Any()).Return(nil, serviceerror.NewNamespaceNotFound("default"))
	ws.EXPECT().RegisterNamespace(gomock.Any(), gomock.Any()).DoAndReturn(
		func(_ context.Context, req *workflowservice.RegisterNamespaceRequest, _ ...any) (*workflowservice.RegisterNamespaceResponse, error) {
			if req.GetNamespace() != "default" || req.GetWorkflowExecutionRetentionPeriod().AsDuration().Hours() != 72 {
				t.Errorf("register request %v", req)
			}
			return &workflowservice.RegisterNamespaceResponse{}, nil
		})
	// The frontend serves the new namespace on the second try.
	gomock.InOrder(
		ws.EXPECT().ListWorkflowExecutions(gomock.Any(), gomock.Any()).Return(nil, serviceerror.NewNamespaceNotFound("default")),
		ws.EXPECT().ListWorkflowExecutions(gomock.Any(), gomock.Any()).Return(&workflowservice.ListWorkflowExecutionsResponse{}, nil),
	)
	// Then the search attributes, all present already.
	op := operatorservicemock.NewMockOperatorServiceClient(gomock.NewController(t))
	f.client.On("OperatorService").Return(op)
	present := map[string]enumspb.IndexedValueType{}
	for _, name := range workflows.SearchAttributes {
		present[name] = enumspb.INDEXED_VALUE_TYPE_KEYWORD
	}
	op.EXPECT().ListSearchAttributes(gomock.Any(), gomock.Any()).Return(&operatorservice.ListSearchAttributesResponse{CustomAttributes: present}, nil)
	if code := f.run("setup", "--retention", "72h"); code != 0 {
		t.Fatalf("exit %d: %s", code, f.err.String())
	}
	if !strings.Contains(f.err.String(), "registered namespace default (retention 72h0m0s)") {
		t.Errorf("stderr: %s", f.err.String())
	}
}
