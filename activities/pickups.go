package activities

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/cartrover-cb/ordermanager/cartrover"
	"github.com/cartrover-cb/ordermanager/connectedbusiness"
)

// Error types of the pickup activities: stable names a workflow (and a person reading the run
// summary) can rely on. They are non-retryable: retrying does not help until a human acts.
const (
	// PickupErrOrderCanceled: the CartRover order was canceled, so its shipment cannot be posted.
	PickupErrOrderCanceled = "CartRoverOrderCanceled"
	// PickupErrOrderVoided: CB voided the sales order behind a CartRover order.
	PickupErrOrderVoided = "CBOrderVoided"
	// PickupErrShipmentRejected: CartRover refused a shipment (Invalid/Failure): its message says why.
	PickupErrShipmentRejected = "CartRoverShipmentRejected"
	// PickupErrBatchRejected: CartRover refused a whole inventory or product batch.
	PickupErrBatchRejected = "CartRoverBatchRejected"
	// PickupErrCBRejected: CB refused a read with a business message (ErrorMessage).
	PickupErrCBRejected = "CBRejected"
	// PickupErrCredentials: CartRover or CB refused the credentials in the worker's environment.
	PickupErrCredentials = "BadCredentials"
)

// PickupProblem is one record of a pickup a person should look at (mirrors workflows.Problem,
// which this package cannot import).
type PickupProblem struct {
	Key    string `json:"key"`
	Reason string `json:"reason"`
	Type   string `json:"type,omitempty"`
}

// SKUPair is one CartRover SKU → CB ItemName entry of the settings' SKU maps (global and per cart).
type SKUPair struct {
	SKU      string `json:"sku"`
	ItemName string `json:"item"`
}

// skuIndex is the inverse SKU map: CB ItemName → the CartRover SKUs that resolve to it.
type skuIndex map[string][]string

func newSKUIndex(pairs []SKUPair) skuIndex {
	idx := skuIndex{}
	for _, p := range pairs {
		if p.SKU == "" || p.ItemName == "" {
			continue
		}
		dup := false
		for _, s := range idx[p.ItemName] {
			dup = dup || s == p.SKU
		}
		if !dup {
			idx[p.ItemName] = append(idx[p.ItemName], p.SKU)
		}
	}
	for k := range idx {
		sort.Strings(idx[k])
	}
	return idx
}

// skus returns the CartRover SKUs of a CB item: the mapped ones, or the ItemName itself when the
// settings map nothing to it (carts whose SKUs are CB's ItemNames).
func (x skuIndex) skus(itemName string) []string {
	if s := x[itemName]; len(s) > 0 {
		return s
	}
	return []string{itemName}
}

// addProblem appends p unless the list already holds max entries.
func addProblem(list []PickupProblem, max int, p PickupProblem) []PickupProblem {
	if len(list) >= max {
		return list
	}
	return append(list, p)
}

// maxBatchProblems bounds the problems one batch activity reports (the workflow bounds the total).
const maxBatchProblems = 20

// classifyCR turns a CartRover client error into what Temporal should do with it: retryable
// errors pass through (the workflow's bounded policy retries them); RateLimit waits as CartRover
// suggests (NextRetryDelay); bad credentials are BadCredentials; everything else a retry cannot
// fix becomes a non-retryable application error of type errType naming the record.
func classifyCR(err error, record, errType string) error {
	if err == nil {
		return nil
	}
	var e *cartrover.Error
	if !errors.As(err, &e) {
		return fmt.Errorf("%s: %w", record, err)
	}
	switch {
	case e.Code == cartrover.CodeRateLimit:
		return temporal.NewApplicationErrorWithOptions(fmt.Sprintf("%s: %v", record, err), string(cartrover.CodeRateLimit),
			temporal.ApplicationErrorOptions{NextRetryDelay: max(e.RetryAfter(), time.Second)})
	case e.Retryable():
		return fmt.Errorf("%s: %w", record, err)
	case e.Code == cartrover.CodeUnauthorized:
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("%s: %v", record, err), PickupErrCredentials, nil)
	default:
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("%s: %v", record, err), errType, nil)
	}
}

// classifyCB does the same for Connected Business: transport faults are retried, business
// rejections (and bad credentials) are non-retryable with a stable type.
func classifyCB(err error, record string) error {
	if err == nil {
		return nil
	}
	if connectedbusiness.IsRetryable(err) {
		return fmt.Errorf("%s: %w", record, err)
	}
	var te *connectedbusiness.TransportError
	if errors.As(err, &te) && (te.StatusCode == http.StatusUnauthorized || te.StatusCode == http.StatusForbidden) ||
		connectedbusiness.IsKind(err, connectedbusiness.KindSignIn) {
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("%s: %v", record, err), PickupErrCredentials, nil)
	}
	if isBusiness(err) || te != nil {
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("%s: %v", record, err), PickupErrCBRejected, nil)
	}
	// Anything else (a context deadline, an unexpected error) is transient until proven otherwise.
	return fmt.Errorf("%s: %w", record, err)
}

// isBusiness reports whether err is a CB business rejection.
func isBusiness(err error) bool {
	var be *connectedbusiness.BusinessError
	return errors.As(err, &be)
}
