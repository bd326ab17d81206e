package cartrover_test

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cartrover-cb/ordermanager/cartrover"
)

const fixtures = "testdata/fixtures"

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// response extracts the envelope's response (or the whole body when there is none).
func response(t testing.TB, b []byte) []byte {
	t.Helper()
	if trimmed := strings.TrimSpace(string(b)); strings.HasPrefix(trimmed, "[") {
		return b // a request body that is a list
	}
	var env struct {
		SuccessCode bool            `json:"success_code"`
		Response    json.RawMessage `json:"response"`
	}
	if err := json.Unmarshal(b, &env); err != nil {
		t.Fatal(err)
	}
	if len(env.Response) == 0 {
		return b
	}
	return env.Response
}

func eq[T comparable](t *testing.T, field string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", field, got, want)
	}
}

func dec(t *testing.T, field string, got cartrover.Decimal, want string) {
	t.Helper()
	if got.String() != want {
		t.Errorf("%s = %s, want %s", field, got, want)
	}
}

func ts(t *testing.T, field string, got time.Time, want string) {
	t.Helper()
	w, err := time.Parse(time.RFC3339, want)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equal(w) {
		t.Errorf("%s = %v, want %v", field, got, w)
	}
}

func TestFixtureListOrdersDecodesFieldByField(t *testing.T) {
	var orders []cartrover.Order
	if err := json.Unmarshal(response(t, readFixture(t, "orders/list.json")), &orders); err != nil {
		t.Fatal(err)
	}
	if len(orders) != 1 {
		t.Fatalf("got %d orders, want 1", len(orders))
	}
	o := orders[0]
	ts(t, "created_date_time", o.CreatedDateTime.Time, "2016-07-14T19:07:16Z")
	eq(t, "record_no", o.RecordNo, "156")
	eq(t, "cust_ref", o.CustRef, "156")
	eq(t, "cust_po_no", o.CustPONo, "156")
	eq(t, "ship_code", o.ShipCode, "legacy_free_shipping")
	eq(t, "ship_code_description", o.ShipCodeDescription, "Free Shipping")
	eq(t, "cust_first_name", o.CustFirstName, "Cart")
	eq(t, "cust_last_name", o.CustLastName, "Test")
	eq(t, "cust_address_1", o.CustAddress1, "510 N. Milpas St")
	eq(t, "cust_address_2", o.CustAddress2, "")
	eq(t, "cust_city", o.CustCity, "Santa Barbara")
	eq(t, "cust_state", o.CustState, "CA")
	eq(t, "cust_zip", o.CustZip, "93103")
	eq(t, "cust_country", o.CustCountry, "USA")
	eq(t, "cust_phone", o.CustPhone, "18053992278")
	eq(t, "cust_e_mail", o.CustEmail, "help@cartrover.com")
	eq(t, "ship_company", o.ShipCompany, "CartRover")
	eq(t, "ship_first_name", o.ShipFirstName, "William")
	eq(t, "ship_last_name", o.ShipLastName, "Wynn")
	eq(t, "ship_address_1", o.ShipAddress1, "510 N. Milpas St.")
	eq(t, "ship_city", o.ShipCity, "Santa Barbara")
	eq(t, "ship_state", o.ShipState, "CA")
	eq(t, "ship_zip", o.ShipZip, "93103")
	eq(t, "ship_country", o.ShipCountry, "USA")
	eq(t, "ship_phone", o.ShipPhone, "18058982444")
	eq(t, "ship_e_mail", o.ShipEmail, "help@cartrover.com")
	eq(t, "customer_id", o.CustomerID, "4")
	eq(t, "order_date", o.OrderDate.Format(time.DateOnly), "2016-07-14")
	dec(t, "sub_total", o.SubTotal, "0.00")
	dec(t, "order_discount", o.OrderDiscount, "0.00")
	dec(t, "sales_tax", o.SalesTax, "0.00")
	dec(t, "shipping_handling", o.ShippingHandling, "0.00")
	dec(t, "grand_total", o.GrandTotal, "0.00")
	dec(t, "balance", o.Balance, "0.00")
	eq(t, "currency_code", o.CurrencyCode, "USD")
	eq(t, "pay_type", o.PayType, "CA")
	eq(t, "order_source", o.OrderSource, "WooCommerce")
	dec(t, "pre_auth_amt", o.PreAuthAmt, "0.00")
	eq(t, "carrier (null)", o.Carrier, "")
	eq(t, "gift_message (null)", o.GiftMessage, "")
	eq(t, "routing_sw", o.RoutingSW, false)
	eq(t, "updated_date_time (absent)", o.UpdatedDateTime.IsZero(), true)
	ts(t, "delivered_to_wms_date", o.DeliveredToWMSDate.Time, "2017-05-12T21:10:04Z")
	ts(t, "mark_in_progress_date", o.MarkInProgressDate.Time, "2016-07-14T19:07:17Z")
	eq(t, "cancel_date (null)", o.CancelDate.IsZero(), true)
	eq(t, "sending_canceled", o.SendingCanceled, false)
	eq(t, "on_hold", o.OnHold, false)
	eq(t, "order_status", o.OrderStatus, cartrover.StatusShipped)
	dec(t, "total_qty", o.TotalQty, "1")
	dec(t, "num_to_ship", o.NumToShip, "-4")
	dec(t, "num_shipped", o.NumShipped, "5")

	if len(o.Items) != 1 {
		t.Fatalf("got %d items, want 1", len(o.Items))
	}
	it := o.Items[0]
	eq(t, "items[0].line_no", it.LineNo, 1)
	eq(t, "items[0].item", it.Item, "CIOPEN")
	dec(t, "items[0].quantity", it.Quantity, "1")
	dec(t, "items[0].price", it.Price, "8.0000")
	dec(t, "items[0].discount", it.Discount, "8.0000")
	dec(t, "items[0].addl_discount", it.AddlDiscount, "0.0000")
	dec(t, "items[0].extended_amount", it.ExtendedAmount, "0.00")
	dec(t, "items[0].tax", it.Tax, "0.00")
	dec(t, "items[0].shipping_surcharge", it.ShippingSurcharge, "0.00")
	eq(t, "items[0].Description", it.Description, "CIO Pen - Test Product")
	eq(t, "items[0].filtered_sku", it.FilteredSKU, false)
	eq(t, "items[0].line_location", it.LineLocation, "")

	if len(o.Shipments) != 1 {
		t.Fatalf("got %d shipments, want 1", len(o.Shipments))
	}
	sh := o.Shipments[0]
	eq(t, "shipments[0].carrier", sh.Carrier, "FEDEX")
	eq(t, "shipments[0].method", sh.Method, "50")
	eq(t, "shipments[0].tracking_no", sh.TrackingNo, "Test456")
	eq(t, "shipments[0].total_cost (null)", sh.TotalCost.IsZero(), true)
	ts(t, "shipments[0].date", sh.Date.Time, "2016-08-27T06:05:05Z")
	if len(sh.Items) != 1 {
		t.Fatalf("got %d shipment items, want 1", len(sh.Items))
	}
	eq(t, "shipments[0].items[0].item", sh.Items[0].Item, "CIOPEN")
	dec(t, "shipments[0].items[0].quantity", sh.Items[0].Quantity, "1")
	eq(t, "shipments[0].items[0].carton_code", sh.Items[0].CartonCode, "XXX1234YYY")
	eq(t, "shipments[0].items[0].carton_num", sh.Items[0].CartonNum, "1")
	dec(t, "shipments[0].items[0].package_weight_lbs", sh.Items[0].PackageWeightLbs, "2.00")
}

