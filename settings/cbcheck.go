package settings

import (
	"fmt"
	"strings"
)

// SameCode reports whether two CB codes (shipping method group or code, payment term, warehouse, …)
// name the same thing: CB compares codes case-insensitively, and so do the order workflow and
// `settings check --against-cb`, so both accept exactly the same settings.
func SameCode(a, b string) bool { return strings.EqualFold(a, b) }

// Is reports whether m is the CB shipping method group/code (compared as SameCode does).
func (m ShippingMethod) Is(group, code string) bool {
	return SameCode(m.Group, group) && SameCode(m.Code, code)
}

// CBSetKind names a list CB keeps that settings refer to.
type CBSetKind string

// The CB lists settings name codes from.
const (
	CBShippingMethods        CBSetKind = "shipping method"
	CBWarehouses             CBSetKind = "warehouse"
	CBPaymentTerms           CBSetKind = "payment term"
	CBSources                CBSetKind = "source"
	CBWebSites               CBSetKind = "e-commerce web site"
	CBCustomerClassTemplates CBSetKind = "customer class template"
	CBShipToClassTemplates   CBSetKind = "ship-to class template"
)

// CBSet is one list of CB codes: a kind, and for class templates the business type they are
// listed for (CB lists templates per business type).
type CBSet struct {
	Kind         CBSetKind
	BusinessType string
}

// CBRef is one CB code a settings file names: the settings key naming it, the CB set that must
// hold it and the code (shipping methods are a group + code pair; other sets use Code only).
type CBRef struct {
	Key   string
	Set   CBSet
	Group string
	Code  string
}

// CBRefs lists every CB code s names, in a stable order (keys sorted by cart), empty codes left out
// (they select CB's defaults). The source code is always named (it defaults to "CartRover").
func (s Settings) CBRefs() []CBRef {
	s.ApplyDefaults()
	var refs []CBRef
	add := func(key string, kind CBSetKind, bt, code string) {
		if code != "" {
			refs = append(refs, CBRef{Key: key, Set: CBSet{Kind: kind, BusinessType: bt}, Code: code})
		}
	}
	shipping := func(key string, sh Shipping) {
		for i, r := range sh.Rules {
			refs = append(refs, CBRef{Key: fmt.Sprintf("%s.rules[%d].to", key, i), Set: CBSet{Kind: CBShippingMethods}, Group: r.To.Group, Code: r.To.Code})
		}
		if d := sh.Default; d != nil {
			refs = append(refs, CBRef{Key: key + ".default", Set: CBSet{Kind: CBShippingMethods}, Group: d.Group, Code: d.Code})
		}
	}
	shipping("shipping", s.Shipping)
	carts := sortedKeys(s.Carts)
	for _, k := range carts {
		if sh := s.Carts[k].Shipping; sh != nil {
			shipping("carts."+k+".shipping", *sh)
		}
	}
	add("warehouse", CBWarehouses, "", s.Warehouse)
	for i, w := range s.Inventory.Warehouses {
		add(fmt.Sprintf("inventory.warehouses[%d]", i), CBWarehouses, "", w)
	}
	add("payment_term", CBPaymentTerms, "", s.PaymentTerm)
	refs = append(refs, CBRef{Key: "source_code", Set: CBSet{Kind: CBSources}, Code: s.SourceCode})
	add("website_code", CBWebSites, "", s.WebSiteCode)
	bt := s.Customers.BusinessType
	add("customers.customer_class_template", CBCustomerClassTemplates, bt, s.Customers.CustomerClassTemplate)
	add("customers.ship_to_class_template", CBShipToClassTemplates, bt, s.Customers.ShipToClassTemplate)
	for _, k := range carts {
		c, key := s.Carts[k], "carts."+k
		cbt := c.BusinessType
		if cbt == "" {
			cbt = bt
		}
		add(key+".warehouse", CBWarehouses, "", c.Warehouse)
		add(key+".payment_term", CBPaymentTerms, "", c.PaymentTerm)
		add(key+".website_code", CBWebSites, "", c.WebSiteCode)
		add(key+".customer_class_template", CBCustomerClassTemplates, cbt, c.CustomerClassTemplate)
		add(key+".ship_to_class_template", CBShipToClassTemplates, cbt, c.ShipToClassTemplate)
	}
	return refs
}

// CBSets lists the distinct sets refs need, in order of first use: what to ask CB for.
func CBSets(refs []CBRef) []CBSet {
	var sets []CBSet
	seen := map[CBSet]bool{}
	for _, r := range refs {
		if !seen[r.Set] {
			seen[r.Set] = true
			sets = append(sets, r.Set)
		}
	}
	return sets
}

// CBCode is one entry of a CB set: a code, with its group for shipping methods.
type CBCode struct {
	Group string
	Code  string
}

// MissingInCB returns a problem for every ref whose code is not in its set in have (what CB
// holds, by set), naming the settings key and the fix; nil when CB holds every code.
func MissingInCB(refs []CBRef, have map[CBSet][]CBCode) []FieldError {
	var probs []FieldError
	for _, r := range refs {
		if holds(have[r.Set], r) {
			continue
		}
		var p string
		switch r.Set.Kind {
		case CBShippingMethods:
			fix := "pick an existing group and code"
			if strings.HasSuffix(r.Key, ".to") {
				fix = "map the rule to an existing group and code"
			}
			p = fmt.Sprintf("CB has no shipping method %s/%s: create it in CB or %s", r.Group, r.Code, fix)
		case CBSources:
			p = fmt.Sprintf("CB has no source %q: create it in CB or use an existing source code", r.Code)
		case CBCustomerClassTemplates, CBShipToClassTemplates:
			p = fmt.Sprintf("CB has no %s %s %q: use an existing class template code (or leave it empty for CB's default)", r.Set.BusinessType, r.Set.Kind, r.Code)
		default:
			p = fmt.Sprintf("CB has no %s %q: use an existing %s code", r.Set.Kind, r.Code, r.Set.Kind)
		}
		probs = append(probs, FieldError{Key: r.Key, Problem: p})
	}
	return probs
}

func holds(set []CBCode, r CBRef) bool {
	for _, c := range set {
		if SameCode(c.Code, r.Code) && (r.Set.Kind != CBShippingMethods || SameCode(c.Group, r.Group)) {
			return true
		}
	}
	return false
}
