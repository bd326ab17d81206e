package activities_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/shopspring/decimal"
	"go.temporal.io/sdk/temporal"

	"github.com/cartrover-cb/ordermanager/activities"
	cb "github.com/cartrover-cb/ordermanager/connectedbusiness"
)

// ordersCB is an in-memory CB for the Order Send activities that counts every call. Methods the
// activities must not use panic through the nil embedded interface.
type ordersCB struct {
	cb.Service
	mu        sync.Mutex
	calls     map[string]int
	customers []cb.Customer
	shipTos   []cb.ShipTo
	orders    map[string]cb.SalesOrder
	createErr error
}

func newOrdersCB() *ordersCB {
	return &ordersCB{calls: map[string]int{}, orders: map[string]cb.SalesOrder{}}
}

func (f *ordersCB) count(op string) {
	f.mu.Lock()
	f.calls[op]++
	f.mu.Unlock()
}

func (f *ordersCB) total() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		n += c
	}
	return n
}

func (f *ordersCB) FindCustomerByEmail(_ context.Context, email string) (*cb.Customer, error) {
	f.count("FindCustomerByEmail")
	for _, c := range f.customers {
		if strings.EqualFold(c.Email, email) {
			return &c, nil
		}
	}
	return nil, nil
}

func (f *ordersCB) CreateCustomer(_ context.Context, n cb.NewCustomer) (*cb.Customer, error) {
	f.count("CreateCustomer")
	code := fmt.Sprintf("CUST-%d", len(f.customers)+1)
	c := cb.Customer{Code: code, Name: n.Name, Email: n.Email, Address: n.Address, DefaultShipToCode: code + "-S1"}
	f.customers = append(f.customers, c)
	f.shipTos = append(f.shipTos, cb.ShipTo{Code: c.DefaultShipToCode, CustomerCode: code, Name: n.Name, Address: n.Address, ClassCode: n.ShipToClassCode, IsDefault: true})
	return &c, nil
}

func (f *ordersCB) FindShipTos(_ context.Context, code string) ([]cb.ShipTo, error) {
	f.count("FindShipTos")
	var out []cb.ShipTo
	for _, s := range f.shipTos {
		if s.CustomerCode == code {
			out = append(out, s)
		}
	}
	return out, nil
}

func (f *ordersCB) CreateShipTo(_ context.Context, n cb.NewShipTo) (*cb.ShipTo, error) {
	f.count("CreateShipTo")
	s := cb.ShipTo{Code: fmt.Sprintf("SHIP-%d", len(f.shipTos)+1), CustomerCode: n.CustomerCode, Name: n.Name, Address: n.Address, ClassCode: n.ClassCode}
	f.shipTos = append(f.shipTos, s)
	return &s, nil
}

func (f *ordersCB) CreateSalesOrderOnce(_ context.Context, so cb.SalesOrder) (cb.SalesOrderRef, bool, error) {
	f.count("CreateSalesOrderOnce")
	if f.createErr != nil {
		return cb.SalesOrderRef{}, false, f.createErr
	}
	if _, ok := f.orders[so.POCode]; ok {
		return cb.SalesOrderRef{Code: "SO-" + so.POCode, POCode: so.POCode}, true, nil
	}
	f.orders[so.POCode] = so
	return cb.SalesOrderRef{Code: "SO-" + so.POCode, POCode: so.POCode}, false, nil
}

func (f *ordersCB) ItemByName(_ context.Context, name string) (*cb.Item, error) {
	f.count("ItemByName")
	if strings.HasPrefix(name, "TEE-") {
		return &cb.Item{Code: "ITEM-" + name, Name: name, UnitMeasureCode: "EACH", ItemType: "Stock", Status: "A"}, nil
	}
	return nil, nil
}

func (f *ordersCB) ShippingMethods(context.Context) ([]cb.ShippingMethod, error) {
	f.count("ShippingMethods")
	return []cb.ShippingMethod{{Group: "DEFAULT", Code: "UPS Ground"}}, nil
}