func TestFixtureRetrieveOrderDecodesFieldByField(t *testing.T) {
	o, err := cartrover.DecodeOrder(response(t, readFixture(t, "orders/retrieve.json")))
	if err != nil {
		t.Fatal(err)
	}
	ts(t, "created_date_time", o.CreatedDateTime.Time, "2019-05-23T23:49:28Z")
	ts(t, "updated_date_time", o.UpdatedDateTime.Time, "2019-05-24T19:20:06Z")
	eq(t, "record_no (null)", o.RecordNo, "")
	eq(t, "cust_ref", o.CustRef, "TEST07Auto")
	eq(t, "cust_po_no", o.CustPONo, "TEST07Auto")
	eq(t, "po_number (null)", o.PONumber, "")
	eq(t, "ship_code (empty)", o.ShipCode, "")
	eq(t, "cust_company", o.CustCompany, "Will Town")
	eq(t, "cust_first_name (null)", o.CustFirstName, "")
	eq(t, "cust_address_1", o.CustAddress1, "351 Hatchback Way")
	eq(t, "cust_address_2", o.CustAddress2, "Suite B140")
	eq(t, "cust_city", o.CustCity, "Santa Lucia")
	eq(t, "cust_state", o.CustState, "NV")
	eq(t, "cust_zip", o.CustZip, "93707")
	eq(t, "ship_company", o.ShipCompany, "Will Town")
	eq(t, "ship_address_1", o.ShipAddress1, "351 HITCHCOCK WAY STE B140")
	eq(t, "ship_city", o.ShipCity, "SANTA BARBARA")
	eq(t, "ship_state", o.ShipState, "CA")
	eq(t, "ship_zip", o.ShipZip, "93105-4016")
	eq(t, "ship_country", o.ShipCountry, "USA")
	eq(t, "order_date", o.OrderDate.Format(time.DateOnly), "2019-05-23")
	dec(t, "grand_total", o.GrandTotal, "0.00")
	eq(t, "currency_code (null)", o.CurrencyCode, "")
	eq(t, "order_source", o.OrderSource, "APIAccess1")
	eq(t, "cass_code_ship", o.CassCodeShip, "V")
	ts(t, "delivered_to_wms_date", o.DeliveredToWMSDate.Time, "2019-05-24T19:20:06Z")
	eq(t, "inventory_warehouse_pk", o.InventoryWarehouse, "1979")
	eq(t, "order_status (absent)", o.OrderStatus, "")
	if len(o.Items) != 2 {
		t.Fatalf("got %d items, want 2", len(o.Items))
	}
	eq(t, "items[0].line_no", o.Items[0].LineNo, 1)
	eq(t, "items[0].item", o.Items[0].Item, "C100")
	dec(t, "items[0].quantity", o.Items[0].Quantity, "2")
	dec(t, "items[0].price", o.Items[0].Price, "0.0000")
	eq(t, "items[0].Description (null)", o.Items[0].Description, "")
	eq(t, "items[0].alt_sku (null)", o.Items[0].AltSKU, "")
	eq(t, "items[1].line_no", o.Items[1].LineNo, 2)
	eq(t, "items[1].item", o.Items[1].Item, "C300")
	dec(t, "items[1].quantity", o.Items[1].Quantity, "1")
	if o.Shipments == nil || len(o.Shipments) != 0 {
		t.Errorf("shipments = %#v, want an empty list", o.Shipments)
	}
}

