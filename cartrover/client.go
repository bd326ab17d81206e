// Package cartrover is the client for CartRover's (Extensiv Integration Manager) Merchant API:
// orders, shipments, inventory, products, ship methods and order sources, with exact lenient
// decoding, typed errors and the one place that paces calls to CartRover's rate limit (a mirror
// of CartRover's bucket, corrected by the hits-remaining header and RateLimit answers).
//
// The client never retries: Temporal owns retries. Each error says whether it is retryable and,
// for RateLimit, how long to wait.
package cartrover

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// Defaults of Config.
const (
	// DefaultBaseURL is CartRover's production API.
	DefaultBaseURL = "https://api.cartrover.com"
	// DefaultTimeout bounds one call (the official PHP client uses 30 s).
	DefaultTimeout = 30 * time.Second
	// DefaultRefill is CartRover's documented refill: one call back every 0.6 s per API user.
	DefaultRefill = 600 * time.Millisecond
	// DefaultBurst is CartRover's documented bucket size.
	DefaultBurst = 100
	// UserAgent is sent on every request.
	UserAgent = "cartrover-cb-ordermanager/1"
)

// Response headers CartRover sends.
const (
	// HeaderProcessID is CartRover's per-request id; quote it in support tickets.
	HeaderProcessID = "X-CartRover-Process-ID"
	// HeaderHitsRemaining is the remaining capacity of the rate-limit bucket.
	HeaderHitsRemaining = "X-CartRover-Api-Minute-Hits-Remaining"
)

// maxBody bounds how much of an answer the client reads (a page of 100 full orders is ~600 KB).
const maxBody = 32 << 20

// Config configures a Client. BaseURL, APIUser and APIKey are required.
type Config struct {
	// BaseURL is the API root, e.g. https://api.cartrover.com or a simulator's http://127.0.0.1:7081.
	BaseURL string
	// APIUser and APIKey are the Merchant API credentials (sent with HTTP Basic auth, never logged).
	APIUser, APIKey string
	// HTTPClient sends the requests (default: a new http.Client).
	HTTPClient *http.Client
	// Timeout bounds one call (default DefaultTimeout).
	Timeout time.Duration
	// RatePerSecond is the refill rate of CartRover's bucket the client paces against, in calls per
	// second (0 = one per DefaultRefill; negative = Unpaced).
	RatePerSecond float64
	// Unpaced turns pacing off: calls never wait, the client only reads the headers (tests that
	// want to meet CartRover's RateLimit answers).
	Unpaced bool
	// Burst is the size of CartRover's bucket (default DefaultBurst).
	Burst int
	// Now is the pacer's clock (default time.Now).
	Now func() time.Time
	// Logger receives one debug line per call and a warning per failed call (default slog.Default()).
	Logger *slog.Logger
	// Observe, when set, is called after every call with its route name, its error (nil = ok) and
	// how long it took (metrics hook; it must not block).
	Observe func(ctx context.Context, route string, err error, elapsed time.Duration)
}

// Client calls the CartRover API. It is safe for concurrent use.
type Client struct {
	base    *url.URL
	user    string
	key     string
	http    *http.Client
	timeout time.Duration
	pace    *pacer
	log     *slog.Logger
	tracer  trace.Tracer
	observe func(ctx context.Context, route string, err error, elapsed time.Duration)
}

// New validates cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	if strings.TrimSpace(cfg.BaseURL) == "" {
		return nil, errors.New("cartrover: Config.BaseURL is empty: set the CartRover API address (https://api.cartrover.com or the sandbox's)")
	}
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("cartrover: Config.BaseURL %q is not an http(s) URL: set e.g. https://api.cartrover.com", cfg.BaseURL)
	}
	if cfg.APIUser == "" || cfg.APIKey == "" {
		return nil, errors.New("cartrover: Config.APIUser or Config.APIKey is empty: set the CartRover Merchant API user and key")
	}
	c := &Client{base: base, user: cfg.APIUser, key: cfg.APIKey, http: cfg.HTTPClient, timeout: cfg.Timeout, log: cfg.Logger, observe: cfg.Observe}
	if c.http == nil {
		c.http = &http.Client{}
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	r, burst := cfg.RatePerSecond, cfg.Burst
	if burst <= 0 {
		burst = DefaultBurst
	}
	interval := DefaultRefill
	if r > 0 && !math.IsInf(r, 1) {
		interval = time.Duration(float64(time.Second) / r)
	}
	c.pace = newPacer(burst, interval, !cfg.Unpaced && r >= 0 && !math.IsInf(r, 1), cfg.Now)
	c.tracer = otel.Tracer("github.com/cartrover-cb/ordermanager/cartrover")
	return c, nil
}

