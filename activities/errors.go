package activities

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/cartrover-cb/ordermanager/cartrover"
	cb "github.com/cartrover-cb/ordermanager/connectedbusiness"
)

// Error types of the product: the stable names of non-retryable application errors and of
// problems in run summaries. Histories, search attributes, saved queries and notifications
// hold these strings, so a value never changes (rename the Go identifier instead).
const (
	// ErrTypeUnmappedShipCode: no shipping rule maps the order's ship code (held).
	ErrTypeUnmappedShipCode = "UnmappedShipCode"
	// ErrTypeUnknownShippingMethod: the rule maps to a group + code pair CB does not have (held).
	ErrTypeUnknownShippingMethod = "UnknownShippingMethod"
	// ErrTypeUnknownSKU: a line's SKU is no CB item after the SKU map (held).
	ErrTypeUnknownSKU = "UnknownSKU"
	// ErrTypeInvalidAddress: the ship-to address (or e-mail, country) is missing or rejected by CB (held).
	ErrTypeInvalidAddress = "InvalidAddress"
	// ErrTypeCreditHold: the customer is on credit hold or over the credit limit (held).
	ErrTypeCreditHold = "CreditHold"
	// ErrTypeInvalidLine: a line has an invalid quantity, price or discount (held).
	ErrTypeInvalidLine = "InvalidLine"
	// ErrTypeUnknownPaymentTerm: the payment term in the settings is not a CB payment term (held).
	ErrTypeUnknownPaymentTerm = "UnknownPaymentTerm"
	// ErrTypeCBRejectedOrder: CB refused the order for another reason; its message says why (held).
	ErrTypeCBRejectedOrder = "CBRejectedOrder"

	// ErrTypeUndecodable: a field of the order does not decode; the reason names it and its value.
	ErrTypeUndecodable = "Undecodable"
	// ErrTypeUnusableCustRef: the cust_ref is empty, too long or has control characters.
	ErrTypeUnusableCustRef = "UnusableCustRef"
	// ErrTypeOnHold: on_hold = Y in CartRover: not sent until released there.
	ErrTypeOnHold = "OnHoldInCartRover"
	// ErrTypeSendingCanceled: "Cancel Sending" in CartRover (sending_canceled = Y): never sent.
	ErrTypeSendingCanceled = "SendingCanceled"

	// ErrTypeOrderNotFound: CartRover does not know the cust_ref.
	ErrTypeOrderNotFound = "OrderNotFound"
	// ErrTypeCartRoverRejected: CartRover refused a call (Invalid/Failure) for an order.
	ErrTypeCartRoverRejected = "CartRoverRejected"
	// ErrTypeOrderCanceled: the CartRover order was canceled, so its shipment cannot be posted.
	ErrTypeOrderCanceled = "CartRoverOrderCanceled"
	// ErrTypeOrderVoided: CB voided the sales order behind a CartRover order.
	ErrTypeOrderVoided = "CBOrderVoided"
	// ErrTypeShipmentRejected: CartRover refused a shipment (Invalid/Failure); its message says why.
	ErrTypeShipmentRejected = "CartRoverShipmentRejected"
	// ErrTypeBatchRejected: CartRover refused a whole inventory or product batch, or SKUs in it.
	ErrTypeBatchRejected = "CartRoverBatchRejected"
	// ErrTypeCBRejected: CB refused a read with a business message (ErrorMessage).
	ErrTypeCBRejected = "CBRejected"
	// ErrTypeSalesOrderHold: CB refused to put a sales order on hold (a cancel of an imported order).
	ErrTypeSalesOrderHold = "CBHoldRefused"
	// ErrTypeMissingInCB: a CartRover SKU of an inventory sync has no CB item.
	ErrTypeMissingInCB = "MissingInCB"

	// ErrTypeBadCredentials: CartRover or CB refused the credentials in the worker's environment.
	ErrTypeBadCredentials = "BadCredentials"
	// ErrTypeCBUnavailable: CB's web service refused a call with an HTTP status a retry cannot heal.
	ErrTypeCBUnavailable = "CBUnavailable"
	// ErrTypeRateLimit: CartRover answered RateLimit; retried after the delay it asks for.
	ErrTypeRateLimit = "RateLimit"
	// ErrTypeRetriesExhausted: a transient fault (CB or CartRover unreachable, timeouts) outlasted
	// the bounded retries.
	ErrTypeRetriesExhausted = "RetriesExhausted"
	// ErrTypeMisconfigured: the worker lacks something an activity needs (e.g. its Temporal client).
	ErrTypeMisconfigured = "Misconfigured"
	// ErrTypeInvalidSettings: a run's settings do not validate; the run fails at once.
	ErrTypeInvalidSettings = "InvalidSettings"
	// ErrTypeSettingsInvalid: a sync's part of the settings is unusable (named in the problem).
	ErrTypeSettingsInvalid = "SettingsInvalid"
)