func TestFixtureOrderStatusDecodes(t *testing.T) {
	var s cartrover.OrderStatus
	if err := json.Unmarshal(response(t, readFixture(t, "orders/status.json")), &s); err != nil {
		t.Fatal(err)
	}
	eq(t, "cust_ref", s.CustRef, "349347")
	eq(t, "order_status", s.OrderStatus, cartrover.StatusShipped)
	ts(t, "delivered_to_wms_date", s.DeliveredToWMSDate.Time, "2016-08-26T19:16:53Z")
	if len(s.Shipments) != 1 || len(s.Shipments[0].Items) != 1 {
		t.Fatalf("shipments = %+v", s.Shipments)
	}
	sh := s.Shipments[0]
	eq(t, "carrier", sh.Carrier, "USPS")
	eq(t, "method", sh.Method, "09")
	eq(t, "tracking_no", sh.TrackingNo, "9405510899046006477740")
	dec(t, "total_cost", sh.TotalCost, "1.50")
	dec(t, "package_weight_lbs", sh.PackageWeightLbs, "0.50")
	eq(t, "items[0].carton_num", sh.Items[0].CartonNum, "2")
}

func TestFixtureInventoryDecodesMapAndListAliasesAndStringQuantities(t *testing.T) {
	var list []cartrover.InventoryItem
	if err := json.Unmarshal(response(t, readFixture(t, "inventory/list.json")), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 {
		t.Fatalf("got %d records, want 3", len(list))
	}
	eq(t, "[0].aliases.UPC", list[0].Aliases["UPC"], "SomeUPCCode")
	eq(t, "[0].aliases.ALT_CODE", list[0].Aliases["ALT_CODE"], "Some Alt Code")
	eq(t, "[1].aliases ([])", len(list[1].Aliases), 0)
	dec(t, "[0].qty_available", list[0].QtyAvailable, "10")
	eq(t, "[2].warehouses", len(list[2].Warehouses), 2)
	eq(t, "[2].warehouses.2489.warehouse", list[2].Warehouses["2489"].Warehouse, "WEST")
	dec(t, "[2].warehouses.2489.qty_available", list[2].Warehouses["2489"].QtyAvailable, "20")

	var one cartrover.InventoryItem
	if err := json.Unmarshal(response(t, readFixture(t, "inventory/retrieve.json")), &one); err != nil {
		t.Fatal(err)
	}
	dec(t, "qty_available (string)", one.QtyAvailable, "15")
	dec(t, "qty_on_hand (string)", one.QtyOnHand, "20")
	ts(t, "wms_datetime", one.WMSDateTime.Time, "2016-08-27T02:24:58Z")
	dec(t, "warehouses.2352.qty_on_hand", one.Warehouses["2352"].QtyOnHand, "10")
}

func TestFixtureProductDecodesNumberPriceAndPlainTimestamp(t *testing.T) {
	var p cartrover.Product
	if err := json.Unmarshal(response(t, readFixture(t, "products/info.json")), &p); err != nil {
		t.Fatal(err)
	}
	eq(t, "sku", p.SKU, "CIO-1001")
	eq(t, "description", p.Description, "It's a wonderful product")
	dec(t, "retail_price (number)", p.RetailPrice, "10.12")
	eq(t, "wholesale_price (null)", p.WholesalePrice.IsZero(), true)
	ts(t, "last_updated_datetime", p.LastUpdated.Time, "2018-01-02T16:26:25Z")
	eq(t, "aliases", len(p.Aliases), 2)
	eq(t, "aliases UPC", p.Aliases.Code("UPC"), "2468NotARealUPCMate")
	eq(t, "aliases merchantSKU", p.Aliases.Code("merchantSKU"), "CIO-1001-SKU")
}

func TestFixtureShipMethodsAndBatchDecode(t *testing.T) {
	var ms []cartrover.ShipMethod
	if err := json.Unmarshal(response(t, readFixture(t, "shipping_methods/list.json")), &ms); err != nil {
		t.Fatal(err)
	}
	eq(t, "count", len(ms), 5)
	eq(t, "[1]", ms[1], cartrover.ShipMethod{Carrier: "USPS", Code: "09", Description: "USPS Priority Mail"})
	eq(t, "[4].carrier", ms[4].Carrier, "")

	var br cartrover.BatchResult
	if err := json.Unmarshal(response(t, readFixture(t, "orders/batch_create.json")), &br); err != nil {
		t.Fatal(err)
	}
	eq(t, "success", len(br.Success), 1)
	eq(t, "success[0].cust_ref", br.Success[0].CustRef, "TEST02")
	eq(t, "failed", len(br.Failed), 2)
	eq(t, "failed[0].message", br.Failed[0].Message, "OrderDuplicate")
	if br.Failed[1].IndexPos == nil || *br.Failed[1].IndexPos != 2 {
		t.Errorf("failed[1].index_pos = %v, want 2", br.Failed[1].IndexPos)
	}
}

func TestFixtureCreateRequestDecodesNumbersAndLowerCaseInput(t *testing.T) {
	o, err := cartrover.DecodeOrder(readFixture(t, "orders/create_data.json"))
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "ship_is_billing", o.ShipIsBilling, true)
	dec(t, "sub_total (number)", o.SubTotal, "14")
	dec(t, "items[0].price (number)", o.Items[0].Price, "4.4")
	dec(t, "items[1].price (string)", o.Items[1].Price, "5.00")
	eq(t, "extra_fields", o.ExtraFields["Another Field"], "Another Value")
	eq(t, "items[1].extra_fields", o.Items[1].ExtraFields["some_custom_field"], "some_value")
}

