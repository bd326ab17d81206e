package activities_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"go.temporal.io/sdk/temporal"

	"github.com/cartrover-cb/ordermanager/activities"
	"github.com/cartrover-cb/ordermanager/internal/cbsimtest"
	"github.com/cartrover-cb/ordermanager/sandbox/catalog"
	"github.com/cartrover-cb/ordermanager/sandbox/cbsim"
)

// The seeded class templates of a US retail customer and ship-to in the CB simulator.
const (
	usRetailClass  = "CCLS-000001"
	usRetailShipTo = "SHPCLS-000001"
	cbUSA          = "United States of America"
)

// cbSimActivities returns activities whose CB is the real webservice client talking to the CB
// simulator over loopback.
func cbSimActivities(t *testing.T, opts cbsim.Options) (*cbsim.Server, *activities.Activities) {
	t.Helper()
	sim, svc := cbsimtest.Start(t, opts)
	return sim, &activities.Activities{CB: svc}
}

var ada = activities.OrderAddress{FirstName: "Ada", LastName: "Lovelace", Address1: "1 Main St", City: "Springfield", State: "IL", Zip: "62701", Country: "USA"}

func customerInput(ref string) activities.EnsureCustomerInput {
	return activities.EnsureCustomerInput{CustRef: ref, Email: "ada@example.com", Match: "email", OrderSource: "Shopify",
		BusinessType: "Retail", ClassCode: usRetailClass, ShipToClass: usRetailShipTo, BillTo: ada, ShipTo: ada}
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
	sim, a := cbSimActivities(t, cbsim.Options{NoCustomers: true})
	first := ensure(t, a, customerInput("1"))
	cs := sim.Customers()
	if len(cs) != 1 || !first.Created || first.CustomerCode != cs[0].Code || first.ShipToCode != cs[0].DefaultShipToCode || cbsimtest.Calls(sim) != 2 {
		t.Fatalf("new customer: %+v after calls %v (CB holds %+v)", first, sim.Stats(), cs)
	}
	if cs[0].Country != cbUSA || cs[0].Name != "Ada Lovelace" {
		t.Errorf("customer created as %+v", cs[0])
	}
	again := ensure(t, a, customerInput("2"))
	if again.Created || again.CustomerCode != first.CustomerCode || again.ShipToCode != first.ShipToCode || cbsimtest.Calls(sim) != 3 {
		t.Fatalf("returning customer: %+v after calls %v", again, sim.Stats())
	}
	if len(sim.Customers()) != 1 {
		t.Error("a returning customer must not be created again")
	}
}

func TestEnsureCustomerFindsOrAsksForTheShipToOfANewAddress(t *testing.T) {
	sim, a := cbSimActivities(t, cbsim.Options{NoCustomers: true})
	ensure(t, a, customerInput("1"))
	in := customerInput("2")
	in.ShipTo = activities.OrderAddress{FirstName: "Ada", LastName: "Lovelace", Address1: "9 Elm Rd", City: "Boston", Zip: "02110", Country: "USA"}
	r := ensure(t, a, in)
	if r.ShipToCode != "" {
		t.Fatalf("a new address needs a new ship-to, got %+v", r)
	}
	v, err := ordersActEnv(a).ExecuteActivity(a.CreateShipTo, activities.ShipToInput{CustRef: "2", CustomerCode: r.CustomerCode, ClassCode: usRetailShipTo, ShipTo: in.ShipTo})
	if err != nil {
		t.Fatal(err)
	}
	var code string
	_ = v.Get(&code)
	var made *cbsim.ShipTo
	for _, st := range sim.ShipTosOf(r.CustomerCode) {
		if st.Code == code {
			made = &st
		}
	}
	if code == "" || made == nil || made.ClassCode != usRetailShipTo || made.Address != "9 Elm Rd" {
		t.Fatalf("ship-to %q %+v", code, sim.ShipTosOf(r.CustomerCode))
	}
	if r := ensure(t, a, in); r.ShipToCode != code {
		t.Errorf("the next order to that address must find ship-to %s, got %+v", code, r)
	}
}

