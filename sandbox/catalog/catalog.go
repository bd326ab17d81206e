// Package catalog is the one source of seed data both simulators share, so that
// the SKUs the CartRover simulator puts on orders are the ItemNames the CB
// simulator knows, and the ship codes carts send are the ones the sample
// settings in deploy/ map.
package catalog

import "fmt"

// Item is one product sold on the carts and stocked in CB.
type Item struct {
	// Code is CB's internal ItemCode (ITEM-nnnnnn).
	Code string
	// SKU is CB's ItemName and the SKU carts put on CartRover orders.
	SKU string
	// Description is the item's short description.
	Description string
	// UPC is the 12-digit UPC of the EACH unit of measure.
	UPC string
	// CaseUPC is the UPC of the CASE unit of measure (12 each), empty when the item has none.
	CaseUPC string
	// Retail and Wholesale are prices as exact decimal strings.
	Retail, Wholesale string
	// WeightLbs is the shipping weight of one unit.
	WeightLbs string
	// Active is false for phased-out items (Product Detail Pickup skips them).
	Active bool
}

// ShipMethod is one CB shipping method (the group + code pair a sales order header needs).
type ShipMethod struct {
	Group, Code, Description string
	// Carrier and Service are what CB's warehouse stamps on boxes shipped with this method.
	Carrier, Service string
}

// CartShipCode is one shipping code a cart sends on its CartRover orders, with the CB method it maps to
// in the sample settings (empty MapsTo means deliberately unmapped: orders with it are held).
type CartShipCode struct {
	OrderSource, ShipCode, Carrier, Description string
	MapsTo                                      ShipMethod
}

// Warehouses are the CB warehouse codes the simulator seeds; MAIN is the default.
var Warehouses = []string{"MAIN", "WEST"}

// OrderSources are the CartRover order sources (carts) the generator uses.
var OrderSources = []string{"Shopify", "Amazon_US2", "WooCommerce"}

// ShipMethods are the CB shipping methods the simulator seeds (group DEFAULT plus a wholesale group).
var ShipMethods = []ShipMethod{
	{Group: "DEFAULT", Code: "UPS Ground", Description: "UPS Ground", Carrier: "UPS", Service: "Ground"},
	{Group: "DEFAULT", Code: "UPS 2nd Day Air", Description: "UPS 2nd Day Air", Carrier: "UPS", Service: "2nd Day Air"},
	{Group: "DEFAULT", Code: "UPS Next Day Air", Description: "UPS Next Day Air", Carrier: "UPS", Service: "Next Day Air"},
	{Group: "DEFAULT", Code: "USPS Priority", Description: "USPS Priority Mail", Carrier: "USPS", Service: "Priority Mail"},
	{Group: "DEFAULT", Code: "FedEx International", Description: "FedEx International Economy", Carrier: "FEDEX", Service: "International Economy"},
	{Group: "WHOLESALE", Code: "LTL Freight", Description: "LTL Freight", Carrier: "FEDEX", Service: "Freight"},
}

// CartShipCodes are the ship codes carts put on orders. The last one of each cart is unmapped on purpose.
var CartShipCodes = []CartShipCode{
	{OrderSource: "Shopify", ShipCode: "standard", Carrier: "UPS", Description: "Standard Shipping", MapsTo: ShipMethods[0]},
	{OrderSource: "Shopify", ShipCode: "express", Carrier: "UPS", Description: "Express (2 days)", MapsTo: ShipMethods[1]},
	{OrderSource: "Shopify", ShipCode: "overnight", Carrier: "UPS", Description: "Overnight", MapsTo: ShipMethods[2]},
	{OrderSource: "Shopify", ShipCode: "international", Carrier: "FEDEX", Description: "International", MapsTo: ShipMethods[4]},
	{OrderSource: "Amazon_US2", ShipCode: "Std US D2D Dom", Carrier: "USPS", Description: "Standard", MapsTo: ShipMethods[3]},
	{OrderSource: "Amazon_US2", ShipCode: "Expedited", Carrier: "UPS", Description: "Expedited", MapsTo: ShipMethods[1]},
	{OrderSource: "WooCommerce", ShipCode: "flat_rate", Carrier: "", Description: "Flat Rate", MapsTo: ShipMethods[0]},
	{OrderSource: "WooCommerce", ShipCode: "free_shipping", Carrier: "", Description: "Free Shipping", MapsTo: ShipMethods[3]},
	{OrderSource: "WooCommerce", ShipCode: "local_pickup", Carrier: "", Description: "Local Pickup"},
}

// UnknownSKU is a SKU no CB item carries; the generator uses it for orders a human must look at.
const UnknownSKU = "DISCONTINUED-MUG-01"

// Items is the product catalogue: 40 active items and 2 phased-out ones.
var Items = buildItems()

func buildItems() []Item {
	type base struct {
		sku, desc, retail, wholesale, weight string
		caseUPC                              bool
	}
	bases := []base{
		{"TEE-CLASSIC", "Classic Cotton Tee", "19.99", "9.50", "0.40", true},
		{"HOODIE-ZIP", "Zip Hoodie", "49.00", "24.00", "1.20", false},
		{"CAP-TRUCKER", "Trucker Cap", "22.50", "10.75", "0.30", true},
		{"SOCK-WOOL", "Merino Wool Socks", "14.95", "6.80", "0.15", true},
		{"MUG-STONE", "Stoneware Mug 12oz", "16.00", "7.25", "0.90", true},
		{"BOTTLE-STEEL", "Steel Water Bottle 750ml", "29.99", "14.20", "0.80", false},
		{"TOTE-CANVAS", "Canvas Tote Bag", "18.00", "8.10", "0.35", true},
		{"NOTEBOOK-A5", "A5 Dot Grid Notebook", "12.49", "5.60", "0.45", true},
	}
	sizes := []string{"S", "M", "L", "XL", "OS"}
	var items []Item
	n := 0
	for _, b := range bases {
		for _, s := range sizes {
			n++
			it := Item{
				Code:        fmt.Sprintf("ITEM-%06d", n),
				SKU:         b.sku + "-" + s,
				Description: b.desc + " (" + s + ")",
				UPC:         UPC(n, 0),
				Retail:      b.retail,
				Wholesale:   b.wholesale,
				WeightLbs:   b.weight,
				Active:      true,
			}
			if b.caseUPC {
				it.CaseUPC = UPC(n, 1)
			}
			items = append(items, it)
		}
	}
	for i, sku := range []string{"LEGACY-POSTER-A2", "LEGACY-PIN-SET"} {
		n++
		items = append(items, Item{
			Code: fmt.Sprintf("ITEM-%06d", n), SKU: sku, Description: "Phased-out item " + fmt.Sprint(i+1),
			UPC: UPC(n, 0), Retail: "5.00", Wholesale: "2.00", WeightLbs: "0.20", Active: false,
		})
	}
	return items
}

// UPC returns a valid 12-digit UPC-A code for item number n and unit-of-measure variant v.
func UPC(n, v int) string {
	body := fmt.Sprintf("08412%1d%05d", v, n) // 11 digits: fixed prefix, UoM variant, item number
	sum := 0
	for i, r := range body {
		d := int(r - '0')
		if i%2 == 0 {
			sum += 3 * d
		} else {
			sum += d
		}
	}
	return body + fmt.Sprint((10-sum%10)%10)
}

// ActiveItems returns the items that are not phased out.
func ActiveItems() []Item {
	var out []Item
	for _, it := range Items {
		if it.Active {
			out = append(out, it)
		}
	}
	return out
}