// HitsRemaining returns the client's estimate of the calls left in CartRover's bucket now: the
// lowest X-CartRover-Api-Minute-Hits-Remaining CartRover sent, less this client's calls since,
// refilled over time. It is false until a header was seen.
func (c *Client) HitsRemaining() (int, bool) {
	return c.pace.remaining()
}

// call describes one request.
type call struct {
	route  Route
	record string   // "cust_ref X", "sku Y" for errors and logs
	args   []string // path values
	query  url.Values
	body   any // JSON-encoded when non-nil
}

// envelope is CartRover's response wrapper (spec §1.5).
type envelope struct {
	SuccessCode   json.RawMessage `json:"success_code"`
	ErrorCode     string          `json:"error_code"`
	Message       string          `json:"message"`
	StatusMessage string          `json:"status_message"`
	Response      json.RawMessage `json:"response"`
	ErrorResponse json.RawMessage `json:"error_response"`
}

// do performs one call: pacing, auth, span, log, classification. When out is non-nil the
// envelope's response (or, when absent, the whole body) is decoded into it.
func (c *Client) do(ctx context.Context, cl call, out any) error {
	start := time.Now()
	ctx, span := c.tracer.Start(ctx, "CartRover "+cl.route.Name, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(
			attribute.String("cartrover.operation", cl.route.Name),
			attribute.String("http.request.method", cl.route.Method),
			attribute.String("url.template", cl.route.Path),
		))
	defer span.End()
	if cl.record != "" {
		span.SetAttributes(attribute.String("cartrover.record", cl.record))
	}

	var processID, hits string
	status := 0
	started := false
	err := func() error {
		if !cl.route.Unlimited {
			if err := c.pace.wait(ctx, c.waitBudget(ctx)); err != nil {
				var late *errPaceDeadline
				if errors.As(err, &late) {
					// The next slot lies beyond the caller's deadline: retry when it comes.
					return &Error{Code: CodeRateLimit, Op: cl.route.Name, Record: cl.record, retryAfter: max(late.delay, time.Second),
						Message: late.Error(), Err: err}
				}
				return c.ctxError(ctx, cl, err)
			}
			started = true
		}
		cctx, cancel := context.WithTimeout(ctx, c.timeout)
		defer cancel()
		req, err := c.newRequest(cctx, cl)
		if err != nil {
			return err
		}
		resp, err := c.http.Do(req)
		if err != nil {
			return c.transportError(ctx, cctx, cl, err)
		}
		defer resp.Body.Close()
		status = resp.StatusCode
		processID, hits = resp.Header.Get(HeaderProcessID), resp.Header.Get(HeaderHitsRemaining)
		body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
		if err != nil {
			e := c.transportError(ctx, cctx, cl, err)
			var ce *Error
			if errors.As(e, &ce) {
				ce.HTTPStatus, ce.ProcessID = status, processID
			}
			return e
		}
		return c.classify(cl, resp, body, out)
	}()
	if started {
		c.pace.done(headerHits(hits), status != 0 && IsRateLimit(err))
		var ce *Error
		if errors.As(err, &ce) && ce.Code == CodeRateLimit && ce.retryAfter == 0 {
			ce.retryAfter = c.pace.retryDelay()
		}
	}

	if c.observe != nil {
		c.observe(ctx, cl.route.Name, err, time.Since(start))
	}
	span.SetAttributes(attribute.Int("http.response.status_code", status))
	if processID != "" {
		span.SetAttributes(attribute.String("cartrover.process_id", processID))
	}
	attrs := []slog.Attr{
		slog.String("op", cl.route.Name), slog.String("record", cl.record),
		slog.Int("http_status", status), slog.String("process_id", processID),
		slog.Duration("duration", time.Since(start)),
	}
	if hits != "" {
		attrs = append(attrs, slog.String("hits_remaining", hits))
		span.SetAttributes(attribute.String("cartrover.hits_remaining", hits))
	}
	if err != nil {
		var ce *Error
		if errors.As(err, &ce) {
			span.SetAttributes(attribute.String("cartrover.error_code", string(ce.Code)), attribute.Bool("cartrover.retryable", ce.Retryable()))
			attrs = append(attrs, slog.String("error_code", string(ce.Code)))
		}
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
		level := slog.LevelInfo // answers about one record (not found, invalid) are the caller's to report
		if ce == nil || ce.Retryable() || ce.Code == CodeUnauthorized {
			level = slog.LevelWarn
		}
		c.log.LogAttrs(ctx, level, "cartrover call failed", append(attrs, slog.String("error", err.Error()))...)
		return err
	}
	c.log.LogAttrs(ctx, slog.LevelDebug, "cartrover call", attrs...)
	return nil
}

