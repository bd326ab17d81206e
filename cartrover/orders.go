package cartrover

import (
	"context"
	"fmt"
	"iter"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ListOrders returns one page of orders in the given status (or list filter). The date window
// applies to the status-dependent date of spec §4.1 (created for new, delivered-to-WMS for at_wms…).
func (c *Client) ListOrders(ctx context.Context, status Status, opts ListOptions) ([]Order, error) {
	q, err := listQuery(status, opts)
	if err != nil {
		return nil, err
	}
	var out []Order
	if err := c.do(ctx, call{route: RouteListOrders, record: "status " + string(status), args: []string{string(status)}, query: q}, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// AllOrders iterates over every order in the status, page by page from opts.Page, stopping after
// the first short page. An error is yielded once and ends the iteration.
//
// Acknowledging orders while iterating a status the acknowledgement removes them from (MarkAtWMS
// while listing "new") shifts later pages; read page 1 again instead in that case.
func (c *Client) AllOrders(ctx context.Context, status Status, opts ListOptions) iter.Seq2[Order, error] {
	return func(yield func(Order, error) bool) {
		if opts.Limit <= 0 {
			opts.Limit = MaxPageSize
		}
		if opts.Page <= 0 {
			opts.Page = 1
		}
		for {
			page, err := c.ListOrders(ctx, status, opts)
			if err != nil {
				yield(Order{}, err)
				return
			}
			for _, o := range page {
				if !yield(o, nil) {
					return
				}
			}
			if len(page) < opts.Limit {
				return
			}
			opts.Page++
		}
	}
}

// listQuery validates the list parameters and builds the query string.
func listQuery(status Status, opts ListOptions) (url.Values, error) {
	bad := func(msg string) error {
		return &Error{Code: CodeInvalid, Op: RouteListOrders.Name, Record: "status " + string(status), Message: msg}
	}
	if !status.Valid() {
		return nil, bad(fmt.Sprintf("unknown status %q: use one of %v", status, ListStatuses))
	}
	if opts.Limit < 0 || opts.Limit > MaxPageSize {
		return nil, bad(fmt.Sprintf("limit %d is out of range: use 1..%d", opts.Limit, MaxPageSize))
	}
	if opts.Page < 0 {
		return nil, bad(fmt.Sprintf("page %d is out of range: pages start at 1", opts.Page))
	}
	if !opts.From.IsZero() && !opts.To.IsZero() && opts.To.Before(opts.From) {
		return nil, bad("to_date is before from_date: swap them")
	}
	limit, page := opts.Limit, opts.Page
	if limit == 0 {
		limit = MaxPageSize
	}
	if page == 0 {
		page = 1
	}
	q := url.Values{"limit": {strconv.Itoa(limit)}, "page": {strconv.Itoa(page)}}
	if !opts.From.IsZero() {
		q.Set("from_date", FormatTime(opts.From))
	}
	if !opts.To.IsZero() {
		q.Set("to_date", FormatTime(opts.To))
	}
	if opts.OrderSource != "" {
		q.Set("order_source", opts.OrderSource)
	}
	setYN(q, "include_filtered_items", opts.IncludeFilteredItems)
	setYN(q, "include_order_extras", opts.IncludeOrderExtras)
	setYN(q, "include_line_extras", opts.IncludeLineExtras)
	setYN(q, "include_aliases", opts.IncludeAliases)
	return q, nil
}

func setYN(q url.Values, key string, v bool) {
	if v {
		q.Set(key, "Y")
	}
}

// FormatTime formats t as CartRover expects in parameters: ISO 8601 with its offset.
func FormatTime(t time.Time) string { return t.Format("2006-01-02T15:04:05-07:00") }

// GetOrder returns one order by cust_ref. A missing order is an error for which IsNotFound is true.
func (c *Client) GetOrder(ctx context.Context, custRef string) (*Order, error) {
	if err := needKey(RouteGetOrder, "cust_ref", custRef); err != nil {
		return nil, err
	}
	var o Order
	if err := c.do(ctx, call{route: RouteGetOrder, record: "cust_ref " + custRef, args: []string{custRef}}, &o); err != nil {
		return nil, err
	}
	return &o, nil
}

// OrderStatus returns one order's status and shipments.
func (c *Client) OrderStatus(ctx context.Context, custRef string) (*OrderStatus, error) {
	if err := needKey(RouteOrderStatus, "cust_ref", custRef); err != nil {
		return nil, err
	}
	var s OrderStatus
	if err := c.do(ctx, call{route: RouteOrderStatus, record: "cust_ref " + custRef, args: []string{custRef}}, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// orderUpdate is the body of the (assumed) merchant update route.
type orderUpdate struct {
	OrderStatus Status     `json:"order_status"`
	ErrorMsg    string     `json:"error_msg,omitzero"`
	Shipments   []Shipment `json:"shipments,omitempty"`
}

// MarkAtWMS acknowledges an order: status at_wms, delivered_to_wms_date set; it leaves the new list.
func (c *Client) MarkAtWMS(ctx context.Context, custRef string) error {
	return c.update(ctx, custRef, orderUpdate{OrderStatus: StatusAtWMS})
}

// PostShipments appends shipments (boxes with tracking and items) to an order. CartRover sets the
// status to shipped when every ordered unit has shipped, else partial.
func (c *Client) PostShipments(ctx context.Context, custRef string, shipments []Shipment) error {
	if len(shipments) == 0 {
		return &Error{Code: CodeInvalid, Op: RouteUpdateOrder.Name, Record: "cust_ref " + custRef,
			Message: "no shipments to post: pass at least one box"}
	}
	for i, s := range shipments {
		for j, it := range s.Items {
			if it.Item == "" || !it.Quantity.IsPositive() {
				return &Error{Code: CodeInvalid, Op: RouteUpdateOrder.Name, Record: "cust_ref " + custRef,
					Message: fmt.Sprintf("shipment %d item %d needs a SKU and a positive quantity (got %q × %s)", i+1, j+1, it.Item, it.Quantity)}
			}
		}
	}
	return c.update(ctx, custRef, orderUpdate{OrderStatus: StatusShipped, Shipments: shipments})
}

// SetError puts an order on error (hold) in CartRover with a message a person reads in the UI.
func (c *Client) SetError(ctx context.Context, custRef, message string) error {
	if strings.TrimSpace(message) == "" {
		return &Error{Code: CodeInvalid, Op: RouteUpdateOrder.Name, Record: "cust_ref " + custRef,
			Message: "empty error message: say what a person must fix"}
	}
	return c.update(ctx, custRef, orderUpdate{OrderStatus: StatusError, ErrorMsg: message})
}

// Reopen returns an order on error to new (after the problem was fixed), so it is listed again.
func (c *Client) Reopen(ctx context.Context, custRef string) error {
	return c.update(ctx, custRef, orderUpdate{OrderStatus: StatusNew})
}

func (c *Client) update(ctx context.Context, custRef string, body orderUpdate) error {
	if err := needKey(RouteUpdateOrder, "cust_ref", custRef); err != nil {
		return err
	}
	return c.do(ctx, call{route: RouteUpdateOrder, record: "cust_ref " + custRef, args: []string{custRef}, body: body}, nil)
}

// cancelAnswer is the response of the cancel route.
type cancelAnswer struct {
	Success YN     `json:"success"`
	Message string `json:"message"`
}

// Cancel cancels an order (status canceled, cancel_date set).
func (c *Client) Cancel(ctx context.Context, custRef string) error {
	if err := needKey(RouteCancelOrder, "cust_ref", custRef); err != nil {
		return err
	}
	var a cancelAnswer
	if err := c.do(ctx, call{route: RouteCancelOrder, record: "cust_ref " + custRef, args: []string{custRef}}, &a); err != nil {
		return err
	}
	if !a.Success {
		msg := a.Message
		if msg == "" {
			msg = "CartRover refused the cancel without a message"
		}
		return &Error{Code: CodeFailure, Op: RouteCancelOrder.Name, Record: "cust_ref " + custRef, Message: msg}
	}
	return nil
}

// createAnswer is the single-create response (no response wrapper).
type createAnswer struct {
	CustRef     string `json:"cust_ref"`
	OrderNumber string `json:"order_number"`
}

// CreateOrder creates one order at Cart level (needs Cart API credentials; how carts and the
// sandbox seed orders). It returns CartRover's cust_ref.
func (c *Client) CreateOrder(ctx context.Context, o Order) (string, error) {
	var a createAnswer
	if err := c.do(ctx, call{route: RouteCartCreateOrder, record: "cust_ref " + o.CustRef, body: o}, &a); err != nil {
		return "", err
	}
	return a.CustRef, nil
}

// CreateOrders creates a batch of orders at Cart level; the result says which were created and
// which failed (duplicates, missing fields).
func (c *Client) CreateOrders(ctx context.Context, orders []Order) (*BatchResult, error) {
	var r BatchResult
	if err := c.do(ctx, call{route: RouteCartCreateOrders, record: fmt.Sprintf("%d orders", len(orders)), body: orders}, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// needKey refuses an empty path key before any call is made.
func needKey(r Route, name, v string) error {
	if strings.TrimSpace(v) == "" {
		return &Error{Code: CodeInvalid, Op: r.Name, Message: "empty " + name + ": pass the record's " + name}
	}
	return nil
}
