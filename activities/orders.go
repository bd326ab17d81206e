package activities

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/shopspring/decimal"

	"github.com/cartrover-cb/ordermanager/cartrover"
	cb "github.com/cartrover-cb/ordermanager/connectedbusiness"
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

// ListOrdersInput asks for one page of CartRover orders in a status.
type ListOrdersInput struct {
	Status string `json:"status"`
	Page   int    `json:"page"`
	Limit  int    `json:"limit"`
}

// OrderPage is one page of compact orders. Full is true when the page held Limit orders (there
// may be more).
type OrderPage struct {
	Orders []Order `json:"orders"`
	Full   bool    `json:"full,omitempty"`
	// Missing lists cust_refs GetOrders could not find.
	Missing []string `json:"missing,omitempty"`
}

// ListOrders reads one page of CartRover orders (one CartRover call).
func (a *Activities) ListOrders(ctx context.Context, in ListOrdersInput) (OrderPage, error) {
	limit := in.Limit
	if limit <= 0 || limit > cartrover.MaxPageSize {
		limit = cartrover.MaxPageSize
	}
	orders, err := a.CartRover.ListOrders(ctx, cartrover.Status(in.Status), cartrover.ListOptions{Limit: limit, Page: in.Page})
	if err != nil {
		return OrderPage{}, classify(err, fmt.Sprintf("list %s orders page %d", in.Status, in.Page), ErrTypeCartRoverRejected)
	}
	page := OrderPage{Full: len(orders) >= limit}
	for i := range orders {
		page.Orders = append(page.Orders, CompactOrder(&orders[i]))
	}
	return page, nil
}

// GetOrdersInput names CartRover orders to fetch one by one.
type GetOrdersInput struct {
	CustRefs []string `json:"cust_refs"`
}

// GetOrders reads the named CartRover orders (one CartRover call each; reads only). Unknown
// cust_refs are reported in Missing rather than failing the others. Progress is kept in heartbeat
// details, so a retry resumes after the orders already read.
func (a *Activities) GetOrders(ctx context.Context, in GetOrdersInput) (OrderPage, error) {
	var p struct {
		Page OrderPage `json:"page"`
		Done int       `json:"done"`
	}
	if activity.HasHeartbeatDetails(ctx) {
		_ = activity.GetHeartbeatDetails(ctx, &p)
	}
	for ; p.Done < len(in.CustRefs); p.Done++ {
		ref := in.CustRefs[p.Done]
		o, err := a.CartRover.GetOrder(ctx, ref)
		switch {
		case cartrover.IsNotFound(err):
			p.Page.Missing = append(p.Page.Missing, ref)
		case err != nil:
			activity.RecordHeartbeat(ctx, p)
			return OrderPage{}, classify(err, "cust_ref "+ref, ErrTypeCartRoverRejected)
		default:
			p.Page.Orders = append(p.Page.Orders, CompactOrder(o))
		}
		activity.RecordHeartbeat(ctx, p)
	}
	return p.Page, nil
}

// MarkAtWMS acknowledges an order in CartRover (status at_wms): only after CB holds the order.
func (a *Activities) MarkAtWMS(ctx context.Context, custRef string) error {
	return classify(a.CartRover.MarkAtWMS(ctx, custRef), "mark cust_ref "+custRef+" at_wms", ErrTypeCartRoverRejected)
}

// FlagOrderInput puts a held order on error in CartRover with the reason.
type FlagOrderInput struct {
	CustRef string `json:"cust_ref"`
	Message string `json:"message"`
}

// FlagOrder puts a held order on error in CartRover with the reason a person must fix.
func (a *Activities) FlagOrder(ctx context.Context, in FlagOrderInput) error {
	return classify(a.CartRover.SetError(ctx, in.CustRef, in.Message), "flag cust_ref "+in.CustRef, ErrTypeCartRoverRejected)
}

