package connectedbusiness

import (
	"time"

	"github.com/shopspring/decimal"
)

// BusinessType selects the customer and ship-to class templates (and the price column).
type BusinessType string

// The two CB business types.
const (
	Retail    BusinessType = "Retail"
	Wholesale BusinessType = "Wholesale"
)

// Address is a postal address. Country is a CB country name on values read from CB; on values
// sent to CB it may also be an ISO 3166 alpha-2 code, which the client maps (see CountryName).
type Address struct {
	Address    string
	City       string
	State      string
	PostalCode string
	County     string
	Country    string
}

// Customer is a CB customer (sales orders reference it as BillToCode).
type Customer struct {
	Code              string
	Name              string
	Email             string
	Phone             string
	Address           Address
	SourceCode        string
	DefaultPrice      string // Retail or Wholesale
	DefaultShipToCode string
	PaymentTermGroup  string
	PaymentTermCode   string
	CreditLimit       decimal.Decimal
	AvailableCredit   decimal.Decimal
	// IsCreditHold is reported by the simulator; real CB may not return it (assumption).
	IsCreditHold bool
}

// NewCustomer is what CreateCustomer needs. ClassCode and ShipToClassCode may be empty (CB then
// applies the country's default for BusinessType).
type NewCustomer struct {
	BusinessType    BusinessType
	ClassCode       string
	ShipToClassCode string
	Name            string
	Email           string
	Phone           string
	Address         Address
	PaymentTermCode string
	TaxCode         string
}

// ClassTemplate is a customer or ship-to class template.
type ClassTemplate struct {
	BusinessType     BusinessType
	ClassCode        string
	Description      string
	PaymentTermGroup string
	PaymentTermCode  string
	TaxCode          string
	IsDefault        bool
}

// ShipTo is a ship-to address of a customer.
type ShipTo struct {
	Code             string
	CustomerCode     string
	Name             string
	Address          Address
	Phone            string
	Email            string
	ClassCode        string
	IsDefault        bool
	PaymentTermGroup string
	PaymentTermCode  string
}

// NewShipTo is what CreateShipTo needs.
type NewShipTo struct {
	CustomerCode string
	Name         string
	Address      Address
	Phone        string
	Email        string
	ClassCode    string
	IsDefault    bool
}

// SalesOrder is a sales order to create: the header and its lines.
type SalesOrder struct {
	BillToCode          string
	POCode              string // the web order reference; the de-duplication key
	SourceCode          string
	WebSiteCode         string
	WarehouseCode       string
	ShippingMethodGroup string
	ShippingMethodCode  string
	PaymentTermGroup    string
	PaymentTermCode     string
	ShipToCode          string
	ShipToName          string
	ShipTo              Address
	ShipToPhone         string
	PublicNotes         string
	// Freight, when not nil, is sent as FreightRate with IsFreightOverwrite (whether CB honours
	// it is an assumption).
	Freight *decimal.Decimal
	// ShippingDate defaults to today (UTC midnight).
	ShippingDate time.Time
	Lines        []SalesOrderLine
}

// SalesOrderLine is one line of a sales order to create.
type SalesOrderLine struct {
	ItemCode        string
	ItemName        string
	Quantity        decimal.Decimal
	Price           decimal.Decimal // unit price in the document currency
	DiscountPercent decimal.Decimal // 0–100
	UnitMeasureCode string          // default EACH
	UnitMeasureQty  decimal.Decimal // base units per UoM; default 1
	WarehouseCode   string          // default: the header's warehouse
}

// SalesOrderRef identifies a saved sales order.
type SalesOrderRef struct {
	Code       string
	POCode     string
	BillToCode string
	Date       time.Time
}

// SalesOrderDetail is a sales order read back from CB.
type SalesOrderDetail struct {
	Code               string
	Date               time.Time
	Type               string // Sales Order, Back Order, …
	OrderStatus        string // assumption: not read by the public clients
	IsVoided           bool   // assumption: not read by the public clients
	IsOnHold           bool   // assumption: not read by the public clients
	BillToCode         string
	BillToName         string
	POCode             string
	SourceCode         string
	WebSiteCode        string
	WarehouseCode      string
	ShippingMethodCode string
	PaymentTermCode    string
	ShippingDate       time.Time
	ShipToCode         string
	ShipToName         string
	ShipTo             Address
	PublicNotes        string
	Lines              []SalesOrderDetailLine
}

