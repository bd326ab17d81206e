package command

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/types/known/durationpb"
)

// DefaultRetention is how long a namespace `starter setup` registers keeps closed workflows.
const DefaultRetention = 30 * 24 * time.Hour

// EnsureNamespace registers namespace with the given retention when the server does not know it
// (a self-hosted cluster starts with none; on Temporal Cloud the namespace is made in the Cloud
// console and this only checks it), then waits until the frontend serves it, for at most wait.
// It reports whether it registered the namespace.
func EnsureNamespace(ctx context.Context, c client.Client, namespace string, retention, wait time.Duration) (bool, error) {
	ws := c.WorkflowService()
	_, err := ws.DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: namespace})
	var notFound *serviceerror.NamespaceNotFound
	if err == nil {
		return false, nil
	}
	if !errors.As(err, &notFound) {
		return false, fmt.Errorf("describe namespace %s: %w", namespace, err)
	}
	_, err = ws.RegisterNamespace(ctx, &workflowservice.RegisterNamespaceRequest{
		Namespace:                        namespace,
		Description:                      "CartRover ↔ Connected Business Order Manager",
		WorkflowExecutionRetentionPeriod: durationpb.New(retention),
	})
	var exists *serviceerror.NamespaceAlreadyExists
	if err != nil && !errors.As(err, &exists) {
		return false, fmt.Errorf("register namespace %s (retention %s): %w", namespace, retention, err)
	}
	// The frontend learns of a new namespace when its namespace cache refreshes (about 10 s).
	deadline := time.Now().Add(wait)
	for {
		_, err := ws.ListWorkflowExecutions(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: namespace, PageSize: 1})
		if err == nil {
			return true, nil
		}
		if time.Now().After(deadline) {
			return true, fmt.Errorf("namespace %s was registered but is not served after %s: %w", namespace, wait, err)
		}
		select {
		case <-ctx.Done():
			return true, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}
