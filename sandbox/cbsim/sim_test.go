package cbsim_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cartrover-cb/ordermanager/sandbox/catalog"
	"github.com/cartrover-cb/ordermanager/sandbox/cbsim"
	"github.com/stretchr/testify/require"
)

func call(t *testing.T, method, url, body string, auth bool) (int, map[string]any, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if auth {
		req.SetBasicAuth(cbsim.DefaultUserCode, cbsim.DefaultPassword)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return resp.StatusCode, m, string(raw)
}

func TestRoutingIsCaseInsensitiveAndCollapsesSlashes(t *testing.T) {
	sim := cbsim.New(cbsim.Options{})
	ts := httptest.NewServer(sim)
	defer ts.Close()
	for _, p := range []string{"/pos/webservice/Products/getlocationlookup//20", "/PRODUCTS/GETLOCATIONLOOKUP/100", "//x//products//getLocationLookup"} {
		code, m, raw := call(t, http.MethodPut, ts.URL+p, `{"Criteria":null,"hasError":false}`, true)
		if code != 200 || m["Warehouses"] == nil {
			t.Errorf("%s: %d %s", p, code, raw)
		}
		if _, ok := m["ErrorMessage"]; !ok || m["ErrorMessage"] != nil {
			t.Errorf("%s: ErrorMessage must be present and null: %s", p, raw)
		}
	}
	if got := sim.Calls("Products/getlocationlookup"); got != 3 {
		t.Errorf("calls = %d; want 3", got)
	}
}

func TestVerbsAuthAndNullLists(t *testing.T) {
	ts := httptest.NewServer(cbsim.New(cbsim.Options{}))
	defer ts.Close()
	if code, _, _ := call(t, http.MethodGet, ts.URL+"/Products/getlocationlookup/100", "", true); code != http.StatusMethodNotAllowed {
		t.Errorf("GET on a PUT route = %d", code)
	}
	if code, m, _ := call(t, http.MethodPut, ts.URL+"/Products/getlocationlookup/100", `{}`, false); code != http.StatusUnauthorized || m["ErrorMessage"] == nil {
		t.Errorf("no auth = %d %v", code, m)
	}
	code, _, raw := call(t, http.MethodPut, ts.URL+"/Contacts/customerlookup/100", `{"StringValue":"nobody-at-all"}`, true)
	if code != 200 || !strings.Contains(raw, `"Customers":null`) {
		t.Errorf("empty lookup = %d %s; want Customers null", code, raw)
	}
	code, _, raw = call(t, http.MethodGet, ts.URL+"/Contacts/loadcustomerbycode/CUST-000001", "", true)
	if code != 200 || !strings.Contains(raw, `"CustomerCode":"CUST-000001"`) {
		t.Errorf("loadcustomerbycode = %d %s", code, raw)
	}
	code, _, raw = call(t, http.MethodPut, ts.URL+"/Transactions/orderlookup/100", `{"CriteriaString":""}`, true)
	if code != 200 || !strings.Contains(raw, `"SalesOrders":null`) {
		t.Errorf("orderlookup = %d %s", code, raw)
	}
}

func TestAdminRoutes(t *testing.T) {
	sim := cbsim.New(cbsim.Options{})
	ts := httptest.NewServer(sim)
	defer ts.Close()
	code, m, raw := call(t, http.MethodPost, ts.URL+"/_sim/items", `{"synthetic":3,"stock":7}`, false)
	if code != 200 || len(m["codes"].([]any)) != 3 {
		t.Fatalf("seed items = %d %s", code, raw)
	}
	first := m["codes"].([]any)[0].(string)
	if got := sim.FreeStockOf(first, "WEST"); got.IntPart() != 7 {
		t.Errorf("synthetic stock = %s", got)
	}
	if code, _, raw := call(t, http.MethodPut, ts.URL+"/_sim/stock", `{"item":"`+first+`","warehouse":"MAIN","quantity":2}`, false); code != 200 {
		t.Fatalf("set stock = %d %s", code, raw)
	}
	if got := sim.FreeStockOf(first, "MAIN"); got.IntPart() != 2 {
		t.Errorf("stock after PUT = %s", got)
	}
	if code, _, _ := call(t, http.MethodPut, ts.URL+"/_sim/customers/CUST-000001/credit-hold", `{"hold":true}`, false); code != 200 || !sim.Customers()[0].CreditHold {
		t.Errorf("credit hold = %d", code)
	}
	if code, _, _ := call(t, http.MethodPut, ts.URL+"/_sim/faults", `{"fail5xx":1,"route":"products/getlocationlookup"}`, false); code != 200 {
		t.Fatal("faults")
	}
	if code, _, _ := call(t, http.MethodPut, ts.URL+"/Products/getlocationlookup/100", `{}`, true); code != 503 {
		t.Errorf("faulted call = %d; want 503", code)
	}
	if code, _, _ := call(t, http.MethodPut, ts.URL+"/Products/getlocationlookup/100", `{}`, true); code != 200 {
		t.Errorf("second call = %d; the fault must be consumed", code)
	}
	code, m, _ = call(t, http.MethodGet, ts.URL+"/_sim/stats", "", false)
	if code != 200 || m["products/getlocationlookup"].(float64) != 2 {
		t.Errorf("stats = %v", m)
	}
	if code, _, raw := call(t, http.MethodPost, ts.URL+"/_sim/orders/SO-000404/ship", `{}`, false); code != 400 || !strings.Contains(raw, "SO-000404") {
		t.Errorf("ship unknown order = %d %s", code, raw)
	}
}

func createOrder(t *testing.T, url, po string, qty int) (int, string) {
	it := catalog.Items[4]
	body := fmt.Sprintf(`{"SalesOrders":[{"BillToCode":"CUST-000001","POCode":%q,"SourceCode":"CartRover","WarehouseCode":"MAIN",
		"ShippingMethodGroup":"DEFAULT","ShippingMethodCode":"UPS Ground","ShippingDate":"/Date(1732406400000)/"}],
		"SalesOrderDetails":[{"ItemCode":%q,"ItemName":%q,"QuantityOrdered":%d,"SalesPriceRate":"1.10","UnitMeasureCode":"EACH"}],
		"Payments":[],"Coupons":[],"KitDetails":[],"SalesRep":null}`, po, it.Code, it.SKU, qty)
	code, _, raw := call(t, http.MethodPut, url+"/Transactions/createsalesorder/false/2b1c", body, true)
	return code, raw
}

func TestConcurrentOrdersAllocateStockExactly(t *testing.T) {
	sim := cbsim.New(cbsim.Options{})
	ts := httptest.NewServer(sim)
	defer ts.Close()
	it := catalog.Items[4]
	sim.SetStock(it.Code, "MAIN", 10)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if code, raw := createOrder(t, ts.URL, fmt.Sprintf("C-%d", i), 2); code != 200 || !strings.Contains(raw, "SO-") {
				t.Errorf("create = %d %s", code, raw)
			}
		}(i)
	}
	wg.Wait()
	orders := sim.SalesOrders()
	if len(orders) != 8 {
		t.Fatalf("%d orders", len(orders))
	}
	alloc, back := 0, 0
	for _, o := range orders {
		alloc += int(o.Lines[0].Allocated.IntPart())
		back += int(o.Lines[0].BackOrdered.IntPart())
	}
	if alloc != 10 || back != 6 || !sim.FreeStockOf(it.Code, "MAIN").IsZero() {
		t.Fatalf("allocated %d, back-ordered %d, free %s; want 10, 6, 0", alloc, back, sim.FreeStockOf(it.Code, "MAIN"))
	}
}

