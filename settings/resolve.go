package settings

import (
	"strconv"
	"strings"
)

// Resolved is the settings one order uses: the defaults with its order source's cart overrides
// applied. Every field also says which settings key it came from, so that a held order's message
// can name the key that fixes it. It is JSON-friendly: ImportOrder receives it in its input.
type Resolved struct {
	// OrderSource is the CartRover order_source the settings were resolved for.
	OrderSource string `json:"order_source"`
	// HasCart is true when carts.<order_source> exists.
	HasCart               bool   `json:"has_cart,omitempty"`
	SourceCode            string `json:"source_code"`
	WebSiteCode           string `json:"website_code,omitempty"`
	Warehouse             string `json:"warehouse"`
	PaymentTerm           string `json:"payment_term,omitempty"`
	BusinessType          string `json:"business_type"`
	CustomerClassTemplate string `json:"customer_class_template,omitempty"`
	ShipToClassTemplate   string `json:"ship_to_class_template,omitempty"`
	Match                 string `json:"match"`
	// ShipRules are the applicable rules in match order: the cart's, its default, then the global
	// rules and the global default.
	ShipRules []KeyedRule `json:"ship_rules,omitempty"`
	// SKUs maps CartRover SKU → CB ItemName (cart entries win over global ones).
	SKUs map[string]string `json:"skus,omitempty"`
	// SKUKeys says, for each SKUs entry, the settings key it came from.
	SKUKeys map[string]string `json:"sku_keys,omitempty"`
}

// KeyedRule is a shipping rule with the settings key it came from ("shipping.rules[2]",
// "carts.Shopify.shipping.default"); a default rule has no match fields and matches everything.
type KeyedRule struct {
	ShipRule
	Key string `json:"key"`
}

// Resolve returns the settings for orders from orderSource: cart overrides (carts.<orderSource>)
// over the defaults, with the documented defaults for anything still empty.
func (s Settings) Resolve(orderSource string) Resolved {
	s.ApplyDefaults()
	r := Resolved{
		OrderSource:           orderSource,
		SourceCode:            s.SourceCode,
		WebSiteCode:           s.WebSiteCode,
		Warehouse:             s.Warehouse,
		PaymentTerm:           s.PaymentTerm,
		BusinessType:          s.Customers.BusinessType,
		CustomerClassTemplate: s.Customers.CustomerClassTemplate,
		ShipToClassTemplate:   s.Customers.ShipToClassTemplate,
		Match:                 s.Customers.Match,
	}
	c, ok := s.Carts[orderSource]
	if ok {
		r.HasCart = true
		pick(&r.WebSiteCode, c.WebSiteCode)
		pick(&r.Warehouse, c.Warehouse)
		pick(&r.PaymentTerm, c.PaymentTerm)
		pick(&r.BusinessType, c.BusinessType)
		pick(&r.Match, c.Match)
		if c.BusinessType != "" && c.BusinessType != s.Customers.BusinessType {
			// Another business type selects other CB default templates: the global templates
			// (chosen for the global business type) no longer apply unless the cart names its own.
			r.CustomerClassTemplate, r.ShipToClassTemplate = "", ""
		}
		pick(&r.CustomerClassTemplate, c.CustomerClassTemplate)
		pick(&r.ShipToClassTemplate, c.ShipToClassTemplate)
		if c.Shipping != nil {
			r.ShipRules = appendRules(r.ShipRules, "carts."+orderSource+".shipping", *c.Shipping)
		}
	}
	r.ShipRules = appendRules(r.ShipRules, "shipping", s.Shipping)
	// Sorted keys, not map ranging: workflows call Resolve, and their code must be deterministic.
	for _, sku := range sortedKeys(s.SKUs) {
		r.setSKU(sku, s.SKUs[sku], "skus."+sku)
	}
	if ok {
		for _, sku := range sortedKeys(c.SKUs) {
			r.setSKU(sku, c.SKUs[sku], "carts."+orderSource+".skus."+sku)
		}
	}
	return r
}

func pick(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}

func appendRules(rules []KeyedRule, key string, sh Shipping) []KeyedRule {
	for i, rule := range sh.Rules {
		rules = append(rules, KeyedRule{ShipRule: rule, Key: key + ".rules[" + strconv.Itoa(i) + "]"})
	}
	if sh.Default != nil {
		rules = append(rules, KeyedRule{ShipRule: ShipRule{To: *sh.Default}, Key: key + ".default"})
	}
	return rules
}

func (r *Resolved) setSKU(sku, name, key string) {
	if r.SKUs == nil {
		r.SKUs, r.SKUKeys = map[string]string{}, map[string]string{}
	}
	r.SKUs[sku] = name
	r.SKUKeys[sku] = key
}

// ShipMethod maps an order's ship code, carrier and ship code description to a CB shipping method.
// It returns the method, the key of the rule that matched, and false when nothing matches (the order
// is then held until ShippingKey gets a rule). A rule matches when every field it sets equals the
// order's (case and surrounding blanks ignored).
func (r Resolved) ShipMethod(shipCode, carrier, description string) (ShippingMethod, string, bool) {
	for _, rule := range r.ShipRules {
		if same(rule.ShipCode, shipCode) && same(rule.Carrier, carrier) && same(rule.ShipCodeDescription, description) {
			return rule.To, rule.Key, true
		}
	}
	return ShippingMethod{}, "", false
}

func same(ruleValue, orderValue string) bool {
	return ruleValue == "" || strings.EqualFold(strings.TrimSpace(ruleValue), strings.TrimSpace(orderValue))
}

// ShippingKey is the settings key where a missing ship-code rule for this order source belongs.
func (r Resolved) ShippingKey() string {
	if r.HasCart {
		return "carts." + r.OrderSource + ".shipping.rules"
	}
	return "shipping.rules"
}

// ItemName maps a CartRover SKU to the CB ItemName (the SKU itself when no map entry exists) and
// returns the settings key that mapped it ("" when unmapped).
func (r Resolved) ItemName(sku string) (string, string) {
	if name, ok := r.SKUs[sku]; ok {
		return name, r.SKUKeys[sku]
	}
	return sku, ""
}

// SKUKey is the settings key where a SKU map entry for this order source belongs.
func (r Resolved) SKUKey(sku string) string {
	if k, ok := r.SKUKeys[sku]; ok {
		return k
	}
	if r.HasCart {
		return "carts." + r.OrderSource + ".skus." + sku
	}
	return "skus." + sku
}

// ForSKUs returns a copy whose SKU map holds only the given SKUs: what one order's workflow needs
// (history stays small however large the map is).
func (r Resolved) ForSKUs(skus []string) Resolved {
	out := r
	out.SKUs, out.SKUKeys = nil, nil
	for _, sku := range skus {
		if name, ok := r.SKUs[sku]; ok {
			out.setSKU(sku, name, r.SKUKeys[sku])
		}
	}
	return out
}
