package cbsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// SeedItems adds or replaces items (stock is untouched).
func (s *Server) SeedItems(items ...Item) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, it := range items {
		it := it
		s.st.Items[it.Code] = &it
	}
	s.st.sorted = nil
	s.dirty = true
}

// AddSyntheticItems adds n active items ITEM-9nnnnn (ItemName SYN-nnnnnn) with stockEach units in
// every warehouse, and returns their codes.
func (s *Server) AddSyntheticItems(n, stockEach int) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	codes := make([]string, 0, n)
	base := len(s.st.Items)
	for i := 1; i <= n; i++ {
		code := fmt.Sprintf("ITEM-9%05d", base+i)
		s.st.Items[code] = &Item{Code: code, Name: fmt.Sprintf("SYN-%06d", base+i), Description: "Synthetic item",
			UPC: fmt.Sprintf("0999%08d", base+i), Retail: decimal.RequireFromString("10.00"), Wholesale: decimal.RequireFromString("5.00"),
			WeightLbs: decimal.RequireFromString("0.50"), Active: true}
		for _, wh := range s.st.Warehouses {
			s.st.setStock(code, wh, decimal.NewFromInt(int64(stockEach)))
		}
		codes = append(codes, code)
	}
	s.st.sorted = nil
	s.dirty = true
	return codes
}

// RemoveItems removes items and their stock.
func (s *Server) RemoveItems(codes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range codes {
		delete(s.st.Items, c)
		delete(s.st.Stock, c)
	}
	s.st.sorted = nil
	s.dirty = true
}

// SetStock sets the on-hand quantity (base units) of an item in a warehouse.
func (s *Server) SetStock(itemCode, warehouse string, onHand int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.setStock(itemCode, warehouse, decimal.NewFromInt(int64(onHand)))
	s.dirty = true
}

// FreeStockOf returns the free stock (base units) of an item in a warehouse.
func (s *Server) FreeStockOf(itemCode, warehouse string) decimal.Decimal {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.level(itemCode, warehouse).free()
}

// SetCreditHold puts a customer on (or off) credit hold.
func (s *Server) SetCreditHold(customerCode string, hold bool) error {
	return s.mutate(func(st *state) error {
		c := st.Customers[customerCode]
		if c == nil {
			return fmt.Errorf("cbsim: customer %s does not exist", customerCode)
		}
		c.CreditHold = hold
		return nil
	})
}

// mutate changes the state with f under the lock; the state is saved later unless f failed.
func (s *Server) mutate(f func(*state) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := f(s.st); err != nil {
		return err
	}
	s.dirty = true
	return nil
}

// AddCustomer adds a customer as it is (its address as CB would have reformatted it, say) with
// a default ship-to of the same address, and returns its code.
func (s *Server) AddCustomer(c Customer, shipToClass string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.addCustomer(&c, shipToClass)
	s.dirty = true
	return c.Code
}

// AddClassTemplate lists one more customer (or, with shipTo, ship-to) class template for a country
// ahead of the seeded ones, as CB may list a non-default template first.
func (s *Server) AddClassTemplate(businessType, classCode, country string, shipTo, isDefault bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := classTemplate{BusinessType: businessType, ClassCode: classCode, Description: classCode, Country: country, ShipTo: shipTo, IsDefault: isDefault}
	s.st.Templates = append([]classTemplate{t}, s.st.Templates...)
	s.dirty = true
}

// VoidOrder voids a sales order, as a CB user would in the CB client.
func (s *Server) VoidOrder(code string) error {
	return s.mutate(func(st *state) error {
		o := st.Orders[code]
		if o == nil {
			return fmt.Errorf("cbsim: sales order %s does not exist", code)
		}
		o.Voided = true
		return nil
	})
}

// Customers returns a copy of every customer, by code order.
func (s *Server) Customers() []Customer {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Customer
	for _, c := range s.sortedCustomers() {
		out = append(out, *c)
	}
	return out
}

func copyOrder(o *SalesOrder) SalesOrder {
	c := *o
	c.Lines = append([]SalesOrderLine(nil), o.Lines...)
	c.Boxes = append([]Box(nil), o.Boxes...)
	return c
}

// SalesOrders returns a copy of every sales order, by code order.
func (s *Server) SalesOrders() []SalesOrder {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []SalesOrder
	for _, o := range s.sortedOrders() {
		out = append(out, copyOrder(o))
	}
	return out
}

