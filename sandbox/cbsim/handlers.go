package cbsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cartrover-cb/ordermanager/sandbox/catalog"
	"github.com/shopspring/decimal"
)

type route struct {
	verb    string
	mutates bool
	h       func(*Server, *request) any
}

// routes is the webservice route table: "service/method" in lower case → verb and handler.
var routes map[string]route

func init() {
	put := func(h func(*Server, *request) any) route { return route{verb: http.MethodPut, h: h} }
	save := func(h func(*Server, *request) any) route { return route{verb: http.MethodPut, mutates: true, h: h} }
	get := func(h func(*Server, *request) any) route { return route{verb: http.MethodGet, h: h} }
	routes = map[string]route{
		"system/signin":                   put((*Server).signIn),
		"system/signout":                  put((*Server).signOut),
		"system/forcesignout":             put((*Server).signOut),
		"system/loadsystemshippingmethod": put((*Server).shippingMethods),
		"system/loadsystempaymentterm":    put((*Server).paymentTerms),
		"system/loadsystemsource":         put((*Server).sources),
		"system/ecommercesitelookup":      put((*Server).webSites),

		"transactions/createsalesorder":                          save((*Server).createSalesOrder),
		"transactions/orderlookup":                               put((*Server).orderLookup),
		"transactions/loadorder":                                 put((*Server).loadOrder),
		"transactions/loadpackitems":                             put((*Server).loadPackItems),
		"transactions/getshipmentlabelfilenamebytransactioncode": put((*Server).shipmentLabels),
		"transactions/shipmentlookup":                            put((*Server).shipmentLookup),
		// Assumed: CB's spec documents no call that writes IsOnHold (see connectedbusiness.HoldSalesOrder).
		"transactions/holdsalesorder": save((*Server).holdSalesOrder),

		"contacts/customerlookup":                    put((*Server).customerLookup),
		"contacts/loadcustomerbycode":                get((*Server).loadCustomerByCode),
		"contacts/createcustomer":                    save((*Server).createCustomer),
		"contacts/getcustomerclasstemplatebycountry": put(func(s *Server, q *request) any { return s.classTemplates(q, false) }),
		"contacts/getshiptoclasstemplatebycountry":   put(func(s *Server, q *request) any { return s.classTemplates(q, true) }),
		"contacts/shiptolookup":                      put((*Server).shipToLookup),
		"contacts/createshipto":                      save((*Server).createShipTo),
		"contacts/countrycodelookup":                 put((*Server).countryLookup),
		"contacts/carrierlookup":                     put((*Server).carrierLookup),
		"contacts/servicetypelookup":                 put((*Server).serviceTypeLookup),

		"products/itemlookup":             put((*Server).itemLookup),
		"products/getitemdetails":         put((*Server).itemDetails),
		"products/loaditembyupc":          get((*Server).itemByUPC),
		"products/locationstocklookup":    put((*Server).locationStock),
		"products/loadgrouplocationstock": put((*Server).groupStock),
		"products/getlocationlookup":      put((*Server).warehouses),
	}
}

// ok builds a success answer: ErrorMessage null plus kv pairs.
func ok(kv ...any) map[string]any {
	m := map[string]any{"ErrorMessage": nil}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

// fail builds a business error answer (HTTP 200 with ErrorMessage).
func fail(format string, a ...any) map[string]any {
	return map[string]any{"ErrorMessage": fmt.Sprintf(format, a...)}
}

// list returns nil (JSON null) for an empty list, as CB does.
func list[T any](xs []T) any {
	if len(xs) == 0 {
		return nil
	}
	return xs
}

// dateJSON renders /Date(ms)/.
func dateJSON(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return "/Date(" + strconv.FormatInt(t.UnixMilli(), 10) + ")/"
}

// n renders a decimal as a bare JSON number.
func n(d decimal.Decimal) json.Number { return json.Number(d.String()) }

// num reads a JSON number or numeric string.
type num struct{ decimal.Decimal }

func (x *num) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "null" || s == "" {
		x.Decimal = decimal.Zero
		return nil
	}
	d, err := decimal.NewFromString(s)
	x.Decimal = d
	return err
}

type stringValue struct{ StringValue, Criteria, CriteriaString string }

func (s *Server) signIn(q *request) any {
	if s.signed[q.user] {
		return map[string]any{"ErrorMessage": "User " + q.user + " is already signed in.",
			"Message": "User " + q.user + " is signed in to other location(s).", "IsPromptForceSignOut": true}
	}
	s.signed[q.user] = true
	return ok("UserCode", q.user, "RoleCode", "ADMIN", "AppVersion", "24.0.8924.1", "PatchVersion", "1",
		"ProductEdition", "Connected Business", "IsPromptForceSignOut", false, "Message", nil)
}

func (s *Server) signOut(q *request) any {
	delete(s.signed, q.user)
	return ok()
}

func (s *Server) shippingMethods(q *request) any {
	var rows []map[string]any
	for _, m := range catalog.ShipMethods {
		rows = append(rows, map[string]any{"ShippingMethodCode": m.Code, "ShippingMethodDescription": m.Description, "ShippingMethodGroup": m.Group, "ErrorMessage": nil})
	}
	return ok("SystemShippingMethods", list(capRows(rows, q.rowCap())))
}