func TestEnsureCustomerSharesOneCustomerPerOrderSource(t *testing.T) {
	sim, a := cbSimActivities(t, cbsim.Options{NoCustomers: true})
	in := customerInput("1")
	in.Match = "order_source"
	r1 := ensure(t, a, in)
	in2 := customerInput("2")
	in2.Email = "" // no e-mail on the order: the order source's customer too
	in2.ShipTo.Address1 = "2 Main St"
	r2 := ensure(t, a, in2)
	cs := sim.Customers()
	if r1.CustomerCode != r2.CustomerCode || len(cs) != 1 || cs[0].Email != "shopify@cartrover.invalid" || cs[0].Name != "Shopify customers" {
		t.Errorf("want one shared customer, got %+v %+v %+v", r1, r2, cs)
	}
}

func TestEnsureCustomerMatchesAnAddressCBReformatted(t *testing.T) {
	sim, a := cbSimActivities(t, cbsim.Options{NoCustomers: true})
	code := sim.AddCustomer(cbsim.Customer{Name: "Ada Lovelace", Email: "ada@example.com", BusinessType: "Retail", ClassCode: usRetailClass,
		Address: "1 MAIN ST.", City: "SPRINGFIELD", State: "IL", PostalCode: "62701-1234", Country: cbUSA}, usRetailShipTo)
	r := ensure(t, a, customerInput("9"))
	if r.CustomerCode != code || r.ShipToCode != sim.Customers()[0].DefaultShipToCode || r.Created || cbsimtest.Calls(sim) != 1 {
		t.Errorf("want the default ship-to after one lookup, got %+v after %v", r, sim.Stats())
	}
}

// salesOrderInput is an importable order for the simulator's seeded customer and first item.
func salesOrderInput(sim *cbsim.Server, ref string) activities.SalesOrderInput {
	c := sim.Customers()[0]
	it := catalog.Items[0]
	return activities.SalesOrderInput{CustRef: ref, CustomerCode: c.Code, ShipToCode: c.DefaultShipToCode, ShipToName: "Ada Lovelace", ShipTo: ada,
		SourceCode: "CartRover", WebSiteCode: "WEB-000001", Warehouse: "MAIN", Shipping: activities.ShippingMethodRef{Group: "DEFAULT", Code: "UPS Ground"},
		Freight: "5.99", Notes: "CartRover Shopify #" + ref,
		Lines: []activities.SalesOrderLine{{ItemCode: it.Code, ItemName: it.SKU, UoM: "EACH", Quantity: "2", Price: "19.99", DiscountPercent: "10"}}}
}

func TestCreateSalesOrderChecksThenCreatesOnPOCode(t *testing.T) {
	sim, a := cbSimActivities(t, cbsim.Options{})
	in := salesOrderInput(sim, "1045")
	env := ordersActEnv(a)
	v, err := env.ExecuteActivity(a.CreateSalesOrder, in)
	if err != nil {
		t.Fatal(err)
	}
	var r activities.SalesOrderResult
	_ = v.Get(&r)
	saved := sim.SalesOrdersByPOCode("1045")
	if len(saved) != 1 {
		t.Fatalf("CB holds %d orders for 1045", len(saved))
	}
	so := saved[0]
	if r.Code != so.Code || r.Existed || so.SourceCode != "CartRover" || so.BillToCode != in.CustomerCode || so.WebSiteCode != "WEB-000001" ||
		so.ShippingMethodCode != "UPS Ground" || so.ShipToCountry != cbUSA || !so.Freight.Equal(decimal.RequireFromString("5.99")) ||
		len(so.Lines) != 1 || !so.Lines[0].Ordered.Equal(decimal.NewFromInt(2)) || !so.Lines[0].DiscountPercent.Equal(decimal.NewFromInt(10)) ||
		so.Lines[0].WarehouseCode != "MAIN" || so.PublicNotes != "CartRover Shopify #1045" {
		t.Fatalf("sales order %+v → %+v", so, r)
	}
	v, err = env.ExecuteActivity(a.CreateSalesOrder, in)
	if err != nil {
		t.Fatal(err)
	}
	_ = v.Get(&r)
	if !r.Existed || r.Code != so.Code || len(sim.SalesOrdersByPOCode("1045")) != 1 {
		t.Errorf("a second create must find the first order: %+v", r)
	}
}

