package activities

import (
	"context"
	"errors"
	"fmt"

	"github.com/shopspring/decimal"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	cb "github.com/cartrover-cb/ordermanager/connectedbusiness"
)

// SalesOrderInput is the CB sales order to create for one CartRover order (already mapped).
type SalesOrderInput struct {
	CustRef      string            `json:"cust_ref"`
	CustomerCode string            `json:"customer_code"`
	ShipToCode   string            `json:"ship_to_code"`
	ShipToName   string            `json:"ship_to_name,omitempty"`
	ShipTo       OrderAddress      `json:"ship_to"`
	SourceCode   string            `json:"source_code"`
	WebSiteCode  string            `json:"website_code,omitempty"`
	Warehouse    string            `json:"warehouse"`
	Shipping     ShippingMethodRef `json:"shipping"`
	PaymentTerm  PaymentTermRef    `json:"payment_term,omitempty"`
	Freight      string            `json:"freight,omitempty"`
	Notes        string            `json:"notes,omitempty"`
	Lines        []SalesOrderLine  `json:"lines"`
}

// SalesOrderLine is one mapped line: CB item, quantity, unit price and discount percent.
type SalesOrderLine struct {
	ItemCode        string `json:"item_code"`
	ItemName        string `json:"item_name"`
	UoM             string `json:"uom,omitempty"`
	Quantity        string `json:"qty"`
	Price           string `json:"price"`
	DiscountPercent string `json:"discount_pct,omitempty"`
}

// SalesOrderResult is the CB sales order of a CartRover order. Existed is true when CB already
// held it (a re-run after a timeout or crash): the order is healed, not duplicated.
type SalesOrderResult struct {
	Code    string `json:"code"`
	Existed bool   `json:"existed,omitempty"`
}

// CreateSalesOrder creates the order in CB, check-then-create on POCode = cust_ref (one write).
func (a *Activities) CreateSalesOrder(ctx context.Context, in SalesOrderInput) (SalesOrderResult, error) {
	so, err := buildSalesOrder(in)
	if err != nil {
		return SalesOrderResult{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("cust_ref %s: %v", in.CustRef, err), ErrTypeInvalidLine, err)
	}
	ref, existed, err := a.CB.CreateSalesOrderOnce(ctx, so)
	if err != nil {
		return SalesOrderResult{}, classify(err, "cust_ref "+in.CustRef+": create CB sales order", ErrTypeCBRejectedOrder)
	}
	return SalesOrderResult{Code: ref.Code, Existed: existed}, nil
}

// buildSalesOrder turns the mapped input into the CB client's SalesOrder.
func buildSalesOrder(in SalesOrderInput) (cb.SalesOrder, error) {
	so := cb.SalesOrder{
		BillToCode:          in.CustomerCode,
		POCode:              in.CustRef,
		SourceCode:          in.SourceCode,
		WebSiteCode:         in.WebSiteCode,
		WarehouseCode:       in.Warehouse,
		ShippingMethodGroup: in.Shipping.Group,
		ShippingMethodCode:  in.Shipping.Code,
		PaymentTermGroup:    in.PaymentTerm.Group,
		PaymentTermCode:     in.PaymentTerm.Code,
		ShipToCode:          in.ShipToCode,
		ShipToName:          in.ShipToName,
		ShipTo:              cbAddress(in.ShipTo),
		ShipToPhone:         in.ShipTo.Phone,
		PublicNotes:         in.Notes,
	}
	if in.Freight != "" {
		f, err := decimal.NewFromString(in.Freight)
		if err != nil {
			return cb.SalesOrder{}, fmt.Errorf("freight %q is not a number", in.Freight)
		}
		so.Freight = &f
	}
	for i, l := range in.Lines {
		q, err1 := decimal.NewFromString(l.Quantity)
		p, err2 := decimal.NewFromString(l.Price)
		if err := errors.Join(err1, err2); err != nil {
			return cb.SalesOrder{}, fmt.Errorf("line %d (%s): quantity %q or price %q is not a number", i+1, l.ItemName, l.Quantity, l.Price)
		}
		line := cb.SalesOrderLine{ItemCode: l.ItemCode, ItemName: l.ItemName, Quantity: q, Price: p,
			UnitMeasureCode: l.UoM, WarehouseCode: in.Warehouse}
		if l.DiscountPercent != "" {
			d, err := decimal.NewFromString(l.DiscountPercent)
			if err != nil {
				return cb.SalesOrder{}, fmt.Errorf("line %d (%s): discount %q is not a number", i+1, l.ItemName, l.DiscountPercent)
			}
			line.DiscountPercent = d
		}
		so.Lines = append(so.Lines, line)
	}
	return so, nil
}

