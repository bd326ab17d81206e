package workflows

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cartrover-cb/ordermanager/activities"
	"github.com/cartrover-cb/ordermanager/settings"
)

// PickupInput is the input of the pickup children (ShipmentPickup, InventorySync, ProductSync).
type PickupInput struct {
	// Settings is the validated connector settings file of the parent run.
	Settings settings.Settings `json:"settings"`
	// Shipments, Inventory and Products are where the pickup's own continue-as-new left off (the
	// position and the figures so far); nil on a fresh pickup. Only the pickup's own one is set.
	Shipments *ShipmentResume  `json:"shipments,omitempty"`
	Inventory *InventoryResume `json:"inventory,omitempty"`
	Products  *ProductResume   `json:"products,omitempty"`
	// Cursor is the resume state of the previous release: the same state as JSON in a string. It
	// is still read, so a pickup that continued as new before the upgrade resumes where it was.
	Cursor string `json:"cursor,omitempty"`
}

// RegisterPickups registers the three pickup workflows under their fixed names (Register calls it).
func RegisterPickups(r WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(ShipmentPickup, workflow.RegisterOptions{Name: ShipmentPickupName})
	r.RegisterWorkflowWithOptions(InventorySync, workflow.RegisterOptions{Name: InventorySyncName})
	r.RegisterWorkflowWithOptions(ProductSync, workflow.RegisterOptions{Name: ProductSyncName})
}

// pickupActs is only used for method references: activity names come from the method names.
var pickupActs *activities.Activities

// cbOptions are the options of a single CB read: short, bounded retries (5xx and timeouts heal
// quickly; a CB that is down for minutes should fail the task, not hang the schedule).
func cbOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		HeartbeatTimeout:    30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    30 * time.Second,
			MaximumAttempts:    6,
		},
	})
}

// cartRoverOptions are the options of an activity that makes one CartRover call; the client's
// pacer keeps every worker together under CartRover's per-user limit. RateLimit answers carry
// NextRetryDelay; retries are bounded by time, not attempts, so a burst of RateLimit answers only
// delays the call.
func cartRoverOptions(ctx workflow.Context, startToClose time.Duration) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    startToClose,
		ScheduleToCloseTimeout: 10 * time.Minute,
		HeartbeatTimeout:       30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    time.Minute,
		},
	})
}

// resume returns a pickup's resume state: the typed one, else the one a run of the previous
// release packed into cursor, else the zero state (fresh reports false).
func resume[T any](typed *T, cursor, name string) (st T, fresh bool, err error) {
	switch {
	case typed != nil:
		return *typed, false, nil
	case cursor != "":
		// JSON decoding of these plain structs is deterministic (workflowcheck flags encoding/json
		// only because of reflection internals).
		err = json.Unmarshal([]byte(cursor), &st) //workflowcheck:ignore
		if err != nil {
			return st, false, fmt.Errorf("%s: cursor %q is not a %s cursor; start without one: %w", name, cursor, name, err)
		}
		return st, false, nil
	}
	return st, true, nil
}

// appendProblem adds p to list unless the list is full (MaxProblems keeps histories small).
func appendProblem(list []Problem, p Problem) []Problem {
	return activities.AddProblem(list, MaxProblems, p)
}

// appendActivityProblems appends the problems an activity reported.
func appendActivityProblems(list []Problem, ps []Problem) []Problem {
	for _, p := range ps {
		list = appendProblem(list, p)
	}
	return list
}

// errorType returns the application error type of err ("" when it has none).
func errorType(err error) string {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return app.Type()
	}
	return ""
}

// skuPairs flattens the settings' SKU maps (global first, then each cart in name order) into a
// sorted, duplicate-free list the activities invert (CB ItemName → CartRover SKUs).
func skuPairs(s settings.Settings) []activities.SKUPair {
	seen := map[activities.SKUPair]bool{}
	var out []activities.SKUPair
	add := func(m map[string]string) {
		for _, sku := range workflow.DeterministicKeys(m) {
			p := activities.SKUPair{SKU: sku, ItemName: m[sku]}
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	add(s.SKUs)
	for _, cart := range workflow.DeterministicKeys(s.Carts) {
		add(s.Carts[cart].SKUs)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].ItemName != out[j].ItemName {
			return out[i].ItemName < out[j].ItemName
		}
		return out[i].SKU < out[j].SKU
	})
	return out
}
