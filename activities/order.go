package activities

import (
	"strings"

	"github.com/cartrover-cb/ordermanager/cartrover"
)

// OrderAddress is a compact postal address with its contact.
type OrderAddress struct {
	Company   string `json:"company,omitempty"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
	Address1  string `json:"address_1,omitempty"`
	Address2  string `json:"address_2,omitempty"`
	City      string `json:"city,omitempty"`
	State     string `json:"state,omitempty"`
	Zip       string `json:"zip,omitempty"`
	Country   string `json:"country,omitempty"`
	Phone     string `json:"phone,omitempty"`
}

// Name is the person's name, or the company when there is none.
func (a OrderAddress) Name() string {
	if n := strings.TrimSpace(a.FirstName + " " + a.LastName); n != "" {
		return n
	}
	return strings.TrimSpace(a.Company)
}

// OrderItem is one order line; amounts are exact decimal strings as CartRover sent them.
type OrderItem struct {
	SKU         string `json:"sku"`
	Description string `json:"description,omitempty"`
	Quantity    string `json:"qty"`
	// Price is the unit price before tax and discount.
	Price string `json:"price"`
	// Discount is the pre-tax discount per unit.
	Discount string `json:"discount,omitempty"`
}

// Order is the compact CartRover order ImportOrder works on: only what the CB sales order needs,
// never the raw API body (history stays small).
type Order struct {
	CustRef             string       `json:"cust_ref"`
	CustPONo            string       `json:"cust_po_no,omitempty"`
	OrderSource         string       `json:"order_source"`
	OrderDate           string       `json:"order_date,omitempty"`
	ShipCode            string       `json:"ship_code,omitempty"`
	Carrier             string       `json:"carrier,omitempty"`
	ShipCodeDescription string       `json:"ship_code_description,omitempty"`
	Email               string       `json:"email,omitempty"`
	BillTo              OrderAddress `json:"bill_to"`
	ShipTo              OrderAddress `json:"ship_to"`
	Items               []OrderItem  `json:"items"`
	// Freight is shipping_handling; Discount is order_discount (post-tax, positive).
	Freight  string `json:"freight,omitempty"`
	Discount string `json:"discount,omitempty"`
	Total    string `json:"total,omitempty"`
	// Notes is shipping_instructions plus the gift message.
	Notes string `json:"notes,omitempty"`
}

// Label is the human name of the order: "<order_source> #<cust_po_no or cust_ref>".
func (o Order) Label() string {
	ref := o.CustPONo
	if ref == "" {
		ref = o.CustRef
	}
	// Carts such as Shopify send their order number with its own "#" ("#1045").
	return o.OrderSource + " #" + strings.TrimPrefix(ref, "#")
}

// CompactOrder converts a CartRover order into the compact Order.
func CompactOrder(o *cartrover.Order) Order {
	out := Order{
		CustRef:             o.CustRef,
		CustPONo:            o.CustPONo,
		OrderSource:         o.OrderSource,
		ShipCode:            o.ShipCode,
		Carrier:             o.Carrier,
		ShipCodeDescription: o.ShipCodeDescription,
		Email:               strings.TrimSpace(firstNonEmpty(o.CustEmail, o.ShipEmail)),
		BillTo: OrderAddress{
			Company: o.CustCompany, FirstName: o.CustFirstName, LastName: o.CustLastName,
			Address1: o.CustAddress1, Address2: joinNonEmpty(", ", o.CustAddress2, o.CustAddress3),
			City: o.CustCity, State: o.CustState, Zip: o.CustZip, Country: o.CustCountry, Phone: o.CustPhone,
		},
		ShipTo: OrderAddress{
			Company: o.ShipCompany, FirstName: o.ShipFirstName, LastName: o.ShipLastName,
			Address1: o.ShipAddress1, Address2: joinNonEmpty(", ", o.ShipAddress2, o.ShipAddress3),
			City: o.ShipCity, State: o.ShipState, Zip: o.ShipZip, Country: o.ShipCountry, Phone: o.ShipPhone,
		},
		Freight:  decString(o.ShippingHandling),
		Discount: decString(o.OrderDiscount),
		Total:    decString(o.GrandTotal),
		Notes:    joinNonEmpty(" / ", o.ShippingInstructions, giftNote(o.GiftMessage)),
	}
	if !o.OrderDate.IsZero() {
		out.OrderDate = o.OrderDate.Format("2006-01-02")
	}
	if out.BillTo.Address1 == "" && out.BillTo.Name() == "" {
		out.BillTo = out.ShipTo // carts that send no bill-to: bill the recipient
	}
	for _, l := range o.Items {
		if bool(l.FilteredSKU) {
			continue // filtered out by a cart item filter: not for the back-end
		}
		out.Items = append(out.Items, OrderItem{
			SKU: strings.TrimSpace(l.Item), Description: l.Description,
			Quantity: decString(l.Quantity), Price: decString(l.Price), Discount: decString(l.Discount),
		})
	}
	return out
}

func decString(d cartrover.Decimal) string {
	if d.IsZero() {
		return "0"
	}
	return d.Decimal.String()
}

func giftNote(m string) string {
	if strings.TrimSpace(m) == "" {
		return ""
	}
	return "Gift message: " + m
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

func joinNonEmpty(sep string, vs ...string) string {
	var parts []string
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			parts = append(parts, v)
		}
	}
	return strings.Join(parts, sep)
}