func (f *ordersCB) PaymentTerms(context.Context) ([]cb.PaymentTerm, error) {
	f.count("PaymentTerms")
	return []cb.PaymentTerm{{Group: "DEFAULT", Code: "NET30"}}, nil
}

func (f *ordersCB) CustomerClassTemplates(_ context.Context, bt cb.BusinessType, country string) ([]cb.ClassTemplate, error) {
	f.count("CustomerClassTemplates")
	return []cb.ClassTemplate{{BusinessType: cb.Wholesale, ClassCode: "WHOLE-" + country, IsDefault: true},
		{BusinessType: cb.Retail, ClassCode: "RETAIL-" + country + "-2"}, {BusinessType: cb.Retail, ClassCode: "RETAIL-" + country, IsDefault: true}}, nil
}

func (f *ordersCB) ShipToClassTemplates(_ context.Context, bt cb.BusinessType, country string) ([]cb.ClassTemplate, error) {
	f.count("ShipToClassTemplates")
	return []cb.ClassTemplate{{ClassCode: "SHIP-" + country}}, nil
}

var ada = activities.OrderAddress{FirstName: "Ada", LastName: "Lovelace", Address1: "1 Main St", City: "Springfield", State: "IL", Zip: "62701", Country: "USA"}

func customerInput(ref string) activities.EnsureCustomerInput {
	return activities.EnsureCustomerInput{CustRef: ref, Email: "ada@example.com", Match: "email", OrderSource: "Shopify",
		BusinessType: "Retail", ClassCode: "RETAIL-US", ShipToClass: "SHIP-US", BillTo: ada, ShipTo: ada}
}

