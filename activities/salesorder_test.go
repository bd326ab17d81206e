package activities_test

import (
	"testing"

	"github.com/cartrover-cb/ordermanager/activities"
	"github.com/cartrover-cb/ordermanager/cartrover"
	"github.com/cartrover-cb/ordermanager/sandbox/cartroversim"
	"github.com/cartrover-cb/ordermanager/sandbox/catalog"
	"github.com/cartrover-cb/ordermanager/sandbox/cbsim"
)

// TestPlaceOrderAgainstBothSimulators runs PlaceOrder with the real clients against the CartRover
// and CB simulators: a new shopper is left to the workflow's lock (nothing written), a known one
// gets exactly one sales order per POCode, and the order is at_wms only once CB holds it.
func TestPlaceOrderAgainstBothSimulators(t *testing.T) {
	cbs, a := cbSimActivities(t, cbsim.Options{})
	crs, cr := cartRoverSandbox(t, cartroversim.Options{Seed: 9, NoRateLimit: true})
	a.CartRover = cr.CartRover
	env := ordersActEnv(a)
	ref := crs.Generate(1, 0)[0]
	addr := activities.OrderAddress{FirstName: "Grace", LastName: "Hopper", Address1: "7 Navy Way", City: "Arlington", State: "VA", Zip: "22201", Country: "USA"}
	cust := activities.EnsureCustomerInput{CustRef: ref, Email: "grace.place@example.com", Match: "email", OrderSource: "Shopify",
		BusinessType: "Retail", BillTo: addr, ShipTo: addr}
	in := activities.PlaceOrderInput{Customer: cust, SalesOrder: activities.SalesOrderInput{CustRef: ref, ShipTo: addr, SourceCode: "CartRover",
		Warehouse: "MAIN", Shipping: activities.ShippingMethodRef{Group: "DEFAULT", Code: "UPS Ground"},
		Lines: []activities.SalesOrderLine{{ItemCode: catalog.Items[0].Code, ItemName: catalog.Items[0].SKU, UoM: "EACH", Quantity: "1", Price: "10"}}}}
	place := func(in activities.PlaceOrderInput) activities.PlaceOrderResult {
		t.Helper()
		v, err := env.ExecuteActivity(a.PlaceOrder, in)
		if err != nil {
			t.Fatal(err)
		}
		var r activities.PlaceOrderResult
		if err := v.Get(&r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	customers := len(cbs.Customers())

	// A new shopper: PlaceOrder writes nothing anywhere.
	if r := place(in); !r.NeedCustomer || r.SalesOrder.Code != "" || len(cbs.Customers()) != customers || len(cbs.SalesOrdersByPOCode(ref)) != 0 {
		t.Fatalf("new shopper: %+v, %d customers (had %d)", r, len(cbs.Customers()), customers)
	}
	if o, _ := crs.Order(ref); o.OrderStatus != cartrover.StatusNew {
		t.Fatalf("acknowledged before CB holds the order: %s", o.OrderStatus)
	}
	// The workflow's lock creates the customer; from then on the shopper is a returning one.
	v, err := env.ExecuteActivity(a.EnsureCustomer, cust)
	if err != nil {
		t.Fatal(err)
	}
	var created activities.CustomerResult
	_ = v.Get(&created)
	first := place(in)
	if first.NeedCustomer || first.SalesOrder.Code == "" || first.SalesOrder.Existed || first.Customer.CustomerCode != created.CustomerCode {
		t.Fatalf("returning shopper: %+v (customer %+v)", first, created)
	}
	if o, _ := crs.Order(ref); o.OrderStatus != cartrover.StatusAtWMS {
		t.Errorf("order %s is %s after PlaceOrder, want at_wms", ref, o.OrderStatus)
	}
	// Again (a re-run): the same sales order, found by POCode, not a second one.
	if again := place(in); !again.SalesOrder.Existed || again.SalesOrder.Code != first.SalesOrder.Code || len(cbs.SalesOrdersByPOCode(ref)) != 1 {
		t.Errorf("re-run: %+v; CB holds %d orders for %s", again, len(cbs.SalesOrdersByPOCode(ref)), ref)
	}

	// A retry of an attempt that created the sales order (its heartbeat says so) only acknowledges:
	// no customer lookup (this shopper is unknown to CB), no second sales order.
	ref2 := crs.Generate(1, 0)[0]
	retry := ordersActEnv(a)
	retry.SetHeartbeatDetails(activities.PlaceOrderResult{SalesOrder: activities.SalesOrderResult{Code: "SO-EARLIER"}})
	in2 := in
	in2.SalesOrder.CustRef, in2.Customer.CustRef, in2.Customer.Email = ref2, ref2, "nobody.yet@example.com"
	v, err = retry.ExecuteActivity(a.PlaceOrder, in2)
	if err != nil {
		t.Fatal(err)
	}
	var resumed activities.PlaceOrderResult
	_ = v.Get(&resumed)
	if o, _ := crs.Order(ref2); resumed.SalesOrder.Code != "SO-EARLIER" || resumed.NeedCustomer || o.OrderStatus != cartrover.StatusAtWMS || len(cbs.SalesOrdersByPOCode(ref2)) != 0 {
		t.Errorf("resumed attempt: %+v, CartRover status %s, %d CB orders", resumed, o.OrderStatus, len(cbs.SalesOrdersByPOCode(ref2)))
	}

	// CartRover refuses the acknowledgement (no such order): the error carries the sales order.
	in.SalesOrder.CustRef, in.Customer.CustRef = "NOT-IN-CARTROVER", "NOT-IN-CARTROVER"
	_, err = env.ExecuteActivity(a.PlaceOrder, in)
	placed, ok := activities.PlacedOrder(err)
	if err == nil || !ok || placed.SalesOrder.Code == "" || len(cbs.SalesOrdersByPOCode("NOT-IN-CARTROVER")) != 1 {
		t.Errorf("a failed acknowledgement: %v, placed %+v", err, placed)
	}
}
