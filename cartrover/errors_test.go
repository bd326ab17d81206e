package cartrover_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cartrover-cb/ordermanager/cartrover"
)

const testKey = "secret-key-XYZ"

// stub serves one canned answer and records the request.
func stub(t *testing.T, h http.HandlerFunc) *cartrover.Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := cartrover.New(cartrover.Config{BaseURL: srv.URL, APIUser: "u", APIKey: testKey, RatePerSecond: -1, Timeout: 2 * time.Second,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func answer(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(cartrover.HeaderProcessID, "PID-42")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

func TestErrorShapes(t *testing.T) {
	cases := []struct {
		name      string
		status    int
		body      string
		code      cartrover.ErrorCode
		retryable bool
		message   string
		notFound  bool
	}{
		{"HTTP 200 Invalid", 200, `{"success_code":false,"error_code":"Invalid","message":"Order not found"}`, cartrover.CodeInvalid, false, "Order not found", true},
		{"HTTP 200 Failure with status_message", 200, `{"success_code":false,"error_code":"Failure","status_message":"Duplicate order"}`, cartrover.CodeFailure, false, "Duplicate order", false},
		{"HTTP 200 RateLimit", 200, `{"success_code":false,"error_code":"RateLimit","message":"Over API Limit. Please slow down requests."}`, cartrover.CodeRateLimit, true, "Over API Limit", false},
		{"HTTP 200 false without code", 200, `{"success_code":false,"message":"nope"}`, cartrover.CodeFailure, false, "nope", false},
		{"HTTP 400 Invalid body", 400, `{"success_code":false,"error_code":"Invalid","message":"Bad limit"}`, cartrover.CodeInvalid, false, "Bad limit", false},
		{"HTTP 401 JSON", 401, `{"success_code":false,"error_code":"Invalid","message":"Invalid API credentials"}`, cartrover.CodeUnauthorized, false, "Invalid API credentials", false},
		{"HTTP 403 HTML", 403, `<html>Forbidden</html>`, cartrover.CodeUnauthorized, false, "HTTP 403", false},
		{"HTTP 429", 429, `Too Many Requests`, cartrover.CodeRateLimit, true, "HTTP 429", false},
		{"HTTP 500 HTML", 500, `<html><body>Internal Server Error</body></html>`, cartrover.CodeServer, true, "HTTP 500", false},
		{"HTTP 502 JSON", 502, `{"success_code":false,"error_code":"Failure","message":"upstream"}`, cartrover.CodeServer, true, "upstream", false},
		{"HTTP 404 text", 404, `404 page not found`, cartrover.CodeHTTP, false, "HTTP 404", true},
		{"HTTP 200 not JSON", 200, `<html>maintenance</html>`, cartrover.CodeBadResponse, true, "not CartRover JSON", false},
		{"HTTP 200 no success_code", 200, `{"response":[]}`, cartrover.CodeBadResponse, true, "no success_code", false},
		{"HTTP 200 undecodable response", 200, `{"success_code":true,"response":{"cust_ref":{"a":1}}}`, cartrover.CodeBadResponse, true, "cannot decode", false},
		{"echoed key is redacted", 200, `{"success_code":false,"error_code":"Invalid","message":"key ` + testKey + ` unknown"}`, cartrover.CodeInvalid, false, "[redacted]", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := stub(t, answer(tc.status, tc.body))
			_, err := c.GetOrder(context.Background(), "R-1")
			var ce *cartrover.Error
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want *cartrover.Error", err)
			}
			if ce.Code != tc.code || ce.Retryable() != tc.retryable || ce.HTTPStatus != tc.status || ce.ProcessID != "PID-42" {
				t.Errorf("got code %s retryable %v status %d pid %q; want %s %v %d PID-42",
					ce.Code, ce.Retryable(), ce.HTTPStatus, ce.ProcessID, tc.code, tc.retryable, tc.status)
			}
			if !strings.Contains(err.Error(), tc.message) {
				t.Errorf("error %q does not contain %q", err, tc.message)
			}
			if !strings.Contains(err.Error(), "GetOrder cust_ref R-1") || !strings.Contains(err.Error(), "PID-42") {
				t.Errorf("error %q does not name the call, the record and the process id", err)
			}
			if strings.Contains(err.Error(), testKey) {
				t.Errorf("error %q leaks the API key", err)
			}
			if cartrover.IsNotFound(err) != tc.notFound {
				t.Errorf("IsNotFound = %v, want %v", !tc.notFound, tc.notFound)
			}
			if (ce.RetryAfter() > 0) != (tc.code == cartrover.CodeRateLimit) {
				t.Errorf("RetryAfter = %v for %s", ce.RetryAfter(), ce.Code)
			}
		})
	}
}

func TestRateLimitHonoursRetryAfterHeader(t *testing.T) {
	c := stub(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "7")
		io.WriteString(w, `{"success_code":false,"error_code":"RateLimit","message":"slow down"}`)
	})
	_, err := c.ShipMethods(context.Background())
	var ce *cartrover.Error
	if !errors.As(err, &ce) || ce.RetryAfter() != 7*time.Second {
		t.Fatalf("err = %v, want RateLimit with RetryAfter 7s", err)
	}
}

func TestTimeoutIsRetryableTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c, err := cartrover.New(cartrover.Config{BaseURL: srv.URL, APIUser: "u", APIKey: "k", RatePerSecond: -1, Timeout: 50 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.OrderStatus(context.Background(), "R-9")
	var ce *cartrover.Error
	if !errors.As(err, &ce) || ce.Code != cartrover.CodeTimeout || !ce.Retryable() {
		t.Fatalf("err = %v, want a retryable Timeout", err)
	}
}

func TestCanceledContextIsNotRetryable(t *testing.T) {
	c := stub(t, answer(200, `{"success_code":true,"response":[]}`))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.ShipMethods(ctx)
	var ce *cartrover.Error
	if !errors.As(err, &ce) || ce.Code != cartrover.CodeCanceled || ce.Retryable() || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want a non-retryable Canceled wrapping context.Canceled", err)
	}
}

func TestRequestsCarryAuthJSONAndEncodedParameters(t *testing.T) {
	var got *http.Request
	var body []byte
	c := stub(t, func(w http.ResponseWriter, r *http.Request) {
		got = r
		body, _ = io.ReadAll(r.Body)
		io.WriteString(w, `{"success_code":true,"response":[]}`)
	})
	ctx := context.Background()
	from := time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("X", 5*3600+1800))
	if _, err := c.ListOrders(ctx, cartrover.StatusNewOrAtWMS, cartrover.ListOptions{Limit: 50, Page: 2, From: from,
		OrderSource: "Amazon_US2", IncludeLineExtras: true}); err != nil {
		t.Fatal(err)
	}
	if u, k, ok := got.BasicAuth(); !ok || u != "u" || k != testKey {
		t.Error("list call is not Basic-authenticated with the API user and key")
	}
	raw := got.URL.RawQuery
	for _, want := range []string{"from_date=2026-01-02T03%3A04%3A05%2B05%3A30", "limit=50", "page=2", "order_source=Amazon_US2", "include_line_extras=Y"} {
		if !strings.Contains(raw, want) {
			t.Errorf("query %q lacks %q", raw, want)
		}
	}
	if got.URL.Path != "/v1/merchant/orders/list/new_or_at_wms" || strings.Contains(raw, "api_key") {
		t.Errorf("path %q query %q", got.URL.Path, raw)
	}

	if err := c.PostShipments(ctx, "A/B 1", []cartrover.Shipment{{Carrier: "UPS", TrackingNo: "1Z",
		Items: []cartrover.ShipmentItem{{Item: "SKU", Quantity: cartrover.MustDecimal("2")}}}}); err != nil {
		t.Fatal(err)
	}
	if got.Method != http.MethodPost || got.Header.Get("Content-Type") != "application/json" {
		t.Errorf("POST %s with Content-Type %q", got.Method, got.Header.Get("Content-Type"))
	}
	if got.URL.EscapedPath() != "/v1/merchant/orders/update/A%2FB%201" {
		t.Errorf("cust_ref not escaped in the path: %s", got.URL.EscapedPath())
	}
	var sent map[string]any
	if err := json.Unmarshal(body, &sent); err != nil {
		t.Fatal(err)
	}
	if sent["order_status"] != "shipped" || !strings.Contains(string(body), `"quantity":"2"`) {
		t.Errorf("body = %s", body)
	}
}

func TestInvalidArgumentsFailBeforeAnyCall(t *testing.T) {
	calls := 0
	c := stub(t, func(w http.ResponseWriter, r *http.Request) { calls++ })
	ctx := context.Background()
	checks := map[string]error{
		"unknown status": func() error { _, err := c.ListOrders(ctx, "pending", cartrover.ListOptions{}); return err }(),
		"limit 101": func() error {
			_, err := c.ListOrders(ctx, cartrover.StatusNew, cartrover.ListOptions{Limit: 101})
			return err
		}(),
		"empty cust_ref": func() error { _, err := c.GetOrder(ctx, " "); return err }(),
		"no shipments":   c.PostShipments(ctx, "R", nil),
		"zero quantity":  c.PostShipments(ctx, "R", []cartrover.Shipment{{Items: []cartrover.ShipmentItem{{Item: "S"}}}}),
		"empty message":  c.SetError(ctx, "R", ""),
	}
	for name, err := range checks {
		if codeOf(err) != cartrover.CodeInvalid {
			t.Errorf("%s: err = %v, want Invalid", name, err)
		}
	}
	if calls != 0 {
		t.Errorf("%d calls reached the server", calls)
	}
	if _, err := cartrover.New(cartrover.Config{BaseURL: "api.cartrover.com", APIUser: "u", APIKey: "k"}); err == nil {
		t.Error("New accepted a base URL without a scheme")
	}
	if _, err := cartrover.New(cartrover.Config{BaseURL: "https://api.cartrover.com"}); err == nil {
		t.Error("New accepted empty credentials")
	}
}
