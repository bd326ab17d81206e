package settings_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cartrover-cb/ordermanager/sandbox/catalog"
	"github.com/cartrover-cb/ordermanager/settings"
)

const minimal = "warehouse: MAIN\n"

func TestParseAppliesDefaults(t *testing.T) {
	s, err := settings.Parse([]byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	if s.SourceCode != "CartRover" || s.DownloadLimit != settings.DefaultDownloadLimit ||
		s.Customers.BusinessType != "Retail" || s.Customers.Match != "email" ||
		s.Inventory.BatchSize != 100 || s.Products.BatchSize != 100 {
		t.Fatalf("defaults not applied: %+v", s)
	}
}

func TestParseRejectsUnknownKeysNamingThem(t *testing.T) {
	_, err := settings.Parse([]byte(minimal + "downlaod_limit: 5\n"))
	if err == nil || !strings.Contains(err.Error(), "downlaod_limit") {
		t.Fatalf("want an error naming the misspelt key, got %v", err)
	}
}

func TestValidateReportsEveryProblemWithItsKey(t *testing.T) {
	doc := `
download_limit: -3
customers: {business_type: Retial, match: phone}
shipping:
  rules:
    - {to: {group: DEFAULT, code: UPS Ground}}
    - {ship_code: std, to: {group: "", code: ""}}
carts:
  Shopify:
    business_type: wholesale
    skus: {TEE: ""}
shipments: {lookback: soon}
`
	_, err := settings.Parse([]byte(doc))
	var ve *settings.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want *ValidationError, got %v", err)
	}
	want := []string{
		"download_limit", "warehouse", "customers.business_type", "customers.match",
		"shipping.rules[0]", "shipping.rules[1].to.group", "shipping.rules[1].to.code",
		"carts.Shopify.business_type", "carts.Shopify.skus.TEE", "shipments.lookback",
	}
	got := map[string]string{}
	for _, p := range ve.Problems {
		got[p.Key] = p.Problem
	}
	for _, k := range want {
		if got[k] == "" {
			t.Errorf("no problem reported for %s; got %v", k, ve.Problems)
		}
	}
	if len(ve.Problems) != len(want) {
		t.Errorf("got %d problems, want %d: %v", len(ve.Problems), len(want), ve.Problems)
	}
	if !strings.Contains(err.Error(), `carts.Shopify.business_type: must be Retail or Wholesale, got "wholesale"`) {
		t.Errorf("message does not name key, problem and value:\n%s", err)
	}
}

func TestResolveAppliesCartOverrides(t *testing.T) {
	s, err := settings.Parse([]byte(`
warehouse: MAIN
website_code: WEB-1
customers: {business_type: Retail, customer_class_template: RETAIL-US, ship_to_class_template: RSHIP}
skus: {A: ITEM-A, B: ITEM-B}
carts:
  Amazon_US2:
    business_type: Wholesale
    warehouse: WEST
    skus: {B: ITEM-B-AMZ}
`))
	if err != nil {
		t.Fatal(err)
	}
	amz := s.Resolve("Amazon_US2")
	if amz.Warehouse != "WEST" || amz.WebSiteCode != "WEB-1" || amz.BusinessType != "Wholesale" || amz.SourceCode != "CartRover" {
		t.Errorf("Amazon_US2 resolved wrongly: %+v", amz)
	}
	if amz.CustomerClassTemplate != "" || amz.ShipToClassTemplate != "" {
		t.Errorf("a cart with another business type must not inherit the Retail templates: %+v", amz)
	}
	if name, key := amz.ItemName("B"); name != "ITEM-B-AMZ" || key != "carts.Amazon_US2.skus.B" {
		t.Errorf("cart SKU map must win: %s %s", name, key)
	}
	if name, key := amz.ItemName("A"); name != "ITEM-A" || key != "skus.A" {
		t.Errorf("global SKU map must apply: %s %s", name, key)
	}
	if name, key := amz.ItemName("C"); name != "C" || key != "" {
		t.Errorf("unmapped SKU is its own ItemName: %s %s", name, key)
	}
	shop := s.Resolve("Shopify")
	if shop.Warehouse != "MAIN" || shop.CustomerClassTemplate != "RETAIL-US" || shop.HasCart {
		t.Errorf("Shopify resolved wrongly: %+v", shop)
	}
	if got := amz.ForSKUs([]string{"A"}); len(got.SKUs) != 1 || got.SKUs["A"] != "ITEM-A" {
		t.Errorf("ForSKUs must keep only the order's SKUs: %v", got.SKUs)
	}
	if amz.SKUKey("Z") != "carts.Amazon_US2.skus.Z" || shop.SKUKey("Z") != "skus.Z" {
		t.Errorf("SKUKey: %s %s", amz.SKUKey("Z"), shop.SKUKey("Z"))
	}
}

