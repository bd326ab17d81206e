package cartrover

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// Status is an order status: a value of order_status, or a list filter of ListOrders.
type Status string

// Order statuses (spec §3). StatusPartial and the Status…Or… values and StatusAny are list filters;
// the simulator also reports partially shipped orders with order_status "partial".
const (
	StatusNew                Status = "new"
	StatusAtWMS              Status = "at_wms"
	StatusPartial            Status = "partial"
	StatusShipped            Status = "shipped"
	StatusConfirmed          Status = "confirmed"
	StatusError              Status = "error"
	StatusCanceled           Status = "canceled"
	StatusNewOrAtWMS         Status = "new_or_at_wms"
	StatusShippedOrConfirmed Status = "shipped_or_confirmed"
	StatusAny                Status = "any"
)

// ListStatuses are the statuses ListOrders accepts.
var ListStatuses = []Status{StatusNew, StatusAtWMS, StatusPartial, StatusShipped, StatusConfirmed,
	StatusError, StatusCanceled, StatusNewOrAtWMS, StatusShippedOrConfirmed, StatusAny}

// Valid reports whether s is a status ListOrders accepts.
func (s Status) Valid() bool {
	for _, v := range ListStatuses {
		if s == v {
			return true
		}
	}
	return false
}

// Order is one CartRover order (spec §6) as the list and view routes return it, and as the Cart
// create routes accept it. Unknown fields are ignored; numbers may arrive as strings or numbers.
type Order struct {
	// Identity.
	CustRef            string `json:"cust_ref"`
	CustPONo           string `json:"cust_po_no"`
	PONumber           string `json:"po_number"`
	RecordNo           string `json:"record_no"`
	CustRefOriginal    string `json:"cust_ref_original"`
	CustPONoOriginal   string `json:"cust_po_no_original"`
	CustomerID         string `json:"customer_id"`
	OrderSource        string `json:"order_source"`
	OrderStatus        Status `json:"order_status"`
	InventoryWarehouse string `json:"inventory_warehouse_pk"`

	// Dates.
	CreatedDateTime      Time `json:"created_date_time"`
	UpdatedDateTime      Time `json:"updated_date_time"`
	OrderDate            Date `json:"order_date"`
	RequestedShipDate    Time `json:"requested_ship_date"`
	ExpectedDeliveryDate Time `json:"expected_delivery_date"`
	LatestShipDate       Time `json:"latest_ship_date"`
	DeliveredToWMSDate   Time `json:"delivered_to_wms_date"`
	MarkInProgressDate   Time `json:"mark_in_progress_date"`
	CancelDate           Time `json:"cancel_date"`
	// ShipmentLoadedDate is not a documented field: the simulator reports when the last shipment
	// was loaded (the date the partial/shipped list filters use).
	ShipmentLoadedDate Time `json:"shipment_loaded_date,omitzero"`
	// ConfirmedDate is not a documented field: the simulator reports when tracking went to the cart.
	ConfirmedDate Time `json:"confirmed_date,omitzero"`
	// ErrorDate is not a documented field: the simulator reports when the order was put on error.
	ErrorDate Time `json:"error_date,omitzero"`

	// Bill-to.
	CustCompany   string `json:"cust_company"`
	CustTitle     string `json:"cust_title"`
	CustFirstName string `json:"cust_first_name"`
	CustLastName  string `json:"cust_last_name"`
	CustAddress1  string `json:"cust_address_1"`
	CustAddress2  string `json:"cust_address_2"`
	CustAddress3  string `json:"cust_address_3"`
	CustCity      string `json:"cust_city"`
	CustState     string `json:"cust_state"`
	CustZip       string `json:"cust_zip"`
	CustCountry   string `json:"cust_country"`
	CustPhone     string `json:"cust_phone"`
	CustEmail     string `json:"cust_e_mail"`

	// Ship-to.
	ShipCompany     string `json:"ship_company"`
	ShipTitle       string `json:"ship_title"`
	ShipFirstName   string `json:"ship_first_name"`
	ShipLastName    string `json:"ship_last_name"`
	ShipAddress1    string `json:"ship_address_1"`
	ShipAddress2    string `json:"ship_address_2"`
	ShipAddress3    string `json:"ship_address_3"`
	ShipCity        string `json:"ship_city"`
	ShipState       string `json:"ship_state"`
	ShipZip         string `json:"ship_zip"`
	ShipCountry     string `json:"ship_country"`
	ShipPhone       string `json:"ship_phone"`
	ShipEmail       string `json:"ship_e_mail"`
	ShipAddressType string `json:"ship_address_type"`
	// ShipIsBilling is input-only: copy the ship-to address into the bill-to address.
	ShipIsBilling YN `json:"ship_is_billing,omitzero"`

	// Shipping method.
	Carrier             string  `json:"carrier"`
	ShipCode            string  `json:"ship_code"`
	ShipCodeDescription string  `json:"ship_code_description"`
	WorkingShipCode     string  `json:"working_ship_code"`
	ShipAccountNo       string  `json:"ship_account_no"`
	ShipAccountZip      string  `json:"ship_account_zip"`
	SpecialServices     string  `json:"special_services"`
	Weight              Decimal `json:"weight"`

	// Totals (spec §6.1): grand_total = sub_total + sales_tax + shipping_handling − order_discount.
	SubTotal         Decimal `json:"sub_total"`
	OrderDiscount    Decimal `json:"order_discount"`
	SalesTax         Decimal `json:"sales_tax"`
	ShippingHandling Decimal `json:"shipping_handling"`
	GrandTotal       Decimal `json:"grand_total"`
	Balance          Decimal `json:"balance"`
	CurrencyCode     string  `json:"currency_code"`
	TaxExempt        YN      `json:"tax_exempt_sw"`
	PayType          string  `json:"pay_type"`
	PreAuthAmt       Decimal `json:"pre_auth_amt"`
	CCLastFour       string  `json:"cc_last_four"`

	// Notes and custom fields.
	ShippingInstructions string    `json:"shipping_instructions"`
	GiftMessage          string    `json:"gift_message"`
	GiftWrap             YN        `json:"gift_wrap"`
	PromoCode            string    `json:"promo_code"`
	CustomField1         string    `json:"custom_field_1"`
	CustomField2         string    `json:"custom_field_2"`
	CustomField3         string    `json:"custom_field_3"`
	CustomField4         string    `json:"custom_field_4"`
	CustomField5         string    `json:"custom_field_5"`
	ExtraFields          StringMap `json:"extra_fields,omitempty"`

	// Processing state.
	SendingCanceled        YN     `json:"sending_canceled"`
	ShippingPickupCanceled YN     `json:"shipping_pickup_canceled"`
	OnHold                 YN     `json:"on_hold"`
	ErrorCode              string `json:"error_code"`
	ErrorMsg               string `json:"error_msg"`
	ErrorReason            string `json:"error_reason"`
	NumFailedSends         Int    `json:"num_failed_sends"`
	RoutingSW              YN     `json:"routing_sw"`
	CassCodeShip           string `json:"cass_code_ship"`

	// List-only counters; CartRover's values are not reliable (spec §3), do not build logic on them.
	TotalQty   Decimal `json:"total_qty,omitzero"`
	NumToShip  Decimal `json:"num_to_ship,omitzero"`
	NumShipped Decimal `json:"num_shipped,omitzero"`

	Items     []LineItem `json:"items"`
	Shipments []Shipment `json:"shipments"`
}