func (s *Server) paymentTerms(q *request) any {
	var rows []map[string]any
	for _, t := range paymentTerms {
		rows = append(rows, map[string]any{"PaymentTermCode": t.Code, "PaymentTermDescription": t.Description, "PaymentTermGroup": t.Group})
	}
	return ok("SystemPaymentTerms", list(capRows(rows, q.rowCap())))
}

func (s *Server) sources(q *request) any {
	var rows []map[string]any
	for _, x := range sources {
		rows = append(rows, map[string]any{"SourceCode": x[0], "SourceDescription": x[1]})
	}
	return ok("SystemSources", list(capRows(rows, q.rowCap())))
}

func (s *Server) webSites(q *request) any {
	var rows []map[string]any
	for _, x := range webSites {
		rows = append(rows, map[string]any{"WebSiteCode": x[0], "WebSiteDescription": x[1], "WebSiteURL": x[2], "WebServiceURL": nil, "ErrorMessage": nil})
	}
	return ok("EcommerceSites", list(capRows(rows, q.rowCap())))
}

func capRows[T any](xs []T, n int) []T {
	if len(xs) > n {
		return xs[:n]
	}
	return xs
}

// Column lengths CB enforces (docs/specs/connected-business.md §3).
var maxLen = map[string]int{
	"POCode": 30, "SourceCode": 30, "WebSiteCode": 30, "WarehouseCode": 30, "ShippingMethodCode": 30,
	"ShippingMethodGroup": 100, "PaymentTermCode": 30, "ShipToCode": 30, "ShipToName": 100, "ShipToAddress": 200,
	"ShipToCity": 50, "ShipToState": 5, "ShipToPostalCode": 30, "ShipToCounty": 25, "ShipToCountry": 50,
	"ShipToPhone": 50, "PublicNotes": 1000, "CustomerName": 100, "Email": 50, "Telephone": 50, "Address": 200,
	"City": 50, "State": 5, "PostalCode": 30, "County": 25, "Country": 50,
}

func tooLong(fields map[string]string) string {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if l, ok := maxLen[k]; ok && len([]rune(fields[k])) > l {
			return fmt.Sprintf("String or binary data would be truncated: %s exceeds the maximum length of %d (%d given).", k, l, len([]rune(fields[k])))
		}
	}
	return ""
}

var emailRE = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

type soHeader struct {
	BillToCode, POCode, SourceCode, WebSiteCode, WarehouseCode     string
	ShippingMethodGroup, ShippingMethodCode                        string
	PaymentTermGroup, PaymentTermCode                              string
	ShipToCode, ShipToName, ShipToAddress, ShipToCity, ShipToState string
	ShipToPostalCode, ShipToCounty, ShipToCountry, ShipToPhone     string
	PublicNotes, ShippingDate                                      string
	FreightRate                                                    num
}

type soLine struct {
	ItemCode, ItemName, UnitMeasureCode, WarehouseCode string
	QuantityOrdered, SalesPriceRate, Discount          num
	UnitMeasureQty                                     num
}

