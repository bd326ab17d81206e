package cbsim

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/cartrover-cb/ordermanager/sandbox/catalog"
	"github.com/shopspring/decimal"
)

// Item is an inventory item of the simulated CB.
type Item struct {
	Code, Name, Description string
	UPC, CaseUPC            string // EACH and CASE (12 each) UPCs; CaseUPC may be empty
	Retail, Wholesale       decimal.Decimal
	WeightLbs               decimal.Decimal
	Active                  bool
}

// StockLevel is the stock of one item in one warehouse, in base units.
type StockLevel struct {
	OnHand, Allocated decimal.Decimal
}

// Customer is a simulated CB customer.
type Customer struct {
	Code, Name, Email, Phone            string
	Address, City, State, PostalCode    string
	County, Country                     string
	BusinessType, ClassCode, SourceCode string
	DefaultShipToCode                   string
	PaymentTermGroup, PaymentTermCode   string
	CreditHold                          bool
}

// ShipTo is a simulated ship-to address.
type ShipTo struct {
	Code, CustomerCode, Name         string
	Address, City, State, PostalCode string
	County, Country, Phone, Email    string
	ClassCode                        string
	IsDefault                        bool
}

// SalesOrder is a saved sales order, as tests inspect it.
type SalesOrder struct {
	Code                                    string
	Date                                    time.Time
	BillToCode, BillToName, POCode          string
	SourceCode, WebSiteCode, WarehouseCode  string
	ShippingMethodGroup, ShippingMethodCode string
	PaymentTermGroup, PaymentTermCode       string
	ShipToCode, ShipToName, ShipToAddress   string
	ShipToCity, ShipToState, ShipToPostal   string
	ShipToCounty, ShipToCountry             string
	PublicNotes                             string
	Freight                                 decimal.Decimal
	Status                                  string // Open, Partial, Completed
	Voided                                  bool   `json:",omitempty"`
	// OnHold is set by the (assumed) holdsalesorder call: the warehouse does not ship the order.
	OnHold     bool   `json:",omitempty"`
	HoldReason string `json:",omitempty"`
	Lines      []SalesOrderLine
	Boxes      []Box
}

// SalesOrderLine is one line of a saved sales order; quantities are in the line's UoM.
type SalesOrderLine struct {
	LineNum                                  int
	ItemCode, ItemName, UnitMeasureCode      string
	UnitMeasureQty                           decimal.Decimal
	WarehouseCode                            string
	Ordered, Allocated, BackOrdered, Shipped decimal.Decimal
	Price, DiscountPercent                   decimal.Decimal
}

// Box is one shipped package.
type Box struct {
	TrackingNumber, CarrierCode, CarrierDescription, ServiceCode string
	ShipDate                                                     time.Time
	WeightLbs                                                    decimal.Decimal
	Items                                                        []BoxItem
}

// BoxItem is a quantity of one order line in a box.
type BoxItem struct {
	LineNum                             int
	ItemCode, ItemName, UnitMeasureCode string
	Quantity                            decimal.Decimal
}

type classTemplate struct {
	BusinessType, ClassCode, Description, Country string
	ShipTo, IsDefault                             bool
}

// state is everything the simulator persists.
type state struct {
	Items      map[string]*Item                  // by code
	Stock      map[string]map[string]*StockLevel // item → warehouse
	Customers  map[string]*Customer
	ShipTos    map[string]*ShipTo
	Orders     map[string]*SalesOrder
	Counters   map[string]int
	Warehouses []string
	Templates  []classTemplate

	sorted []*Item // cache of Items in code order; nil after a change
}

// countries are the CB country names the simulator knows (assumption: CB's seeded names).
var countries = []string{
	"United States of America", "Canada", "Mexico", "United Kingdom", "Ireland", "France", "Germany",
	"Spain", "Italy", "Netherlands", "Belgium", "Austria", "Switzerland", "Denmark", "Sweden", "Norway",
	"Finland", "Poland", "Portugal", "Australia", "New Zealand", "Japan", "China", "India", "Brazil",
	"Singapore", "Hong Kong", "South Africa", "Israel", "Puerto Rico",
}

type payTerm struct{ Group, Code, Description string }

var paymentTerms = []payTerm{
	{"DEFAULT", "Credit Card", "Paid by credit card"},
	{"DEFAULT", "Net 30", "Net 30 days"},
	{"DEFAULT", "Prepaid", "Prepaid"},
}

var sources = [][2]string{{"CartRover", "CartRover (Extensiv Integration Manager)"}, {"Web", "Web store"}, {"Phone", "Phone order"}}

var webSites = [][3]string{{"WEB-000001", "Sandbox web store", "https://shop.example.com"}}