// CatalogInput asks for the CB facts a page of orders needs that the run has not cached yet.
type CatalogInput struct {
	// ItemNames are CB ItemNames to look up.
	ItemNames []string `json:"item_names,omitempty"`
	// ReferenceLists asks for the shipping methods and payment terms (once per run).
	ReferenceLists bool `json:"reference_lists,omitempty"`
	// Templates asks for the default class templates of these business type + country pairs.
	Templates []TemplateChoice `json:"templates,omitempty"`
}

// CatalogItem is the part of a CB item a sales order line needs.
type CatalogItem struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	UoM      string `json:"uom,omitempty"`
	ItemType string `json:"type,omitempty"`
	Status   string `json:"status,omitempty"`
}

// TemplateChoice is the CB class templates for one business type and country ("" = CB's default).
type TemplateChoice struct {
	BusinessType string `json:"business_type"`
	Country      string `json:"country"`
	Customer     string `json:"customer,omitempty"`
	ShipTo       string `json:"ship_to,omitempty"`
}

// Catalog is the answer of LoadCatalog: found items (unknown names are absent), the reference
// lists when asked for, and the template choices.
type Catalog struct {
	Items            []CatalogItem       `json:"items,omitempty"`
	ShippingMethods  []ShippingMethodRef `json:"shipping_methods,omitempty"`
	PaymentTerms     []PaymentTermRef    `json:"payment_terms,omitempty"`
	Templates        []TemplateChoice    `json:"templates,omitempty"`
	ReferenceListsOK bool                `json:"reference_lists_ok,omitempty"`
}

// ShippingMethodRef is a CB shipping method group + code.
type ShippingMethodRef struct {
	Group string `json:"group"`
	Code  string `json:"code"`
}

// PaymentTermRef is a CB payment term group + code.
type PaymentTermRef struct {
	Group string `json:"group"`
	Code  string `json:"code"`
}

// catalogProgress is LoadCatalog's heartbeat: what earlier attempts already read, so a retry after
// a transient fault resumes instead of starting over (a page can need dozens of CB reads).
type catalogProgress struct {
	Catalog    Catalog `json:"catalog"`
	ItemsDone  int     `json:"items_done"`
	ListsDone  bool    `json:"lists_done,omitempty"`
	TemplsDone int     `json:"templates_done,omitempty"`
}

