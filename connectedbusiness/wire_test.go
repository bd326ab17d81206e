package connectedbusiness_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	cb "github.com/cartrover-cb/ordermanager/connectedbusiness"
)

func TestParseDateHandlesOffsetsAndNegatives(t *testing.T) {
	cases := []struct {
		in   string
		want time.Time
		zone int
	}{
		{"/Date(1732406400000)/", time.Date(2024, 11, 24, 0, 0, 0, 0, time.UTC), 0},
		{"/Date(1732406400000+0530)/", time.Date(2024, 11, 24, 0, 0, 0, 0, time.UTC), 5*3600 + 30*60},
		{"/Date(1732406400000-0500)/", time.Date(2024, 11, 24, 0, 0, 0, 0, time.UTC), -5 * 3600},
		{"/Date(-86400000)/", time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC), 0},
	}
	for _, c := range cases {
		got, err := cb.ParseDate(c.in)
		if err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		if !got.Equal(c.want) {
			t.Errorf("%s = %v; want the instant %v (the milliseconds are UTC)", c.in, got, c.want)
		}
		if _, off := got.Zone(); off != c.zone {
			t.Errorf("%s zone offset = %d; want %d", c.in, off, c.zone)
		}
	}
	for _, bad := range []string{"2024-11-24", "/Date()/", "/Date(12a)/", "/Date(1+05)/"} {
		if _, err := cb.ParseDate(bad); err == nil {
			t.Errorf("ParseDate(%q) accepted", bad)
		}
	}
}

func TestDateAndNumJSONRoundTrip(t *testing.T) {
	type row struct {
		D, Z cb.Date
		N, S cb.Num
		Null cb.Num
	}
	var r row
	in := `{"D":"/Date(1732406400000-0500)/","Z":null,"N":12.345,"S":"0.10","Null":null,"Unknown":{"x":1}}`
	if err := json.Unmarshal([]byte(in), &r); err != nil {
		t.Fatal(err)
	}
	if r.D.UnixMilli() != 1732406400000 || !r.Z.IsZero() || r.N.String() != "12.345" || r.S.String() != "0.1" || !r.Null.IsZero() {
		t.Fatalf("decoded %+v", r)
	}
	out, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `"D":"/Date(1732406400000)/"`) || !strings.Contains(string(out), `"Z":null`) || !strings.Contains(string(out), `"N":12.345`) {
		t.Fatalf("encoded %s", out)
	}
}

// fakeCB answers every route with the JSON the test gives and records requests.
type fakeCB struct {
	mu     sync.Mutex
	reqs   []*http.Request
	bodies []string
	answer func(path string) (int, string)
}

func (f *fakeCB) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.reqs = append(f.reqs, r)
	f.bodies = append(f.bodies, string(b))
	f.mu.Unlock()
	if strings.Contains(r.URL.Path, "System/signin") {
		_, _ = io.WriteString(w, `{"ErrorMessage":null,"AppVersion":"24.0.8924.1"}`)
		return
	}
	code, body := f.answer(r.URL.Path)
	w.WriteHeader(code)
	_, _ = io.WriteString(w, body)
}

