package activities

import (
	"context"
	"fmt"

	"go.temporal.io/sdk/activity"

	"github.com/cartrover-cb/ordermanager/cartrover"
)

// ListOrdersInput asks for one page of CartRover orders in a status.
type ListOrdersInput struct {
	Status string `json:"status"`
	Page   int    `json:"page"`
	Limit  int    `json:"limit"`
}

// OrderPage is one page of compact orders. Full is true when the page held Limit orders (there
// may be more).
type OrderPage struct {
	Orders []Order `json:"orders"`
	Full   bool    `json:"full,omitempty"`
	// Missing lists cust_refs GetOrders could not find.
	Missing []string `json:"missing,omitempty"`
}

// ListOrders reads one page of CartRover orders (one CartRover call).
func (a *Activities) ListOrders(ctx context.Context, in ListOrdersInput) (OrderPage, error) {
	limit := in.Limit
	if limit <= 0 || limit > cartrover.MaxPageSize {
		limit = cartrover.MaxPageSize
	}
	orders, err := a.CartRover.ListOrders(ctx, cartrover.Status(in.Status), cartrover.ListOptions{Limit: limit, Page: in.Page})
	if err != nil {
		return OrderPage{}, classify(err, fmt.Sprintf("list %s orders page %d", in.Status, in.Page), ErrTypeCartRoverRejected)
	}
	page := OrderPage{Full: len(orders) >= limit}
	for i := range orders {
		page.Orders = append(page.Orders, CompactOrder(&orders[i]))
	}
	return page, nil
}

// GetOrdersInput names CartRover orders to fetch one by one.
type GetOrdersInput struct {
	CustRefs []string `json:"cust_refs"`
}

// GetOrders reads the named CartRover orders (one CartRover call each; reads only). Unknown
// cust_refs are reported in Missing rather than failing the others. Progress is kept in heartbeat
// details, so a retry resumes after the orders already read.
func (a *Activities) GetOrders(ctx context.Context, in GetOrdersInput) (OrderPage, error) {
	var p struct {
		Page OrderPage `json:"page"`
		Done int       `json:"done"`
	}
	if activity.HasHeartbeatDetails(ctx) {
		_ = activity.GetHeartbeatDetails(ctx, &p)
	}
	for ; p.Done < len(in.CustRefs); p.Done++ {
		ref := in.CustRefs[p.Done]
		o, err := a.CartRover.GetOrder(ctx, ref)
		switch {
		case cartrover.IsNotFound(err):
			p.Page.Missing = append(p.Page.Missing, ref)
		case err != nil:
			activity.RecordHeartbeat(ctx, p)
			return OrderPage{}, classify(err, "cust_ref "+ref, ErrTypeCartRoverRejected)
		default:
			p.Page.Orders = append(p.Page.Orders, CompactOrder(o))
		}
		activity.RecordHeartbeat(ctx, p)
	}
	return p.Page, nil
}

// MarkAtWMS acknowledges an order in CartRover (status at_wms): only after CB holds the order.
func (a *Activities) MarkAtWMS(ctx context.Context, custRef string) error {
	return classify(a.CartRover.MarkAtWMS(ctx, custRef), "mark cust_ref "+custRef+" at_wms", ErrTypeCartRoverRejected)
}

// FlagOrderInput puts a held order on error in CartRover with the reason.
type FlagOrderInput struct {
	CustRef string `json:"cust_ref"`
	Message string `json:"message"`
}

// FlagOrder puts a held order on error in CartRover with the reason a person must fix.
func (a *Activities) FlagOrder(ctx context.Context, in FlagOrderInput) error {
	return classify(a.CartRover.SetError(ctx, in.CustRef, in.Message), "flag cust_ref "+in.CustRef, ErrTypeCartRoverRejected)
}