func TestCBRejectionsBecomeHeldTypes(t *testing.T) {
	cases := []struct {
		message string // CB's ErrorMessage
		want    string
	}{
		{"The customer is on credit hold.", activities.ErrTypeCreditHold},
		{"Item SOCK-X is not valid.", activities.ErrTypeUnknownSKU},
		{"Invalid country 'Atlantis'.", activities.ErrTypeInvalidAddress},
		{"Invalid shipping method DEFAULT/Pigeon.", activities.ErrTypeUnknownShippingMethod},
		{"The document is locked by another user.", activities.ErrTypeCBRejectedOrder},
	}
	sim, a := cbSimActivities(t, cbsim.Options{})
	for i, c := range cases {
		sim.SetFaults(cbsim.Faults{Reject: 1, RejectMessage: c.message, Route: "transactions/createsalesorder"})
		in := salesOrderInput(sim, "7-"+string(rune('a'+i)))
		_, err := ordersActEnv(a).ExecuteActivity(a.CreateSalesOrder, in)
		var appErr *temporal.ApplicationError
		if !errors.As(err, &appErr) || appErr.Type() != c.want || !appErr.NonRetryable() || !activities.IsHeldType(appErr.Type()) ||
			!strings.Contains(err.Error(), "cust_ref "+in.CustRef) || !strings.Contains(err.Error(), c.message) {
			t.Errorf("%q: want held %s, got %v", c.message, c.want, err)
		}
	}
	sim.SetFaults(cbsim.Faults{Fail5xx: 100, Route: "transactions/createsalesorder"})
	_, err := ordersActEnv(a).ExecuteActivity(a.CreateSalesOrder, salesOrderInput(sim, "7-503"))
	var appErr *temporal.ApplicationError
	if err == nil || (errors.As(err, &appErr) && appErr.NonRetryable()) {
		t.Errorf("CB 503 must be retried, got %v", err)
	}
	sim.SetFaults(cbsim.Faults{Unauthorized: 100})
	_, err = ordersActEnv(a).ExecuteActivity(a.CreateSalesOrder, salesOrderInput(sim, "7-401"))
	if !errors.As(err, &appErr) || appErr.Type() != activities.ErrTypeBadCredentials || !appErr.NonRetryable() || activities.IsHeldType(appErr.Type()) {
		t.Errorf("refused credentials must fail the order as BadCredentials, not hold it: %v", err)
	}
}

