package connectedbusiness

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
)

// ErrorKind classifies a CB business rejection.
type ErrorKind string

// The kinds of business rejection the connector treats differently.
const (
	KindCreditHold            ErrorKind = "credit_hold"
	KindInvalidShippingMethod ErrorKind = "invalid_shipping_method"
	KindUnknownItem           ErrorKind = "unknown_item"
	KindInvalidEmail          ErrorKind = "invalid_email"
	KindFieldTooLong          ErrorKind = "field_too_long"
	KindInvalidCountry        ErrorKind = "invalid_country"
	KindNotFound              ErrorKind = "not_found"
	KindSignIn                ErrorKind = "sign_in"
	KindOther                 ErrorKind = "other"
)

// BusinessError is a rejection by CB itself (ErrorMessage on an HTTP 200 answer, or a record CB
// does not have). Retrying does not help: a person must fix Record as Fix says.
type BusinessError struct {
	// Kind classifies Message.
	Kind ErrorKind
	// Op is the CB route, e.g. "Transactions/createsalesorder".
	Op string
	// Record names the record, e.g. `sales order POCode "R-1001"`.
	Record string
	// Message is CB's own text.
	Message string
	// Fix says what a person must change.
	Fix string
}

// Error implements error.
func (e *BusinessError) Error() string {
	s := fmt.Sprintf("connected business %s rejected %s: %s", e.Op, e.Record, e.Message)
	if e.Fix != "" {
		s += "; fix: " + e.Fix
	}
	return s
}

// TransportError is a failure to get an answer from CB: network error, timeout, non-2xx status
// or an unreadable body.
type TransportError struct {
	// Op is the CB route.
	Op string
	// StatusCode is the HTTP status, 0 when no response arrived.
	StatusCode int
	// Err is the underlying error.
	Err error
}

// Error implements error.
func (e *TransportError) Error() string {
	switch {
	case e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden:
		return fmt.Sprintf("connected business %s: HTTP %d: the CB user code or password is wrong or the user may not use the webservice; fix CB_USER_CODE/CB_PASSWORD", e.Op, e.StatusCode)
	case e.StatusCode != 0:
		return fmt.Sprintf("connected business %s: HTTP %d: %v", e.Op, e.StatusCode, e.Err)
	default:
		return fmt.Sprintf("connected business %s: %v", e.Op, e.Err)
	}
}

// Unwrap returns the underlying error.
func (e *TransportError) Unwrap() error { return e.Err }

// Retryable reports whether the same call may succeed later: network errors, timeouts, 5xx, 408
// and 429 are retryable; other 4xx (bad credentials, unknown route) and undecodable 2xx bodies are not.
func (e *TransportError) Retryable() bool {
	switch {
	case e.StatusCode == 0:
		var se *syntaxError
		return !errors.As(e.Err, &se)
	case e.StatusCode >= 500, e.StatusCode == http.StatusRequestTimeout, e.StatusCode == http.StatusTooManyRequests:
		return true
	default:
		return false
	}
}

// mayHaveSaved reports whether a failed save may nonetheless have been committed by CB: the
// request may have reached the server (timeout, dropped connection, 5xx).
func (e *TransportError) mayHaveSaved() bool {
	return e.StatusCode == 0 || e.StatusCode >= 500 || e.StatusCode == http.StatusRequestTimeout
}

// syntaxError marks an HTTP 2xx answer whose body is not what the route returns.
type syntaxError struct{ err error }

func (e *syntaxError) Error() string { return "unreadable answer: " + e.err.Error() }
func (e *syntaxError) Unwrap() error { return e.err }

// IsRetryable reports whether err is a transient fault worth retrying (a retryable
// *TransportError, or a network timeout). Business errors and context cancellation are not.
func IsRetryable(err error) bool {
	if err == nil {
		return false
	}
	var be *BusinessError
	if errors.As(err, &be) {
		return false
	}
	var te *TransportError
	if errors.As(err, &te) {
		if errors.Is(te.Err, context.Canceled) {
			return false
		}
		return te.Retryable()
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// IsKind reports whether err is a *BusinessError of kind k.
func IsKind(err error, k ErrorKind) bool {
	var be *BusinessError
	return errors.As(err, &be) && be.Kind == k
}

// classification maps CB message fragments (lower case) to a kind and its fix. The first match
// wins. Only "over the credit limit" and "Invalid E-mail address" are confirmed CB texts; the
// others are assumptions (the simulator uses the same texts).
var classification = []struct {
	fragment string
	kind     ErrorKind
	fix      string
}{
	{"credit limit", KindCreditHold, "raise the customer's credit limit or approve the order's credit in CB, then retry"},
	{"credit hold", KindCreditHold, "release the customer's credit hold in CB, then retry"},
	{"shipping method", KindInvalidShippingMethod, "map the ship code to a shipping method group + code pair CB has (ShippingMethods lists them)"},
	{"e-mail", KindInvalidEmail, "correct the e-mail address on the order"},
	{"email", KindInvalidEmail, "correct the e-mail address on the order"},
	{"would be truncated", KindFieldTooLong, "shorten the field to CB's column length"},
	{"too long", KindFieldTooLong, "shorten the field to CB's column length"},
	{"maximum length", KindFieldTooLong, "shorten the field to CB's column length"},
	{"country", KindInvalidCountry, "use a country CB knows (ISO code or CB country name)"},
	{"item", KindUnknownItem, "create the item in CB or map the SKU to an existing ItemName in the settings"},
	{"does not exist", KindNotFound, "check the code"},
	{"not found", KindNotFound, "check the code"},
}

// classify turns a CB ErrorMessage into a *BusinessError.
func classify(op, record, msg string) *BusinessError {
	low := strings.ToLower(msg)
	for _, c := range classification {
		if strings.Contains(low, c.fragment) {
			if c.kind == KindUnknownItem && !(strings.Contains(low, "not") || strings.Contains(low, "invalid") || strings.Contains(low, "unknown")) {
				continue
			}
			return &BusinessError{Kind: c.kind, Op: op, Record: record, Message: msg, Fix: c.fix}
		}
	}
	return &BusinessError{Kind: KindOther, Op: op, Record: record, Message: msg, Fix: "see CB's message"}
}