// LineItem is one order line (spec §6.2).
type LineItem struct {
	LineNo      Int     `json:"line_no"`
	Item        string  `json:"item"`
	AltSKU      string  `json:"alt_sku"`
	FilteredSKU YN      `json:"filtered_sku"`
	LotNumber   string  `json:"lot_number"`
	Quantity    Decimal `json:"quantity"`
	// Price is the unit price before tax and discount.
	Price Decimal `json:"price"`
	// Discount is the pre-tax discount per unit (positive).
	Discount Decimal `json:"discount"`
	// AddlDiscount is the post-tax discount for the whole line (positive).
	AddlDiscount Decimal `json:"addl_discount"`
	// ExtendedAmount is (price − discount) × quantity.
	ExtendedAmount Decimal `json:"extended_amount"`
	// Tax is the tax for the whole line.
	Tax               Decimal   `json:"tax"`
	ShippingSurcharge Decimal   `json:"shipping_surcharge"`
	LineItemID        string    `json:"line_item_id"`
	LineComment       string    `json:"line_comment"`
	Description       string    `json:"Description"`
	LineLocation      string    `json:"line_location"`
	ExtraFields       StringMap `json:"extra_fields,omitempty"`
}

// UnmarshalJSON decodes a line, taking the lower-case "description" input spelling when
// "Description" is absent.
func (l *LineItem) UnmarshalJSON(b []byte) error {
	type plain LineItem
	var v struct {
		plain
		LowerDescription *string `json:"description"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*l = LineItem(v.plain)
	if l.Description == "" && v.LowerDescription != nil && !bytes.Contains(b, []byte(`"Description"`)) {
		l.Description = *v.LowerDescription
	}
	return nil
}

// Shipment is one package (box) with tracking, on an order or posted by PostShipments (spec §6.4).
type Shipment struct {
	Carrier             string  `json:"carrier"`
	Method              string  `json:"method,omitzero"`
	TrackingNo          string  `json:"tracking_no"`
	TrackingNoSecondary string  `json:"tracking_no_secondary,omitzero"`
	TrackingURL         string  `json:"tracking_url,omitzero"`
	SSCCBarcode         string  `json:"sscc_barcode,omitzero"`
	BillOfLading        string  `json:"bill_of_lading,omitzero"`
	TotalCost           Decimal `json:"total_cost,omitzero"`
	PackageWeightLbs    Decimal `json:"package_weight_lbs,omitzero"`
	DimWeightLbs        Decimal `json:"dim_weight_lbs,omitzero"`
	Zone                string  `json:"zone,omitzero"`
	WhsLocation         string  `json:"whs_location,omitzero"`
	BoxLengthIn         Decimal `json:"box_length_in,omitzero"`
	BoxWidthIn          Decimal `json:"box_width_in,omitzero"`
	BoxHeightIn         Decimal `json:"box_height_in,omitzero"`
	// Date is the ship date.
	Date    Time           `json:"date,omitzero"`
	Custom1 string         `json:"custom_1,omitzero"`
	Custom2 string         `json:"custom_2,omitzero"`
	Custom3 string         `json:"custom_3,omitzero"`
	Items   []ShipmentItem `json:"items"`
}

// ShipmentItem is one SKU and quantity in a shipment.
type ShipmentItem struct {
	Item             string  `json:"item"`
	Quantity         Decimal `json:"quantity"`
	CartonCode       string  `json:"carton_code,omitzero"`
	CartonNum        string  `json:"carton_num,omitzero"`
	PackageWeightLbs Decimal `json:"package_weight_lbs,omitzero"`
	LotCode          string  `json:"lot_code,omitzero"`
	Custom1          string  `json:"custom_1,omitzero"`
}

// OrderStatus is the light status answer of one order (spec §4.3).
type OrderStatus struct {
	CustRef            string     `json:"cust_ref"`
	CustPONo           string     `json:"cust_po_no"`
	DeliveredToWMSDate Time       `json:"delivered_to_wms_date"`
	UpdatedDateTime    Time       `json:"updated_date_time,omitzero"`
	ShipCountry        string     `json:"ship_country,omitzero"`
	OrderStatus        Status     `json:"order_status"`
	Shipments          []Shipment `json:"shipments"`
}

// InventoryItem is one SKU's stock in CartRover (spec §4.4). Top-level quantities are totals.
type InventoryItem struct {
	SKU          string     `json:"sku"`
	QtyAvailable Decimal    `json:"qty_available"`
	QtyOnHand    Decimal    `json:"qty_on_hand"`
	WMSDateTime  Time       `json:"wms_datetime"`
	Aliases      StringMap  `json:"aliases"`
	Warehouses   Warehouses `json:"warehouses"`
}

// WarehouseStock is one warehouse's stock of a SKU.
type WarehouseStock struct {
	Warehouse    string  `json:"warehouse"`
	QtyAvailable Decimal `json:"qty_available"`
	QtyOnHand    Decimal `json:"qty_on_hand"`
	WMSDateTime  Time    `json:"wms_datetime"`
}

// Warehouses maps a warehouse pk (as a string) to its stock; [] decodes as empty.
type Warehouses map[string]WarehouseStock

// UnmarshalJSON accepts an object keyed by warehouse pk, [] or null.
func (w *Warehouses) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" || b[0] == '[' {
		var list []WarehouseStock
		if len(b) > 0 && b[0] == '[' {
			if err := json.Unmarshal(b, &list); err != nil {
				return err
			}
		}
		if len(list) == 0 {
			*w = nil
			return nil
		}
		out := make(Warehouses, len(list))
		for i, s := range list {
			out[fmt.Sprint(i)] = s
		}
		*w = out
		return nil
	}
	var m map[string]WarehouseStock
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*w = m
	return nil
}

// InventoryUpdate is one SKU's stock pushed by UpdateInventory (route assumed, spec §5).
type InventoryUpdate struct {
	SKU          string  `json:"sku"`
	QtyAvailable Decimal `json:"qty_available"`
	QtyOnHand    Decimal `json:"qty_on_hand,omitzero"`
	// Warehouse names the warehouse this quantity is for; empty = the account's only/total stock.
	Warehouse string `json:"warehouse,omitzero"`
}

// BatchResult is the per-record answer of a batch call: which records succeeded and which failed.
type BatchResult struct {
	Success []BatchEntry `json:"success"`
	Failed  []BatchEntry `json:"failed"`
}

// BatchEntry is one record of a BatchResult, keyed by cust_ref (orders) or sku (inventory, products).
type BatchEntry struct {
	CustRef  string `json:"cust_ref,omitzero"`
	CustPONo string `json:"cust_po_no,omitzero"`
	SKU      string `json:"sku,omitzero"`
	// IndexPos is the 0-based position of the record in the request, when CartRover says it.
	IndexPos *int   `json:"index_pos,omitempty"`
	Message  string `json:"message,omitzero"`
}

// Product is a product's detail record (spec §4.5).
type Product struct {
	SKU              string  `json:"sku"`
	Name             string  `json:"name"`
	Description      string  `json:"description"`
	RetailPrice      Decimal `json:"retail_price"`
	WholesalePrice   Decimal `json:"wholesale_price"`
	WeightLbs        Decimal `json:"weight_lbs"`
	WMSProductMainID string  `json:"wms_product_main_id"`
	LastUpdated      Time    `json:"last_updated_datetime"`
	Aliases          Aliases `json:"aliases"`
}

// ProductUpdate is one product's details pushed by UpdateProducts (route assumed, spec §4.5/§5).
// Zero fields are not sent (left unchanged).
type ProductUpdate struct {
	SKU            string  `json:"sku"`
	Name           string  `json:"name,omitzero"`
	Description    string  `json:"description,omitzero"`
	RetailPrice    Decimal `json:"retail_price,omitzero"`
	WholesalePrice Decimal `json:"wholesale_price,omitzero"`
	WeightLbs      Decimal `json:"weight_lbs,omitzero"`
	Aliases        Aliases `json:"aliases,omitempty"`
}

// ShipMethod is one WMS ship method of the catalogue (spec §4.6).
type ShipMethod struct {
	Carrier     string `json:"carrier"`
	Code        string `json:"code"`
	Description string `json:"description"`
}

// OrderSource is one cart (order source) of the merchant; the record shape is assumed (spec §4.6).
type OrderSource struct {
	OrderSource string `json:"order_source"`
	Name        string `json:"name"`
	Type        string `json:"type"`
}

// ListOptions are the optional parameters of ListOrders and AllOrders.
type ListOptions struct {
	// Limit is the page size (1..100; 0 = 100).
	Limit int
	// Page is the 1-based page (0 = 1). AllOrders starts here.
	Page int
	// From and To bound the status-dependent date (spec §4.1); zero = unbounded.
	From, To time.Time
	// OrderSource restricts the list to one cart.
	OrderSource string
	// IncludeFilteredItems, IncludeOrderExtras, IncludeLineExtras and IncludeAliases set the
	// include_* Y/N flags.
	IncludeFilteredItems, IncludeOrderExtras, IncludeLineExtras, IncludeAliases bool
}

// MaxPageSize is the largest page CartRover's order list returns.
const MaxPageSize = 100

// DecodeOrder decodes one order object leniently (numbers or strings, Y/N flags, nulls).
func DecodeOrder(data []byte) (*Order, error) {
	var o Order
	if err := decodeLenient(data, &o); err != nil {
		return nil, fmt.Errorf("cartrover: decode order: %w", err)
	}
	return &o, nil
}
