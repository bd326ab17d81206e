package activities

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/cartrover-cb/ordermanager/cartrover"
	"github.com/cartrover-cb/ordermanager/connectedbusiness"
)

// ShippedOrdersInput asks CB which sales orders shipped (in part or whole) since a time.
type ShippedOrdersInput struct {
	// Since is the start of the window (the workflow derives it from settings.Shipments.Lookback).
	Since time.Time `json:"since"`
	// SourceCode keeps only orders with this CB SourceCode (what Order Send stamps, e.g. CartRover).
	SourceCode string `json:"source_code,omitempty"`
}

// ShippedOrder is one CB sales order with at least one box shipped in the window.
type ShippedOrder struct {
	// SalesOrderCode is CB's code (SO-…).
	SalesOrderCode string `json:"so"`
	// CustRef is the order's POCode: the CartRover cust_ref Order Send put there.
	CustRef string `json:"cust_ref"`
}

// ShippedOrdersResult is the compact shipped feed: codes only, no raw CB bodies.
type ShippedOrdersResult struct {
	Orders []ShippedOrder `json:"orders,omitempty"`
	// Skipped counts shipped orders without a POCode or of another source (not CartRover's).
	Skipped int `json:"skipped,omitempty"`
}

// OpenOrdersInput asks CartRover for one page of orders in one status.
type OpenOrdersInput struct {
	// Status is at_wms, partial or canceled.
	Status string `json:"status"`
	// Page is 1-based.
	Page int `json:"page"`
	// Limit is the page size (≤100).
	Limit int `json:"limit"`
	// FromDate, when set, narrows the list (CartRover filters on the status's own date).
	FromDate time.Time `json:"from_date,omitempty"`
}

// OrderLine is one SKU and quantity (an order line, or what shipped of it).
type OrderLine struct {
	SKU string          `json:"sku"`
	Qty decimal.Decimal `json:"qty"`
}

// OpenOrder is a CartRover order waiting for (more) shipments, reduced to what the pickup needs.
type OpenOrder struct {
	CustRef     string `json:"cust_ref"`
	OrderSource string `json:"source,omitempty"`
	Status      string `json:"status"`
	// Lines are the order's SKUs and quantities.
	Lines []OrderLine `json:"lines,omitempty"`
	// Tracking are the tracking numbers already on the order (never posted twice).
	Tracking []string `json:"tracking,omitempty"`
	// Shipped is what the order's existing shipments already carry, per SKU.
	Shipped []OrderLine `json:"shipped,omitempty"`
}

// OpenOrdersPage is one page of OpenOrder.
type OpenOrdersPage struct {
	Orders []OpenOrder `json:"orders,omitempty"`
	// More is true when the page was full (another may follow).
	More bool `json:"more,omitempty"`
}

// ShipmentBoxesInput names the CB sales orders whose boxes to read.
type ShipmentBoxesInput struct {
	SalesOrderCodes []string `json:"so"`
}

// BoxItem is one item and quantity in a box, in CB's vocabulary.
type BoxItem struct {
	ItemName string          `json:"item"`
	Qty      decimal.Decimal `json:"qty"`
}

// Box is one shipped package of a CB sales order.
type Box struct {
	Tracking  string          `json:"tracking"`
	Carrier   string          `json:"carrier,omitempty"`
	Service   string          `json:"service,omitempty"`
	ShipDate  time.Time       `json:"date,omitempty"`
	WeightLbs decimal.Decimal `json:"weight,omitempty"`
	Items     []BoxItem       `json:"items,omitempty"`
}

// OrderBoxes are the boxes of one CB sales order.
type OrderBoxes struct {
	SalesOrderCode string `json:"so"`
	// Voided is true when CB voided the order: nothing is posted, the run reports it.
	Voided bool  `json:"voided,omitempty"`
	Boxes  []Box `json:"boxes,omitempty"`
	// Problem is set when this order's boxes could not be read for a reason a person must fix.
	Problem *Problem `json:"problem,omitempty"`
}

// ShipmentBoxesResult holds the boxes of each requested order, in request order.
type ShipmentBoxesResult struct {
	Orders []OrderBoxes `json:"orders,omitempty"`
}

// ShipmentPost is one box as CartRover takes it.
type ShipmentPost struct {
	Carrier   string          `json:"carrier,omitempty"`
	Method    string          `json:"method,omitempty"`
	Tracking  string          `json:"tracking"`
	Date      time.Time       `json:"date,omitempty"`
	WeightLbs decimal.Decimal `json:"weight,omitempty"`
	Items     []OrderLine     `json:"items,omitempty"`
}