// LoadCatalog reads, in one activity per page of orders, the CB facts the page's orders need:
// items by name, and on the first page the shipping methods, payment terms and class templates.
// The workflow caches the answers for the whole run, so no order looks them up again. Progress is
// kept in heartbeat details: a retry resumes where the failed attempt stopped.
func (a *Activities) LoadCatalog(ctx context.Context, in CatalogInput) (Catalog, error) {
	var p catalogProgress
	if activity.HasHeartbeatDetails(ctx) {
		if err := activity.GetHeartbeatDetails(ctx, &p); err != nil {
			p = catalogProgress{}
		}
	}
	beat := func() { activity.RecordHeartbeat(ctx, p) }
	names := append([]string(nil), in.ItemNames...)
	sort.Strings(names)
	for ; p.ItemsDone < len(names); p.ItemsDone++ {
		name := names[p.ItemsDone]
		it, err := memoGet(&a.memo, "item:"+name, func() (*cb.Item, error) {
			return readWithRetry(ctx, func() (*cb.Item, error) { return a.CB.ItemByName(ctx, name) })
		})
		if err != nil {
			beat()
			return Catalog{}, classify(err, "CB item "+name, ErrTypeCBRejectedOrder)
		}
		if it != nil {
			p.Catalog.Items = append(p.Catalog.Items, CatalogItem{Code: it.Code, Name: it.Name, UoM: it.UnitMeasureCode, ItemType: it.ItemType, Status: it.Status})
		}
		beat()
	}
	if in.ReferenceLists && !p.ListsDone {
		methods, err := memoGet(&a.memo, "methods", func() ([]cb.ShippingMethod, error) {
			return readWithRetry(ctx, func() ([]cb.ShippingMethod, error) { return a.CB.ShippingMethods(ctx) })
		})
		if err != nil {
			return Catalog{}, classify(err, "CB shipping methods", ErrTypeCBRejectedOrder)
		}
		terms, err := memoGet(&a.memo, "terms", func() ([]cb.PaymentTerm, error) {
			return readWithRetry(ctx, func() ([]cb.PaymentTerm, error) { return a.CB.PaymentTerms(ctx) })
		})
		if err != nil {
			return Catalog{}, classify(err, "CB payment terms", ErrTypeCBRejectedOrder)
		}
		for _, m := range methods {
			p.Catalog.ShippingMethods = append(p.Catalog.ShippingMethods, ShippingMethodRef{Group: m.Group, Code: m.Code})
		}
		for _, t := range terms {
			p.Catalog.PaymentTerms = append(p.Catalog.PaymentTerms, PaymentTermRef{Group: t.Group, Code: t.Code})
		}
		p.Catalog.ReferenceListsOK, p.ListsDone = true, true
		beat()
	}
	for ; p.TemplsDone < len(in.Templates); p.TemplsDone++ {
		tc := in.Templates[p.TemplsDone]
		bt := cb.BusinessType(tc.BusinessType)
		cust, err := memoGet(&a.memo, "ctpl:"+tc.BusinessType+"|"+tc.Country, func() ([]cb.ClassTemplate, error) {
			return readWithRetry(ctx, func() ([]cb.ClassTemplate, error) { return a.CB.CustomerClassTemplates(ctx, bt, tc.Country) })
		})
		if err != nil && !cb.IsKind(err, cb.KindInvalidCountry) {
			return Catalog{}, classify(err, "CB customer class templates for "+tc.Country, ErrTypeCBRejectedOrder)
		}
		ship, err := memoGet(&a.memo, "stpl:"+tc.BusinessType+"|"+tc.Country, func() ([]cb.ClassTemplate, error) {
			return readWithRetry(ctx, func() ([]cb.ClassTemplate, error) { return a.CB.ShipToClassTemplates(ctx, bt, tc.Country) })
		})
		if err != nil && !cb.IsKind(err, cb.KindInvalidCountry) {
			return Catalog{}, classify(err, "CB ship-to class templates for "+tc.Country, ErrTypeCBRejectedOrder)
		}
		tc.Customer = pickTemplate(cust, bt)
		tc.ShipTo = pickTemplate(ship, bt)
		p.Catalog.Templates = append(p.Catalog.Templates, tc)
		beat()
	}
	return p.Catalog, nil
}

// readWithRetry repeats one idempotent CB read up to twice, shortly, on a transient fault. A page's
// catalogue is dozens of reads: retrying the whole activity for each fault would crawl under a
// flaky CB (the heartbeat keeps what was read across activity retries as well).
func readWithRetry[T any](ctx context.Context, read func() (T, error)) (T, error) {
	var v T
	var err error
	for i := 1; ; i++ {
		v, err = read()
		if err == nil || i == 3 || !cb.IsRetryable(err) {
			return v, err
		}
		select {
		case <-ctx.Done():
			return v, err
		case <-time.After(time.Duration(i) * 100 * time.Millisecond):
		}
	}
}

// pickTemplate chooses the default template of a business type: the one marked default, else the
// first of that business type, else "" (CB then applies its own default).
func pickTemplate(ts []cb.ClassTemplate, bt cb.BusinessType) string {
	first := ""
	for _, t := range ts {
		if t.BusinessType != "" && t.BusinessType != bt {
			continue
		}
		if t.IsDefault {
			return t.ClassCode
		}
		if first == "" {
			first = t.ClassCode
		}
	}
	return first
}

// EnsureCustomerInput is what finding or creating the order's customer needs.
type EnsureCustomerInput struct {
	CustRef string `json:"cust_ref"`
	// Email is the match key when Match is email; empty falls back to the order source's customer.
	Email        string       `json:"email,omitempty"`
	Match        string       `json:"match"`
	OrderSource  string       `json:"order_source"`
	BusinessType string       `json:"business_type"`
	ClassCode    string       `json:"class_code,omitempty"`
	ShipToClass  string       `json:"ship_to_class,omitempty"`
	PaymentTerm  string       `json:"payment_term,omitempty"`
	BillTo       OrderAddress `json:"bill_to"`
	ShipTo       OrderAddress `json:"ship_to"`
	// FindOnly looks the customer up without creating it: CustomerCode is empty when there is none.
	FindOnly bool `json:"find_only,omitempty"`
}

