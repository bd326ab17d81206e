package cartrover

import (
	"net/url"
	"strings"
)

// Route is one CartRover endpoint: an HTTP method and a path template whose {name} segments are
// filled (URL-escaped) per call. The simulator serves the same table, so correcting an assumed path
// is a one-line change here. In this package, "spec §N" is section N of docs/specs/cartrover-api.md.
type Route struct {
	// Name is the operation name used in logs, spans, errors and the simulator's call counters.
	Name string
	// Method is GET or POST.
	Method string
	// Path is the template, e.g. "/v1/merchant/orders/{cust_ref}".
	Path string
	// Assumed is true for routes no public source confirms (spec §5): verify before production.
	Assumed bool
	// Unlimited is true for routes CartRover documents as exempt from the rate limit.
	Unlimited bool
}

// Pattern is the route as a net/http ServeMux pattern ("GET /v1/merchant/orders/{cust_ref}").
func (r Route) Pattern() string { return r.Method + " " + r.Path }

// URLPath fills the template's {name} segments in order with the URL-escaped values.
func (r Route) URLPath(values ...string) string {
	parts := strings.Split(r.Path, "/")
	i := 0
	for j, p := range parts {
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") && i < len(values) {
			parts[j] = url.PathEscape(values[i])
			i++
		}
	}
	return strings.Join(parts, "/")
}

// The route table: every CartRover path the client or the simulator uses.
var (
	// RouteListOrders lists orders by status: GET /v1/merchant/orders/list/{status} (confirmed, spec §4.1).
	RouteListOrders = Route{Name: "ListOrders", Method: "GET", Path: "/v1/merchant/orders/list/{status}"}
	// RouteGetOrder views one order: GET /v1/merchant/orders/{cust_ref} (confirmed, spec §4.2).
	RouteGetOrder = Route{Name: "GetOrder", Method: "GET", Path: "/v1/merchant/orders/{cust_ref}"}
	// RouteOrderStatus views one order's status and tracking (confirmed, spec §4.3).
	RouteOrderStatus = Route{Name: "OrderStatus", Method: "GET", Path: "/v1/merchant/orders/status/{cust_ref}"}
	// RouteUpdateOrder sets an order's status (at_wms, shipped with shipments, error) —
	// ASSUMED (spec §5): mirrors the confirmed Cart route POST /v1/cart/orders/update/{cust_ref}.
	RouteUpdateOrder = Route{Name: "UpdateOrder", Method: "POST", Path: "/v1/merchant/orders/update/{cust_ref}", Assumed: true}
	// RouteCancelOrder cancels an order — ASSUMED (spec §5): mirrors the confirmed Cart route
	// GET /v1/cart/orders/wms_cancel/{cust_ref}.
	RouteCancelOrder = Route{Name: "CancelOrder", Method: "GET", Path: "/v1/merchant/orders/wms_cancel/{cust_ref}", Assumed: true}
	// RouteListInventory lists stock by page (confirmed, spec §4.4).
	RouteListInventory = Route{Name: "ListInventory", Method: "GET", Path: "/v1/merchant/inventory"}
	// RouteInventoryItem reads one SKU's stock (confirmed, spec §4.4).
	RouteInventoryItem = Route{Name: "InventoryItem", Method: "GET", Path: "/v1/merchant/inventory/{sku}"}
	// RouteUpdateInventory pushes stock for many SKUs — ASSUMED (spec §5): POST of
	// [{sku, qty_available, qty_on_hand?, warehouse?}] answering per-SKU success/failed.
	RouteUpdateInventory = Route{Name: "UpdateInventory", Method: "POST", Path: "/v1/merchant/inventory", Assumed: true}
	// RouteProduct reads one product's details (confirmed, spec §4.5).
	RouteProduct = Route{Name: "Product", Method: "GET", Path: "/v1/merchant/product/{sku}"}
	// RouteUpdateProducts pushes product details for many SKUs — ASSUMED (spec §4.5 says product
	// update endpoints are unknown): POST of [{sku, name?, description?, …}] answering success/failed.
	RouteUpdateProducts = Route{Name: "UpdateProducts", Method: "POST", Path: "/v1/merchant/product", Assumed: true}
	// RouteShipMethods lists the WMS ship-method catalogue (confirmed, spec §4.6).
	RouteShipMethods = Route{Name: "ShipMethods", Method: "GET", Path: "/v1/wms/shipmethod/list"}
	// RouteOrderSources lists the merchant's carts (path confirmed, record shape assumed, spec §4.6).
	RouteOrderSources = Route{Name: "OrderSources", Method: "GET", Path: "/v1/cart/list"}

	// RouteCartCreateOrder creates one order at Cart level (confirmed, spec §6.3; not rate limited, spec §1.6).
	RouteCartCreateOrder = Route{Name: "CartCreateOrder", Method: "POST", Path: "/v1/cart/orders/cartrover", Unlimited: true}
	// RouteCartCreateOrders creates a batch of orders at Cart level (confirmed, spec §6.3).
	RouteCartCreateOrders = Route{Name: "CartCreateOrders", Method: "POST", Path: "/v1/cart/orders/batch"}
	// RouteCartGetOrder views one order at Cart level (confirmed, spec §4.2).
	RouteCartGetOrder = Route{Name: "CartGetOrder", Method: "GET", Path: "/v1/cart/orders/{cust_ref}"}
	// RouteCartOrderStatus views one order's status at Cart level (confirmed).
	RouteCartOrderStatus = Route{Name: "CartOrderStatus", Method: "GET", Path: "/v1/cart/orders/status/{cust_ref}"}
	// RouteCartListOrders lists orders at Cart level (confirmed, spec §4.1).
	RouteCartListOrders = Route{Name: "CartListOrders", Method: "GET", Path: "/v1/cart/orders/list/{status}"}
	// RouteCartUpdateOrder confirms tracking back to the cart (confirmed, spec §5: order_status confirmed).
	RouteCartUpdateOrder = Route{Name: "CartUpdateOrder", Method: "POST", Path: "/v1/cart/orders/update/{cust_ref}"}
	// RouteCartCancelOrder cancels at Cart level (confirmed, spec §5).
	RouteCartCancelOrder = Route{Name: "CartCancelOrder", Method: "GET", Path: "/v1/cart/orders/wms_cancel/{cust_ref}"}
)

// Routes lists the whole route table.
var Routes = []Route{
	RouteListOrders, RouteGetOrder, RouteOrderStatus, RouteUpdateOrder, RouteCancelOrder,
	RouteListInventory, RouteInventoryItem, RouteUpdateInventory, RouteProduct, RouteUpdateProducts,
	RouteShipMethods, RouteOrderSources,
	RouteCartCreateOrder, RouteCartCreateOrders, RouteCartGetOrder, RouteCartOrderStatus,
	RouteCartListOrders, RouteCartUpdateOrder, RouteCartCancelOrder,
}