func TestStatePersistsAcrossRestarts(t *testing.T) {
	file := filepath.Join(t.TempDir(), "cb.json")
	sim := cbsim.New(cbsim.Options{StateFile: file})
	ts := httptest.NewServer(sim)
	if code, raw := createOrder(t, ts.URL, "P-1", 1); code != 200 {
		t.Fatalf("create = %s", raw)
	}
	ts.Close()
	if err := sim.Close(); err != nil {
		t.Fatal(err)
	}
	again := cbsim.New(cbsim.Options{StateFile: file})
	defer again.Close()
	if o := again.SalesOrdersByPOCode("P-1"); len(o) != 1 || o[0].Code != "SO-000001" {
		t.Fatalf("after restart: %+v", o)
	}
	ts2 := httptest.NewServer(again)
	defer ts2.Close()
	if _, raw := createOrder(t, ts2.URL, "P-2", 1); !strings.Contains(raw, "SO-000002") {
		t.Fatalf("code counter not restored: %s", raw)
	}
}

func TestServeListensAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	sim := cbsim.New(cbsim.Options{})
	addr, err := sim.Serve(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if code, _, _ := call(t, http.MethodPut, "http://"+addr+"/System/signin?isFromAutoSignIn=false", `{}`, true); code != 200 {
		t.Fatalf("signin = %d", code)
	}
	cancel()
}