func (c *Client) newRequest(ctx context.Context, cl call) (*http.Request, error) {
	u := *c.base
	u.RawPath = c.base.EscapedPath() + cl.route.URLPath(cl.args...)
	p, err := url.PathUnescape(u.RawPath)
	if err != nil {
		return nil, &Error{Code: CodeInvalid, Op: cl.route.Name, Record: cl.record, Message: "cannot build the path: " + err.Error(), Err: err}
	}
	u.Path = p
	if len(cl.query) > 0 {
		u.RawQuery = cl.query.Encode() // url.Values encodes '+' as %2B (spec §1.7)
	}
	var body io.Reader
	if cl.body != nil {
		b, err := json.Marshal(cl.body)
		if err != nil {
			return nil, &Error{Code: CodeInvalid, Op: cl.route.Name, Record: cl.record, Message: "cannot encode request: " + err.Error(), Err: err}
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, cl.route.Method, u.String(), body)
	if err != nil {
		return nil, &Error{Code: CodeInvalid, Op: cl.route.Name, Record: cl.record, Message: "cannot build request: " + err.Error(), Err: err}
	}
	req.SetBasicAuth(c.user, c.key)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	if cl.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// headerHits parses an X-CartRover-Api-Minute-Hits-Remaining value; -1 when absent or malformed.
func headerHits(v string) int {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if v == "" || err != nil || n < 0 {
		return -1
	}
	return n
}

// waitBudget is the latest time a call may still start: the caller's deadline less the time the
// call itself may take (its timeout, or a third of what is left when that is shorter).
func (c *Client) waitBudget(ctx context.Context) time.Time {
	dl, ok := ctx.Deadline()
	if !ok {
		return time.Time{}
	}
	return dl.Add(-min(c.timeout, time.Until(dl)/3))
}

// ctxError classifies a failure caused by the caller's context.
func (c *Client) ctxError(ctx context.Context, cl call, err error) error {
	code := CodeCanceled
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		code = CodeTimeout
	}
	return &Error{Code: code, Op: cl.route.Name, Record: cl.record, Message: "call abandoned: " + err.Error(), Err: err}
}

// transportError classifies a failed round trip.
func (c *Client) transportError(ctx, cctx context.Context, cl call, err error) error {
	if ctx.Err() != nil {
		return c.ctxError(ctx, cl, ctx.Err())
	}
	var nerr net.Error
	if errors.Is(cctx.Err(), context.DeadlineExceeded) || (errors.As(err, &nerr) && nerr.Timeout()) {
		return &Error{Code: CodeTimeout, Op: cl.route.Name, Record: cl.record,
			Message: fmt.Sprintf("no answer within %s", c.timeout), Err: err}
	}
	return &Error{Code: CodeTransport, Op: cl.route.Name, Record: cl.record,
		Message: "connection failed: " + c.redact(unwrapURLError(err).Error()), Err: err}
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// classify turns an answer into nil (decoding the response into out) or an *Error.
func (c *Client) classify(cl call, resp *http.Response, body []byte, out any) error {
	status := resp.StatusCode
	mk := func(code ErrorCode, msg string) *Error {
		e := &Error{Code: code, Message: msg, HTTPStatus: status, ProcessID: resp.Header.Get(HeaderProcessID),
			Op: cl.route.Name, Record: cl.record}
		if code == CodeRateLimit {
			e.retryAfter = retryAfterHeader(resp.Header) // else the pacer's estimate, set by do
		}
		return e
	}
	var env envelope
	jsonErr := json.Unmarshal(body, &env)
	if jsonErr != nil {
		var code ErrorCode
		switch {
		case status == http.StatusUnauthorized || status == http.StatusForbidden:
			code = CodeUnauthorized
		case status == http.StatusTooManyRequests:
			code = CodeRateLimit
		case status == http.StatusRequestTimeout || status == http.StatusGatewayTimeout:
			code = CodeTimeout
		case status >= 500:
			code = CodeServer
		case status >= 300:
			code = CodeHTTP
		default:
			code = CodeBadResponse
		}
		msg := "answer is not CartRover JSON"
		if status >= 300 {
			msg = "HTTP " + strconv.Itoa(status) + " " + http.StatusText(status) + " without a CartRover error body"
		}
		e := mk(code, msg)
		e.Snippet = c.snippet(body)
		e.Err = jsonErr
		return e
	}
	ok, okSet := successValue(env.SuccessCode)
	msg := env.Message
	if msg == "" {
		msg = env.StatusMessage
	}
	if len(env.ErrorResponse) > 0 && string(env.ErrorResponse) != "null" {
		msg = strings.TrimSpace(msg + " " + c.snippet(env.ErrorResponse))
	}
	if !ok || status >= 300 {
		code := ErrorCode(env.ErrorCode)
		switch {
		case code == CodeRateLimit || status == http.StatusTooManyRequests:
			code = CodeRateLimit
		case status == http.StatusUnauthorized || status == http.StatusForbidden:
			code = CodeUnauthorized
		case status >= 500:
			code = CodeServer
		case code != "":
			// CartRover's own code (Invalid, Failure, or one we do not know yet).
		case !okSet:
			e := mk(CodeBadResponse, "answer has no success_code")
			e.Snippet = c.snippet(body)
			return e
		case status >= 300:
			code = CodeHTTP
		default:
			code = CodeFailure
		}
		if msg == "" {
			msg = "CartRover answered success_code false without a message"
		}
		return mk(code, c.redact(msg))
	}
	if out == nil {
		return nil
	}
	data := []byte(env.Response)
	if len(env.Response) == 0 || string(env.Response) == "null" {
		data = body // e.g. single create: cust_ref/order_number at top level
	}
	if err := decodeLenient(data, out); err != nil {
		e := mk(CodeBadResponse, "cannot decode the answer: "+err.Error())
		e.Snippet = c.snippet(data)
		e.Err = err
		return e
	}
	return nil
}

// successValue reads success_code leniently (true, "true", 1, "Y").
func successValue(raw json.RawMessage) (ok, set bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return false, false
	}
	var f YN
	if err := f.UnmarshalJSON(raw); err != nil {
		return false, true
	}
	return bool(f), true
}

// retryAfterHeader reads a Retry-After header in seconds, should CartRover ever send one (0 if not).
func retryAfterHeader(h http.Header) time.Duration {
	if n, err := strconv.Atoi(h.Get("Retry-After")); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	return 0
}

// snippet returns the start of a body for an error message, without credentials.
func (c *Client) snippet(b []byte) string {
	const n = 200
	s := strings.TrimSpace(string(b))
	if len(s) > n {
		s = s[:n] + "…"
	}
	return c.redact(s)
}

// redact removes the API key from text that might echo it.
func (c *Client) redact(s string) string {
	if c.key != "" {
		s = strings.ReplaceAll(s, c.key, "[redacted]")
	}
	return s
}

// Ping checks the address and credentials with the cheapest authenticated call (one inventory row).
func (c *Client) Ping(ctx context.Context) error {
	var out json.RawMessage
	return c.do(ctx, call{route: RouteListInventory, query: url.Values{"limit": {"1"}, "page": {"1"}}}, &out)
}
