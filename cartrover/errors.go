package cartrover

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// ErrorCode classifies a failed CartRover call: CartRover's own error_code values plus the
// transport-level kinds the client detects itself.
type ErrorCode string

// The error codes. Invalid, Failure and RateLimit come from CartRover's error envelope; the others
// are decided by the client.
const (
	// CodeInvalid: missing or invalid data (also "order not found"). Not retryable: fix the record.
	CodeInvalid ErrorCode = "Invalid"
	// CodeFailure: a hard error such as a duplicate order. Not retryable.
	CodeFailure ErrorCode = "Failure"
	// CodeRateLimit: over the API limit. Retryable after RetryAfter.
	CodeRateLimit ErrorCode = "RateLimit"
	// CodeUnauthorized: the API user or key was refused (HTTP 401/403). Not retryable: fix the credentials.
	CodeUnauthorized ErrorCode = "Unauthorized"
	// CodeServer: CartRover answered HTTP 5xx. Retryable.
	CodeServer ErrorCode = "ServerError"
	// CodeHTTP: another non-2xx HTTP status without a CartRover error body. Not retryable.
	CodeHTTP ErrorCode = "HTTPStatus"
	// CodeTimeout: no answer within the client's timeout. Retryable.
	CodeTimeout ErrorCode = "Timeout"
	// CodeTransport: the connection failed or was dropped. Retryable.
	CodeTransport ErrorCode = "Transport"
	// CodeBadResponse: the body was not JSON or not the documented envelope (often a proxy page). Retryable.
	CodeBadResponse ErrorCode = "BadResponse"
	// CodeCanceled: the caller's context was canceled. Not retryable by the client.
	CodeCanceled ErrorCode = "Canceled"
)

// Error is every error a Client call returns (use errors.As). It never holds a credential.
type Error struct {
	// Code classifies the error.
	Code ErrorCode
	// Message is CartRover's message (message or status_message), or what the client saw.
	Message string
	// HTTPStatus is the HTTP status of the answer (0 when there was none).
	HTTPStatus int
	// ProcessID is the X-CartRover-Process-ID of the answer: quote it to CartRover support.
	ProcessID string
	// Op is the client operation (the route name, e.g. "GetOrder").
	Op string
	// Record names the record the call was about ("cust_ref 1001", "sku TEE-CLASSIC-M"), if any.
	Record string
	// Snippet is the start of a body that could not be decoded.
	Snippet string
	// Err is the underlying transport or decoding error, if any.
	Err error

	retryAfter time.Duration
}

// Error describes what failed, on which record, and what to do about it.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("cartrover: ")
	b.WriteString(e.Op)
	if e.Record != "" {
		b.WriteString(" " + e.Record)
	}
	b.WriteString(": " + string(e.Code))
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.HTTPStatus != 0 {
		fmt.Fprintf(&b, " (HTTP %d", e.HTTPStatus)
		if e.ProcessID != "" {
			b.WriteString(", process id " + e.ProcessID)
		}
		b.WriteString(")")
	}
	if e.Snippet != "" {
		fmt.Fprintf(&b, "; body starts %q", e.Snippet)
	}
	if hint := e.hint(); hint != "" {
		b.WriteString("; " + hint)
	}
	return b.String()
}

func (e *Error) hint() string {
	switch e.Code {
	case CodeUnauthorized:
		return "check the CartRover Merchant API user and key (a cycled key stops working at once)"
	case CodeRateLimit:
		return fmt.Sprintf("over CartRover's rate limit; retry after %s and pace calls", e.RetryAfter())
	case CodeServer, CodeTransport, CodeTimeout, CodeBadResponse:
		return "transient; retry with backoff"
	}
	return ""
}

// Unwrap returns the underlying transport or decoding error.
func (e *Error) Unwrap() error { return e.Err }

// Retryable reports whether the same call may succeed later (rate limit, 5xx, timeout, dropped
// connection, undecodable body). Invalid, Failure, bad credentials and cancellation are not.
func (e *Error) Retryable() bool {
	switch e.Code {
	case CodeRateLimit, CodeServer, CodeTimeout, CodeTransport, CodeBadResponse:
		return true
	}
	return false
}

// RetryAfter is the suggested delay before retrying a RateLimit error (0 for other codes).
func (e *Error) RetryAfter() time.Duration {
	if e.Code != CodeRateLimit {
		return 0
	}
	return e.retryAfter
}

// IsNotFound reports whether err says the order or SKU does not exist: HTTP 404, or an
// Invalid/Failure answer whose message says "not found" (CartRover's exact wording is unknown,
// spec §4.2; the simulator answers "Order not found" / "SKU not found").
func IsNotFound(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	if e.HTTPStatus == http.StatusNotFound && e.Code != CodeRateLimit {
		return true
	}
	return (e.Code == CodeInvalid || e.Code == CodeFailure) &&
		strings.Contains(strings.ToLower(e.Message), "not found")
}

// IsRateLimit reports whether err is a CartRover RateLimit answer.
func IsRateLimit(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == CodeRateLimit
}
