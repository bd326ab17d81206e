package activities_test

import (
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/cartrover-cb/ordermanager/activities"
	"github.com/cartrover-cb/ordermanager/cartrover"
	"github.com/cartrover-cb/ordermanager/sandbox/cartroversim"
	"github.com/cartrover-cb/ordermanager/sandbox/catalog"
)

// cartRoverSandbox starts the CartRover simulator on loopback and returns it with activities whose
// CartRover client talks to it (no client-side pacing: the tests drive the simulator's bucket).
func cartRoverSandbox(t *testing.T, opts cartroversim.Options) (*cartroversim.Server, *activities.Activities) {
	t.Helper()
	sim := cartroversim.New(opts)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	c, err := cartrover.New(cartrover.Config{BaseURL: srv.URL, APIUser: cartroversim.DefaultAPIUser, APIKey: cartroversim.DefaultAPIKey,
		RatePerSecond: -1, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return sim, &activities.Activities{CartRover: c}
}

func ordersActEnv(a *activities.Activities) *testsuite.TestActivityEnvironment {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(a)
	return env
}

func TestListOrdersReturnsCompactNewOrders(t *testing.T) {
	sim, a := cartRoverSandbox(t, cartroversim.Options{Seed: 7})
	refs := sim.Generate(5, 0)
	env := ordersActEnv(a)
	v, err := env.ExecuteActivity(a.ListOrders, activities.ListOrdersInput{Status: "new", Page: 1, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var page activities.OrderPage
	if err := v.Get(&page); err != nil {
		t.Fatal(err)
	}
	if len(page.Orders) != 5 || page.Full {
		t.Fatalf("want 5 orders on a last page, got %d (full %v)", len(page.Orders), page.Full)
	}
	got := map[string]activities.Order{}
	for _, o := range page.Orders {
		got[o.CustRef] = o
	}
	for _, ref := range refs {
		o, ok := got[ref]
		raw, _ := sim.Order(ref)
		if !ok {
			t.Fatalf("order %s missing", ref)
		}
		if o.OrderSource != raw.OrderSource || o.ShipCode != raw.ShipCode || o.ShipTo.Address1 != raw.ShipAddress1 ||
			o.ShipTo.Zip != raw.ShipZip || o.Email == "" || len(o.Items) != len(raw.Items) || o.Items[0].SKU != raw.Items[0].Item ||
			o.Items[0].Price != raw.Items[0].Price.Decimal.String() || o.Freight != raw.ShippingHandling.Decimal.String() {
			t.Errorf("order %s compacted wrongly:\n%+v\nfrom %+v", ref, o, raw)
		}
		compact, _ := json.Marshal(o)
		full, _ := json.Marshal(raw)
		if len(compact)*2 > len(full) {
			t.Errorf("order %s: compact payload %d bytes is not much smaller than the API body %d", ref, len(compact), len(full))
		}
	}
}

func TestMarkAtWMSTakesTheOrderOffTheNewList(t *testing.T) {
	sim, a := cartRoverSandbox(t, cartroversim.Options{Seed: 3})
	refs := sim.Generate(2, 0)
	env := ordersActEnv(a)
	if _, err := env.ExecuteActivity(a.MarkAtWMS, refs[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := env.ExecuteActivity(a.MarkAtWMS, refs[0]); err != nil {
		t.Fatalf("acknowledging twice (a retry after a lost reply) must succeed: %v", err)
	}
	if o, _ := sim.Order(refs[0]); o.OrderStatus != cartrover.StatusAtWMS {
		t.Errorf("status %s", o.OrderStatus)
	}
	v, err := env.ExecuteActivity(a.ListOrders, activities.ListOrdersInput{Status: "new", Page: 1, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	var page activities.OrderPage
	_ = v.Get(&page)
	if len(page.Orders) != 1 || page.Orders[0].CustRef != refs[1] || !page.Full {
		t.Errorf("new list after acknowledgement: %+v", page)
	}
}

func TestFlagOrderPutsAHeldOrderOnErrorWithTheReason(t *testing.T) {
	sim, a := cartRoverSandbox(t, cartroversim.Options{Seed: 4})
	refs := sim.Generate(1, 0)
	env := ordersActEnv(a)
	msg := "ship code \"local_pickup\" maps to no CB shipping method; add a rule under carts.WooCommerce.shipping.rules"
	if _, err := env.ExecuteActivity(a.FlagOrder, activities.FlagOrderInput{CustRef: refs[0], Message: msg}); err != nil {
		t.Fatal(err)
	}
	o, _ := sim.Order(refs[0])
	if o.OrderStatus != cartrover.StatusError || o.ErrorMsg != msg {
		t.Errorf("status %s, error_msg %q", o.OrderStatus, o.ErrorMsg)
	}
}

func TestGetOrdersReportsUnknownCustRefs(t *testing.T) {
	sim, a := cartRoverSandbox(t, cartroversim.Options{Seed: 5})
	refs := sim.Generate(1, 0)
	env := ordersActEnv(a)
	v, err := env.ExecuteActivity(a.GetOrders, activities.GetOrdersInput{CustRefs: []string{refs[0], "NO-SUCH-ORDER"}})
	if err != nil {
		t.Fatal(err)
	}
	var page activities.OrderPage
	_ = v.Get(&page)
	if len(page.Orders) != 1 || page.Orders[0].CustRef != refs[0] || len(page.Missing) != 1 || page.Missing[0] != "NO-SUCH-ORDER" {
		t.Errorf("page %+v", page)
	}
}

func TestCartRoverErrorsAreClassified(t *testing.T) {
	t.Run("rate limit waits as told", func(t *testing.T) {
		sim, a := cartRoverSandbox(t, cartroversim.Options{Burst: 1, Refill: time.Hour})
		sim.Generate(1, 0)
		env := ordersActEnv(a)
		in := activities.ListOrdersInput{Status: "new", Page: 1}
		if _, err := env.ExecuteActivity(a.ListOrders, in); err != nil {
			t.Fatal(err)
		}
		_, err := env.ExecuteActivity(a.ListOrders, in)
		var appErr *temporal.ApplicationError
		if !errors.As(err, &appErr) || appErr.Type() != "RateLimit" || appErr.NonRetryable() || appErr.NextRetryDelay() <= 0 {
			t.Fatalf("want a retryable RateLimit error with a delay, got %v", err)
		}
	})
	t.Run("server errors are retried", func(t *testing.T) {
		sim, a := cartRoverSandbox(t, cartroversim.Options{NoRateLimit: true, Faults: cartroversim.Faults{ServerError: 1}})
		sim.Generate(1, 0)
		_, err := ordersActEnv(a).ExecuteActivity(a.ListOrders, activities.ListOrdersInput{Status: "new", Page: 1})
		var appErr *temporal.ApplicationError
		if err == nil || (errors.As(err, &appErr) && appErr.NonRetryable()) {
			t.Fatalf("want a retryable error, got %v", err)
		}
	})
	t.Run("unknown order is not retried", func(t *testing.T) {
		_, a := cartRoverSandbox(t, cartroversim.Options{})
		_, err := ordersActEnv(a).ExecuteActivity(a.MarkAtWMS, "NO-SUCH-ORDER")
		var appErr *temporal.ApplicationError
		if !errors.As(err, &appErr) || !appErr.NonRetryable() || !strings.Contains(err.Error(), "NO-SUCH-ORDER") {
			t.Fatalf("want a non-retryable error naming the order, got %v", err)
		}
	})
}

func TestCompactOrderSkipsFilteredLinesAndBillsTheRecipientWithoutBillTo(t *testing.T) {
	o := &cartrover.Order{CustRef: "1", OrderSource: "Shopify", ShipFirstName: "A", ShipAddress1: "1 St", ShipCountry: "USA",
		Items: []cartrover.LineItem{{Item: catalog.Items[0].SKU, Quantity: cartrover.DecimalFromInt(1)}, {Item: "GIFT-WRAP", FilteredSKU: true}}}
	c := activities.CompactOrder(o)
	if len(c.Items) != 1 || c.BillTo.Address1 != "1 St" || c.Label() != "Shopify #1" {
		t.Errorf("%+v", c)
	}
}
