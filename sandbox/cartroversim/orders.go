package cartroversim

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cartrover-cb/ordermanager/cartrover"
	"github.com/shopspring/decimal"
)

// ---- HTTP handlers ----

func (s *Server) listOrders(r *http.Request, _ string) (any, error) {
	status := cartrover.Status(r.PathValue("status"))
	if !status.Valid() {
		return nil, invalid("Invalid order status %q: use one of %v", status, cartrover.ListStatuses)
	}
	q := r.URL.Query()
	limit, page, err := paging(q.Get("limit"), q.Get("page"), 100)
	if err != nil {
		return nil, err
	}
	from, err := dateParam(q.Get("from_date"), "from_date")
	if err != nil {
		return nil, err
	}
	to, err := dateParam(q.Get("to_date"), "to_date")
	if err != nil {
		return nil, err
	}
	view := viewOpts{
		list:          true,
		filteredItems: yes(q.Get("include_filtered_items")),
		orderExtras:   yes(q.Get("include_order_extras")),
		lineExtras:    yes(q.Get("include_line_extras")),
	}
	source := q.Get("order_source")

	s.mu.Lock()
	defer s.mu.Unlock()
	var match []*cartrover.Order
	for _, o := range s.orders {
		if !statusMatches(status, o.OrderStatus) || (source != "" && !strings.EqualFold(source, o.OrderSource)) {
			continue
		}
		if !from.IsZero() || !to.IsZero() {
			d := filterDate(status, o)
			if d.IsZero() || (!from.IsZero() && d.Before(from)) || (!to.IsZero() && d.After(to)) {
				continue
			}
		}
		match = append(match, o)
	}
	slices.SortFunc(match, func(a, b *cartrover.Order) int {
		return cmp.Or(filterDate(status, a).Compare(filterDate(status, b)), cmp.Compare(s.seq[a.CustRef], s.seq[b.CustRef]))
	})
	out := []any{}
	for i := (page - 1) * limit; i < len(match) && i < page*limit; i++ {
		out = append(out, s.renderRaw(match[i], view))
	}
	return out, nil
}

func yes(v string) bool { return strings.EqualFold(v, "Y") || strings.EqualFold(v, "true") || v == "1" }

// paging parses limit (default 20, 1..max) and page (default 1).
func paging(ls, ps string, max int) (int, int, error) {
	limit, page := 20, 1
	if ls != "" {
		n, err := strconv.Atoi(ls)
		if err != nil || n < 1 || n > max {
			return 0, 0, invalid("Invalid limit %q: use 1 to %d", ls, max)
		}
		limit = n
	}
	if ps != "" {
		n, err := strconv.Atoi(ps)
		if err != nil || n < 1 {
			return 0, 0, invalid("Invalid page %q: pages start at 1", ps)
		}
		page = n
	}
	return limit, page, nil
}

func dateParam(v, name string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := cartrover.ParseTime(v)
	if err != nil {
		return time.Time{}, invalid("Invalid %s %q: use ISO 8601 with the + of the offset encoded as %%2B, or YYYY-MM-DD", name, v)
	}
	return t, nil
}

// statusMatches applies a list filter to an order status.
func statusMatches(filter, st cartrover.Status) bool {
	switch filter {
	case cartrover.StatusAny:
		return true
	case cartrover.StatusNewOrAtWMS:
		return st == cartrover.StatusNew || st == cartrover.StatusAtWMS
	case cartrover.StatusShippedOrConfirmed:
		return st == cartrover.StatusShipped || st == cartrover.StatusConfirmed
	}
	return filter == st
}

// filterDate is the date a list's from/to window applies to, per status (spec §4.1).
func filterDate(filter cartrover.Status, o *cartrover.Order) time.Time {
	switch filter {
	case cartrover.StatusAtWMS:
		return o.DeliveredToWMSDate.Time
	case cartrover.StatusPartial, cartrover.StatusShipped, cartrover.StatusShippedOrConfirmed:
		return o.ShipmentLoadedDate.Time
	case cartrover.StatusConfirmed:
		return o.ConfirmedDate.Time
	case cartrover.StatusError:
		return o.ErrorDate.Time
	case cartrover.StatusCanceled:
		return o.CancelDate.Time
	}
	return o.CreatedDateTime.Time
}