func (s *Server) createSalesOrder(q *request) any {
	var body struct {
		SalesOrders       []soHeader
		SalesOrderDetails []soLine
	}
	if !q.decode(&body) || len(body.SalesOrders) != 1 {
		return fail("The sales order could not be read: exactly one SalesOrders header is required.")
	}
	h := body.SalesOrders[0]
	c := s.st.Customers[h.BillToCode]
	if c == nil {
		return fail("Customer %s does not exist.", h.BillToCode)
	}
	if c.CreditHold {
		return fail("This customer is over the credit limit. Customer %s is on credit hold.", c.Code)
	}
	if msg := tooLong(map[string]string{"POCode": h.POCode, "SourceCode": h.SourceCode, "WebSiteCode": h.WebSiteCode,
		"ShipToName": h.ShipToName, "ShipToAddress": h.ShipToAddress, "ShipToCity": h.ShipToCity, "ShipToState": h.ShipToState,
		"ShipToPostalCode": h.ShipToPostalCode, "ShipToCounty": h.ShipToCounty, "ShipToCountry": h.ShipToCountry,
		"ShipToPhone": h.ShipToPhone, "PublicNotes": h.PublicNotes}); msg != "" {
		return fail("%s", msg)
	}
	if _, found := shipMethod(h.ShippingMethodGroup, h.ShippingMethodCode); !found {
		return fail("Invalid shipping method: '%s' is not a shipping method of shipping method group '%s'.", h.ShippingMethodCode, h.ShippingMethodGroup)
	}
	if h.SourceCode != "" && !hasSource(h.SourceCode) {
		return fail("Source code '%s' does not exist.", h.SourceCode)
	}
	if h.WebSiteCode != "" && !strings.EqualFold(h.WebSiteCode, webSites[0][0]) {
		return fail("Web site '%s' does not exist.", h.WebSiteCode)
	}
	if h.WarehouseCode == "" {
		h.WarehouseCode = "MAIN"
	}
	if !s.hasWarehouse(h.WarehouseCode) {
		return fail("Warehouse '%s' does not exist.", h.WarehouseCode)
	}
	if h.PaymentTermCode != "" && !hasTerm(h.PaymentTermGroup, h.PaymentTermCode) {
		return fail("Invalid payment term: '%s' is not a payment term of group '%s'.", h.PaymentTermCode, h.PaymentTermGroup)
	}
	if h.ShipToCountry != "" && !knownCountry(h.ShipToCountry) {
		return fail("Invalid country '%s'.", h.ShipToCountry)
	}
	if h.ShipToCode != "" {
		if st := s.st.ShipTos[h.ShipToCode]; st == nil || st.CustomerCode != c.Code {
			return fail("Ship to %s does not exist for customer %s.", h.ShipToCode, c.Code)
		}
	}
	if len(body.SalesOrderDetails) == 0 {
		return fail("The sales order has no lines.")
	}
	so := &SalesOrder{Date: s.opts.Now().UTC(), BillToCode: c.Code, BillToName: c.Name, POCode: h.POCode, SourceCode: h.SourceCode,
		WebSiteCode: h.WebSiteCode, WarehouseCode: h.WarehouseCode, ShippingMethodGroup: h.ShippingMethodGroup,
		ShippingMethodCode: h.ShippingMethodCode, PaymentTermGroup: h.PaymentTermGroup, PaymentTermCode: h.PaymentTermCode,
		ShipToCode: h.ShipToCode, ShipToName: h.ShipToName, ShipToAddress: h.ShipToAddress, ShipToCity: h.ShipToCity,
		ShipToState: h.ShipToState, ShipToPostal: h.ShipToPostalCode, ShipToCounty: h.ShipToCounty, ShipToCountry: h.ShipToCountry,
		PublicNotes: h.PublicNotes, Freight: h.FreightRate.Decimal, Status: "Open"}
	for i, l := range body.SalesOrderDetails {
		it := s.st.Items[l.ItemCode]
		if it == nil && l.ItemCode == "" {
			for _, x := range s.st.Items {
				if strings.EqualFold(x.Name, l.ItemName) {
					it = x
				}
			}
		}
		if it == nil {
			return fail("Item '%s' (%s) does not exist.", l.ItemName, l.ItemCode)
		}
		if !it.Active {
			return fail("Item %s (%s) is phased out and cannot be sold.", it.Name, it.Code)
		}
		if !l.QuantityOrdered.IsPositive() {
			return fail("Line %d: the quantity ordered of item %s must be greater than zero.", i+1, it.Name)
		}
		uom, uq := strings.ToUpper(l.UnitMeasureCode), decimal.NewFromInt(1)
		switch uom {
		case "", "EACH":
			uom = "EACH"
		case "CASE":
			if it.CaseUPC == "" {
				return fail("Unit of measure CASE is not defined for item %s.", it.Name)
			}
			uq = decimal.NewFromInt(12)
		default:
			return fail("Unit of measure %s is not defined for item %s.", l.UnitMeasureCode, it.Name)
		}
		wh := l.WarehouseCode
		if wh == "" {
			wh = h.WarehouseCode
		}
		if !s.hasWarehouse(wh) {
			return fail("Warehouse '%s' does not exist.", wh)
		}
		so.Lines = append(so.Lines, SalesOrderLine{LineNum: i + 1, ItemCode: it.Code, ItemName: it.Name, UnitMeasureCode: uom,
			UnitMeasureQty: uq, WarehouseCode: wh, Ordered: l.QuantityOrdered.Decimal, Price: l.SalesPriceRate.Decimal, DiscountPercent: l.Discount.Decimal})
	}
	so.Code = s.st.next("SO")
	for i := range so.Lines {
		s.allocate(&so.Lines[i])
	}
	s.st.Orders[so.Code] = so
	return ok("SalesOrders", []map[string]any{{"SalesOrderCode": so.Code, "SalesOrderDate": dateJSON(so.Date), "Message": nil, "ErrorMessage": nil}},
		"Payments", nil, "Invoices", nil)
}

// allocate allocates as much of a line's unallocated, unshipped quantity as free stock allows;
// the rest is back-ordered.
func (s *Server) allocate(l *SalesOrderLine) {
	need := l.Ordered.Sub(l.Shipped).Sub(l.Allocated)
	if !need.IsPositive() {
		l.BackOrdered = decimal.Zero
		return
	}
	lv := s.st.level(l.ItemCode, l.WarehouseCode)
	units := lv.free().Div(l.UnitMeasureQty).Floor()
	take := decimal.Min(units, need)
	l.Allocated = l.Allocated.Add(take)
	lv.Allocated = lv.Allocated.Add(take.Mul(l.UnitMeasureQty))
	l.BackOrdered = need.Sub(take)
}

func hasSource(code string) bool {
	for _, x := range sources {
		if strings.EqualFold(x[0], code) {
			return true
		}
	}
	return false
}

func hasTerm(group, code string) bool {
	for _, t := range paymentTerms {
		if strings.EqualFold(t.Code, code) && (group == "" || strings.EqualFold(t.Group, group)) {
			return true
		}
	}
	return false
}

func (s *Server) hasWarehouse(code string) bool {
	for _, w := range s.st.Warehouses {
		if strings.EqualFold(w, code) {
			return true
		}
	}
	return false
}