func newFake(t *testing.T, answer func(path string) (int, string)) (*fakeCB, *cb.WebService) {
	t.Helper()
	f := &fakeCB{answer: answer}
	ts := httptest.NewServer(f)
	t.Cleanup(ts.Close)
	ws, err := cb.NewWebService(cb.Config{BaseURL: ts.URL + "/pos/webservice", UserCode: "integ", Password: "s3cret", ProductType: "Connected Warehouse", Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return f, ws
}

func TestWireConventionsVerbsHeadersAndBodies(t *testing.T) {
	f, ws := newFake(t, func(string) (int, string) { return 200, `{"ErrorMessage":"","Customers":null,"Items":null}` })
	ctx := context.Background()
	if c, err := ws.FindCustomerByCode(ctx, "CUST 1/2"); err != nil || c != nil {
		t.Fatalf("null list = %+v, %v; want nil, nil", c, err)
	}
	if it, err := ws.ItemByName(ctx, "TEE"); err != nil || it != nil {
		t.Fatalf("null Items = %+v, %v", it, err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.reqs) != 3 {
		t.Fatalf("%d requests; want sign-in + 2", len(f.reqs))
	}
	signin, get, put := f.reqs[0], f.reqs[1], f.reqs[2]
	if signin.Method != http.MethodPut || signin.URL.Query().Get("isFromAutoSignIn") != "false" || f.bodies[0] != "{}" {
		t.Errorf("sign-in = %s %s body %q", signin.Method, signin.URL, f.bodies[0])
	}
	if get.Method != http.MethodGet || get.URL.EscapedPath() != "/pos/webservice/Contacts/loadcustomerbycode/CUST%201%2F2" || f.bodies[1] != "" {
		t.Errorf("loadcustomerbycode = %s %s body %q", get.Method, get.URL.EscapedPath(), f.bodies[1])
	}
	if put.Method != http.MethodPut || put.URL.Path != "/pos/webservice/Products/ItemLookup/100" || put.Header.Get("Content-Type") != "application/json" ||
		!strings.Contains(f.bodies[2], `"CriteriaString":"TEE"`) {
		t.Errorf("ItemLookup = %s %s %q", put.Method, put.URL.Path, f.bodies[2])
	}
	for _, r := range f.reqs {
		u, p, ok := r.BasicAuth()
		if !ok || u != "integ" || p != "s3cret" || r.Header.Get("ProductType") != "Connected Warehouse" {
			t.Errorf("%s: auth %q/%v, ProductType %q", r.URL.Path, u, ok, r.Header.Get("ProductType"))
		}
	}
}

func TestWireErrorConventions(t *testing.T) {
	cases := []struct {
		name      string
		status    int
		body      string
		kind      cb.ErrorKind // for business errors
		retryable bool
		transport bool
	}{
		{"ErrorMessage on HTTP 200 is a business error", 200, `{"ErrorMessage":"This customer is over the credit limit."}`, cb.KindCreditHold, false, false},
		{"unclassified message", 200, `{"ErrorMessage":"Something odd."}`, cb.KindOther, false, false},
		{"HTTP 503", 503, `Service Unavailable`, "", true, true},
		{"HTTP 500 with an envelope", 500, `{"ErrorMessage":"boom"}`, "", true, true},
		{"HTTP 404", 404, `Endpoint not found.`, "", false, true},
		{"HTTP 429", 429, ``, "", true, true},
		{"not JSON on 200", 200, `<html>`, "", false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, ws := newFake(t, func(string) (int, string) { return c.status, c.body })
			_, err := ws.Warehouses(context.Background())
			if err == nil {
				t.Fatal("no error")
			}
			var te *cb.TransportError
			if errors.As(err, &te) != c.transport {
				t.Fatalf("err %T %v; transport = %v", err, err, c.transport)
			}
			if !c.transport && !cb.IsKind(err, c.kind) {
				t.Fatalf("err = %v; want kind %s", err, c.kind)
			}
			if cb.IsRetryable(err) != c.retryable {
				t.Fatalf("IsRetryable(%v) = %v", err, !c.retryable)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Fatal("error leaks the password")
			}
		})
	}
}

func TestBatchStockBareBooleanIsReported(t *testing.T) {
	_, ws := newFake(t, func(string) (int, string) { return 200, `true` })
	_, err := ws.FreeStockBatch(context.Background(), []cb.StockQuery{{ItemCode: "ITEM-000001", WarehouseCode: "MAIN"}})
	var be *cb.BusinessError
	if !errors.As(err, &be) || !strings.Contains(be.Fix, "FreeStock") {
		t.Fatalf("err = %v; want a BusinessError pointing at FreeStock", err)
	}
}

func TestFindSalesOrderByPOCodeChecksRowsWithoutPOCode(t *testing.T) {
	// Real CB's orderlookup rows may not carry POCode: the client loads the candidates to check.
	_, ws := newFake(t, func(path string) (int, string) {
		if strings.Contains(path, "orderlookup") {
			return 200, `{"ErrorMessage":null,"SalesOrders":[{"SalesOrderCode":"SO-000007"},{"SalesOrderCode":"SO-000009"}]}`
		}
		if strings.Contains(path, "loadorder") {
			return 200, `{"ErrorMessage":null,"SalesOrders":[{"SalesOrderCode":"SO-000009","POCode":"R-9","SalesOrderDate":"/Date(1732406400000+0000)/"}]}`
		}
		return 404, ""
	})
	ref, err := ws.FindSalesOrderByPOCode(context.Background(), "R-9")
	if err != nil || ref == nil || ref.Code != "SO-000009" || ref.Date.IsZero() {
		t.Fatalf("ref = %+v, %v", ref, err)
	}
}

func TestCountryName(t *testing.T) {
	for in, want := range map[string]string{"us": "United States of America", "GB": "United Kingdom", "united kingdom": "United Kingdom", "USA": "United States of America", " can ": "Canada"} {
		if got, ok := cb.CountryName(in); !ok || got != want {
			t.Errorf("CountryName(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	if _, ok := cb.CountryName("Atlantis"); ok {
		t.Error("Atlantis mapped")
	}
}

func TestCountryCode(t *testing.T) {
	for in, want := range map[string]string{"usa": "US", " GBR ": "GB", "DEU": "DE", "US": "US", "ESP": "ESP", " United Kingdom ": "United Kingdom", "": ""} {
		if got := cb.CountryCode(in); got != want {
			t.Errorf("CountryCode(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNewWebServiceValidatesConfig(t *testing.T) {
	for _, c := range []cb.Config{{}, {BaseURL: "ftp://x/", UserCode: "a", Password: "b"}, {BaseURL: "http://x/"}} {
		if _, err := cb.NewWebService(c); err == nil {
			t.Errorf("config %+v accepted", c)
		}
	}
}
