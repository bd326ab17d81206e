package activities

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/cartrover-cb/ordermanager/cartrover"
	cb "github.com/cartrover-cb/ordermanager/connectedbusiness"
)

// Error types of Order Send. The "held" ones mean a person must act (settings, CB data or the
// order itself); they are non-retryable, do not fail the run, and the next run retries the order.
const (
	// ErrTypeUnmappedShipCode: no shipping rule maps the order's ship code.
	ErrTypeUnmappedShipCode = "UnmappedShipCode"
	// ErrTypeUnknownShippingMethod: the rule maps to a group + code pair CB does not have.
	ErrTypeUnknownShippingMethod = "UnknownShippingMethod"
	// ErrTypeUnknownSKU: a line's SKU is no CB item (after the SKU map).
	ErrTypeUnknownSKU = "UnknownSKU"
	// ErrTypeInvalidAddress: the ship-to address (or e-mail, country) is missing or rejected by CB.
	ErrTypeInvalidAddress = "InvalidAddress"
	// ErrTypeCreditHold: the customer is on credit hold or over the credit limit.
	ErrTypeCreditHold = "CreditHold"
	// ErrTypeInvalidLine: a line has an invalid quantity, price or discount.
	ErrTypeInvalidLine = "InvalidLine"
	// ErrTypeUnknownPaymentTerm: the payment term in the settings is not a CB payment term.
	ErrTypeUnknownPaymentTerm = "UnknownPaymentTerm"
	// ErrTypeCBRejectedOrder: CB refused the order for another reason (its message says why).
	ErrTypeCBRejectedOrder = "CBRejectedOrder"
	// ErrTypeOrderNotFound: CartRover does not know the cust_ref (starter orders retry).
	ErrTypeOrderNotFound = "OrderNotFound"
	// ErrTypeCartRoverRejected: CartRover refused a call (Invalid/Failure) for this order.
	ErrTypeCartRoverRejected = "CartRoverRejected"
	// ErrTypeBadCredentials: CartRover or CB refused the credentials in the worker's environment.
	ErrTypeBadCredentials = "BadCredentials"
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

// ListOrdersInput asks for one page of CartRover orders in a status.
type ListOrdersInput struct {
	Status string `json:"status"`
	Page   int    `json:"page"`
	Limit  int    `json:"limit"`
}

// OrderPage is one page of compact orders. Full is true when the page held Limit orders (there
// may be more).
type OrderPage struct {
	Orders []Order `json:"orders"`
	Full   bool    `json:"full,omitempty"`
	// Missing lists cust_refs GetOrders could not find.
	Missing []string `json:"missing,omitempty"`
}

// ListOrders reads one page of CartRover orders (one CartRover call).
func (a *Activities) ListOrders(ctx context.Context, in ListOrdersInput) (OrderPage, error) {
	limit := in.Limit
	if limit <= 0 || limit > cartrover.MaxPageSize {
		limit = cartrover.MaxPageSize
	}
	orders, err := a.CartRover.ListOrders(ctx, cartrover.Status(in.Status), cartrover.ListOptions{Limit: limit, Page: in.Page})
	if err != nil {
		return OrderPage{}, classifyOrderErr(err, fmt.Sprintf("list %s orders page %d", in.Status, in.Page), ErrTypeCartRoverRejected)
	}
	page := OrderPage{Full: len(orders) >= limit}
	for i := range orders {
		page.Orders = append(page.Orders, CompactOrder(&orders[i]))
	}
	return page, nil
}

// GetOrdersInput names CartRover orders to fetch one by one.
type GetOrdersInput struct {
	CustRefs []string `json:"cust_refs"`
}

// GetOrders reads the named CartRover orders (one CartRover call each; reads only). Unknown
// cust_refs are reported in Missing rather than failing the others. Progress is kept in heartbeat
// details, so a retry resumes after the orders already read.
func (a *Activities) GetOrders(ctx context.Context, in GetOrdersInput) (OrderPage, error) {
	var p struct {
		Page OrderPage `json:"page"`
		Done int       `json:"done"`
	}
	if activity.HasHeartbeatDetails(ctx) {
		_ = activity.GetHeartbeatDetails(ctx, &p)
	}
	for ; p.Done < len(in.CustRefs); p.Done++ {
		ref := in.CustRefs[p.Done]
		o, err := a.CartRover.GetOrder(ctx, ref)
		switch {
		case cartrover.IsNotFound(err):
			p.Page.Missing = append(p.Page.Missing, ref)
		case err != nil:
			activity.RecordHeartbeat(ctx, p)
			return OrderPage{}, classifyOrderErr(err, "cust_ref "+ref, ErrTypeCartRoverRejected)
		default:
			p.Page.Orders = append(p.Page.Orders, CompactOrder(o))
		}
		activity.RecordHeartbeat(ctx, p)
	}
	return p.Page, nil
}

// MarkAtWMS acknowledges an order in CartRover (status at_wms): only after CB holds the order.
func (a *Activities) MarkAtWMS(ctx context.Context, custRef string) error {
	return classifyOrderErr(a.CartRover.MarkAtWMS(ctx, custRef), "mark cust_ref "+custRef+" at_wms", ErrTypeCartRoverRejected)
}

// FlagOrderInput puts a held order on error in CartRover with the reason.
type FlagOrderInput struct {
	CustRef string `json:"cust_ref"`
	Message string `json:"message"`
}

// FlagOrder puts a held order on error in CartRover with the reason a person must fix.
func (a *Activities) FlagOrder(ctx context.Context, in FlagOrderInput) error {
	return classifyOrderErr(a.CartRover.SetError(ctx, in.CustRef, in.Message), "flag cust_ref "+in.CustRef, ErrTypeCartRoverRejected)
}

// classifyOrderErr maps a client error to what Temporal should do. CartRover: retryable faults
// pass through (RateLimit with NextRetryDelay), not-found and rejections become non-retryable.
// CB: business rejections become the held types (credit hold, unknown item, address) or
// CBRejectedOrder; transport faults are retryable unless they cannot heal (credentials).
func classifyOrderErr(err error, record, rejectType string) error {
	if err == nil {
		return nil
	}
	var be *cb.BusinessError
	if errors.As(err, &be) {
		t := rejectType
		switch be.Kind {
		case cb.KindCreditHold:
			t = ErrTypeCreditHold
		case cb.KindUnknownItem:
			t = ErrTypeUnknownSKU
		case cb.KindInvalidEmail, cb.KindInvalidCountry, cb.KindFieldTooLong:
			t = ErrTypeInvalidAddress
		case cb.KindInvalidShippingMethod:
			t = ErrTypeUnknownShippingMethod
		case cb.KindSignIn:
			t = ErrTypeBadCredentials
		}
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("%s: %v", record, err), t, err)
	}
	if cartrover.IsNotFound(err) {
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("%s: %v", record, err), ErrTypeOrderNotFound, err)
	}
	var ce *cartrover.Error
	if errors.As(err, &ce) && ce.Code == cartrover.CodeUnauthorized {
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("%s: %v", record, err), ErrTypeBadCredentials, err)
	}
	var te *cb.TransportError
	if errors.As(err, &te) && !te.Retryable() {
		if te.StatusCode == 401 || te.StatusCode == 403 {
			return temporal.NewNonRetryableApplicationError(fmt.Sprintf("%s: %v", record, err), ErrTypeBadCredentials, err)
		}
	}
	var ce2 *cartrover.Error
	if errors.As(err, &ce2) {
		if ce2.Code == cartrover.CodeRateLimit {
			// Wait as CartRover says (the server-side queue cap paces the other calls).
			return temporal.NewApplicationErrorWithOptions(fmt.Sprintf("%s: %v", record, err), "RateLimit",
				temporal.ApplicationErrorOptions{NextRetryDelay: ce2.RetryAfter(), Cause: err})
		}
		if !ce2.Retryable() {
			return temporal.NewNonRetryableApplicationError(fmt.Sprintf("%s: %v", record, err), rejectType, err)
		}
		return fmt.Errorf("%s: %w", record, err)
	}
	if te != nil && !te.Retryable() {
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("%s: %v", record, err), "CBUnavailable", err)
	}
	// Transport faults, timeouts and unknown errors are transient until the bounded policy gives up.
	return fmt.Errorf("%s: %w", record, err)
}
