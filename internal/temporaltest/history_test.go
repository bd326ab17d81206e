package temporaltest_test

import (
	"testing"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/converter"

	"github.com/cartrover-cb/ordermanager/internal/temporaltest"
)

func TestDecodeHistoryLeavesRecordedHistoriesReadable(t *testing.T) {
	p, err := temporaltest.Codec().DataConverter().ToPayloads("jordan.lee@example.com")
	if err != nil {
		t.Fatal(err)
	}
	h := &historypb.History{Events: []*historypb.HistoryEvent{{
		EventId: 1,
		Attributes: &historypb.HistoryEvent_WorkflowExecutionStartedEventAttributes{
			WorkflowExecutionStartedEventAttributes: &historypb.WorkflowExecutionStartedEventAttributes{Input: p},
		},
	}}}
	if err := temporaltest.DecodeHistory(h); err != nil {
		t.Fatal(err)
	}
	var got string
	in := h.Events[0].GetWorkflowExecutionStartedEventAttributes().GetInput()
	if err := converter.GetDefaultDataConverter().FromPayloads(in, &got); err != nil || got != "jordan.lee@example.com" {
		t.Errorf("decoded input = %q, %v; want the plain value, readable without the key", got, err)
	}
}
