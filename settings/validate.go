package settings

import (
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"
)

// FieldError is one problem in a settings file: the YAML key (dotted path) and what is wrong with it.
type FieldError struct {
	Key     string `json:"key"`
	Problem string `json:"problem"`
}

// Error renders the problem as "key: problem".
func (e FieldError) Error() string { return e.Key + ": " + e.Problem }

// ValidationError lists every problem Validate found, so one edit can fix them all.
type ValidationError struct {
	Problems []FieldError
}

// Error renders one problem a line.
func (e *ValidationError) Error() string {
	lines := make([]string, 0, len(e.Problems)+1)
	lines = append(lines, fmt.Sprintf("invalid settings (%d problem(s)):", len(e.Problems)))
	for _, p := range e.Problems {
		lines = append(lines, "  "+p.Error())
	}
	return strings.Join(lines, "\n")
}

type problems []FieldError

func (p *problems) add(key, format string, args ...any) {
	*p = append(*p, FieldError{Key: key, Problem: fmt.Sprintf(format, args...)})
}

// Validate checks the settings (after ApplyDefaults) and returns a *ValidationError naming every
// bad key, or nil.
func (s Settings) Validate() error {
	var p problems
	if s.DownloadLimit < 1 || s.DownloadLimit > MaxDownloadLimit {
		p.add("download_limit", "must be between 1 and %d, got %d", MaxDownloadLimit, s.DownloadLimit)
	}
	if strings.TrimSpace(s.SourceCode) == "" {
		p.add("source_code", "must not be blank (CB SourceCode put on every sales order; default %q)", DefaultSourceCode)
	}
	if strings.TrimSpace(s.Warehouse) == "" {
		p.add("warehouse", "is required: the CB warehouse code order lines ship from (e.g. MAIN)")
	}
	checkLen(&p, "source_code", s.SourceCode, 30)
	checkLen(&p, "website_code", s.WebSiteCode, 30)
	checkLen(&p, "warehouse", s.Warehouse, 30)
	checkLen(&p, "payment_term", s.PaymentTerm, 30)
	checkBusinessType(&p, "customers.business_type", s.Customers.BusinessType, false)
	checkMatch(&p, "customers.match", s.Customers.Match, false)
	checkLen(&p, "customers.customer_class_template", s.Customers.CustomerClassTemplate, 30)
	checkLen(&p, "customers.ship_to_class_template", s.Customers.ShipToClassTemplate, 30)
	checkShipping(&p, "shipping", s.Shipping)
	checkSKUs(&p, "skus", s.SKUs)
	for _, src := range sortedKeys(s.Carts) {
		c := s.Carts[src]
		key := "carts." + src
		if strings.TrimSpace(src) == "" {
			p.add("carts", "has an entry with a blank order source; use the CartRover order_source (e.g. Shopify)")
		}
		checkText(&p, key, src)
		checkBusinessType(&p, key+".business_type", c.BusinessType, true)
		checkMatch(&p, key+".match", c.Match, true)
		checkLen(&p, key+".warehouse", c.Warehouse, 30)
		checkLen(&p, key+".website_code", c.WebSiteCode, 30)
		checkLen(&p, key+".payment_term", c.PaymentTerm, 30)
		checkLen(&p, key+".customer_class_template", c.CustomerClassTemplate, 30)
		checkLen(&p, key+".ship_to_class_template", c.ShipToClassTemplate, 30)
		if c.Shipping != nil {
			checkShipping(&p, key+".shipping", *c.Shipping)
		}
		checkSKUs(&p, key+".skus", c.SKUs)
	}
	for i, r := range s.Shipments.Carriers {
		key := fmt.Sprintf("shipments.carriers[%d]", i)
		if strings.TrimSpace(r.CBCarrier) == "" {
			p.add(key+".cb_carrier", "is required (the carrier CB stamps on the box, e.g. UPS)")
		}
		if strings.TrimSpace(r.Carrier) == "" {
			p.add(key+".carrier", "is required (the CartRover carrier code to post)")
		}
		checkText(&p, key+".cb_carrier", r.CBCarrier)
		checkText(&p, key+".cb_service", r.CBService)
		checkText(&p, key+".carrier", r.Carrier)
		checkText(&p, key+".method", r.Method)
	}
	if s.Shipments.Lookback != "" {
		if d, err := time.ParseDuration(s.Shipments.Lookback); err != nil || d <= 0 {
			p.add("shipments.lookback", "must be a positive Go duration such as 72h, got %q", s.Shipments.Lookback)
		}
	}
	if s.Inventory.BatchSize < 1 || s.Inventory.BatchSize > 1000 {
		p.add("inventory.batch_size", "must be between 1 and 1000, got %d", s.Inventory.BatchSize)
	}
	for i, w := range s.Inventory.Warehouses {
		if strings.TrimSpace(w) == "" {
			p.add(fmt.Sprintf("inventory.warehouses[%d]", i), "must not be blank")
		}
		checkText(&p, fmt.Sprintf("inventory.warehouses[%d]", i), w)
	}
	for _, w := range sortedKeys(s.Inventory.SafetyStock.Warehouses) {
		if s.Inventory.SafetyStock.Warehouses[w] < 0 {
			p.add("inventory.safety_stock.warehouses."+w, "must not be negative, got %d", s.Inventory.SafetyStock.Warehouses[w])
		}
	}
	for _, sku := range sortedKeys(s.Inventory.SafetyStock.SKUs) {
		if s.Inventory.SafetyStock.SKUs[sku] < 0 {
			p.add("inventory.safety_stock.skus."+sku, "must not be negative, got %d", s.Inventory.SafetyStock.SKUs[sku])
		}
	}
	if s.Products.BatchSize < 1 || s.Products.BatchSize > 1000 {
		p.add("products.batch_size", "must be between 1 and 1000, got %d", s.Products.BatchSize)
	}
	checkNotify(&p, s.Notify)
	if len(p) == 0 {
		return nil
	}
	return &ValidationError{Problems: p}
}

