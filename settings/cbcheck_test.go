package settings_test

import (
	"strings"
	"testing"

	"github.com/cartrover-cb/ordermanager/settings"
)

func TestCBRefsNameEveryCodeWithItsKeyAndSet(t *testing.T) {
	s := settings.Settings{
		Warehouse: "MAIN", PaymentTerm: "NET30",
		Customers: settings.Customers{BusinessType: "Retail", ShipToClassTemplate: "SHIPTO-US"},
		Shipping:  settings.Shipping{Rules: []settings.ShipRule{{ShipCode: "std", To: settings.ShippingMethod{Group: "DEFAULT", Code: "UPS Ground"}}}},
		Carts: map[string]settings.Cart{
			"Zeta":   {Warehouse: "EAST"},
			"Amazon": {BusinessType: "Wholesale", CustomerClassTemplate: "WHOLESALE-US", Shipping: &settings.Shipping{Default: &settings.ShippingMethod{Group: "G", Code: "C"}}},
		},
	}
	var got []string
	for _, r := range s.CBRefs() {
		got = append(got, r.Key+"="+string(r.Set.Kind)+"/"+r.Set.BusinessType+":"+r.Group+"/"+r.Code)
	}
	want := []string{
		"shipping.rules[0].to=shipping method/:DEFAULT/UPS Ground",
		"carts.Amazon.shipping.default=shipping method/:G/C",
		"warehouse=warehouse/:/MAIN",
		"payment_term=payment term/:/NET30",
		"source_code=source/:/CartRover", // the default source is named too
		"customers.ship_to_class_template=ship-to class template/Retail:/SHIPTO-US",
		"carts.Amazon.customer_class_template=customer class template/Wholesale:/WHOLESALE-US", // the cart's business type
		"carts.Zeta.warehouse=warehouse/:/EAST",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("refs:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	sets := settings.CBSets(s.CBRefs())
	if len(sets) != 6 { // shipping methods, warehouses, payment terms, sources, two template sets
		t.Errorf("sets %v: want each set once", sets)
	}
}

func TestMissingInCBMatchesCodesAsTheWorkflowDoes(t *testing.T) {
	s := settings.Settings{
		Warehouse: "main", SourceCode: "Web",
		Shipping: settings.Shipping{
			Rules:   []settings.ShipRule{{ShipCode: "std", To: settings.ShippingMethod{Group: "default", Code: "ups ground"}}},
			Default: &settings.ShippingMethod{Group: "X", Code: "Y"},
		},
	}
	have := map[settings.CBSet][]settings.CBCode{
		{Kind: settings.CBShippingMethods}: {{Group: "DEFAULT", Code: "UPS Ground"}, {Group: "Y", Code: "X"}},
		{Kind: settings.CBWarehouses}:      {{Code: "MAIN"}},
		{Kind: settings.CBSources}:         {{Code: "CartRover"}},
	}
	probs := settings.MissingInCB(s.CBRefs(), have)
	var keys []string
	for _, p := range probs {
		keys = append(keys, p.Key)
	}
	// Case differs for the rule and the warehouse: CB and the workflow accept those; the default
	// (group and code swapped) and the source are missing.
	if strings.Join(keys, ",") != "shipping.default,source_code" {
		t.Fatalf("problems %v", probs)
	}
	if !strings.Contains(probs[0].Problem, "CB has no shipping method X/Y") || !strings.Contains(probs[1].Problem, `CB has no source "Web"`) {
		t.Errorf("problems do not name what is missing: %v", probs)
	}
	// The workflow's side: the resolved method is found in CB's list by the same rule.
	m, _, ok := s.Resolve("Shopify").ShipMethod("STD", "", "")
	if !ok || !m.Is("DEFAULT", "UPS Ground") || m.Is("DEFAULT", "UPS Groun") {
		t.Errorf("resolved %v %v: Is disagrees with the check", m, ok)
	}
	if settings.MissingInCB(nil, nil) != nil {
		t.Error("no refs, yet problems")
	}
}