func TestShipMethodMatchesCartRulesThenDefaults(t *testing.T) {
	s, err := settings.Parse([]byte(`
warehouse: MAIN
shipping:
  rules:
    - {carrier: UPS, ship_code_description: Ground, to: {group: G, code: GLOBAL-UPS}}
  default: {group: G, code: GLOBAL-DEFAULT}
carts:
  Shopify:
    shipping:
      rules:
        - {ship_code: express, to: {group: G, code: SHOP-EXPRESS}}
  Woo:
    shipping:
      default: {group: G, code: WOO-DEFAULT}
`))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		source, code, carrier, desc, want, key string
	}{
		{"Shopify", " EXPRESS ", "", "", "SHOP-EXPRESS", "carts.Shopify.shipping.rules[0]"},
		{"Shopify", "x", "ups", "ground", "GLOBAL-UPS", "shipping.rules[0]"},
		{"Shopify", "x", "UPS", "Air", "GLOBAL-DEFAULT", "shipping.default"},
		{"Woo", "x", "UPS", "Ground", "WOO-DEFAULT", "carts.Woo.shipping.default"},
	}
	for _, c := range cases {
		m, key, ok := s.Resolve(c.source).ShipMethod(c.code, c.carrier, c.desc)
		if !ok || m.Code != c.want || key != c.key {
			t.Errorf("%s %q/%q/%q → %v %q %v, want %s %s", c.source, c.code, c.carrier, c.desc, m, key, ok, c.want, c.key)
		}
	}
	noDefault, _ := settings.Parse([]byte("warehouse: MAIN\ncarts: {Shopify: {}}\n"))
	if _, _, ok := noDefault.Resolve("Shopify").ShipMethod("express", "", ""); ok {
		t.Error("without rules or default a ship code must stay unmapped")
	}
	if k := noDefault.Resolve("Shopify").ShippingKey(); k != "carts.Shopify.shipping.rules" {
		t.Errorf("ShippingKey = %s", k)
	}
}

func TestSandboxSettingsMapTheCatalogue(t *testing.T) {
	s, err := settings.Load(filepath.Join("..", "deploy", "settings.sandbox.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range catalog.CartShipCodes {
		m, _, ok := s.Resolve(c.OrderSource).ShipMethod(c.ShipCode, c.Carrier, c.Description)
		switch {
		case c.MapsTo.Code == "" && ok:
			t.Errorf("%s %s must stay unmapped (held), maps to %v", c.OrderSource, c.ShipCode, m)
		case c.MapsTo.Code != "" && (!ok || m.Code != c.MapsTo.Code || m.Group != c.MapsTo.Group):
			t.Errorf("%s %s maps to %v %v, want %s/%s", c.OrderSource, c.ShipCode, m, ok, c.MapsTo.Group, c.MapsTo.Code)
		}
	}
}

func TestLoadNamesTheFile(t *testing.T) {
	_, err := settings.Load(filepath.Join(t.TempDir(), "missing.yaml"))
	if err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Fatalf("got %v", err)
	}
}
