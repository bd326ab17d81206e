package activities

import "sort"

// SKUPair is one CartRover SKU → CB ItemName entry of the settings' SKU maps (global and per cart).
type SKUPair struct {
	SKU      string `json:"sku"`
	ItemName string `json:"item"`
}

// skuIndex is the inverse SKU map: CB ItemName → the CartRover SKUs that resolve to it.
type skuIndex map[string][]string

func newSKUIndex(pairs []SKUPair) skuIndex {
	idx := skuIndex{}
	for _, p := range pairs {
		if p.SKU == "" || p.ItemName == "" {
			continue
		}
		dup := false
		for _, s := range idx[p.ItemName] {
			dup = dup || s == p.SKU
		}
		if !dup {
			idx[p.ItemName] = append(idx[p.ItemName], p.SKU)
		}
	}
	for k := range idx {
		sort.Strings(idx[k])
	}
	return idx
}

// skus returns the CartRover SKUs of a CB item: the mapped ones, or the ItemName itself when the
// settings map nothing to it (carts whose SKUs are CB's ItemNames).
func (x skuIndex) skus(itemName string) []string {
	if s := x[itemName]; len(s) > 0 {
		return s
	}
	return []string{itemName}
}