// CustomerResult is the CB customer and ship-to an order uses.
type CustomerResult struct {
	CustomerCode string `json:"customer_code"`
	Created      bool   `json:"created,omitempty"`
	// ShipToCode is the matching ship-to; empty when one must be created (CreateShipTo).
	ShipToCode string `json:"ship_to_code,omitempty"`
	ShipToName string `json:"ship_to_name,omitempty"`
	CreditHold bool   `json:"credit_hold,omitempty"`
}

// sharedEmail is the e-mail address of the one shared customer of an order source
// (customers.match: order_source, or an order without e-mail). The .invalid domain never delivers.
func sharedEmail(orderSource string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(orderSource) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '-' || r == '_' || r == '.' {
			b.WriteRune(r)
		}
	}
	return b.String() + "@cartrover.invalid"
}

// CustomerKey is the key of the CB customer an order belongs to: the lower-case e-mail, or the
// order source's shared customer's (customers.match: order_source, or an order without e-mail).
// Orders with one key share one customer.
func CustomerKey(in EnsureCustomerInput) string {
	email := strings.TrimSpace(in.Email)
	if in.Match == "order_source" || email == "" {
		email = sharedEmail(in.OrderSource)
	}
	return strings.ToLower(email)
}

// EnsureCustomer finds the order's CB customer (by e-mail, or the order source's shared customer)
// and a ship-to with the order's address, creating the customer when there is none (its default
// ship-to then carries the order's address). It writes at most once (CreateCustomer); a retry finds
// what an earlier attempt created. When the customer exists but no ship-to matches, ShipToCode is
// empty and the workflow calls CreateShipTo.
func (a *Activities) EnsureCustomer(ctx context.Context, in EnsureCustomerInput) (CustomerResult, error) {
	record := "cust_ref " + in.CustRef
	email := strings.TrimSpace(in.Email)
	shared := in.Match == "order_source" || email == ""
	if shared {
		email = sharedEmail(in.OrderSource)
	}
	c, err := a.CB.FindCustomerByEmail(ctx, email)
	if err != nil {
		return CustomerResult{}, classify(err, record+": find CB customer", ErrTypeCBRejectedOrder)
	}
	if c == nil && in.FindOnly {
		return CustomerResult{}, nil
	}
	if c == nil {
		nc := cb.NewCustomer{
			BusinessType:    cb.BusinessType(in.BusinessType),
			ClassCode:       in.ClassCode,
			ShipToClassCode: in.ShipToClass,
			Email:           email,
			PaymentTermCode: in.PaymentTerm,
		}
		addr := in.ShipTo
		if shared {
			nc.Name = in.OrderSource + " customers"
		} else {
			nc.Name = in.BillTo.Name()
			nc.Phone = in.BillTo.Phone
			addr = in.BillTo
		}
		nc.Address = cbAddress(addr)
		if nc.Name == "" {
			nc.Name = in.ShipTo.Name()
		}
		c, err = a.CB.CreateCustomer(ctx, nc)
		if err != nil {
			return CustomerResult{}, classify(err, record+": create CB customer", ErrTypeCBRejectedOrder)
		}
		res := CustomerResult{CustomerCode: c.Code, Created: true, CreditHold: c.IsCreditHold}
		if !sameAddress(nc.Address, cbAddress(in.ShipTo)) {
			return res, nil // the default ship-to has another address: the workflow creates one
		}
		res.ShipToCode, res.ShipToName = c.DefaultShipToCode, in.ShipTo.Name()
		if res.ShipToCode == "" {
			// CB did not say which ship-to it created with the customer: find it rather than
			// create a second one with the same address.
			if res.ShipToCode, err = a.findShipTo(ctx, c.Code, in.ShipTo); err != nil {
				return CustomerResult{}, classify(err, record+": list ship-tos of "+c.Code, ErrTypeCBRejectedOrder)
			}
		}
		return res, nil
	}
	res := CustomerResult{CustomerCode: c.Code, CreditHold: c.IsCreditHold}
	if !shared && c.DefaultShipToCode != "" && sameAddress(c.Address, cbAddress(in.ShipTo)) {
		// The default ship-to was created from the customer's address: no lookup needed.
		res.ShipToCode, res.ShipToName = c.DefaultShipToCode, in.ShipTo.Name()
		return res, nil
	}
	code, err := a.findShipTo(ctx, c.Code, in.ShipTo)
	if err != nil {
		return CustomerResult{}, classify(err, record+": list ship-tos of "+c.Code, ErrTypeCBRejectedOrder)
	}
	res.ShipToCode, res.ShipToName = code, in.ShipTo.Name()
	return res, nil
}

