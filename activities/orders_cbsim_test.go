package activities_test

import (
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/cartrover-cb/ordermanager/activities"
	cb "github.com/cartrover-cb/ordermanager/connectedbusiness"
	"github.com/cartrover-cb/ordermanager/sandbox/catalog"
	"github.com/cartrover-cb/ordermanager/sandbox/cbsim"
)

// cbSimActivities returns activities whose CB is the real webservice client talking to the CB
// simulator over loopback.
func cbSimActivities(t *testing.T) (*cbsim.Server, *activities.Activities) {
	t.Helper()
	sim := cbsim.New(cbsim.Options{})
	t.Cleanup(func() { _ = sim.Close() })
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	svc, err := cb.NewWebService(cb.Config{BaseURL: srv.URL + "/webservice/", UserCode: cbsim.DefaultUserCode, Password: cbsim.DefaultPassword,
		Timeout: 5 * time.Second, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return sim, &activities.Activities{CB: svc}
}

func TestOrderActivitiesAgainstTheCBSimulator(t *testing.T) {
	sim, a := cbSimActivities(t)
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
	if !errors.As(err, &appErr) || !activities.IsHeldType(appErr.Type()) || !appErr.NonRetryable() {
		t.Errorf("an invalid shipping method must hold the order, got %v", err)
	}

	// The seeded customer on credit hold is reported as such.
	hold := customerInput("CBSIM-4")
	hold.Email = "holdco@example.com"
	if r := ensure(t, a, hold); !r.CreditHold {
		t.Errorf("credit hold not reported: %+v", r)
	}
}
