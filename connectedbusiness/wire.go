package connectedbusiness

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// This file holds every wire convention of CB's JSON webservice (docs/specs/cb-webservice.md §1), in
// one place: verbs, headers, the error envelope, dates and decimals.

// maxBody caps how much of an answer is read (the full item list of a large catalogue fits).
const maxBody = 64 << 20

// envelope is the part every answer shares: ErrorMessage non-empty means failure even on HTTP 200.
type envelope struct {
	ErrorMessage *string `json:"ErrorMessage"`
}

// call sends one request and decodes the answer into out (a pointer, or nil).
//   - verb is PUT (saves and lookups, with a JSON body) or GET (no body) as the route table says;
//   - route is "<Service>/<method>" plus path segments, relative to the base URL;
//   - record names the record for error messages.
//
// An HTTP 2xx answer with a non-empty ErrorMessage becomes a *BusinessError; anything else that is
// not a decodable 2xx answer becomes a *TransportError.
func (w *WebService) call(ctx context.Context, verb, route string, query url.Values, body, out any, record string) error {
	return w.send(ctx, verb, route, query, body, out, record, true)
}

// send is call; with classifyErr false an ErrorMessage is left for the caller to read in out.
func (w *WebService) send(ctx context.Context, verb, route string, query url.Values, body, out any, record string, classifyErr bool) (err error) {
	op := opName(route)
	if w.cfg.Observe != nil {
		began := time.Now()
		defer func() { w.cfg.Observe(ctx, op, err, time.Since(began)) }()
	}
	u := w.base + route
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var rd io.Reader
	if verb != http.MethodGet {
		if body == nil {
			body = struct{}{}
		}
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("connected business %s: encode %s: %w", op, record, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, verb, u, rd)
	if err != nil {
		return &TransportError{Op: op, Err: err}
	}
	req.SetBasicAuth(w.cfg.UserCode, w.cfg.Password)
	req.Header.Set("Accept", "application/json")
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if w.cfg.ProductType != "" {
		req.Header.Set("ProductType", w.cfg.ProductType)
	}
	start := time.Now()
	resp, err := w.http.Do(req)
	if err != nil {
		w.log.DebugContext(ctx, "cb call failed", "op", op, "error", err)
		return &TransportError{Op: op, Err: err}
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	w.log.DebugContext(ctx, "cb call", "op", op, "status", resp.StatusCode, "bytes", len(data), "elapsed", time.Since(start))
	if err != nil {
		return &TransportError{Op: op, StatusCode: 0, Err: err}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		msg := strings.TrimSpace(string(data))
		var env envelope
		if json.Unmarshal(data, &env) == nil && env.ErrorMessage != nil {
			msg = *env.ErrorMessage
		}
		if len(msg) > 200 {
			msg = msg[:200]
		}
		return &TransportError{Op: op, StatusCode: resp.StatusCode, Err: errors.New(msg)}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return &TransportError{Op: op, Err: &syntaxError{errors.New("empty body")}}
	}
	if classifyErr && data[0] == '{' {
		var env envelope
		if err := json.Unmarshal(data, &env); err != nil {
			return &TransportError{Op: op, Err: &syntaxError{err}}
		}
		if env.ErrorMessage != nil && strings.TrimSpace(*env.ErrorMessage) != "" {
			return classify(op, record, strings.TrimSpace(*env.ErrorMessage))
		}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return &TransportError{Op: op, Err: &syntaxError{err}}
	}
	return nil
}

// opName strips path parameters from a route for error messages and logs ("Services/method").
func opName(route string) string {
	parts := strings.SplitN(route, "/", 3)
	if len(parts) < 2 {
		return route
	}
	return parts[0] + "/" + parts[1]
}

// seg escapes one path segment.
func seg(s string) string { return url.PathEscape(s) }

// rows renders a row cap path segment.
func rows(n int) string { return strconv.Itoa(n) }

// Date is a time on the wire in the WCF JSON form "/Date(<ms since epoch>[±hhmm])/". The offset,
// when present, only says in which zone the time was local; the milliseconds are UTC. A zero Date
// is sent as null.
type Date struct{ time.Time }

var dateRE = regexp.MustCompile(`^/Date\((-?\d+)([+-]\d{4})?\)/$`)

// ParseDate parses "/Date(ms)/" or "/Date(ms±hhmm)/"; the result is in the offset's zone when one is given.
func ParseDate(s string) (time.Time, error) {
	m := dateRE.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, fmt.Errorf("connected business: %q is not a /Date(ms)/ value", s)
	}
	ms, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("connected business: %q: %w", s, err)
	}
	t := time.UnixMilli(ms).UTC()
	if m[2] != "" {
		h, _ := strconv.Atoi(m[2][1:3])
		mi, _ := strconv.Atoi(m[2][3:5])
		off := h*3600 + mi*60
		if m[2][0] == '-' {
			off = -off
		}
		t = t.In(time.FixedZone(m[2], off))
	}
	return t, nil
}

// FormatDate renders t as "/Date(ms)/" (UTC milliseconds, no offset, as the clients send).
func FormatDate(t time.Time) string {
	return "/Date(" + strconv.FormatInt(t.UnixMilli(), 10) + ")/"
}

// MarshalJSON implements json.Marshaler.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(FormatDate(d.Time))
}

// UnmarshalJSON implements json.Unmarshaler; null and "" decode to the zero time.
func (d *Date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		d.Time = time.Time{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("connected business: date %s: %w", b, err)
	}
	if s == "" {
		d.Time = time.Time{}
		return nil
	}
	t, err := ParseDate(s)
	if err != nil {
		return err
	}
	d.Time = t
	return nil
}

// Num is an exact decimal on the wire: sent as a bare JSON number, read from a number, a numeric
// string or null (zero).
type Num struct{ decimal.Decimal }

// MarshalJSON implements json.Marshaler.
func (n Num) MarshalJSON() ([]byte, error) { return []byte(n.String()), nil }

// UnmarshalJSON implements json.Unmarshaler.
func (n *Num) UnmarshalJSON(b []byte) error {
	s := string(bytes.TrimSpace(b))
	if s == "null" || s == `""` {
		n.Decimal = decimal.Zero
		return nil
	}
	s = strings.Trim(s, `"`)
	d, err := decimal.NewFromString(s)
	if err != nil {
		return fmt.Errorf("connected business: number %s: %w", b, err)
	}
	n.Decimal = d
	return nil
}

func num(d decimal.Decimal) Num { return Num{d} }
