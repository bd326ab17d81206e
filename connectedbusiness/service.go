// Package connectedbusiness is the client for Connected Business (CB): a small interface in CB's
// own vocabulary (Service) and a driver for CB's JSON webservice, the interface Connected Sale and
// Connected Warehouse use (WebService; see docs/specs/cb-webservice.md). Another CB interface (IWS, SQL)
// could be added as a second driver behind the same interface.
//
// The wire conventions (verbs, auth, dates, errors, null lists, decimals) live in wire.go; the
// routes in routes.go. Facts the public sources do not confirm are marked "Assumption" where the
// code relies on them, so that correcting one is a one-line change.
package connectedbusiness

import (
	"context"
	"time"
)

// Service is Connected Business in its own vocabulary. Methods that find one record return
// (nil, nil) when there is none; CB rejections are *BusinessError, transport faults *TransportError
// (see IsRetryable). Implementations are safe for concurrent use.
type Service interface {
	// SignIn signs in to CB once per process; the other methods sign in lazily on first use.
	// When CB answers that the user is signed in at another location, it forces that session
	// out and signs in again (the connector must use a dedicated integration user).
	SignIn(ctx context.Context) error
	// SignOut ends the CB session (call it on graceful stop; harmless when not signed in).
	SignOut(ctx context.Context) error

	// FindCustomerByEmail returns the customer whose e-mail address is email, or nil.
	FindCustomerByEmail(ctx context.Context, email string) (*Customer, error)
	// FindCustomerByCode returns the customer with this CustomerCode, or nil.
	FindCustomerByCode(ctx context.Context, code string) (*Customer, error)
	// CreateCustomer creates a customer (and its default ship-to) and returns it with its new codes.
	CreateCustomer(ctx context.Context, c NewCustomer) (*Customer, error)
	// CustomerClassTemplates lists the customer class templates of a country (ISO code or CB name),
	// restricted to businessType when it is not empty.
	CustomerClassTemplates(ctx context.Context, businessType BusinessType, country string) ([]ClassTemplate, error)
	// ShipToClassTemplates lists the ship-to class templates of a country (ISO code or CB name),
	// restricted to businessType when it is not empty and CB reports one.
	ShipToClassTemplates(ctx context.Context, businessType BusinessType, country string) ([]ClassTemplate, error)
	// FindShipTos lists the ship-to addresses of a customer.
	FindShipTos(ctx context.Context, customerCode string) ([]ShipTo, error)
	// CreateShipTo creates a ship-to address for a customer and returns it with its new code.
	CreateShipTo(ctx context.Context, s NewShipTo) (*ShipTo, error)

	// CreateSalesOrder saves a sales order. CB has no idempotency key: prefer CreateSalesOrderOnce.
	CreateSalesOrder(ctx context.Context, so SalesOrder) (SalesOrderRef, error)
	// FindSalesOrderByPOCode returns the sales order whose POCode is poCode, or nil.
	FindSalesOrderByPOCode(ctx context.Context, poCode string) (*SalesOrderRef, error)
	// CreateSalesOrderOnce is check-then-create on so.POCode: it returns the existing order
	// (existed = true) when CB already holds one with that POCode, otherwise creates it. When the
	// create fails in a way that may have saved the order (timeout, dropped connection, 5xx), it
	// looks the POCode up again and, when found, returns that order (existed = true) instead of
	// the error. Call it on every attempt.
	CreateSalesOrderOnce(ctx context.Context, so SalesOrder) (ref SalesOrderRef, existed bool, err error)
	// LoadSalesOrder reads one sales order with its status and lines; a missing order is a
	// *BusinessError of kind KindNotFound.
	LoadSalesOrder(ctx context.Context, code string) (*SalesOrderDetail, error)
	// HoldSalesOrder puts a sales order on hold (IsOnHold) so the warehouse does not ship it: what
	// the connector does when CartRover cancels an order after import. Assumed: the spec is
	// silent. CB's webservice documents IsOnHold and IsVoided only as read-only fields of a
	// loaded order and no call that writes them; the route and body are this client's guess
	// (docs/specs/cb-webservice.md §3.6). Holding a held order is harmless.
	HoldSalesOrder(ctx context.Context, code, reason string) error

	// PackedBoxes returns the boxes shipped for a sales order (tracking, carrier, service, items).
	PackedBoxes(ctx context.Context, salesOrderCode string) ([]Box, error)
	// ShippedSince lists the sales orders with a shipment dated at or after since.
	ShippedSince(ctx context.Context, since time.Time) ([]ShippedTransaction, error)

	// ItemByName returns the item whose ItemName (the SKU) is name, or nil.
	ItemByName(ctx context.Context, name string) (*Item, error)
	// ItemByUPC returns the item with this UPC (on any unit of measure), or nil.
	ItemByUPC(ctx context.Context, upc string) (*Item, error)
	// ItemDetails returns an item's descriptions, units of measure, prices, weight and status,
	// or nil when CB does not know itemCode.
	ItemDetails(ctx context.Context, itemCode string) (*ItemDetail, error)
	// ListItems walks every item (phased-out ones included) in pages of about max items.
	// Start with cursor ""; pass back the returned next cursor; next == "" means done. The cursor
	// is a short opaque string suitable for a heartbeat.
	ListItems(ctx context.Context, cursor string, max int) (items []Item, next string, err error)
	// FreeStock returns the free stock of an item per warehouse and unit of measure.
	FreeStock(ctx context.Context, itemCode string) ([]Stock, error)
	// FreeStockBatch returns the free stock of many items in one call.
	FreeStockBatch(ctx context.Context, queries []StockQuery) ([]Stock, error)
	// Warehouses lists CB's warehouses (locations).
	Warehouses(ctx context.Context) ([]Warehouse, error)

	// ShippingMethods lists the shipping methods (group + code pairs).
	ShippingMethods(ctx context.Context) ([]ShippingMethod, error)
	// PaymentTerms lists the payment terms (group + code pairs).
	PaymentTerms(ctx context.Context) ([]PaymentTerm, error)
	// Sources lists the order sources (SourceCode).
	Sources(ctx context.Context) ([]Source, error)
	// WebSites lists the e-commerce web sites (WebSiteCode).
	WebSites(ctx context.Context) ([]WebSite, error)
	// Carriers lists the carriers of a warehouse ("" = CB's default).
	Carriers(ctx context.Context, warehouseCode string) ([]Carrier, error)
	// ServiceTypes lists the service types of a carrier.
	ServiceTypes(ctx context.Context, carrierCode string) ([]ServiceType, error)
	// Countries lists CB's country names.
	Countries(ctx context.Context) ([]string, error)
}