type viewOpts struct{ list, filteredItems, orderExtras, lineExtras bool }

// render copies an order for an answer: list counters only on lists, filtered lines and extras
// only when asked for.
func render(o *cartrover.Order, v viewOpts) cartrover.Order {
	c := cloneOrder(o)
	if !v.orderExtras {
		c.ExtraFields = nil
	}
	items := c.Items[:0]
	for _, it := range c.Items {
		if bool(it.FilteredSKU) && !v.filteredItems {
			continue
		}
		if !v.lineExtras {
			it.ExtraFields = nil
		}
		items = append(items, it)
	}
	c.Items = items
	if !v.list {
		c.TotalQty, c.NumToShip, c.NumShipped = cartrover.Decimal{}, cartrover.Decimal{}, cartrover.Decimal{}
	}
	return c
}

func (s *Server) getOrder(r *http.Request, _ string) (any, error) {
	ref := r.PathValue("cust_ref")
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[ref]
	if !ok {
		return nil, notFound(ref)
	}
	return render(o, viewOpts{filteredItems: yes(q.Get("include_filtered_items")),
		orderExtras: yes(q.Get("include_order_extras")), lineExtras: yes(q.Get("include_line_extras"))}), nil
}

func notFound(ref string) error { return invalid("Order not found: %s", ref) }

func (s *Server) orderStatus(r *http.Request, _ string) (any, error) {
	ref := r.PathValue("cust_ref")
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[ref]
	if !ok {
		return nil, notFound(ref)
	}
	c := cloneOrder(o)
	return cartrover.OrderStatus{CustRef: c.CustRef, CustPONo: c.CustPONo, DeliveredToWMSDate: c.DeliveredToWMSDate,
		UpdatedDateTime: c.UpdatedDateTime, ShipCountry: c.ShipCountry, OrderStatus: c.OrderStatus, Shipments: c.Shipments}, nil
}

// Update is a status change of one order: the body of the update routes.
type Update struct {
	OrderStatus cartrover.Status     `json:"order_status"`
	ErrorMsg    string               `json:"error_msg"`
	Shipments   []cartrover.Shipment `json:"shipments"`
}

func (s *Server) updateOrder(r *http.Request, _ string) (any, error) {
	var u Update
	if err := readJSON(r, &u); err != nil {
		return nil, err
	}
	return nil, s.Apply(r.PathValue("cust_ref"), u)
}

func (s *Server) cancelOrder(r *http.Request, _ string) (any, error) {
	ref := r.PathValue("cust_ref")
	err := s.Apply(ref, Update{OrderStatus: cartrover.StatusCanceled})
	if ae, ok := err.(*apiError); ok && ae.code == cartrover.CodeFailure {
		return map[string]any{"success": false, "message": ae.msg}, nil
	}
	if err != nil {
		return nil, err
	}
	return map[string]any{"success": true, "message": ""}, nil
}