// HeldTypes are the error types that hold an order for a human instead of failing it.
var HeldTypes = []string{
	ErrTypeUnmappedShipCode, ErrTypeUnknownShippingMethod, ErrTypeUnknownSKU, ErrTypeInvalidAddress,
	ErrTypeCreditHold, ErrTypeInvalidLine, ErrTypeUnknownPaymentTerm, ErrTypeCBRejectedOrder,
}

// IsHeldType reports whether errType holds an order (see HeldTypes).
func IsHeldType(errType string) bool {
	for _, t := range HeldTypes {
		if t == errType {
			return true
		}
	}
	return false
}

// Problem is one record a human should look at: its key (cust_ref, SKU, …), why, and the error type.
type Problem struct {
	Key    string `json:"key"`
	Reason string `json:"reason"`
	Type   string `json:"type,omitempty"`
}

// AddProblem appends p to list unless the list already holds limit entries: every list of
// problems is capped this way, so results and histories stay small.
func AddProblem(list []Problem, limit int, p Problem) []Problem {
	if len(list) >= limit {
		return list
	}
	return append(list, p)
}

// MaxPageProblems bounds the problems one activity (a dispatched page, a sync batch) reports; the
// workflows bound their totals.
const MaxPageProblems = 20

// classify maps a CartRover or CB client error to what Temporal should do with it. It is the one
// classifier of every activity; record names what was being done ("cust_ref R1: create CB sales
// order") and rejectType is the type of a refusal that has no more precise one.
//
//   - Transient faults (transport, 5xx, timeouts, unknown errors) are returned wrapped: the
//     workflow's bounded retry policy retries them.
//   - CartRover RateLimit is retryable after the delay CartRover asks for (at least 1 s).
//   - Refused credentials (CartRover Unauthorized, CB 401/403 or sign-in) are BadCredentials.
//   - CartRover not-found is OrderNotFound; any other CartRover refusal is rejectType.
//   - CB business rejections map to the held types (credit hold, unknown item, address, shipping
//     method), else rejectType; a CB HTTP refusal a retry cannot heal is CBUnavailable.
func classify(err error, record, rejectType string) error {
	if err == nil {
		return nil
	}
	msg := fmt.Sprintf("%s: %v", record, err)
	final := func(t string) error { return temporal.NewNonRetryableApplicationError(msg, t, err) }
	var ce *cartrover.Error
	if errors.As(err, &ce) {
		switch {
		case ce.Code == cartrover.CodeRateLimit:
			return temporal.NewApplicationErrorWithOptions(msg, ErrTypeRateLimit,
				temporal.ApplicationErrorOptions{NextRetryDelay: max(ce.RetryAfter(), time.Second), Cause: err})
		case ce.Code == cartrover.CodeUnauthorized:
			return final(ErrTypeBadCredentials)
		case cartrover.IsNotFound(err):
			return final(ErrTypeOrderNotFound)
		case ce.Retryable():
			return fmt.Errorf("%s: %w", record, err)
		default:
			return final(rejectType)
		}
	}
	var be *cb.BusinessError
	if errors.As(err, &be) {
		return final(businessType(be.Kind, rejectType))
	}
	var te *cb.TransportError
	if errors.As(err, &te) && !te.Retryable() {
		if te.StatusCode == http.StatusUnauthorized || te.StatusCode == http.StatusForbidden {
			return final(ErrTypeBadCredentials)
		}
		return final(ErrTypeCBUnavailable)
	}
	return fmt.Errorf("%s: %w", record, err)
}

// businessType is the error type of a CB business rejection of kind k.
func businessType(k cb.ErrorKind, rejectType string) string {
	switch k {
	case cb.KindCreditHold:
		return ErrTypeCreditHold
	case cb.KindUnknownItem:
		return ErrTypeUnknownSKU
	case cb.KindInvalidEmail, cb.KindInvalidCountry, cb.KindFieldTooLong:
		return ErrTypeInvalidAddress
	case cb.KindInvalidShippingMethod:
		return ErrTypeUnknownShippingMethod
	case cb.KindSignIn:
		return ErrTypeBadCredentials
	}
	return rejectType
}

// isBusiness reports whether err is a CB business rejection.
func isBusiness(err error) bool {
	var be *cb.BusinessError
	return errors.As(err, &be)
}