func ensure(t *testing.T, a *activities.Activities, in activities.EnsureCustomerInput) activities.CustomerResult {
	t.Helper()
	v, err := ordersActEnv(a).ExecuteActivity(a.EnsureCustomer, in)
	if err != nil {
		t.Fatal(err)
	}
	var r activities.CustomerResult
	if err := v.Get(&r); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestEnsureCustomerCostsTwoCallsForANewCustomerAndOneForAReturningOne(t *testing.T) {
	f := newOrdersCB()
	a := &activities.Activities{CB: f}
	first := ensure(t, a, customerInput("1"))
	if !first.Created || first.CustomerCode != "CUST-1" || first.ShipToCode != "CUST-1-S1" || f.total() != 2 {
		t.Fatalf("new customer: %+v after calls %v", first, f.calls)
	}
	if f.customers[0].Address.Country != "US" || f.customers[0].Name != "Ada Lovelace" {
		t.Errorf("customer created as %+v", f.customers[0])
	}
	again := ensure(t, a, customerInput("2"))
	if again.Created || again.CustomerCode != "CUST-1" || again.ShipToCode != "CUST-1-S1" || f.total() != 3 {
		t.Fatalf("returning customer: %+v after calls %v", again, f.calls)
	}
	if len(f.customers) != 1 {
		t.Error("a returning customer must not be created again")
	}
}

func TestEnsureCustomerFindsOrAsksForTheShipToOfANewAddress(t *testing.T) {
	f := newOrdersCB()
	a := &activities.Activities{CB: f}
	ensure(t, a, customerInput("1"))
	in := customerInput("2")
	in.ShipTo = activities.OrderAddress{FirstName: "Ada", LastName: "Lovelace", Address1: "9 Elm Rd", City: "Boston", Zip: "02110", Country: "USA"}
	r := ensure(t, a, in)
	if r.ShipToCode != "" {
		t.Fatalf("a new address needs a new ship-to, got %+v", r)
	}
	v, err := ordersActEnv(a).ExecuteActivity(a.CreateShipTo, activities.ShipToInput{CustRef: "2", CustomerCode: r.CustomerCode, ClassCode: "SHIP-US", ShipTo: in.ShipTo})
	if err != nil {
		t.Fatal(err)
	}
	var code string
	_ = v.Get(&code)
	if code == "" || f.shipTos[len(f.shipTos)-1].ClassCode != "SHIP-US" {
		t.Fatalf("ship-to %q %+v", code, f.shipTos)
	}
	if r := ensure(t, a, in); r.ShipToCode != code {
		t.Errorf("the next order to that address must find ship-to %s, got %+v", code, r)
	}
}

func TestEnsureCustomerSharesOneCustomerPerOrderSource(t *testing.T) {
	f := newOrdersCB()
	a := &activities.Activities{CB: f}
	in := customerInput("1")
	in.Match = "order_source"
	r1 := ensure(t, a, in)
	in2 := customerInput("2")
	in2.Email = "" // no e-mail on the order: the order source's customer too
	in2.ShipTo.Address1 = "2 Main St"
	r2 := ensure(t, a, in2)
	if r1.CustomerCode != r2.CustomerCode || len(f.customers) != 1 || f.customers[0].Email != "shopify@cartrover.invalid" || f.customers[0].Name != "Shopify customers" {
		t.Errorf("want one shared customer, got %+v %+v %+v", r1, r2, f.customers)
	}
}

func TestCreateSalesOrderChecksThenCreatesOnPOCode(t *testing.T) {
	f := newOrdersCB()
	a := &activities.Activities{CB: f}
	in := activities.SalesOrderInput{CustRef: "1045", CustomerCode: "CUST-1", ShipToCode: "S1", ShipToName: "Ada Lovelace", ShipTo: ada,
		SourceCode: "CartRover", WebSiteCode: "WEB-1", Warehouse: "MAIN", Shipping: activities.ShippingMethodRef{Group: "DEFAULT", Code: "UPS Ground"},
		Freight: "5.99", Notes: "CartRover Shopify #1045",
		Lines: []activities.SalesOrderLine{{ItemCode: "ITEM-1", ItemName: "TEE-S", UoM: "EACH", Quantity: "2", Price: "19.99", DiscountPercent: "10"}}}
	env := ordersActEnv(a)
	v, err := env.ExecuteActivity(a.CreateSalesOrder, in)
	if err != nil {
		t.Fatal(err)
	}
	var r activities.SalesOrderResult
	_ = v.Get(&r)
	so := f.orders["1045"]
	if r.Code != "SO-1045" || r.Existed || so.POCode != "1045" || so.SourceCode != "CartRover" || so.BillToCode != "CUST-1" ||
		so.ShippingMethodCode != "UPS Ground" || so.ShipTo.Country != "US" || so.Freight == nil || !so.Freight.Equal(decimal.RequireFromString("5.99")) ||
		len(so.Lines) != 1 || !so.Lines[0].Quantity.Equal(decimal.NewFromInt(2)) || !so.Lines[0].DiscountPercent.Equal(decimal.NewFromInt(10)) ||
		so.Lines[0].WarehouseCode != "MAIN" {
		t.Fatalf("sales order %+v → %+v", so, r)
	}
	v, err = env.ExecuteActivity(a.CreateSalesOrder, in)
	if err != nil {
		t.Fatal(err)
	}
	_ = v.Get(&r)
	if !r.Existed || len(f.orders) != 1 {
		t.Errorf("a second create must find the first order: %+v", r)
	}
}

func TestCBRejectionsBecomeHeldTypes(t *testing.T) {
	cases := []struct {
		kind cb.ErrorKind
		want string
	}{
		{cb.KindCreditHold, activities.ErrTypeCreditHold},
		{cb.KindUnknownItem, activities.ErrTypeUnknownSKU},
		{cb.KindInvalidCountry, activities.ErrTypeInvalidAddress},
		{cb.KindInvalidShippingMethod, activities.ErrTypeUnknownShippingMethod},
		{cb.KindOther, activities.ErrTypeCBRejectedOrder},
	}
	for _, c := range cases {
		f := newOrdersCB()
		f.createErr = &cb.BusinessError{Kind: c.kind, Op: "Transactions/createsalesorder", Record: `sales order POCode "7"`, Message: "nope", Fix: "fix it"}
		a := &activities.Activities{CB: f}
		_, err := ordersActEnv(a).ExecuteActivity(a.CreateSalesOrder, activities.SalesOrderInput{CustRef: "7", Lines: []activities.SalesOrderLine{{Quantity: "1", Price: "1"}}})
		var appErr *temporal.ApplicationError
		if !errors.As(err, &appErr) || appErr.Type() != c.want || !appErr.NonRetryable() || !activities.IsHeldType(appErr.Type()) || !strings.Contains(err.Error(), "cust_ref 7") {
			t.Errorf("%s: want held %s, got %v", c.kind, c.want, err)
		}
	}
	f := newOrdersCB()
	f.createErr = &cb.TransportError{Op: "Transactions/createsalesorder", StatusCode: 503, Err: errors.New("unavailable")}
	a := &activities.Activities{CB: f}
	_, err := ordersActEnv(a).ExecuteActivity(a.CreateSalesOrder, activities.SalesOrderInput{CustRef: "7"})
	var appErr *temporal.ApplicationError
	if err == nil || (errors.As(err, &appErr) && appErr.NonRetryable()) {
		t.Errorf("CB 503 must be retried, got %v", err)
	}
}

func TestLoadCatalogReadsReferenceListsAndPicksDefaultTemplates(t *testing.T) {
	f := newOrdersCB()
	a := &activities.Activities{CB: f}
	v, err := ordersActEnv(a).ExecuteActivity(a.LoadCatalog, activities.CatalogInput{
		ItemNames: []string{"TEE-M", "MUG-X"}, ReferenceLists: true,
		Templates: []activities.TemplateChoice{{BusinessType: "Retail", Country: "US"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var c activities.Catalog
	_ = v.Get(&c)
	if len(c.Items) != 1 || c.Items[0].Name != "TEE-M" || !c.ReferenceListsOK || len(c.ShippingMethods) != 1 || len(c.PaymentTerms) != 1 {
		t.Fatalf("catalog %+v", c)
	}
	if len(c.Templates) != 1 || c.Templates[0].Customer != "RETAIL-US" || c.Templates[0].ShipTo != "SHIP-US" {
		t.Errorf("templates %+v", c.Templates)
	}
}

func TestLoadCatalogResumesFromTheFailedAttemptsHeartbeat(t *testing.T) {
	f := newOrdersCB()
	a := &activities.Activities{CB: f}
	env := ordersActEnv(a)
	// What an earlier attempt recorded: the first of two items read, reference lists not yet.
	env.SetHeartbeatDetails(map[string]any{
		"catalog":    map[string]any{"items": []map[string]any{{"code": "ITEM-TEE-L", "name": "TEE-L"}}},
		"items_done": 1,
	})
	v, err := env.ExecuteActivity(a.LoadCatalog, activities.CatalogInput{ItemNames: []string{"TEE-M", "TEE-L"}, ReferenceLists: true})
	if err != nil {
		t.Fatal(err)
	}
	var c activities.Catalog
	_ = v.Get(&c)
	if len(c.Items) != 2 || c.Items[0].Name != "TEE-L" || c.Items[1].Name != "TEE-M" || f.calls["ItemByName"] != 1 || !c.ReferenceListsOK {
		t.Errorf("want the second item read and the first kept: %+v, calls %v", c, f.calls)
	}
}

func TestEnsureCustomerMatchesAnAddressCBReformatted(t *testing.T) {
	f := newOrdersCB()
	f.customers = []cb.Customer{{Code: "CUST-7", Email: "ada@example.com", DefaultShipToCode: "CUST-7-S1",
		Address: cb.Address{Address: "1 MAIN ST.", City: "SPRINGFIELD", PostalCode: "62701-1234", Country: "United States of America"}}}
	r := ensure(t, &activities.Activities{CB: f}, customerInput("9"))
	if r.CustomerCode != "CUST-7" || r.ShipToCode != "CUST-7-S1" || f.total() != 1 {
		t.Errorf("want the default ship-to after one lookup, got %+v after %v", r, f.calls)
	}
}