func newState(seedCustomers, seedItems bool) *state {
	st := &state{
		Items: map[string]*Item{}, Stock: map[string]map[string]*StockLevel{}, Customers: map[string]*Customer{},
		ShipTos: map[string]*ShipTo{}, Orders: map[string]*SalesOrder{}, Counters: map[string]int{},
		Warehouses: append([]string(nil), catalog.Warehouses...),
	}
	for n, it := range catalog.Items {
		if !seedItems {
			break
		}
		st.Items[it.Code] = &Item{Code: it.Code, Name: it.SKU, Description: it.Description, UPC: it.UPC, CaseUPC: it.CaseUPC,
			Retail: decimal.RequireFromString(it.Retail), Wholesale: decimal.RequireFromString(it.Wholesale),
			WeightLbs: decimal.RequireFromString(it.WeightLbs), Active: it.Active}
		main, west := int64(100+(n%7)*10), int64(25)
		if !it.Active {
			main, west = 0, 0
		} else if n%10 == 9 {
			main = 3
		}
		st.setStock(it.Code, "MAIN", decimal.NewFromInt(main))
		st.setStock(it.Code, "WEST", decimal.NewFromInt(west))
	}
	for i, c := range countries {
		rc, wc := "CCLS-000001", "CCLS-000002"
		rs, ws := "SHPCLS-000001", "SHPCLS-000002"
		if i > 0 {
			rc, wc, rs, ws = "CCLS-000003", "CCLS-000004", "SHPCLS-000003", "SHPCLS-000004"
		}
		st.Templates = append(st.Templates,
			classTemplate{"Retail", rc, "Default Consumer Customer Class Template", c, false, true},
			classTemplate{"Wholesale", wc, "Default Business Customer Class Template", c, false, false},
			classTemplate{"Retail", rs, "Default Consumer Ship To Class Template", c, true, true},
			classTemplate{"Wholesale", ws, "Default Business Ship To Class Template", c, true, false})
	}
	if seedCustomers {
		for _, c := range []Customer{
			{Name: "Web Shopper", Email: "shopper@example.com", Phone: "555-0100", Address: "1 Main St", City: "Springfield", State: "IL", PostalCode: "62701", Country: countries[0], BusinessType: "Retail", ClassCode: "CCLS-000001"},
			{Name: "Acme Retail Partners", Email: "buyer@acme.example", Phone: "555-0101", Address: "200 Market St", City: "Portland", State: "OR", PostalCode: "97201", Country: countries[0], BusinessType: "Wholesale", ClassCode: "CCLS-000002"},
			{Name: "Credit Hold Co", Email: "holdco@example.com", Phone: "555-0102", Address: "9 Late Ln", City: "Austin", State: "TX", PostalCode: "73301", Country: countries[0], BusinessType: "Retail", ClassCode: "CCLS-000001", CreditHold: true},
		} {
			c := c
			st.addCustomer(&c, "SHPCLS-000001")
		}
	}
	return st
}

func (st *state) next(prefix string) string {
	st.Counters[prefix]++
	return fmt.Sprintf("%s-%06d", prefix, st.Counters[prefix])
}

func (st *state) setStock(item, wh string, onHand decimal.Decimal) {
	m := st.Stock[item]
	if m == nil {
		m = map[string]*StockLevel{}
		st.Stock[item] = m
	}
	l := m[wh]
	if l == nil {
		l = &StockLevel{}
		m[wh] = l
	}
	l.OnHand = onHand
}

func (st *state) level(item, wh string) *StockLevel {
	m := st.Stock[item]
	if m == nil {
		m = map[string]*StockLevel{}
		st.Stock[item] = m
	}
	l := m[wh]
	if l == nil {
		l = &StockLevel{}
		m[wh] = l
	}
	return l
}

func (l *StockLevel) free() decimal.Decimal {
	f := l.OnHand.Sub(l.Allocated)
	if f.IsNegative() {
		return decimal.Zero
	}
	return f
}

func (st *state) addCustomer(c *Customer, shipToClass string) {
	c.Code = st.next("CUST")
	if c.PaymentTermCode == "" {
		c.PaymentTermGroup, c.PaymentTermCode = "DEFAULT", "Credit Card"
	}
	if c.SourceCode == "" {
		c.SourceCode = "Web"
	}
	st.Customers[c.Code] = c
	s := &ShipTo{Code: st.next("SHIP"), CustomerCode: c.Code, Name: c.Name, Address: c.Address, City: c.City, State: c.State,
		PostalCode: c.PostalCode, County: c.County, Country: c.Country, Phone: c.Phone, Email: c.Email, ClassCode: shipToClass, IsDefault: true}
	st.ShipTos[s.Code] = s
	c.DefaultShipToCode = s.Code
}

func (st *state) sortedItems() []*Item {
	if st.sorted != nil && len(st.sorted) == len(st.Items) {
		return st.sorted
	}
	out := make([]*Item, 0, len(st.Items))
	for _, it := range st.Items {
		out = append(out, it)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	st.sorted = out
	return out
}

func (st *state) itemByUPC(upc string) (*Item, string) {
	for _, it := range st.sortedItems() {
		switch {
		case it.UPC == upc || strings.EqualFold(it.Code, upc):
			return it, "EACH"
		case it.CaseUPC != "" && it.CaseUPC == upc:
			return it, "CASE"
		}
	}
	return nil, ""
}

func shipMethod(group, code string) (catalog.ShipMethod, bool) {
	for _, m := range catalog.ShipMethods {
		if strings.EqualFold(m.Group, group) && strings.EqualFold(m.Code, code) {
			return m, true
		}
	}
	return catalog.ShipMethod{}, false
}

func knownCountry(c string) bool {
	for _, n := range countries {
		if strings.EqualFold(n, c) {
			return true
		}
	}
	return false
}
