package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/cartrover-cb/ordermanager/cartrover"
	cb "github.com/cartrover-cb/ordermanager/connectedbusiness"
	"github.com/cartrover-cb/ordermanager/settings"
)

// reference is the naive job the product is compared with — what a scheduled one-order-at-a-time
// job does: list the new orders, then for each in turn find or create the CB customer, create
// the sales order and acknowledge it in CartRover. It uses the project's clients (so CartRover
// calls are paced exactly like the product's) and caches only what any such job would (items
// and class templates already looked up).
type reference struct {
	cr       *cartrover.Client
	cb       *cb.WebService
	settings settings.Settings
	items    map[string]string // ItemName → ItemCode
	classes  map[string]string // "customer|US" → class code
}

func (r *reference) run(ctx context.Context) (imported, skipped int, err error) {
	var orders []cartrover.Order
	for page := 1; ; page++ {
		os, err := r.cr.ListOrders(ctx, cartrover.StatusNew, cartrover.ListOptions{Limit: 100, Page: page})
		if err != nil {
			return 0, 0, fmt.Errorf("list page %d: %w", page, err)
		}
		orders = append(orders, os...)
		if len(os) < 100 {
			break
		}
	}
	r.items, r.classes = map[string]string{}, map[string]string{}
	var first error
	for _, o := range orders {
		if err := r.one(ctx, o); err != nil {
			skipped++
			if first == nil {
				first = fmt.Errorf("cust_ref %s: %w", o.CustRef, err)
			}
			continue
		}
		imported++
	}
	if imported == 0 && first != nil {
		return 0, skipped, first
	}
	return imported, skipped, nil
}

var errUnmapped = errors.New("no shipping rule for the ship code")

func (r *reference) one(ctx context.Context, o cartrover.Order) error {
	res := r.settings.Resolve(o.OrderSource)
	method, _, ok := res.ShipMethod(o.ShipCode, o.Carrier, o.ShipCodeDescription)
	if !ok {
		return errUnmapped
	}
	bt := cb.BusinessType(res.BusinessType)
	ship := cb.Address{Address: strings.TrimSpace(o.ShipAddress1 + "\n" + o.ShipAddress2), City: o.ShipCity, State: o.ShipState,
		PostalCode: o.ShipZip, Country: cb.CountryCode(o.ShipCountry)}
	if len(ship.State) > 5 {
		ship.County, ship.State = ship.State, ""
	}
	c, err := r.cb.FindCustomerByEmail(ctx, o.CustEmail)
	if err != nil {
		return err
	}
	if c == nil {
		cust, err := r.class(ctx, "customer", bt, ship.Country)
		if err != nil {
			return err
		}
		shipTo, err := r.class(ctx, "shipto", bt, ship.Country)
		if err != nil {
			return err
		}
		c, err = r.cb.CreateCustomer(ctx, cb.NewCustomer{BusinessType: bt, ClassCode: cust, ShipToClassCode: shipTo,
			Name: strings.TrimSpace(o.ShipFirstName + " " + o.ShipLastName), Email: o.CustEmail, Phone: o.ShipPhone, Address: ship})
		if err != nil {
			return err
		}
	}
	so := cb.SalesOrder{BillToCode: c.Code, POCode: o.CustRef, SourceCode: res.SourceCode, WarehouseCode: res.Warehouse,
		ShippingMethodGroup: method.Group, ShippingMethodCode: method.Code, ShipToCode: c.DefaultShipToCode,
		ShipToName: strings.TrimSpace(o.ShipFirstName + " " + o.ShipLastName), ShipTo: ship, ShipToPhone: o.ShipPhone}
	for _, it := range o.Items {
		name, _ := res.ItemName(it.Item)
		code, ok := r.items[name]
		if !ok {
			item, err := r.cb.ItemByName(ctx, name)
			if err != nil {
				return err
			}
			if item == nil {
				return fmt.Errorf("no CB item %s", name)
			}
			code = item.Code
			r.items[name] = code
		}
		so.Lines = append(so.Lines, cb.SalesOrderLine{ItemCode: code, ItemName: name, Quantity: it.Quantity.Decimal,
			Price: it.Price.Decimal.Sub(it.Discount.Decimal)})
	}
	if _, _, err := r.cb.CreateSalesOrderOnce(ctx, so); err != nil {
		return err
	}
	return r.cr.MarkAtWMS(ctx, o.CustRef)
}

// class returns the default customer or ship-to class template of a business type and country.
func (r *reference) class(ctx context.Context, kind string, bt cb.BusinessType, country string) (string, error) {
	key := kind + "|" + string(bt) + "|" + country
	if c, ok := r.classes[key]; ok {
		return c, nil
	}
	var ts []cb.ClassTemplate
	var err error
	if kind == "customer" {
		ts, err = r.cb.CustomerClassTemplates(ctx, bt, country)
	} else {
		ts, err = r.cb.ShipToClassTemplates(ctx, bt, country)
	}
	if err != nil {
		return "", err
	}
	code := ""
	for _, t := range ts {
		if t.BusinessType != "" && t.BusinessType != bt {
			continue
		}
		if t.IsDefault || code == "" {
			code = t.ClassCode
		}
		if t.IsDefault {
			break
		}
	}
	r.classes[key] = code
	return code, nil
}

// rawWorkflow is the unit of the raw ceiling: one workflow running one no-op activity.
func rawWorkflow(ctx workflow.Context) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 30 * 1e9})
	return workflow.ExecuteActivity(ctx, rawActivity).Get(ctx, nil)
}

func rawActivity(ctx context.Context) error {
	_ = activity.GetInfo(ctx)
	return nil
}

// newRawWorker is an in-process worker of the raw workflow with the product's default tuning.
func newRawWorker(c client.Client, taskQueue string) worker.Worker {
	w := worker.New(c, taskQueue, worker.Options{
		MaxConcurrentWorkflowTaskPollers: 4, MaxConcurrentActivityTaskPollers: 8, MaxConcurrentActivityExecutionSize: 200,
	})
	w.RegisterWorkflow(rawWorkflow)
	w.RegisterActivity(rawActivity)
	return w
}