func TestWarehouseRestocksBackOrdersAndShips(t *testing.T) {
	sim := cbsim.New(cbsim.Options{ShipDelay: 10 * time.Millisecond, PartialEvery: 1})
	defer sim.Close()
	ts := httptest.NewServer(sim)
	defer ts.Close()
	sim.SetStock(catalog.Items[4].Code, "MAIN", 0)
	if code, raw := createOrder(t, ts.URL, "B-1", 4); code != 200 {
		t.Fatal(raw)
	}
	require.Eventually(t, func() bool { return sim.SalesOrdersByPOCode("B-1")[0].Status == "Completed" },
		5*time.Second, 5*time.Millisecond, "back-ordered order never shipped")
	if o := sim.SalesOrdersByPOCode("B-1")[0]; len(o.Boxes) < 2 {
		t.Fatalf("boxes = %+v; want a partial shipment first", o.Boxes)
	}
}

func TestUnauthorizedAndRejectFaultsHitOnlyTheirRoute(t *testing.T) {
	sim := cbsim.New(cbsim.Options{})
	ts := httptest.NewServer(sim)
	defer ts.Close()
	defer sim.Close()
	terms := ts.URL + "/webservice/System/loadsystempaymentterm/100"
	methods := ts.URL + "/webservice/System/loadsystemshippingmethod/100"
	code, _, _ := call(t, http.MethodPut, ts.URL+"/_sim/faults", `{"unauthorized":1,"route":"system/loadsystempaymentterm"}`, false)
	require.Equal(t, 200, code)
	code, _, _ = call(t, http.MethodPut, methods, `{}`, true)
	require.Equal(t, 200, code, "another route is not affected")
	code, _, _ = call(t, http.MethodPut, terms, `{}`, true)
	require.Equal(t, 401, code, "good credentials refused once")
	code, _, _ = call(t, http.MethodPut, terms, `{}`, true)
	require.Equal(t, 200, code, "the fault is consumed")

	sim.SetFaults(cbsim.Faults{Reject: 1, RejectMessage: "Locked by another user.", Route: "System/loadsystempaymentterm"})
	code, m, _ := call(t, http.MethodPut, terms, `{}`, true)
	require.Equal(t, 200, code)
	require.Equal(t, "Locked by another user.", m["ErrorMessage"])
	_, m, _ = call(t, http.MethodPut, terms, `{}`, true)
	require.Nil(t, m["ErrorMessage"])
}

func TestVoidOrderAndAddedTemplatesShowInAnswers(t *testing.T) {
	sim := cbsim.New(cbsim.Options{NoItems: true})
	ts := httptest.NewServer(sim)
	defer ts.Close()
	defer sim.Close()
	_, m, _ := call(t, http.MethodPut, ts.URL+"/webservice/Products/ItemLookup/100", `{"ShowPhasedOutItems":true}`, true)
	require.Nil(t, m["Items"], "NoItems starts without the catalogue")

	it := catalog.Items[4] // the item createOrder orders
	sim.SeedItems(cbsim.Item{Code: it.Code, Name: it.SKU, Active: true})
	sim.SetStock(it.Code, "MAIN", 5)
	code, raw := createOrder(t, ts.URL+"/webservice", "PO-VOID", 1)
	require.Equal(t, 200, code, raw)
	require.Len(t, sim.SalesOrdersByPOCode("PO-VOID"), 1, raw)
	so := sim.SalesOrdersByPOCode("PO-VOID")[0].Code
	require.NoError(t, sim.VoidOrder(so))
	_, m, _ = call(t, http.MethodPut, ts.URL+"/webservice/Transactions/loadorder", fmt.Sprintf(`{"TransactionCode":%q}`, so), true)
	require.Equal(t, true, m["SalesOrders"].([]any)[0].(map[string]any)["IsVoided"])
	require.Error(t, sim.VoidOrder("SO-NONE"))

	sim.AddClassTemplate("Retail", "RETAIL-FIRST", "Canada", false, false)
	_, m, _ = call(t, http.MethodPut, ts.URL+"/webservice/Contacts/getcustomerclasstemplatebycountry/", `{"StringValue":"Canada"}`, true)
	rows := m["ClassTemplates"].([]any)
	require.Equal(t, "RETAIL-FIRST", rows[0].(map[string]any)["ClassCode"], "listed first")
	_, m, _ = call(t, http.MethodPut, ts.URL+"/webservice/Contacts/getcustomerclasstemplatebycountry/", `{"StringValue":""}`, true)
	codes := map[string]int{}
	for _, r := range m["ClassTemplates"].([]any) {
		codes[r.(map[string]any)["ClassCode"].(string)]++
	}
	require.Equal(t, map[string]int{"RETAIL-FIRST": 1, "CCLS-000001": 1, "CCLS-000002": 1, "CCLS-000003": 1, "CCLS-000004": 1}, codes,
		"no country: every template once")
}