// SalesOrdersByPOCode returns the sales orders whose POCode is po (more than one is a duplicate).
func (s *Server) SalesOrdersByPOCode(po string) []SalesOrder {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []SalesOrder
	for _, o := range s.sortedOrders() {
		if o.POCode == po {
			out = append(out, copyOrder(o))
		}
	}
	return out
}

// serveAdmin serves the test-only routes under /_sim/ (no auth; never expose them):
//
//	POST /_sim/items            {"synthetic":N,"stock":Q}           → {"codes":[…]}
//	PUT  /_sim/stock            {"item":"ITEM-…","warehouse":"MAIN","quantity":Q}
//	POST /_sim/orders/{code}/ship {"partial":bool,"boxes":n}
//	GET  /_sim/orders[?po=…]    → sales orders
//	PUT  /_sim/customers/{code}/credit-hold {"hold":bool}
//	PUT  /_sim/faults           {"latency":"200ms","fail5xx":n,"drop":n,"saveThenTimeout":n,"unauthorized":n,
//	                             "reject":n,"rejectMessage":"…","route":"…"}
//	GET  /_sim/stats, DELETE /_sim/stats
func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(strings.TrimPrefix(r.URL.Path, "/_sim/"), "/"), "/")
	bad := func(err error) { writeJSON(w, http.StatusBadRequest, map[string]any{"error": err.Error()}) }
	switch {
	case r.Method == http.MethodPost && parts[0] == "items":
		var b struct{ Synthetic, Stock int }
		if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
			bad(err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"codes": s.AddSyntheticItems(b.Synthetic, b.Stock)})
	case r.Method == http.MethodPut && parts[0] == "stock":
		var b struct {
			Item, Warehouse string
			Quantity        int
		}
		if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
			bad(err)
			return
		}
		s.SetStock(b.Item, b.Warehouse, b.Quantity)
		writeJSON(w, http.StatusOK, map[string]any{"ok": true})
	case r.Method == http.MethodPost && parts[0] == "orders" && len(parts) == 3 && parts[2] == "ship":
		var opt ShipOptions
		_ = json.NewDecoder(r.Body).Decode(&opt)
		if err := s.ShipNow(parts[1], opt); err != nil {
			bad(err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"ok": true})
	case r.Method == http.MethodGet && parts[0] == "orders":
		if po := r.URL.Query().Get("po"); po != "" {
			writeJSON(w, http.StatusOK, s.SalesOrdersByPOCode(po))
			return
		}
		writeJSON(w, http.StatusOK, s.SalesOrders())
	case r.Method == http.MethodPut && parts[0] == "customers" && len(parts) == 3 && parts[2] == "credit-hold":
		var b struct{ Hold bool }
		_ = json.NewDecoder(r.Body).Decode(&b)
		if err := s.SetCreditHold(parts[1], b.Hold); err != nil {
			bad(err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"ok": true})
	case r.Method == http.MethodPut && parts[0] == "faults":
		var b struct {
			Latency                                              string
			Fail5xx, Drop, SaveThenTimeout, Unauthorized, Reject int
			RejectMessage, Route                                 string
		}
		if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
			bad(err)
			return
		}
		f := Faults{Fail5xx: b.Fail5xx, Drop: b.Drop, SaveThenTimeout: b.SaveThenTimeout, Unauthorized: b.Unauthorized,
			Reject: b.Reject, RejectMessage: b.RejectMessage, Route: b.Route}
		if b.Latency != "" {
			d, err := parseDuration(b.Latency)
			if err != nil {
				bad(err)
				return
			}
			f.Latency = d
		}
		s.SetFaults(f)
		writeJSON(w, http.StatusOK, map[string]any{"ok": true})
	case parts[0] == "stats" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, s.Stats())
	case parts[0] == "stats" && r.Method == http.MethodDelete:
		s.ResetStats()
		writeJSON(w, http.StatusOK, map[string]any{"ok": true})
	default:
		http.NotFound(w, r)
	}
}

func parseDuration(s string) (time.Duration, error) { return time.ParseDuration(s) }

// ShipTosOf returns a copy of the ship-tos of one customer, by code order.
func (s *Server) ShipTosOf(customerCode string) []ShipTo {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []ShipTo
	for _, st := range s.st.ShipTos {
		if st.CustomerCode == customerCode {
			out = append(out, *st)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// SignedIn reports whether user has a CB session open (signed in and not signed out since).
func (s *Server) SignedIn(user string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.signed[user]
}