// SalesOrderDetailLine is one line of a sales order read back from CB.
type SalesOrderDetailLine struct {
	LineNum           int
	ItemCode          string
	ItemName          string
	UnitMeasureCode   string
	WarehouseCode     string
	QuantityOrdered   decimal.Decimal
	QuantityAllocated decimal.Decimal
	// QuantityBackOrdered and QuantityShipped are assumptions (CB columns the clients do not read).
	QuantityBackOrdered decimal.Decimal
	QuantityShipped     decimal.Decimal
	Outstanding         decimal.Decimal
	Price               decimal.Decimal
	DiscountPercent     decimal.Decimal
	ExtPrice            decimal.Decimal
}

// Box is one shipped package of a sales order.
type Box struct {
	TrackingNumber     string
	Carrier            string // CarrierCode
	CarrierDescription string
	Service            string // ServiceCode
	ShipDate           time.Time
	WeightLbs          decimal.Decimal
	Items              []BoxItem
}

// BoxItem is a quantity of one item in a box.
type BoxItem struct {
	ItemCode        string
	ItemName        string
	UnitMeasureCode string
	Quantity        decimal.Decimal
}

// ShippedTransaction is one row of CB's shipment feed.
type ShippedTransaction struct {
	SalesOrderCode string
	POCode         string // empty when CB does not report it (assumption that it does)
	ShipDate       time.Time
	ShipToName     string
	WarehouseCode  string
}

// Item is an inventory item as lookups return it.
type Item struct {
	Code            string // ItemCode, CB's internal key (ITEM-nnnnnn)
	Name            string // ItemName, the SKU carts use
	Description     string
	ItemType        string
	UnitMeasureCode string
	UPC             string
	RetailPrice     decimal.Decimal
	WholesalePrice  decimal.Decimal
	// Status is A (active) or P (phased out); empty when the route does not report it.
	Status string
}

// ItemDetail is an item with everything Product Detail Pickup posts.
type ItemDetail struct {
	Code                string
	Name                string
	Description         string
	ExtendedDescription string
	ItemType            string
	Status              string // A active, P phased out
	Active              bool
	RetailPrice         decimal.Decimal
	WholesalePrice      decimal.Decimal
	// WeightLbs is an assumption: the public clients read weight only on packing rows.
	WeightLbs      decimal.Decimal
	UnitsOfMeasure []UnitOfMeasure
}

// UnitOfMeasure is one unit of measure of an item with its UPC.
type UnitOfMeasure struct {
	Code           string
	Qty            decimal.Decimal // base units per this UoM
	UPC            string
	IsBase         bool
	DefaultSelling bool
}

// Stock is the free stock of an item in one warehouse and unit of measure. FreeStock is in base
// units (divide by UnitMeasureQty for the UoM's own count).
type Stock struct {
	ItemCode        string
	WarehouseCode   string
	UnitMeasureCode string
	UnitMeasureQty  decimal.Decimal
	FreeStock       decimal.Decimal
	IsActive        bool
}

// StockQuery asks FreeStockBatch about one item in one warehouse and unit of measure.
type StockQuery struct {
	ItemCode        string
	WarehouseCode   string
	UnitMeasureCode string // default EACH
}

// Warehouse is a CB warehouse (location).
type Warehouse struct {
	Code        string
	Description string
	IsActive    bool
	Address     Address
}

// ShippingMethod is a group + code pair a sales order header needs.
type ShippingMethod struct {
	Group       string
	Code        string
	Description string
}

// PaymentTerm is a group + code pair.
type PaymentTerm struct {
	Group       string
	Code        string
	Description string
}

// Source is a CB order source.
type Source struct {
	Code        string
	Description string
}

// WebSite is a CB e-commerce site.
type WebSite struct {
	Code        string
	Description string
	URL         string
}

// Carrier is a carrier a warehouse ships with.
type Carrier struct {
	Code        string
	Description string
	ServiceType string
}

// ServiceType is a service of a carrier.
type ServiceType struct {
	CarrierCode string
	ServiceType string
}