func checkLen(p *problems, key, v string, max int) {
	if len(v) > max {
		p.add(key, "is %d characters; CB allows at most %d", len(v), max)
	}
	checkText(p, key, v)
}

// checkText refuses control characters (a NUL, a tab, a line break…) in a code or name: no CB or
// CartRover code holds one, and they usually come from a paste gone wrong.
func checkText(p *problems, key, v string) {
	for i, r := range v {
		if unicode.IsControl(r) {
			p.add(key, "contains the control character %U at byte %d (%q): retype the value", r, i, v)
			return
		}
	}
}

func checkBusinessType(p *problems, key, v string, optional bool) {
	if v == "" && optional {
		return
	}
	if v != BusinessRetail && v != BusinessWholesale {
		p.add(key, "must be %s or %s, got %q", BusinessRetail, BusinessWholesale, v)
	}
}

func checkMatch(p *problems, key, v string, optional bool) {
	if v == "" && optional {
		return
	}
	if v != MatchEmail && v != MatchOrderSource {
		p.add(key, "must be %s or %s, got %q", MatchEmail, MatchOrderSource, v)
	}
}

func checkShipping(p *problems, key string, sh Shipping) {
	seen := map[string]int{}
	for i, r := range sh.Rules {
		rk := fmt.Sprintf("%s.rules[%d]", key, i)
		if r.ShipCode == "" && r.Carrier == "" && r.ShipCodeDescription == "" {
			p.add(rk, "matches nothing: set ship_code and/or carrier + ship_code_description")
		}
		checkText(p, rk+".ship_code", r.ShipCode)
		checkText(p, rk+".carrier", r.Carrier)
		checkText(p, rk+".ship_code_description", r.ShipCodeDescription)
		checkMethod(p, rk+".to", r.To)
		id := strings.ToLower(r.ShipCode + "\x00" + r.Carrier + "\x00" + r.ShipCodeDescription)
		if j, dup := seen[id]; dup {
			p.add(rk, "repeats %s.rules[%d] (same ship_code, carrier and ship_code_description); remove one", key, j)
		} else {
			seen[id] = i
		}
	}
	if sh.Default != nil {
		checkMethod(p, key+".default", *sh.Default)
	}
}

func checkMethod(p *problems, key string, m ShippingMethod) {
	if strings.TrimSpace(m.Group) == "" {
		p.add(key+".group", "is required (the CB ShippingMethodGroup, e.g. DEFAULT)")
	}
	if strings.TrimSpace(m.Code) == "" {
		p.add(key+".code", "is required (the CB ShippingMethodCode, e.g. UPS Ground)")
	}
	checkLen(p, key+".group", m.Group, 100)
	checkLen(p, key+".code", m.Code, 30)
}

func checkSKUs(p *problems, key string, m map[string]string) {
	for _, sku := range sortedKeys(m) {
		if strings.TrimSpace(sku) == "" {
			p.add(key, "has a blank CartRover SKU")
		}
		if strings.TrimSpace(m[sku]) == "" {
			p.add(key+"."+sku, "must name a CB ItemName")
		}
		checkText(p, key+"."+sku, sku)
		checkText(p, key+"."+sku, m[sku])
	}
}

// sortedKeys returns m's keys in order: what workflow code may iterate (Resolve and Validate run
// inside workflows).
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	// The keys are sorted before anyone uses them, so the map's random order never shows.
	//workflowcheck:ignore
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
