package settings

import (
	"strings"
	"time"
)

// DefaultShipmentLookback is how far back a shipments run looks in CB's shipped feed.
const DefaultShipmentLookback = 72 * time.Hour

// LookbackDuration returns Lookback parsed, or DefaultShipmentLookback when it is empty or invalid
// (validation reports invalid values before a schedule ever carries them).
func (s Shipments) LookbackDuration() time.Duration {
	if d, err := time.ParseDuration(s.Lookback); err == nil && d > 0 {
		return d
	}
	return DefaultShipmentLookback
}

// MapCarrier returns the CartRover carrier and method for a CB carrier and service: the first rule
// matching carrier and service, then the first matching the carrier alone (empty cb_service), else
// CB's values passed through. A rule with an empty method keeps CB's service as the method.
func (s Shipments) MapCarrier(cbCarrier, cbService string) (carrier, method string) {
	var carrierOnly *CarrierRule
	for i := range s.Carriers {
		r := &s.Carriers[i]
		if !strings.EqualFold(r.CBCarrier, cbCarrier) {
			continue
		}
		if r.CBService != "" && strings.EqualFold(r.CBService, cbService) {
			return r.Carrier, orDefault(r.Method, cbService)
		}
		if r.CBService == "" && carrierOnly == nil {
			carrierOnly = r
		}
	}
	if carrierOnly != nil {
		return carrierOnly.Carrier, orDefault(carrierOnly.Method, cbService)
	}
	return cbCarrier, cbService
}

// Batch returns BatchSize, or DefaultBatchSize when unset.
func (i Inventory) Batch() int { return batchOrDefault(i.BatchSize) }

// Batch returns BatchSize, or DefaultBatchSize when unset.
func (p Products) Batch() int { return batchOrDefault(p.BatchSize) }

// InventoryWarehouses returns the CB warehouses Inventory Sync reads: inventory.warehouses, or the
// default warehouse when that list is empty.
func (s Settings) InventoryWarehouses() []string {
	if len(s.Inventory.Warehouses) > 0 {
		return s.Inventory.Warehouses
	}
	if s.Warehouse != "" {
		return []string{s.Warehouse}
	}
	return nil
}

func batchOrDefault(n int) int {
	if n <= 0 {
		return DefaultBatchSize
	}
	return n
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
