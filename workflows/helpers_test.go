package workflows_test

import (
	"errors"

	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

func workflowOpts(name string) workflow.RegisterOptions { return workflow.RegisterOptions{Name: name} }

type testEnv struct {
	*testsuite.TestWorkflowEnvironment
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }

func decodeCANInput(can *workflow.ContinueAsNewError, v any) error {
	return converter.GetDefaultDataConverter().FromPayloads(can.Input, v)
}