// PostShipmentsInput is the new boxes of one CartRover order.
type PostShipmentsInput struct {
	CustRef   string         `json:"cust_ref"`
	Shipments []ShipmentPost `json:"shipments"`
	// Complete is true when, with these boxes, every line has shipped in full.
	Complete bool `json:"complete,omitempty"`
}

// PostShipmentsResult says what CartRover holds after the post.
type PostShipmentsResult struct {
	// Posted counts the boxes sent (boxes CartRover already had are skipped, not resent).
	Posted int `json:"posted"`
	// AlreadyThere counts boxes whose tracking number CartRover already had when re-checked.
	AlreadyThere int `json:"already_there,omitempty"`
	// Status is the order's CartRover status after the post (shipped or partial).
	Status string `json:"status,omitempty"`
}

// CBShippedOrders reads CB's shipped feed since in.Since and returns each sales order once with its
// POCode (the CartRover cust_ref). Rows without a POCode are not CartRover's and are skipped.
func (a *Activities) CBShippedOrders(ctx context.Context, in ShippedOrdersInput) (ShippedOrdersResult, error) {
	rows, err := a.CB.ShippedSince(ctx, in.Since)
	if err != nil {
		return ShippedOrdersResult{}, classify(err, "CB shipped feed since "+in.Since.Format(time.RFC3339), ErrTypeCBRejected)
	}
	var out ShippedOrdersResult
	seen := map[string]bool{}
	for _, r := range rows {
		if seen[r.SalesOrderCode] {
			continue
		}
		seen[r.SalesOrderCode] = true
		if strings.TrimSpace(r.POCode) == "" {
			out.Skipped++
			continue
		}
		out.Orders = append(out.Orders, ShippedOrder{SalesOrderCode: r.SalesOrderCode, CustRef: strings.TrimSpace(r.POCode)})
	}
	return out, nil
}

// CartRoverOpenOrders lists one page of CartRover orders in one status, reduced to cust_ref,
// source, lines, and the tracking numbers and quantities already shipped.
func (a *Activities) CartRoverOpenOrders(ctx context.Context, in OpenOrdersInput) (OpenOrdersPage, error) {
	limit := in.Limit
	if limit <= 0 || limit > cartrover.MaxPageSize {
		limit = cartrover.MaxPageSize
	}
	orders, err := a.CartRover.ListOrders(ctx, cartrover.Status(in.Status), cartrover.ListOptions{Limit: limit, Page: in.Page, From: in.FromDate})
	if err != nil {
		return OpenOrdersPage{}, classify(err, fmt.Sprintf("CartRover %s orders page %d", in.Status, in.Page), ErrTypeShipmentRejected)
	}
	out := OpenOrdersPage{More: len(orders) >= limit}
	for _, o := range orders {
		oo := OpenOrder{CustRef: o.CustRef, OrderSource: o.OrderSource, Status: string(o.OrderStatus)}
		for _, l := range o.Items {
			if l.Item == "" {
				continue
			}
			oo.Lines = append(oo.Lines, OrderLine{SKU: l.Item, Qty: l.Quantity.Decimal})
		}
		for _, s := range o.Shipments {
			if s.TrackingNo != "" {
				oo.Tracking = append(oo.Tracking, s.TrackingNo)
			}
			for _, it := range s.Items {
				oo.Shipped = append(oo.Shipped, OrderLine{SKU: it.Item, Qty: it.Quantity.Decimal})
			}
		}
		out.Orders = append(out.Orders, oo)
	}
	return out, nil
}

// boxesProgress is the heartbeat of CBShipmentBoxes: the orders already read, so a retry resumes
// after them instead of reading them again.
type boxesProgress struct {
	Done []OrderBoxes `json:"done"`
}

// CBShipmentBoxes reads the shipped boxes of each sales order. An order CB does not have, or one
// it refuses to show, is reported in its Problem; an order without any tracked box is checked for
// a void. Transient faults fail the activity (Temporal retries it; the heartbeat lets the retry
// resume after the orders already read).
func (a *Activities) CBShipmentBoxes(ctx context.Context, in ShipmentBoxesInput) (ShipmentBoxesResult, error) {
	var prog boxesProgress
	if activity.HasHeartbeatDetails(ctx) {
		_ = activity.GetHeartbeatDetails(ctx, &prog)
	}
	done := map[string]OrderBoxes{}
	for _, d := range prog.Done {
		done[d.SalesOrderCode] = d
	}
	var out ShipmentBoxesResult
	for _, so := range in.SalesOrderCodes {
		if d, ok := done[so]; ok {
			out.Orders = append(out.Orders, d)
			continue
		}
		ob, err := a.orderBoxes(ctx, so)
		if err != nil {
			return ShipmentBoxesResult{}, err
		}
		out.Orders = append(out.Orders, ob)
		activity.RecordHeartbeat(ctx, boxesProgress{Done: out.Orders})
	}
	return out, nil
}