// PlaceOrderInput is one checked and mapped CartRover order to put in CB and acknowledge.
type PlaceOrderInput struct {
	// SalesOrder is the mapped sales order. With CustomerCode empty, PlaceOrder looks the
	// customer and ship-to up (without writing) from Customer.
	SalesOrder SalesOrderInput     `json:"sales_order"`
	Customer   EnsureCustomerInput `json:"customer"`
}

// PlaceOrderResult is what PlaceOrder did.
type PlaceOrderResult struct {
	// Customer is the CB customer and ship-to the sales order uses (as found or as given).
	Customer CustomerResult `json:"customer"`
	// NeedCustomer is true when CB has no customer or no ship-to for the order yet: nothing was
	// written, and the workflow creates them under the customer's lock, then calls again.
	NeedCustomer bool `json:"need_customer,omitempty"`
	// SalesOrder is the CB sales order; empty when NeedCustomer or Customer.CreditHold.
	SalesOrder SalesOrderResult `json:"sales_order"`
}

// PlaceOrder imports a returning customer's order in one activity: it finds the customer and
// ship-to (no write), creates the sales order (check-then-create on POCode = cust_ref) and only then
// acknowledges the order in CartRover (at_wms). A new customer or ship-to is never created here
// (NeedCustomer: the workflow's CustomerLock does it, exactly once per customer key), nor an order
// of a customer on credit hold. Once the sales order exists, the attempt records it in its heartbeat,
// so a retry (CartRover rate-limited or down) only acknowledges; a failure after that point carries
// the sales order in its details (PlacedOrder), so the workflow knows the order is in CB.
func (a *Activities) PlaceOrder(ctx context.Context, in PlaceOrderInput) (PlaceOrderResult, error) {
	var res PlaceOrderResult
	if activity.HasHeartbeatDetails(ctx) {
		if err := activity.GetHeartbeatDetails(ctx, &res); err != nil {
			res = PlaceOrderResult{}
		}
	}
	if res.SalesOrder.Code == "" {
		so := in.SalesOrder
		if so.CustomerCode == "" {
			find := in.Customer
			find.FindOnly = true
			cust, err := a.EnsureCustomer(ctx, find)
			if err != nil {
				return PlaceOrderResult{}, err
			}
			res.Customer = cust
			if cust.CreditHold {
				return res, nil
			}
			if cust.CustomerCode == "" || cust.ShipToCode == "" {
				res.NeedCustomer = true
				return res, nil
			}
			so.CustomerCode, so.ShipToCode, so.ShipToName = cust.CustomerCode, cust.ShipToCode, cust.ShipToName
		} else {
			res.Customer = CustomerResult{CustomerCode: so.CustomerCode, ShipToCode: so.ShipToCode, ShipToName: so.ShipToName}
		}
		created, err := a.CreateSalesOrder(ctx, so)
		if err != nil {
			return PlaceOrderResult{}, err
		}
		res.SalesOrder = created
		activity.RecordHeartbeat(ctx, res)
	}
	if err := a.MarkAtWMS(ctx, in.SalesOrder.CustRef); err != nil {
		return res, withPlaced(err, res)
	}
	return res, nil
}

// withPlaced adds the placed order to the error of a failed acknowledgement, keeping the error's
// message, type, retryability and retry delay.
func withPlaced(err error, res PlaceOrderResult) error {
	opts := temporal.ApplicationErrorOptions{Cause: err, Details: []any{res}}
	msg, errType := err.Error(), ""
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		msg, errType = appErr.Message(), appErr.Type()
		opts.NonRetryable, opts.NextRetryDelay, opts.Cause = appErr.NonRetryable(), appErr.NextRetryDelay(), appErr.Unwrap()
	}
	return temporal.NewApplicationErrorWithOptions(msg, errType, opts)
}

// PlacedOrder returns the CB sales order a failed PlaceOrder had already created (its
// acknowledgement in CartRover failed), if err says so.
func PlacedOrder(err error) (PlaceOrderResult, bool) {
	var appErr *temporal.ApplicationError
	var res PlaceOrderResult
	if !errors.As(err, &appErr) || !appErr.HasDetails() || appErr.Details(&res) != nil || res.SalesOrder.Code == "" {
		return PlaceOrderResult{}, false
	}
	return res, true
}