// TestEveryFixtureDecodes walks the fixture folder: every response and request body decodes into
// the client's types.
func TestEveryFixtureDecodes(t *testing.T) {
	targets := map[string]func() any{
		"orders/list.json":              func() any { return &[]cartrover.Order{} },
		"orders/retrieve.json":          func() any { return &cartrover.Order{} },
		"orders/status.json":            func() any { return &cartrover.OrderStatus{} },
		"orders/batch_create.json":      func() any { return &cartrover.BatchResult{} },
		"orders/batch_create_data.json": func() any { return &[]cartrover.Order{} },
		"orders/create.json": func() any {
			return &struct {
				CustRef string `json:"cust_ref"`
			}{}
		},
		"orders/create_data.json":                  func() any { return &cartrover.Order{} },
		"orders/cancel.json":                       func() any { return &struct{ Success cartrover.YN }{} },
		"orders/update_status_confirmed.json":      func() any { return &struct{}{} },
		"orders/update_status_confirmed_data.json": func() any { return &cartrover.OrderStatus{} },
		"inventory/list.json":                      func() any { return &[]cartrover.InventoryItem{} },
		"inventory/retrieve.json":                  func() any { return &cartrover.InventoryItem{} },
		"products/info.json":                       func() any { return &cartrover.Product{} },
		"shipping_methods/list.json":               func() any { return &[]cartrover.ShipMethod{} },
	}
	seen := 0
	err := filepath.WalkDir(fixtures, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		rel, _ := filepath.Rel(fixtures, path)
		rel = filepath.ToSlash(rel)
		mk, ok := targets[rel]
		if !ok {
			t.Errorf("fixture %s has no decoding target in this test: add one", rel)
			return nil
		}
		seen++
		if err := json.Unmarshal(response(t, readFixture(t, rel)), mk()); err != nil {
			t.Errorf("%s does not decode: %v", rel, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen != len(targets) {
		t.Errorf("decoded %d fixtures, want %d", seen, len(targets))
	}
}

func TestLenientDecodingOfNumbersWhereTextIsExpected(t *testing.T) {
	o, err := cartrover.DecodeOrder([]byte(`{"cust_ref": 1001, "record_no": 77, "customer_id": 5,
		"order_date": "2020-10-9", "created_date_time": "2020-10-09 08:00:00",
		"items": [{"line_no": 1, "item": "SKU-1", "quantity": 2, "price": 19.99, "description": "lower"},
			{"line_no": "2", "item": 4711, "quantity": "1"}],
		"shipments": [{"tracking_no": 123456789012, "items": [{"item": 4711, "quantity": 1, "carton_num": 2}]}],
		"gift_wrap": "Y", "tax_exempt_sw": true, "extra_fields": []}`))
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "cust_ref", o.CustRef, "1001")
	eq(t, "record_no", o.RecordNo, "77")
	eq(t, "order_date", o.OrderDate.Format(time.DateOnly), "2020-10-09")
	ts(t, "created_date_time", o.CreatedDateTime.Time, "2020-10-09T08:00:00Z")
	dec(t, "items[0].price", o.Items[0].Price, "19.99")
	dec(t, "items[0].quantity", o.Items[0].Quantity, "2")
	eq(t, "items[0].description", o.Items[0].Description, "lower")
	eq(t, "items[1].item (number)", o.Items[1].Item, "4711")
	eq(t, "shipments[0].tracking_no (number)", o.Shipments[0].TrackingNo, "123456789012")
	eq(t, "shipments[0].items[0].carton_num (number)", o.Shipments[0].Items[0].CartonNum, "2")
	eq(t, "gift_wrap", o.GiftWrap, true)
	eq(t, "tax_exempt_sw", o.TaxExempt, true)
}

func TestDecimalKeepsExactValueAndPlaces(t *testing.T) {
	var d cartrover.Decimal
	if err := json.Unmarshal([]byte(`"0.1"`), &d); err != nil {
		t.Fatal(err)
	}
	sum := d.Add(cartrover.MustDecimal("0.2").Decimal)
	eq(t, "0.1+0.2", sum.String(), "0.3")
	b, _ := json.Marshal(cartrover.MustDecimal("8.0000"))
	eq(t, "marshal 8.0000", string(b), `"8.0000"`)
	if err := json.Unmarshal([]byte(`"abc"`), &d); err == nil {
		t.Error("decoding \"abc\" as a decimal succeeded, want an error")
	}
}

func TestTimeEncodesUTCWithOffset(t *testing.T) {
	loc := time.FixedZone("PDT", -7*3600)
	b, err := json.Marshal(cartrover.Time{Time: time.Date(2018, 8, 26, 19, 24, 58, 0, loc)})
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "time", string(b), `"2018-08-27T02:24:58+00:00"`)
	b, _ = json.Marshal(cartrover.Time{})
	eq(t, "zero time", string(b), "null")
}