func (s *Server) sortedOrders() []*SalesOrder {
	out := make([]*SalesOrder, 0, len(s.st.Orders))
	for _, o := range s.st.Orders {
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// orderLookup matches CriteriaString against the order code, POCode and bill-to name
// (assumption: real CB's columns are unknown).
func (s *Server) orderLookup(q *request) any {
	var b struct{ CustomerCode, CriteriaString string }
	q.decode(&b)
	crit := strings.ToLower(b.CriteriaString)
	var rows []map[string]any
	for _, o := range s.sortedOrders() {
		if b.CustomerCode != "" && !strings.EqualFold(o.BillToCode, b.CustomerCode) {
			continue
		}
		if crit != "" && !strings.Contains(strings.ToLower(o.Code), crit) && !strings.Contains(strings.ToLower(o.POCode), crit) && !strings.Contains(strings.ToLower(o.BillToName), crit) {
			continue
		}
		total := decimal.Zero
		for _, l := range o.Lines {
			total = total.Add(lineExt(l))
		}
		rows = append(rows, map[string]any{"SalesOrderCode": o.Code, "SalesOrderDate": dateJSON(o.Date), "BillToCode": o.BillToCode,
			"BillToName": o.BillToName, "POCode": o.POCode, "TotalRate": n(total), "BalanceRate": n(total), "Stage": 0, "ErrorMessage": nil})
	}
	return ok("SalesOrders", list(capRows(rows, q.rowCap())), "PrintPickNoteCount", 0)
}

func lineExt(l SalesOrderLine) decimal.Decimal {
	net := l.Price.Mul(decimal.NewFromInt(100).Sub(l.DiscountPercent)).Div(decimal.NewFromInt(100)).Round(2)
	return net.Mul(l.Ordered).Round(2)
}

func (s *Server) loadOrder(q *request) any {
	var b struct{ TransactionCode string }
	q.decode(&b)
	o := s.st.Orders[b.TransactionCode]
	if o == nil {
		return fail("Sales order %s does not exist.", b.TransactionCode)
	}
	c := s.st.Customers[o.BillToCode]
	var lines []map[string]any
	for _, l := range o.Lines {
		lines = append(lines, map[string]any{"LineNum": l.LineNum, "ItemCode": l.ItemCode, "ItemName": l.ItemName, "UnitMeasureCode": l.UnitMeasureCode,
			"UnitMeasureQty": n(l.UnitMeasureQty), "WarehouseCode": l.WarehouseCode, "QuantityOrdered": n(l.Ordered), "QuantityAllocated": n(l.Allocated),
			"QuantityBackOrdered": n(l.BackOrdered), "QuantityShipped": n(l.Shipped), "Outstanding": n(l.Ordered.Sub(l.Shipped)),
			"SalesPriceRate": n(l.Price), "SalesPrice": n(l.Price), "Discount": n(l.DiscountPercent), "ExtPriceRate": n(lineExt(l)), "ItemType": "Stock"})
	}
	var customers []map[string]any
	if c != nil {
		customers = append(customers, map[string]any{"CustomerCode": c.Code, "CustomerName": c.Name, "Email": c.Email, "DefaultPrice": c.BusinessType})
	}
	return ok("SalesOrders", []map[string]any{{"SalesOrderCode": o.Code, "SalesOrderDate": dateJSON(o.Date), "Type": "Sales Order",
		"OrderStatus": o.Status, "IsVoided": o.Voided, "IsOnHold": o.OnHold, "BillToCode": o.BillToCode, "BillToName": o.BillToName, "POCode": o.POCode,
		"SourceCode": o.SourceCode, "WebSiteCode": o.WebSiteCode, "WarehouseCode": o.WarehouseCode, "ShippingMethodCode": o.ShippingMethodCode,
		"ShippingMethodGroup": o.ShippingMethodGroup, "PaymentTermCode": o.PaymentTermCode, "ShippingDate": dateJSON(o.Date),
		"ShipToCode": o.ShipToCode, "ShipToName": o.ShipToName, "ShipToAddress": o.ShipToAddress, "ShipToCity": o.ShipToCity,
		"ShipToState": o.ShipToState, "ShipToPostalCode": o.ShipToPostal, "ShipToCounty": o.ShipToCounty, "ShipToCountry": o.ShipToCountry,
		"PublicNotes": o.PublicNotes}},
		"Customers", list(customers), "SalesOrderDetails", list(lines), "KitDetails", nil, "Payments", nil, "CustomerPromotionDetails", nil)
}

// holdSalesOrder puts a sales order on hold (assumed call: the spec is silent). Holding a held
// order again answers success; a completed (fully shipped) order cannot be held.
func (s *Server) holdSalesOrder(q *request) any {
	var b struct {
		TransactionCode string
		IsOnHold        bool
		Reason          string
	}
	q.decode(&b)
	o := s.st.Orders[b.TransactionCode]
	switch {
	case o == nil:
		return fail("Sales order %s does not exist.", b.TransactionCode)
	case o.Status == "Completed" && b.IsOnHold:
		return fail("Sales order %s is completed and cannot be put on hold.", b.TransactionCode)
	}
	o.OnHold, o.HoldReason = b.IsOnHold, b.Reason
	return ok()
}

func (s *Server) loadPackItems(q *request) any {
	var b struct{ TransactionCode string }
	q.decode(&b)
	o := s.st.Orders[b.TransactionCode]
	if o == nil {
		return fail("Transaction %s does not exist.", b.TransactionCode)
	}
	m, _ := shipMethod(o.ShippingMethodGroup, o.ShippingMethodCode)
	var items, boxes, boxItems []map[string]any
	for _, l := range o.Lines {
		items = append(items, map[string]any{"ItemCode": l.ItemCode, "ItemName": l.ItemName, "UnitMeasureCode": l.UnitMeasureCode, "LineNum": l.LineNum,
			"QuantityAllocated": n(l.Allocated), "ShipQuantity": n(l.Shipped)})
	}
	for _, bx := range o.Boxes {
		boxes = append(boxes, map[string]any{"TrackingNumber": bx.TrackingNumber, "CarrierCode": bx.CarrierCode, "CarrierDescription": bx.CarrierDescription,
			"ServiceCode": bx.ServiceCode, "WeightLbs": n(bx.WeightLbs), "ShipmentDate": dateJSON(bx.ShipDate), "PackagingCode": "Box", "IsCustom": false})
		for _, bi := range bx.Items {
			boxItems = append(boxItems, map[string]any{"TrackingNumber": bx.TrackingNumber, "ItemCode": bi.ItemCode, "ItemName": bi.ItemName,
				"UnitMeasureCode": bi.UnitMeasureCode, "ShipQuantity": n(bi.Quantity)})
		}
	}
	pack := map[string]any{"TransactionCode": o.Code, "BillToCode": o.BillToCode, "BillToName": o.BillToName, "ShipToCode": o.ShipToCode,
		"ShipToName": o.ShipToName, "WarehouseCode": o.WarehouseCode, "ShippingMethodCode": o.ShippingMethodCode, "CarrierCode": m.Carrier,
		"CarrierDescription": m.Carrier, "ServiceCode": m.Service, "FreightRate": n(o.Freight)}
	return ok("Packs", []map[string]any{pack}, "Items", list(items), "Boxes", list(boxes), "BoxItems", list(boxItems))
}

func (s *Server) shipmentLabels(q *request) any {
	var b struct{ TransactionCode string }
	q.decode(&b)
	o := s.st.Orders[b.TransactionCode]
	if o == nil {
		return fail("Transaction %s does not exist.", b.TransactionCode)
	}
	var packs []map[string]any
	for _, bx := range o.Boxes {
		packs = append(packs, map[string]any{"TrackingNumber": bx.TrackingNumber, "TransactionCode": o.Code, "LabelFileName": bx.TrackingNumber + ".png"})
	}
	return ok("Packs", list(packs))
}

// shipmentLookup lists one row per shipped box (assumption: rows carry POCode and WarehouseCode;
// an empty WarehouseCode means all warehouses).
func (s *Server) shipmentLookup(q *request) any {
	var b struct{ WarehouseCode, CriteriaString string }
	q.decode(&b)
	var packs []map[string]any
	for _, o := range s.sortedOrders() {
		if b.WarehouseCode != "" && !strings.EqualFold(o.WarehouseCode, b.WarehouseCode) {
			continue
		}
		if b.CriteriaString != "" && !strings.Contains(strings.ToLower(o.Code+" "+o.POCode), strings.ToLower(b.CriteriaString)) {
			continue
		}
		for _, bx := range o.Boxes {
			packs = append(packs, map[string]any{"TransactionCode": o.Code, "POCode": o.POCode, "ShipFromName": o.WarehouseCode,
				"WarehouseCode": o.WarehouseCode, "ShipToName": o.ShipToName, "ShipmentDate": dateJSON(bx.ShipDate)})
		}
	}
	return ok("Packs", list(packs))
}

func (s *Server) customerRow(c *Customer) map[string]any {
	st := s.st.ShipTos[c.DefaultShipToCode]
	row := map[string]any{"CustomerCode": c.Code, "CustomerName": c.Name, "Email": c.Email, "Telephone": c.Phone, "Address": c.Address,
		"City": c.City, "State": c.State, "PostalCode": c.PostalCode, "County": c.County, "Country": c.Country, "SourceCode": c.SourceCode,
		"DefaultPrice": c.BusinessType, "PaymentTermGroup": c.PaymentTermGroup, "PaymentTermCode": c.PaymentTermCode,
		"CreditLimit": 0, "AvailableCredit": 0, "IsCreditHold": c.CreditHold, "DefaultShipToCode": c.DefaultShipToCode, "ShipToCode": c.DefaultShipToCode,
		"ErrorMessage": nil}
	if st != nil {
		row["ShipToName"], row["ShipToAddress"], row["ShipToCity"], row["ShipToCountry"] = st.Name, st.Address, st.City, st.Country
	}
	return row
}

func (s *Server) sortedCustomers() []*Customer {
	out := make([]*Customer, 0, len(s.st.Customers))
	for _, c := range s.st.Customers {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// customerLookup matches StringValue against code, name and e-mail (assumption).
func (s *Server) customerLookup(q *request) any {
	var b stringValue
	q.decode(&b)
	crit := strings.ToLower(b.StringValue)
	var rows []map[string]any
	for _, c := range s.sortedCustomers() {
		if crit == "" || strings.Contains(strings.ToLower(c.Code+"\x00"+c.Name+"\x00"+c.Email), crit) {
			rows = append(rows, s.customerRow(c))
		}
	}
	return ok("Customers", list(capRows(rows, q.rowCap())))
}

func (s *Server) loadCustomerByCode(q *request) any {
	if len(q.params) == 0 {
		return ok("Customers", nil)
	}
	c := s.st.Customers[q.params[0]]
	if c == nil {
		return ok("Customers", nil)
	}
	return ok("Customers", []map[string]any{s.customerRow(c)})
}

func (s *Server) defaultTemplate(bt, country string, shipTo bool) string {
	for _, t := range s.st.Templates {
		if t.ShipTo == shipTo && strings.EqualFold(t.BusinessType, bt) && strings.EqualFold(t.Country, country) {
			return t.ClassCode
		}
	}
	return ""
}

func (s *Server) templateExists(code string, shipTo bool) bool {
	for _, t := range s.st.Templates {
		if t.ShipTo == shipTo && t.ClassCode == code {
			return true
		}
	}
	return false
}

func (s *Server) createCustomer(q *request) any {
	var b struct {
		CustomerName, Email, Telephone, Address, City, State, County, PostalCode, Country string
		BusinessType, ClassCode, ShipToClassCode, PaymentTermCode, SourceCode             string
	}
	if !q.decode(&b) {
		return fail("The customer could not be read.")
	}
	if strings.TrimSpace(b.CustomerName) == "" {
		return fail("Customer name is required.")
	}
	if msg := tooLong(map[string]string{"CustomerName": b.CustomerName, "Email": b.Email, "Telephone": b.Telephone, "Address": b.Address,
		"City": b.City, "State": b.State, "County": b.County, "PostalCode": b.PostalCode, "Country": b.Country}); msg != "" {
		return fail("%s", msg)
	}
	if b.Email != "" && !emailRE.MatchString(b.Email) {
		return fail("Invalid E-mail address: '%s'.", b.Email)
	}
	if b.Country == "" {
		b.Country = countries[0]
	}
	if !knownCountry(b.Country) {
		return fail("Invalid country '%s'.", b.Country)
	}
	if b.BusinessType == "" {
		b.BusinessType = "Retail"
	}
	if b.BusinessType != "Retail" && b.BusinessType != "Wholesale" {
		return fail("Invalid business type '%s': use Retail or Wholesale.", b.BusinessType)
	}
	if b.ClassCode == "" {
		b.ClassCode = s.defaultTemplate(b.BusinessType, b.Country, false)
	} else if !s.templateExists(b.ClassCode, false) {
		return fail("Customer class template %s does not exist.", b.ClassCode)
	}
	if b.ShipToClassCode == "" {
		b.ShipToClassCode = s.defaultTemplate(b.BusinessType, b.Country, true)
	} else if !s.templateExists(b.ShipToClassCode, true) {
		return fail("Ship to class template %s does not exist.", b.ShipToClassCode)
	}
	c := &Customer{Name: b.CustomerName, Email: b.Email, Phone: b.Telephone, Address: b.Address, City: b.City, State: b.State, County: b.County,
		PostalCode: b.PostalCode, Country: b.Country, BusinessType: b.BusinessType, ClassCode: b.ClassCode, SourceCode: b.SourceCode}
	if b.PaymentTermCode != "" {
		c.PaymentTermGroup, c.PaymentTermCode = "DEFAULT", b.PaymentTermCode
	}
	s.st.addCustomer(c, b.ShipToClassCode)
	row := s.customerRow(c)
	row["DefaultShipToName"] = c.Name
	return row
}

func (s *Server) classTemplates(q *request, shipTo bool) any {
	var b stringValue
	q.decode(&b)
	var rows []map[string]any
	seen := map[string]bool{}
	for _, t := range s.st.Templates {
		// Assumption (the spec is silent): an empty country lists the templates of every country,
		// once per code; `starter settings check --against-cb` relies on it.
		all := b.StringValue == "" && !seen[t.ClassCode]
		if t.ShipTo != shipTo || !(all || strings.EqualFold(t.Country, b.StringValue)) {
			continue
		}
		seen[t.ClassCode] = true
		rows = append(rows, map[string]any{"BusinessType": t.BusinessType, "ClassCode": t.ClassCode, "ClassDescription": t.Description,
			"PaymentTermGroup": "DEFAULT", "PaymentTermCode": "Credit Card", "TaxCode": "NO TAX", "IsDefault": t.IsDefault})
	}
	return ok("ClassTemplates", list(rows))
}

func (s *Server) shipToRow(st *ShipTo) map[string]any {
	return map[string]any{"ShipToCode": st.Code, "ShipToName": st.Name, "CustomerCode": st.CustomerCode, "Address": st.Address, "City": st.City,
		"State": st.State, "PostalCode": st.PostalCode, "County": st.County, "Country": st.Country, "Telephone": st.Phone, "Email": st.Email,
		"ClassCode": st.ClassCode, "IsDefaultShipTo": st.IsDefault, "PaymentTermGroup": "DEFAULT", "PaymentTermCode": "Credit Card", "ErrorMessage": nil}
}

func (s *Server) shipToLookup(q *request) any {
	var b struct{ CriteriaString, CustomerCode string }
	q.decode(&b)
	var all []*ShipTo
	for _, st := range s.st.ShipTos {
		if strings.EqualFold(st.CustomerCode, b.CustomerCode) {
			all = append(all, st)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Code < all[j].Code })
	var rows []map[string]any
	for _, st := range all {
		if b.CriteriaString == "" || strings.Contains(strings.ToLower(st.Name+" "+st.Address), strings.ToLower(b.CriteriaString)) {
			rows = append(rows, s.shipToRow(st))
		}
	}
	return ok("ShipToCollection", list(capRows(rows, q.rowCap())))
}

func (s *Server) createShipTo(q *request) any {
	var b struct {
		ShipToName, CustomerCode, Address, City, State, PostalCode, County, Country, Telephone, Email, ClassCode string
		IsDefaultShipTo                                                                                          bool
	}
	if !q.decode(&b) {
		return fail("The ship to could not be read.")
	}
	c := s.st.Customers[b.CustomerCode]
	if c == nil {
		return fail("Customer %s does not exist.", b.CustomerCode)
	}
	if msg := tooLong(map[string]string{"ShipToName": b.ShipToName, "Address": b.Address, "City": b.City, "State": b.State,
		"PostalCode": b.PostalCode, "County": b.County, "Country": b.Country, "Email": b.Email, "Telephone": b.Telephone}); msg != "" {
		return fail("%s", msg)
	}
	if b.Email != "" && !emailRE.MatchString(b.Email) {
		return fail("Invalid E-mail address: '%s'.", b.Email)
	}
	if b.Country == "" {
		b.Country = c.Country
	}
	if !knownCountry(b.Country) {
		return fail("Invalid country '%s'.", b.Country)
	}
	if b.ClassCode == "" {
		b.ClassCode = s.defaultTemplate(c.BusinessType, b.Country, true)
	} else if !s.templateExists(b.ClassCode, true) {
		return fail("Ship to class template %s does not exist.", b.ClassCode)
	}
	st := &ShipTo{Code: s.st.next("SHIP"), CustomerCode: c.Code, Name: b.ShipToName, Address: b.Address, City: b.City, State: b.State,
		PostalCode: b.PostalCode, County: b.County, Country: b.Country, Phone: b.Telephone, Email: b.Email, ClassCode: b.ClassCode, IsDefault: b.IsDefaultShipTo}
	s.st.ShipTos[st.Code] = st
	if st.IsDefault {
		c.DefaultShipToCode = st.Code
	}
	return s.shipToRow(st)
}

func (s *Server) countryLookup(q *request) any {
	var rows []map[string]any
	for _, c := range countries {
		rows = append(rows, map[string]any{"CountryCode": c, "IsRetailCustomerBillToClassPostal": false, "IsWholesaleCustomerBillToClassPostal": false})
	}
	return ok("Countries", list(capRows(rows, q.rowCap())))
}

func carriers() []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range catalog.ShipMethods {
		if !seen[m.Carrier] {
			seen[m.Carrier] = true
			out = append(out, m.Carrier)
		}
	}
	return out
}

func (s *Server) carrierLookup(q *request) any {
	var rows []map[string]any
	for _, c := range carriers() {
		rows = append(rows, map[string]any{"CarrierCode": c, "CarrierDescription": c, "DefaultCarrierCode": "UPS", "DefaultCarrierDescription": "UPS", "ServiceType": nil})
	}
	return ok("Packages", list(capRows(rows, q.rowCap())))
}

func (s *Server) serviceTypeLookup(q *request) any {
	var b struct{ CarrierCode string }
	q.decode(&b)
	if b.CarrierCode == "" {
		var rows []map[string]any
		for _, c := range carriers() {
			rows = append(rows, map[string]any{"CarrierDescription": c})
		}
		return ok("Packages", nil, "Carriers", list(rows))
	}
	rows := []map[string]any{{"CarrierCode": b.CarrierCode, "CarrierDescription": b.CarrierCode, "ServiceType": "(Unspecified)"}}
	for _, m := range catalog.ShipMethods {
		if strings.EqualFold(m.Carrier, b.CarrierCode) {
			rows = append(rows, map[string]any{"CarrierCode": m.Carrier, "CarrierDescription": m.Carrier, "ServiceType": m.Service})
		}
	}
	return ok("Packages", list(capRows(rows, q.rowCap())))
}

func status(it *Item) string {
	if it.Active {
		return "A"
	}
	return "P"
}

func (s *Server) itemRow(it *Item, uom, upc string) map[string]any {
	onHand := decimal.Zero
	for _, l := range s.st.Stock[it.Code] {
		onHand = onHand.Add(l.OnHand)
	}
	return map[string]any{"ItemCode": it.Code, "ItemName": it.Name, "ItemDescription": it.Description, "ItemType": "Stock",
		"UnitMeasureCode": uom, "UPCCode": upc, "RetailPrice": n(it.Retail), "WholesalePrice": n(it.Wholesale), "Status": status(it),
		"UnitsInStock": n(onHand), "FreeStock": n(onHand), "Cost": 0, "ErrorMessage": nil}
}

// itemLookup matches CriteriaString against the start of ItemCode or ItemName, case-insensitively
// (assumption), in ItemCode order, capped by the row segment.
func (s *Server) itemLookup(q *request) any {
	var b struct {
		ItemCode, CriteriaString string
		ShowPhasedOutItems       bool
	}
	q.decode(&b)
	crit := strings.ToUpper(b.CriteriaString)
	limit := q.rowCap()
	var rows []map[string]any
	for _, it := range s.st.sortedItems() {
		if len(rows) >= limit {
			break
		}
		if !it.Active && !b.ShowPhasedOutItems {
			continue
		}
		if b.ItemCode != "" && !strings.EqualFold(it.Code, b.ItemCode) {
			continue
		}
		if crit != "" && !strings.HasPrefix(strings.ToUpper(it.Code), crit) && !strings.HasPrefix(strings.ToUpper(it.Name), crit) {
			continue
		}
		rows = append(rows, s.itemRow(it, "EACH", it.UPC))
	}
	return ok("Items", list(rows))
}

func (s *Server) itemDetails(q *request) any {
	var b stringValue
	q.decode(&b)
	it := s.st.Items[b.StringValue]
	if it == nil {
		return ok("ItemDetails", nil, "ItemPricingDetails", nil, "UnitOfMeasures", nil)
	}
	uoms := []map[string]any{{"UnitMeasureCode": "EACH", "UnitMeasureQty": 1, "UPCCode": it.UPC, "IsBase": true, "DefaultSelling": true}}
	if it.CaseUPC != "" {
		uoms = append(uoms, map[string]any{"UnitMeasureCode": "CASE", "UnitMeasureQty": 12, "UPCCode": it.CaseUPC, "IsBase": false, "DefaultSelling": false})
	}
	return ok("ItemDetails", []map[string]any{{"ItemCode": it.Code, "ItemName": it.Name, "ItemDescription": it.Description,
		"ExtendedDescription": it.Description + ". Sandbox item.", "ItemType": "Stock", "Status": status(it), "SerializeLot": "None",
		"WeightInPounds": n(it.WeightLbs)}},
		"ItemPricingDetails", []map[string]any{{"RetailPrice": n(it.Retail), "WholesalePrice": n(it.Wholesale), "AverageCost": n(it.Wholesale)}},
		"UnitOfMeasures", uoms, "ItemCategories", nil, "ItemDepartments", nil, "Accessories", nil, "Substitutes", nil)
}

func (s *Server) itemByUPC(q *request) any {
	upc := q.r.URL.Query().Get("upcCode")
	it, uom := s.st.itemByUPC(upc)
	if it == nil {
		return ok("Items", nil)
	}
	code := it.UPC
	if uom == "CASE" {
		code = it.CaseUPC
	}
	return ok("Items", []map[string]any{s.itemRow(it, uom, code)})
}

func (s *Server) stockRows(it *Item, onlyUoM string) []map[string]any {
	var rows []map[string]any
	for _, wh := range s.st.Warehouses {
		free := s.st.level(it.Code, wh).free()
		uoms := []struct {
			code string
			qty  int64
		}{{"EACH", 1}}
		if it.CaseUPC != "" {
			uoms = append(uoms, struct {
				code string
				qty  int64
			}{"CASE", 12})
		}
		for _, u := range uoms {
			if onlyUoM != "" && !strings.EqualFold(onlyUoM, u.code) {
				continue
			}
			// Free stock in the row's unit: whole cases of a CASE row.
			rows = append(rows, map[string]any{"ItemCode": it.Code, "WarehouseCode": wh, "UnitMeasureCode": u.code, "UnitMeasureQty": u.qty,
				"FreeStock": n(free.Div(decimal.NewFromInt(u.qty)).Floor()), "IsActive": true})
		}
	}
	return rows
}

func (s *Server) locationStock(q *request) any {
	var b struct{ ItemCode string }
	q.decode(&b)
	it := s.st.Items[b.ItemCode]
	if it == nil {
		return ok("StockTotalDetails", nil)
	}
	return ok("StockTotalDetails", list(s.stockRows(it, "")))
}

func (s *Server) groupStock(q *request) any {
	var b struct {
		StockTotalDetails []struct{ ItemCode, UnitMeasureCode, WarehouseCode string }
	}
	q.decode(&b)
	var rows []map[string]any
	for _, r := range b.StockTotalDetails {
		it := s.st.Items[r.ItemCode]
		if it == nil {
			continue
		}
		found := s.stockRows(it, r.UnitMeasureCode)
		if s.opts.StockEveryUnit {
			found = s.stockRows(it, "")
			slices.Reverse(found) // larger units first: the connector must not rely on the order
		}
		for _, row := range found {
			if r.WarehouseCode == "" || strings.EqualFold(row["WarehouseCode"].(string), r.WarehouseCode) {
				rows = append(rows, row)
			}
		}
	}
	return ok("StockTotalDetails", list(rows))
}

func (s *Server) warehouses(q *request) any {
	var rows []map[string]any
	for _, w := range s.st.Warehouses {
		desc := "Main warehouse"
		if w != "MAIN" {
			desc = w + " warehouse"
		}
		rows = append(rows, map[string]any{"WarehouseCode": w, "WarehouseDescription": desc, "IsActive": true, "Country": countries[0]})
	}
	return ok("Warehouses", list(capRows(rows, q.rowCap())))
}