func readJSON(r *http.Request, v any) error {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/json" {
		return invalid("Content-Type must be application/json (got %q)", r.Header.Get("Content-Type"))
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err != nil {
		return invalid("Cannot read the request body: %v", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return invalid("Request body is not valid JSON for this call: %v", err)
	}
	return nil
}

func (s *Server) createOrder(r *http.Request, _ string) (any, error) {
	var o cartrover.Order
	if err := readJSON(r, &o); err != nil {
		return nil, err
	}
	if missing := missingFields(&o); len(missing) > 0 {
		return nil, invalid("Order missing required field(s): %s", strings.Join(missing, ", "))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.orders[o.CustRef]; dup {
		return nil, failure("Duplicate order: cust_ref %s already exists", o.CustRef)
	}
	s.insertLocked(&o)
	s.saveLocked()
	return rawBody{"cust_ref": o.CustRef, "order_number": o.CustPONo}, nil
}

type batchEntry struct {
	CustRef  *string `json:"cust_ref"`
	CustPONo *string `json:"cust_po_no"`
	IndexPos *int    `json:"index_pos,omitempty"`
	Message  string  `json:"message,omitempty"`
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (s *Server) createOrders(r *http.Request, _ string) (any, error) {
	var list []cartrover.Order
	if err := readJSON(r, &list); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	success, failed := []batchEntry{}, []batchEntry{}
	for i := range list {
		o := &list[i]
		if missing := missingFields(o); len(missing) > 0 {
			pos := i
			failed = append(failed, batchEntry{CustRef: strPtr(o.CustRef), CustPONo: strPtr(o.CustPONo), IndexPos: &pos,
				Message: "Order missing required field(s): " + strings.Join(missing, ", ")})
			continue
		}
		if _, dup := s.orders[o.CustRef]; dup {
			failed = append(failed, batchEntry{CustRef: strPtr(o.CustRef), CustPONo: strPtr(o.CustPONo), Message: "OrderDuplicate"})
			continue
		}
		s.insertLocked(o)
		success = append(success, batchEntry{CustRef: strPtr(o.CustRef), CustPONo: strPtr(o.CustPONo)})
	}
	s.saveLocked()
	return map[string]any{"success": success, "failed": failed}, nil
}

// missingFields lists the required Cart-create fields an order lacks (spec §6.3).
func missingFields(o *cartrover.Order) []string {
	var m []string
	need := func(v, name string) {
		if strings.TrimSpace(v) == "" {
			m = append(m, name)
		}
	}
	need(o.CustRef, "cust_ref")
	need(o.ShipAddress1, "ship_address_1")
	need(o.ShipCity, "ship_city")
	need(o.ShipState, "ship_state")
	need(o.ShipZip, "ship_zip")
	need(o.ShipCountry, "ship_country")
	if len(o.Items) == 0 {
		m = append(m, "items")
	}
	for i, it := range o.Items {
		if it.Item == "" {
			m = append(m, fmt.Sprintf("items[%d].item", i))
		}
		if !it.Quantity.IsPositive() {
			m = append(m, fmt.Sprintf("items[%d].quantity", i))
		}
	}
	if o.ShipFirstName == "" && o.ShipLastName == "" && o.ShipCompany == "" &&
		o.CustFirstName == "" && o.CustLastName == "" && o.CustCompany == "" {
		m = append(m, "cust_company")
	}
	return m
}

// ---- state ----

func (s *Server) nowUTC() time.Time { return s.now().UTC().Truncate(time.Second) }

// insertLocked normalises a new order as CartRover does on load and stores it.
func (s *Server) insertLocked(o *cartrover.Order) {
	now := s.nowUTC()
	o.OrderStatus = cartrover.StatusNew
	if o.CreatedDateTime.IsZero() {
		o.CreatedDateTime = cartrover.Time{Time: now}
	}
	o.UpdatedDateTime = o.CreatedDateTime
	if o.OrderDate.IsZero() {
		o.OrderDate = cartrover.Date{Time: o.CreatedDateTime.Truncate(24 * time.Hour)}
	}
	if o.CustPONo == "" {
		o.CustPONo = o.CustRef
	}
	if o.OrderSource == "" {
		o.OrderSource = "APIAccess1"
	}
	if o.ShipIsBilling {
		o.CustCompany, o.CustTitle, o.CustFirstName, o.CustLastName = o.ShipCompany, o.ShipTitle, o.ShipFirstName, o.ShipLastName
		o.CustAddress1, o.CustAddress2, o.CustAddress3 = o.ShipAddress1, o.ShipAddress2, o.ShipAddress3
		o.CustCity, o.CustState, o.CustZip, o.CustCountry = o.ShipCity, o.ShipState, o.ShipZip, o.ShipCountry
		o.CustPhone, o.CustEmail = o.ShipPhone, o.ShipEmail
		o.ShipIsBilling = false
	}
	if o.CurrencyCode == "" {
		o.CurrencyCode = "USD"
	}
	if o.PayType == "" {
		o.PayType = "CA"
	}
	var sub, tax, addl, qty decimal.Decimal
	for i := range o.Items {
		it := &o.Items[i]
		if it.LineNo == 0 {
			it.LineNo = cartrover.Int(i + 1)
		}
		if it.ExtendedAmount.IsZero() {
			it.ExtendedAmount = cartrover.NewDecimal(it.Price.Sub(it.Discount.Decimal).Mul(it.Quantity.Decimal))
		}
		it.Price = money(it.Price, 4)
		it.Discount = money(it.Discount, 4)
		it.AddlDiscount = money(it.AddlDiscount, 4)
		it.ExtendedAmount = money(it.ExtendedAmount, 2)
		it.Tax = money(it.Tax, 2)
		it.ShippingSurcharge = money(it.ShippingSurcharge, 2)
		if !it.FilteredSKU {
			sub = sub.Add(it.ExtendedAmount.Decimal)
			tax = tax.Add(it.Tax.Decimal)
			addl = addl.Add(it.AddlDiscount.Decimal)
			qty = qty.Add(it.Quantity.Decimal)
		}
	}
	if o.SubTotal.IsZero() {
		o.SubTotal = cartrover.NewDecimal(sub)
	}
	if o.SalesTax.IsZero() {
		o.SalesTax = cartrover.NewDecimal(tax)
	}
	if o.GrandTotal.IsZero() {
		o.GrandTotal = cartrover.NewDecimal(o.SubTotal.Add(o.SalesTax.Decimal).Add(o.ShippingHandling.Decimal).Sub(o.OrderDiscount.Decimal))
	}
	for _, d := range []*cartrover.Decimal{&o.SubTotal, &o.OrderDiscount, &o.SalesTax, &o.ShippingHandling, &o.GrandTotal, &o.Balance, &o.PreAuthAmt} {
		*d = money(*d, 2)
	}
	o.TotalQty = cartrover.NewDecimal(qty)
	if o.Shipments == nil {
		o.Shipments = []cartrover.Shipment{}
	}
	s.refreshCounters(o)
	s.nextSeq++
	s.seq[o.CustRef] = s.nextSeq
	s.orders[o.CustRef] = o
}

func money(d cartrover.Decimal, places int32) cartrover.Decimal {
	return cartrover.NewDecimal(d.Round(places))
}

// shippedBySKU sums the quantities in an order's shipments per SKU.
func shippedBySKU(shipments []cartrover.Shipment) map[string]decimal.Decimal {
	m := map[string]decimal.Decimal{}
	for _, sh := range shipments {
		for _, it := range sh.Items {
			m[it.Item] = m[it.Item].Add(it.Quantity.Decimal)
		}
	}
	return m
}

// orderedBySKU sums the ordered quantities per SKU (lines filtered out by the cart do not ship).
func orderedBySKU(o *cartrover.Order) map[string]decimal.Decimal {
	m := map[string]decimal.Decimal{}
	for _, it := range o.Items {
		if !it.FilteredSKU {
			m[it.Item] = m[it.Item].Add(it.Quantity.Decimal)
		}
	}
	return m
}

func (s *Server) refreshCounters(o *cartrover.Order) {
	var shipped decimal.Decimal
	for _, q := range shippedBySKU(o.Shipments) {
		shipped = shipped.Add(q)
	}
	o.NumShipped = cartrover.NewDecimal(shipped)
	o.NumToShip = cartrover.NewDecimal(o.TotalQty.Sub(shipped))
}

// Apply changes one order's status as the update routes do (state machine of spec §3):
// at_wms (from new or error), shipped with shipments (appends boxes; the order becomes shipped
// when every unit shipped, else partial), confirmed (from shipped/partial), error with a message
// (from new or at_wms), new (from error), canceled (from new, at_wms or error). Repeating the
// current status is accepted without change, except shipments, which always append; a box
// repeating a posted tracking number, or shipping more than was ordered, is refused (Invalid).
func (s *Server) Apply(custRef string, u Update) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[custRef]
	if !ok {
		return notFound(custRef)
	}
	if err := s.applyLocked(o, u); err != nil {
		return err
	}
	s.saveLocked()
	return nil
}

func (s *Server) applyLocked(o *cartrover.Order, u Update) error {
	now := cartrover.Time{Time: s.nowUTC()}
	st := o.OrderStatus
	in := func(ss ...cartrover.Status) bool { return slices.Contains(ss, st) }
	refuse := func(what string) error {
		return invalid("Order %s is %s: cannot %s", o.CustRef, st, what)
	}
	switch u.OrderStatus {
	case cartrover.StatusAtWMS:
		switch {
		case in(cartrover.StatusAtWMS, cartrover.StatusPartial, cartrover.StatusShipped, cartrover.StatusConfirmed):
			return nil // already delivered to the WMS
		case in(cartrover.StatusNew, cartrover.StatusError):
			o.OrderStatus = cartrover.StatusAtWMS
			o.DeliveredToWMSDate, o.MarkInProgressDate = now, now
			o.ErrorCode, o.ErrorMsg, o.ErrorReason, o.OnHold = "", "", "", false
		default:
			return refuse("mark it at_wms")
		}
	case cartrover.StatusShipped, cartrover.StatusPartial:
		if in(cartrover.StatusCanceled) {
			return failure("Order %s is canceled: cannot add shipments", o.CustRef)
		}
		if in(cartrover.StatusError) {
			return refuse("add shipments (set it back to new or at_wms first)")
		}
		if len(u.Shipments) == 0 {
			return invalid("Order %s: order_status %s needs shipments", o.CustRef, u.OrderStatus)
		}
		if err := checkShipments(o, u.Shipments); err != nil {
			return err
		}
		for _, sh := range u.Shipments {
			if sh.Date.IsZero() {
				sh.Date = now
			}
			sh.Items = slices.Clone(sh.Items)
			o.Shipments = append(o.Shipments, sh)
		}
		if o.DeliveredToWMSDate.IsZero() {
			o.DeliveredToWMSDate = now
		}
		o.ShipmentLoadedDate = now
		if !in(cartrover.StatusConfirmed) {
			o.OrderStatus = shipStatus(o)
		}
		s.refreshCounters(o)
	case cartrover.StatusConfirmed:
		switch {
		case in(cartrover.StatusConfirmed):
			return nil
		case in(cartrover.StatusShipped, cartrover.StatusPartial):
			o.OrderStatus = cartrover.StatusConfirmed
			o.ConfirmedDate = now
		default:
			return refuse("confirm tracking before it shipped")
		}
	case cartrover.StatusError:
		if strings.TrimSpace(u.ErrorMsg) == "" {
			return invalid("Order %s: order_status error needs an error_msg", o.CustRef)
		}
		switch {
		case in(cartrover.StatusNew, cartrover.StatusAtWMS, cartrover.StatusError):
			o.OrderStatus = cartrover.StatusError
			o.ErrorMsg, o.ErrorReason, o.ErrorCode = u.ErrorMsg, u.ErrorMsg, "Manual"
			o.ErrorDate = now
		default:
			return refuse("put it on error")
		}
	case cartrover.StatusNew:
		switch {
		case in(cartrover.StatusNew):
			return nil
		case in(cartrover.StatusError):
			o.OrderStatus = cartrover.StatusNew
			o.ErrorCode, o.ErrorMsg, o.ErrorReason = "", "", ""
		default:
			return refuse("set it back to new")
		}
	case cartrover.StatusCanceled:
		switch {
		case in(cartrover.StatusCanceled):
			return nil
		case in(cartrover.StatusNew, cartrover.StatusAtWMS, cartrover.StatusError):
			o.OrderStatus = cartrover.StatusCanceled
			o.CancelDate = now
		default:
			return failure("Order %s is already %s and cannot be canceled", o.CustRef, st)
		}
	default:
		return invalid("Invalid order_status %q for an update: use at_wms, shipped, confirmed, error, new or canceled", u.OrderStatus)
	}
	o.UpdatedDateTime = now
	return nil
}

// checkShipments refuses boxes with SKUs not on the order, more units than were ordered, or a
// tracking number already on the order: a simulator that catches double posting (real CartRover's
// behaviour here is unknown).
func checkShipments(o *cartrover.Order, add []cartrover.Shipment) error {
	ordered := orderedBySKU(o)
	shipped := shippedBySKU(o.Shipments)
	tracking := map[string]bool{}
	for _, sh := range o.Shipments {
		tracking[sh.TrackingNo] = true
	}
	for i, sh := range add {
		if sh.TrackingNo != "" && tracking[sh.TrackingNo] {
			return invalid("Order %s: tracking number %s was already posted", o.CustRef, sh.TrackingNo)
		}
		tracking[sh.TrackingNo] = true
		for _, it := range sh.Items {
			want, ok := ordered[it.Item]
			if !ok {
				return invalid("Order %s: shipment %d has item %s, which is not on the order", o.CustRef, i+1, it.Item)
			}
			if !it.Quantity.IsPositive() {
				return invalid("Order %s: shipment %d item %s needs a positive quantity", o.CustRef, i+1, it.Item)
			}
			shipped[it.Item] = shipped[it.Item].Add(it.Quantity.Decimal)
			if shipped[it.Item].GreaterThan(want) {
				return invalid("Order %s: shipments would ship %s of item %s but %s were ordered", o.CustRef, shipped[it.Item], it.Item, want)
			}
		}
	}
	return nil
}

// shipStatus is shipped when every ordered unit shipped (or no box lists items), else partial.
func shipStatus(o *cartrover.Order) cartrover.Status {
	shipped := shippedBySKU(o.Shipments)
	if len(shipped) == 0 {
		return cartrover.StatusShipped
	}
	for sku, q := range orderedBySKU(o) {
		if shipped[sku].LessThan(q) {
			return cartrover.StatusPartial
		}
	}
	return cartrover.StatusShipped
}

func cloneOrder(o *cartrover.Order) cartrover.Order {
	c := *o
	c.ExtraFields = cloneMap(o.ExtraFields)
	c.Items = slices.Clone(o.Items)
	for i := range c.Items {
		c.Items[i].ExtraFields = cloneMap(c.Items[i].ExtraFields)
	}
	c.Shipments = slices.Clone(o.Shipments)
	for i := range c.Shipments {
		c.Shipments[i].Items = slices.Clone(c.Shipments[i].Items)
	}
	return c
}

func cloneMap(m cartrover.StringMap) cartrover.StringMap {
	if m == nil {
		return nil
	}
	out := make(cartrover.StringMap, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// ---- Go API for tests and the starter ----

// AddOrders stores orders as if a cart had delivered them (status new, dates set, totals
// completed), without the Cart-create field checks, so held-order cases can be built. A
// duplicate or empty cust_ref fails the whole call before anything is stored.
func (s *Server) AddOrders(orders ...cartrover.Order) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[string]bool{}
	for i, o := range orders {
		if o.CustRef == "" {
			return fmt.Errorf("cartroversim: order %d has no cust_ref: set one", i+1)
		}
		if _, dup := s.orders[o.CustRef]; dup || seen[o.CustRef] {
			return fmt.Errorf("cartroversim: cust_ref %s already exists: use a unique cust_ref", o.CustRef)
		}
		seen[o.CustRef] = true
	}
	for _, o := range orders {
		c := cloneOrder(&o)
		s.insertLocked(&c)
	}
	s.saveLocked()
	return nil
}

// Order returns a copy of one order.
func (s *Server) Order(custRef string) (cartrover.Order, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[custRef]
	if !ok {
		return cartrover.Order{}, false
	}
	return cloneOrder(o), true
}

// Orders returns copies of all orders in creation order.
func (s *Server) Orders() []cartrover.Order {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := make([]*cartrover.Order, 0, len(s.orders))
	for _, o := range s.orders {
		list = append(list, o)
	}
	slices.SortFunc(list, func(a, b *cartrover.Order) int { return cmp.Compare(s.seq[a.CustRef], s.seq[b.CustRef]) })
	out := make([]cartrover.Order, len(list))
	for i, o := range list {
		out[i] = cloneOrder(o)
	}
	return out
}

// CountByStatus returns how many orders are in each status.
func (s *Server) CountByStatus() map[cartrover.Status]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := map[cartrover.Status]int{}
	for _, o := range s.orders {
		m[o.OrderStatus]++
	}
	return m
}

func sortBySeq(list []cartrover.Order, seq map[string]uint64) {
	slices.SortFunc(list, func(a, b cartrover.Order) int { return cmp.Compare(seq[a.CustRef], seq[b.CustRef]) })
}
