package cartrover_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cartrover-cb/ordermanager/cartrover"
	"github.com/cartrover-cb/ordermanager/sandbox/cartroversim"
)

// BenchmarkDecodeListPage measures the client decoding one 100-order list page, next to two
// baselines of the same bytes in the same run: a plain encoding/json decode into a map[string]any,
// and one straight into the client's own types (what the envelope, the lenient decoder and the
// call machinery add on top). Two pages: the documented fixture's order
// repeated 100 times (CartRover's real field shapes: nulls, numbers as strings) and a page the
// simulator serves for 100 generated orders. The client's path is the whole of ListOrders minus
// the network: the answer comes from an in-memory RoundTripper.
func BenchmarkDecodeListPage(b *testing.B) {
	pages := []struct {
		name string
		body []byte
	}{
		{"fixture", fixturePage(b, 100)},
		{"simulator", simulatorPage(b, 100)},
	}
	for _, p := range pages {
		b.Run(p.name+"/client", func(b *testing.B) {
			c := replayClient(b, p.body)
			ctx := context.Background()
			b.SetBytes(int64(len(p.body)))
			b.ReportAllocs()
			for b.Loop() {
				orders, err := c.ListOrders(ctx, cartrover.StatusNew, cartrover.ListOptions{Limit: cartrover.MaxPageSize})
				if err != nil {
					b.Fatal(err)
				}
				if len(orders) != 100 || orders[99].CustRef == "" {
					b.Fatalf("decoded %d orders (last cust_ref %q); want 100", len(orders), orders[len(orders)-1].CustRef)
				}
			}
		})
		b.Run(p.name+"/typed-baseline", func(b *testing.B) {
			b.SetBytes(int64(len(p.body)))
			b.ReportAllocs()
			for b.Loop() {
				var env struct {
					Response []cartrover.Order `json:"response"`
				}
				if err := json.Unmarshal(p.body, &env); err != nil {
					b.Fatal(err)
				}
				if len(env.Response) != 100 {
					b.Fatalf("typed baseline decoded %d orders; want 100", len(env.Response))
				}
			}
		})
		b.Run(p.name+"/map-baseline", func(b *testing.B) {
			b.SetBytes(int64(len(p.body)))
			b.ReportAllocs()
			for b.Loop() {
				var m map[string]any
				if err := json.Unmarshal(p.body, &m); err != nil {
					b.Fatal(err)
				}
				if list, _ := m["response"].([]any); len(list) != 100 {
					b.Fatalf("baseline decoded %d orders; want 100", len(list))
				}
			}
		})
	}
}

// fixturePage is orders/list.json with its one order repeated n times under distinct cust_refs.
func fixturePage(b *testing.B, n int) []byte {
	b.Helper()
	var env struct {
		Response []json.RawMessage `json:"response"`
	}
	if err := json.Unmarshal(readFixture(b, "orders/list.json"), &env); err != nil || len(env.Response) == 0 {
		b.Fatalf("orders/list.json: %v (%d orders)", err, len(env.Response))
	}
	order := env.Response[0]
	const ref = `"cust_ref": "156"`
	if !bytes.Contains(order, []byte(ref)) {
		b.Fatalf("orders/list.json no longer holds %s: update fixturePage", ref)
	}
	var buf bytes.Buffer
	buf.WriteString(`{"success_code": true, "response": [`)
	for i := range n {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(bytes.Replace(order, []byte(ref), fmt.Appendf(nil, `"cust_ref": "BENCH-%04d"`, i), 1))
	}
	buf.WriteString(`]}`)
	return buf.Bytes()
}

// simulatorPage is the simulator's answer to a list of n freshly generated new orders.
func simulatorPage(b *testing.B, n int) []byte {
	b.Helper()
	sim := cartroversim.New(cartroversim.Options{Seed: 7, NoRateLimit: true})
	sim.Generate(n, 0)
	req := httptest.NewRequest(http.MethodGet, cartrover.RouteListOrders.URLPath(string(cartrover.StatusNew))+fmt.Sprintf("?limit=%d", n), nil)
	req.SetBasicAuth(cartroversim.DefaultAPIUser, cartroversim.DefaultAPIKey)
	rec := httptest.NewRecorder()
	sim.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("simulator list: HTTP %d: %s", rec.Code, rec.Body.String())
	}
	return rec.Body.Bytes()
}

// replayClient is a client whose every call is answered with body, in memory.
func replayClient(b *testing.B, body []byte) *cartrover.Client {
	b.Helper()
	rt := roundTripFunc(func(*http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body))}, nil
	})
	c, err := cartrover.New(cartrover.Config{BaseURL: "http://cartrover.invalid", APIUser: "bench", APIKey: "bench-key",
		HTTPClient: &http.Client{Transport: rt}, RatePerSecond: -1, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