func TestLoadCatalogReadsReferenceListsAndPicksDefaultTemplates(t *testing.T) {
	sim, a := cbSimActivities(t, cbsim.Options{})
	// A second retail template, not the default, listed first.
	sim.AddClassTemplate("Retail", "RETAIL-US-2", cbUSA, false, false)
	v, err := ordersActEnv(a).ExecuteActivity(a.LoadCatalog, activities.CatalogInput{
		ItemNames: []string{catalog.Items[0].SKU, catalog.UnknownSKU}, ReferenceLists: true,
		Templates: []activities.TemplateChoice{{BusinessType: "Retail", Country: "US"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var c activities.Catalog
	_ = v.Get(&c)
	if len(c.Items) != 1 || c.Items[0].Name != catalog.Items[0].SKU || c.Items[0].Code != catalog.Items[0].Code || !c.ReferenceListsOK ||
		len(c.ShippingMethods) != len(catalog.ShipMethods) || len(c.PaymentTerms) != 3 {
		t.Fatalf("catalog %+v", c)
	}
	if len(c.Templates) != 1 || c.Templates[0].Customer != usRetailClass || c.Templates[0].ShipTo != usRetailShipTo {
		t.Errorf("templates %+v", c.Templates)
	}
}

func TestLoadCatalogResumesFromTheFailedAttemptsHeartbeat(t *testing.T) {
	sim, a := cbSimActivities(t, cbsim.Options{})
	env := ordersActEnv(a)
	first, second := catalog.Items[0], catalog.Items[1]
	// What an earlier attempt recorded: the first of two items read, reference lists not yet.
	env.SetHeartbeatDetails(map[string]any{
		"catalog":    map[string]any{"items": []map[string]any{{"code": second.Code, "name": second.SKU}}},
		"items_done": 1,
	})
	v, err := env.ExecuteActivity(a.LoadCatalog, activities.CatalogInput{ItemNames: []string{first.SKU, second.SKU}, ReferenceLists: true})
	if err != nil {
		t.Fatal(err)
	}
	var c activities.Catalog
	_ = v.Get(&c)
	if len(c.Items) != 2 || c.Items[0].Name != second.SKU || c.Items[1].Name != first.SKU || sim.Calls("products/itemlookup") != 1 || !c.ReferenceListsOK {
		t.Errorf("want the second item read and the first kept: %+v, calls %v", c, sim.Stats())
	}
}

func TestOrderActivitiesAgainstTheCBSimulator(t *testing.T) {
	sim, a := cbSimActivities(t, cbsim.Options{})
	env := ordersActEnv(a)

	// The page's catalogue: one known item, one unknown, the reference lists and US templates.
	v, err := env.ExecuteActivity(a.LoadCatalog, activities.CatalogInput{ItemNames: []string{catalog.Items[0].SKU, catalog.UnknownSKU},
		ReferenceLists: true, Templates: []activities.TemplateChoice{{BusinessType: "Retail", Country: "US"}}})
	if err != nil {
		t.Fatal(err)
	}
	var cat activities.Catalog
	_ = v.Get(&cat)
	if len(cat.Items) != 1 || cat.Items[0].Code != catalog.Items[0].Code || len(cat.ShippingMethods) < len(catalog.ShipMethods) ||
		len(cat.Templates) != 1 || cat.Templates[0].Customer == "" {
		t.Fatalf("catalog %+v", cat)
	}

	// A new customer, then the same customer again.
	in := customerInput("CBSIM-1")
	in.ClassCode, in.ShipToClass = cat.Templates[0].Customer, cat.Templates[0].ShipTo
	first := ensure(t, a, in)
	in.CustRef = "CBSIM-2"
	again := ensure(t, a, in)
	if !first.Created || first.ShipToCode == "" || again.Created || again.CustomerCode != first.CustomerCode || again.ShipToCode != first.ShipToCode {
		t.Fatalf("customer %+v then %+v", first, again)
	}

	// The sales order, twice: the second finds the first (check-then-create on POCode).
	so := activities.SalesOrderInput{CustRef: "CBSIM-1", CustomerCode: first.CustomerCode, ShipToCode: first.ShipToCode, ShipToName: "Ada Lovelace",
		ShipTo: ada, SourceCode: "CartRover", Warehouse: "MAIN", Shipping: activities.ShippingMethodRef{Group: "DEFAULT", Code: "UPS Ground"}, Freight: "5.99",
		Lines: []activities.SalesOrderLine{{ItemCode: cat.Items[0].Code, ItemName: cat.Items[0].Name, UoM: "EACH", Quantity: "2", Price: "19.99", DiscountPercent: "10"}}}
	var r1, r2 activities.SalesOrderResult
	v, err = env.ExecuteActivity(a.CreateSalesOrder, so)
	if err != nil {
		t.Fatal(err)
	}
	_ = v.Get(&r1)
	v, err = env.ExecuteActivity(a.CreateSalesOrder, so)
	if err != nil {
		t.Fatal(err)
	}
	_ = v.Get(&r2)
	if r1.Code == "" || r1.Existed || r2.Code != r1.Code || !r2.Existed || len(sim.SalesOrdersByPOCode("CBSIM-1")) != 1 {
		t.Fatalf("orders %+v then %+v; CB holds %d", r1, r2, len(sim.SalesOrdersByPOCode("CBSIM-1")))
	}

	// A shipping method pair CB lacks is held with a stable type.
	bad := so
	bad.CustRef, bad.Shipping = "CBSIM-3", activities.ShippingMethodRef{Group: "WHOLESALE", Code: "UPS Ground"}
	_, err = env.ExecuteActivity(a.CreateSalesOrder, bad)
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != activities.ErrTypeUnknownShippingMethod || !appErr.NonRetryable() {
		t.Errorf("an invalid shipping method must hold the order, got %v", err)
	}

	// The seeded customer on credit hold is reported as such.
	hold := customerInput("CBSIM-4")
	hold.Email = "holdco@example.com"
	if r := ensure(t, a, hold); !r.CreditHold {
		t.Errorf("credit hold not reported: %+v", r)
	}
}

// A CB business rejection of a read is CB's own answer, not a fault: it is typed, not retried.
func TestCBReadRejectionIsTyped(t *testing.T) {
	sim, a := cbSimActivities(t, cbsim.Options{})
	sim.SetFaults(cbsim.Faults{Reject: 1, RejectMessage: "The webservice is in maintenance mode.", Route: "system/loadsystempaymentterm"})
	_, err := ordersActEnv(a).ExecuteActivity(a.LoadCatalog, activities.CatalogInput{ReferenceLists: true})
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != activities.ErrTypeCBRejectedOrder || !appErr.NonRetryable() {
		t.Errorf("want %s, got %v", activities.ErrTypeCBRejectedOrder, err)
	}
	if err == nil || !strings.Contains(err.Error(), "maintenance mode") {
		t.Errorf("the rejection must carry CB's message: %v", err)
	}
}