func (a *Activities) orderBoxes(ctx context.Context, so string) (OrderBoxes, error) {
	ob := OrderBoxes{SalesOrderCode: so}
	boxes, err := a.CB.PackedBoxes(ctx, so)
	if err != nil {
		if connectedbusiness.IsRetryable(err) || !isBusiness(err) {
			return ob, classify(err, "CB boxes of sales order "+so, ErrTypeCBRejected)
		}
		ob.Problem = &Problem{Key: so, Type: ErrTypeCBRejected, Reason: err.Error()}
		return ob, nil
	}
	tracked := 0
	for _, b := range boxes {
		box := Box{Tracking: strings.TrimSpace(b.TrackingNumber), Carrier: b.Carrier, Service: b.Service, ShipDate: b.ShipDate, WeightLbs: b.WeightLbs}
		for _, it := range b.Items {
			box.Items = append(box.Items, BoxItem{ItemName: it.ItemName, Qty: it.Quantity})
		}
		if box.Tracking != "" {
			tracked++
		}
		ob.Boxes = append(ob.Boxes, box)
	}
	if tracked == 0 {
		// The feed listed it but no box carries tracking: a void is the likely reason (rare, so
		// the extra read is only made here).
		d, err := a.CB.LoadSalesOrder(ctx, so)
		switch {
		case err != nil && (connectedbusiness.IsRetryable(err) || !isBusiness(err)):
			return ob, classify(err, "CB sales order "+so, ErrTypeCBRejected)
		case err != nil:
			ob.Problem = &Problem{Key: so, Type: ErrTypeCBRejected, Reason: err.Error()}
		case d != nil && d.IsVoided:
			ob.Voided = true
		}
	}
	return ob, nil
}

// CartRoverPostShipments posts the new boxes of one CartRover order. A retry first re-reads the
// order's tracking numbers and drops the boxes already there, so a post that succeeded before its
// answer was lost is never doubled. A canceled order is a non-retryable CartRoverOrderCanceled
// error; any other refusal is CartRoverShipmentRejected with CartRover's message.
func (a *Activities) CartRoverPostShipments(ctx context.Context, in PostShipmentsInput) (PostShipmentsResult, error) {
	record := "CartRover order " + in.CustRef
	todo := in.Shipments
	res := PostShipmentsResult{}
	if activity.GetInfo(ctx).Attempt > 1 {
		st, err := a.CartRover.OrderStatus(ctx, in.CustRef)
		if err != nil {
			return res, classify(err, record, ErrTypeShipmentRejected)
		}
		if st.OrderStatus == cartrover.StatusCanceled {
			return res, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("%s is canceled in CartRover: its CB shipment is not posted; reconcile it by hand", record), ErrTypeOrderCanceled, nil)
		}
		have := map[string]bool{}
		for _, s := range st.Shipments {
			have[s.TrackingNo] = true
		}
		todo = nil
		for _, s := range in.Shipments {
			if have[s.Tracking] {
				res.AlreadyThere++
				continue
			}
			todo = append(todo, s)
		}
	}
	if len(todo) > 0 {
		posts := make([]cartrover.Shipment, 0, len(todo))
		for _, s := range todo {
			cs := cartrover.Shipment{Carrier: s.Carrier, Method: s.Method, TrackingNo: s.Tracking,
				PackageWeightLbs: cartrover.NewDecimal(s.WeightLbs), Date: cartrover.Time{Time: s.Date}}
			for _, it := range s.Items {
				cs.Items = append(cs.Items, cartrover.ShipmentItem{Item: it.SKU, Quantity: cartrover.NewDecimal(it.Qty)})
			}
			posts = append(posts, cs)
		}
		if err := a.CartRover.PostShipments(ctx, in.CustRef, posts); err != nil {
			if isCanceledAnswer(err) {
				return res, temporal.NewNonRetryableApplicationError(
					fmt.Sprintf("%s is canceled in CartRover: its CB shipment is not posted; reconcile it by hand (%v)", record, err), ErrTypeOrderCanceled, err)
			}
			return res, classify(err, record, ErrTypeShipmentRejected)
		}
	}
	// Boxes found on a retry were posted by this activity's earlier attempt.
	res.Posted = len(in.Shipments)
	res.Status = string(cartrover.StatusPartial)
	if in.Complete {
		res.Status = string(cartrover.StatusShipped)
	}
	return res, nil
}

// isCanceledAnswer reports whether CartRover refused an update because the order is canceled.
func isCanceledAnswer(err error) bool {
	var e *cartrover.Error
	return errors.As(err, &e) && !e.Retryable() && strings.Contains(strings.ToLower(e.Message), "cancel")
}
