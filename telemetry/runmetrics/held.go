package runmetrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/cartrover-cb/ordermanager/telemetry"
	"github.com/cartrover-cb/ordermanager/workflows"
)

// HeldQuery lists exactly the orders held now (the order workflows' OrderStage search attribute).
const HeldQuery = "OrderStage = 'held'"

// legacyHeldQuery finds held orders where OrderStage is not registered yet: ImportOrder runs that
// ended held (an order's newer run that imported it is checked separately).
var legacyHeldQuery = fmt.Sprintf("WorkflowType = '%s' AND %s = '%s'", workflows.ImportOrderName, workflows.SAImportOutcome, workflows.OutcomeHeld)

// HeldCount is one count of the held orders.
type HeldCount struct {
	// Count is how many orders are held now.
	Count int
	// Oldest is the age of the oldest held order (since its workflow started; 0 when none).
	Oldest time.Duration
}

// CountHeld asks visibility for the orders held now.
func CountHeld(ctx context.Context, c client.Client, now time.Time) (HeldCount, error) {
	hc, err := countHeld(ctx, c, HeldQuery, now, false)
	var inv *serviceerror.InvalidArgument
	if errors.As(err, &inv) {
		// OrderStage is not registered in this namespace (yet): the ImportOrder outcome then.
		return countHeld(ctx, c, legacyHeldQuery, now, true)
	}
	return hc, err
}

func countHeld(ctx context.Context, c client.Client, query string, now time.Time, latestOnly bool) (HeldCount, error) {
	var hc HeldCount
	seen := map[string]bool{}
	var token []byte
	for {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query, NextPageToken: token, PageSize: 1000})
		if err != nil {
			return hc, err
		}
		for _, e := range resp.GetExecutions() {
			wid := e.GetExecution().GetWorkflowId()
			if seen[wid] {
				continue
			}
			if latestOnly {
				d, err := c.DescribeWorkflowExecution(ctx, wid, "")
				if err != nil || d.GetWorkflowExecutionInfo().GetExecution().GetRunId() != e.GetExecution().GetRunId() {
					continue // a newer run of this order moved it on
				}
			}
			seen[wid] = true
			hc.Count++
			if st := e.GetStartTime(); st != nil {
				hc.Oldest = max(hc.Oldest, now.Sub(st.AsTime()))
			}
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			return hc, nil
		}
	}
}

// WatchHeldOrders counts the held orders every interval until ctx ends and sets the
// ordermanager.orders.held gauges; a failed count is logged and leaves them as they were.
func WatchHeldOrders(ctx context.Context, c client.Client, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		qctx, cancel := context.WithTimeout(ctx, max(every, 20*time.Second))
		hc, err := CountHeld(qctx, c, time.Now())
		cancel()
		switch {
		case err == nil:
			telemetry.RecordHeld(ctx, hc.Count, hc.Oldest)
		case ctx.Err() == nil:
			log.Warn("could not count the held orders", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