func (a *Activities) findShipTo(ctx context.Context, customerCode string, addr OrderAddress) (string, error) {
	tos, err := a.CB.FindShipTos(ctx, customerCode)
	if err != nil {
		return "", err
	}
	want := cbAddress(addr)
	for _, s := range tos {
		if sameAddress(s.Address, want) && (alnum(s.Name) == "" || alnum(s.Name) == alnum(addr.Name())) {
			return s.Code, nil
		}
	}
	return "", nil
}

// ShipToInput creates a ship-to with the order's address for a customer.
type ShipToInput struct {
	CustRef      string       `json:"cust_ref"`
	CustomerCode string       `json:"customer_code"`
	ClassCode    string       `json:"class_code,omitempty"`
	Email        string       `json:"email,omitempty"`
	ShipTo       OrderAddress `json:"ship_to"`
}

// CreateShipTo creates the order's ship-to for a customer (one write). A retry first looks for the
// ship-to an earlier attempt may have saved.
func (a *Activities) CreateShipTo(ctx context.Context, in ShipToInput) (string, error) {
	record := "cust_ref " + in.CustRef
	if activity.GetInfo(ctx).Attempt > 1 {
		code, err := a.findShipTo(ctx, in.CustomerCode, in.ShipTo)
		if err != nil {
			return "", classify(err, record+": list ship-tos of "+in.CustomerCode, ErrTypeCBRejectedOrder)
		}
		if code != "" {
			return code, nil
		}
	}
	s, err := a.CB.CreateShipTo(ctx, cb.NewShipTo{
		CustomerCode: in.CustomerCode, Name: in.ShipTo.Name(), Address: cbAddress(in.ShipTo),
		Phone: in.ShipTo.Phone, Email: in.Email, ClassCode: in.ClassCode,
	})
	if err != nil {
		return "", classify(err, record+": create ship-to for "+in.CustomerCode, ErrTypeCBRejectedOrder)
	}
	return s.Code, nil
}

// cbAddress converts an order address to CB's. CB's State column holds 5 characters: a longer
// region name (outside the US and Canada, e.g. "Greater London") goes to County instead.
func cbAddress(a OrderAddress) cb.Address {
	out := cb.Address{
		Address:    joinNonEmpty("\n", a.Address1, a.Address2),
		City:       strings.TrimSpace(a.City),
		State:      strings.TrimSpace(a.State),
		PostalCode: strings.TrimSpace(a.Zip),
		Country:    cb.CountryCode(a.Country),
	}
	if len(out.State) > 5 {
		out.County, out.State = out.State, ""
	}
	return out
}

// sameAddress compares the street, city and postal code of two addresses on their letters and
// digits only (case, blanks, punctuation and line joins differ between what we send and what CB
// stores), with a ZIP+4 equal to its ZIP.
func sameAddress(x, y cb.Address) bool {
	zip := func(s string) string {
		s = strings.TrimSpace(s)
		if len(s) == 10 && s[5] == '-' {
			s = s[:5]
		}
		return alnum(s)
	}
	return alnum(x.Address) == alnum(y.Address) && alnum(x.City) == alnum(y.City) && zip(x.PostalCode) == zip(y.PostalCode)
}

func alnum(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

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
