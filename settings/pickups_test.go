package settings_test

import (
	"testing"
	"time"

	"github.com/cartrover-cb/ordermanager/settings"
)

func TestMapCarrierPrefersCarrierAndServiceThenCarrierThenPassesThrough(t *testing.T) {
	s := settings.Shipments{Carriers: []settings.CarrierRule{
		{CBCarrier: "UPS", Carrier: "UPS-ALL"},
		{CBCarrier: "ups", CBService: "ground", Carrier: "UPS", Method: "03"},
		{CBCarrier: "FEDEX", Carrier: "FEDEX"},
	}}
	for _, c := range []struct{ cbCarrier, cbService, carrier, method string }{
		{"UPS", "Ground", "UPS", "03"},                     // carrier+service rule wins over the earlier carrier-only rule (case ignored)
		{"UPS", "Next Day Air", "UPS-ALL", "Next Day Air"}, // carrier-only rule; empty method keeps CB's service
		{"FEDEX", "Freight", "FEDEX", "Freight"},
		{"USPS", "Priority Mail", "USPS", "Priority Mail"}, // no rule: pass through
	} {
		carrier, method := s.MapCarrier(c.cbCarrier, c.cbService)
		if carrier != c.carrier || method != c.method {
			t.Errorf("MapCarrier(%q, %q) = %q, %q; want %q, %q", c.cbCarrier, c.cbService, carrier, method, c.carrier, c.method)
		}
	}
}

func TestPickupDefaults(t *testing.T) {
	if d := (settings.Shipments{}).LookbackDuration(); d != 72*time.Hour {
		t.Errorf("default lookback = %s; want 72h", d)
	}
	if d := (settings.Shipments{Lookback: "6h"}).LookbackDuration(); d != 6*time.Hour {
		t.Errorf("lookback 6h = %s", d)
	}
	if n := (settings.Inventory{}).Batch(); n != settings.DefaultBatchSize {
		t.Errorf("default inventory batch = %d", n)
	}
	if n := (settings.Products{BatchSize: 7}).Batch(); n != 7 {
		t.Errorf("products batch 7 = %d", n)
	}
	s := settings.Settings{Warehouse: "MAIN"}
	if w := s.InventoryWarehouses(); len(w) != 1 || w[0] != "MAIN" {
		t.Errorf("inventory warehouses default = %v; want [MAIN]", w)
	}
	s.Inventory.Warehouses = []string{"WEST", "MAIN"}
	if w := s.InventoryWarehouses(); len(w) != 2 || w[0] != "WEST" {
		t.Errorf("inventory warehouses = %v; want [WEST MAIN]", w)
	}
}
