// Package settings holds the connector settings: what CB's "CartRover" configuration
// screen holds, minus the credentials (those live only in the worker's environment).
// A settings file is YAML; `starter schedule apply` validates it and carries it in the
// schedule's workflow input, so every run shows the exact mapping it used.
package settings

// Settings is the whole connector configuration for one CartRover merchant account.
type Settings struct {
	// DownloadLimit caps how many new CartRover orders one run downloads.
	DownloadLimit int `yaml:"download_limit" json:"download_limit"`
	// SourceCode is the CB SourceCode put on every sales order (default "CartRover").
	SourceCode string `yaml:"source_code" json:"source_code"`
	// WebSiteCode is the CB e-commerce site code put on every sales order.
	WebSiteCode string `yaml:"website_code" json:"website_code"`
	// Warehouse is the default CB warehouse code for order lines.
	Warehouse string `yaml:"warehouse" json:"warehouse"`
	// PaymentTerm is the CB payment term code for new orders (its group is looked up in CB).
	PaymentTerm string `yaml:"payment_term" json:"payment_term"`
	// HoldInCartRover is read only by the previous release's ImportOrder runs still in flight: an
	// Order workflow always puts a held order on error in CartRover, with the reason, so that it
	// leaves the new list (docs/architecture.md, "Order lifecycle").
	HoldInCartRover bool `yaml:"hold_in_cartrover" json:"hold_in_cartrover,omitempty"`
	// Customers says how customers are matched and created.
	Customers Customers `yaml:"customers" json:"customers"`
	// Shipping maps CartRover ship codes to CB shipping methods.
	Shipping Shipping `yaml:"shipping" json:"shipping"`
	// SKUs maps CartRover SKUs to CB ItemNames for carts whose SKUs differ (absent = same SKU).
	SKUs map[string]string `yaml:"skus" json:"skus,omitempty"`
	// Carts holds per order source overrides of the above, keyed by CartRover order_source.
	Carts map[string]Cart `yaml:"carts" json:"carts,omitempty"`
	// Shipments configures Shipment Confirmation Pickup.
	Shipments Shipments `yaml:"shipments" json:"shipments"`
	// Inventory configures Inventory Sync Pickup.
	Inventory Inventory `yaml:"inventory" json:"inventory"`
	// Products configures Product Detail Pickup.
	Products Products `yaml:"products" json:"products"`
	// Notify says whom the worker tells about held and failed orders, failed runs and outages.
	Notify *Notify `yaml:"notify" json:"notify,omitempty"`
}

// Customers holds the customer defaults.
type Customers struct {
	// BusinessType is Retail or Wholesale; it selects the class templates when they are empty.
	BusinessType string `yaml:"business_type" json:"business_type"`
	// CustomerClassTemplate is the CB customer class template (ClassCode); empty = CB's default
	// for the business type and country.
	CustomerClassTemplate string `yaml:"customer_class_template" json:"customer_class_template,omitempty"`
	// ShipToClassTemplate is the CB ship-to class template; empty = CB's default.
	ShipToClassTemplate string `yaml:"ship_to_class_template" json:"ship_to_class_template,omitempty"`
	// Match is how an order finds its customer: "email" (one CB customer per e-mail address)
	// or "order_source" (one shared customer per order source).
	Match string `yaml:"match" json:"match"`
}

// ShippingMethod is a CB shipping method: the group + code pair a sales order header needs.
type ShippingMethod struct {
	Group string `yaml:"group" json:"group"`
	Code  string `yaml:"code" json:"code"`
}

// ShipRule maps one CartRover ship code (and/or carrier + ship_code_description) to a CB method.
type ShipRule struct {
	ShipCode            string `yaml:"ship_code" json:"ship_code,omitempty"`
	Carrier             string `yaml:"carrier" json:"carrier,omitempty"`
	ShipCodeDescription string `yaml:"ship_code_description" json:"ship_code_description,omitempty"`
	// To is the CB shipping method the rule selects.
	To ShippingMethod `yaml:"to" json:"to"`
}

// Shipping is the ship-code map with an optional default.
type Shipping struct {
	Rules []ShipRule `yaml:"rules" json:"rules,omitempty"`
	// Default, when set, is used for ship codes no rule matches (otherwise such orders are held).
	Default *ShippingMethod `yaml:"default" json:"default,omitempty"`
}

// Cart overrides the defaults for one order source. Empty fields inherit.
type Cart struct {
	BusinessType          string            `yaml:"business_type" json:"business_type,omitempty"`
	CustomerClassTemplate string            `yaml:"customer_class_template" json:"customer_class_template,omitempty"`
	ShipToClassTemplate   string            `yaml:"ship_to_class_template" json:"ship_to_class_template,omitempty"`
	Warehouse             string            `yaml:"warehouse" json:"warehouse,omitempty"`
	WebSiteCode           string            `yaml:"website_code" json:"website_code,omitempty"`
	PaymentTerm           string            `yaml:"payment_term" json:"payment_term,omitempty"`
	Match                 string            `yaml:"match" json:"match,omitempty"`
	Shipping              *Shipping         `yaml:"shipping" json:"shipping,omitempty"`
	SKUs                  map[string]string `yaml:"skus" json:"skus,omitempty"`
}

// Shipments configures Shipment Confirmation Pickup.
type Shipments struct {
	// Carriers maps a CB carrier (and optionally service) to the CartRover carrier and method code.
	// Absent entries pass CB's values through.
	Carriers []CarrierRule `yaml:"carriers" json:"carriers,omitempty"`
	// Lookback is how far back (Go duration, e.g. "72h") the first run looks for shipments.
	Lookback string `yaml:"lookback" json:"lookback,omitempty"`
}

// CarrierRule maps CB carrier/service to CartRover carrier/method.
type CarrierRule struct {
	CBCarrier string `yaml:"cb_carrier" json:"cb_carrier"`
	CBService string `yaml:"cb_service" json:"cb_service,omitempty"`
	Carrier   string `yaml:"carrier" json:"carrier"`
	Method    string `yaml:"method" json:"method,omitempty"`
}

// Inventory configures Inventory Sync Pickup.
type Inventory struct {
	// Warehouses are the CB warehouses whose free stock is posted (empty = the default warehouse).
	Warehouses []string `yaml:"warehouses" json:"warehouses,omitempty"`
	// PerWarehouse posts one quantity per warehouse instead of the sum.
	PerWarehouse bool `yaml:"per_warehouse" json:"per_warehouse,omitempty"`
	// SafetyStock is held back per warehouse code or per SKU (SKU wins); results never go below zero.
	SafetyStock SafetyStock `yaml:"safety_stock" json:"safety_stock,omitempty"`
	// BatchSize is how many SKUs one CartRover inventory post carries (default 100).
	BatchSize int `yaml:"batch_size" json:"batch_size,omitempty"`
}

// SafetyStock is the quantity held back from what CartRover is told.
type SafetyStock struct {
	Warehouses map[string]int `yaml:"warehouses" json:"warehouses,omitempty"`
	SKUs       map[string]int `yaml:"skus" json:"skus,omitempty"`
}

// Products configures Product Detail Pickup.
type Products struct {
	// BatchSize is how many products one pass handles between heartbeats (default 100).
	BatchSize int `yaml:"batch_size" json:"batch_size,omitempty"`
}
