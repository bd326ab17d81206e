package cartroversim

import (
	"net/http"
	"slices"
	"strings"

	"github.com/cartrover-cb/ordermanager/cartrover"
	"github.com/cartrover-cb/ordermanager/sandbox/catalog"
)

// warehousePK maps the catalog's warehouse codes to CartRover warehouse pks.
var warehousePK = map[string]string{"MAIN": "2352", "WEST": "2489"}

// ShipMethods is the simulator's WMS ship-method catalogue (codes in the style of spec §4.6).
var ShipMethods = []cartrover.ShipMethod{
	{Carrier: "USPS", Code: "01", Description: "USPS First Class Parcel"},
	{Carrier: "USPS", Code: "09", Description: "USPS Priority Mail"},
	{Carrier: "UPS", Code: "03", Description: "UPS Ground"},
	{Carrier: "UPS", Code: "02", Description: "UPS 2nd Day Air"},
	{Carrier: "UPS", Code: "28", Description: "UPS Next Day Air"},
	{Carrier: "FEDEX", Code: "50", Description: "FedEx Ground"},
	{Carrier: "FEDEX", Code: "92", Description: "FedEx International Economy"},
	{Carrier: "FEDEX", Code: "LTL", Description: "FedEx Freight"},
	{Carrier: "", Code: "DB", Description: "DHLGM Parcel Intl Standard"},
}

// seedCatalog loads products, stock (per warehouse), ship methods and order sources from the catalog.
func (s *Server) seedCatalog() {
	now := cartrover.Time{Time: s.nowUTC()}
	for i, it := range catalog.Items {
		aliases := cartrover.Aliases{{CodeType: "UPC", Code: it.UPC}}
		p := &cartrover.Product{SKU: it.SKU, Name: it.Description, Description: it.Description,
			RetailPrice: cartrover.MustDecimal(it.Retail), WholesalePrice: cartrover.MustDecimal(it.Wholesale),
			WeightLbs: cartrover.MustDecimal(it.WeightLbs), LastUpdated: now, Aliases: aliases}
		s.products[it.SKU] = p
		main, west := int64(20+(i*7)%60), int64((i*3)%15)
		inv := &cartrover.InventoryItem{SKU: it.SKU, WMSDateTime: now, Aliases: cartrover.StringMap{"UPC": it.UPC},
			Warehouses: cartrover.Warehouses{
				warehousePK["MAIN"]: {Warehouse: "MAIN", QtyAvailable: cartrover.DecimalFromInt(main), QtyOnHand: cartrover.DecimalFromInt(main), WMSDateTime: now},
				warehousePK["WEST"]: {Warehouse: "WEST", QtyAvailable: cartrover.DecimalFromInt(west), QtyOnHand: cartrover.DecimalFromInt(west), WMSDateTime: now},
			}}
		totals(inv)
		s.inventory[it.SKU] = inv
	}
	s.methods = slices.Clone(ShipMethods)
	for _, src := range catalog.OrderSources {
		s.sources = append(s.sources, cartrover.OrderSource{OrderSource: src, Name: src, Type: src})
	}
}

// totals recomputes the top-level quantities from the warehouses.
func totals(inv *cartrover.InventoryItem) {
	if len(inv.Warehouses) == 0 {
		return
	}
	var a, h cartrover.Decimal
	for _, w := range inv.Warehouses {
		a = cartrover.NewDecimal(a.Add(w.QtyAvailable.Decimal))
		h = cartrover.NewDecimal(h.Add(w.QtyOnHand.Decimal))
	}
	inv.QtyAvailable, inv.QtyOnHand = a, h
}

func cloneInventory(in *cartrover.InventoryItem) cartrover.InventoryItem {
	c := *in
	c.Aliases = cloneMap(in.Aliases)
	if in.Warehouses != nil {
		c.Warehouses = make(cartrover.Warehouses, len(in.Warehouses))
		for k, v := range in.Warehouses {
			c.Warehouses[k] = v
		}
	}
	return c
}

func (s *Server) listInventory(r *http.Request, _ string) (any, error) {
	q := r.URL.Query()
	limit, page, err := paging(q.Get("limit"), q.Get("page"), 250)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	skus := make([]string, 0, len(s.inventory))
	for k := range s.inventory {
		skus = append(skus, k)
	}
	slices.Sort(skus)
	out := []cartrover.InventoryItem{}
	for i := (page - 1) * limit; i < len(skus) && i < page*limit; i++ {
		out = append(out, cloneInventory(s.inventory[skus[i]]))
	}
	return out, nil
}

func (s *Server) inventoryItem(r *http.Request, _ string) (any, error) {
	sku := r.PathValue("sku")
	s.mu.Lock()
	defer s.mu.Unlock()
	inv, ok := s.inventory[sku]
	if !ok {
		return nil, invalid("SKU not found: %s", sku)
	}
	return cloneInventory(inv), nil
}

func (s *Server) updateInventory(r *http.Request, _ string) (any, error) {
	var ups []cartrover.InventoryUpdate
	if err := readJSON(r, &ups); err != nil {
		return nil, err
	}
	now := cartrover.Time{Time: s.nowUTC()}
	s.mu.Lock()
	defer s.mu.Unlock()
	res := cartrover.BatchResult{Success: []cartrover.BatchEntry{}, Failed: []cartrover.BatchEntry{}}
	for i, u := range ups {
		pos := i
		inv, ok := s.inventory[u.SKU]
		switch {
		case u.SKU == "":
			res.Failed = append(res.Failed, cartrover.BatchEntry{IndexPos: &pos, Message: "Missing required field: sku"})
			continue
		case !ok:
			res.Failed = append(res.Failed, cartrover.BatchEntry{SKU: u.SKU, IndexPos: &pos, Message: "SKU not found: " + u.SKU})
			continue
		case u.QtyAvailable.IsNegative() || u.QtyOnHand.IsNegative():
			res.Failed = append(res.Failed, cartrover.BatchEntry{SKU: u.SKU, IndexPos: &pos, Message: "Quantities cannot be negative"})
			continue
		}
		onHand := u.QtyOnHand
		if onHand.IsZero() {
			onHand = u.QtyAvailable
		}
		if u.Warehouse == "" {
			inv.QtyAvailable, inv.QtyOnHand, inv.Warehouses = u.QtyAvailable, onHand, nil
		} else {
			pk := warehousePKFor(inv, u.Warehouse)
			if inv.Warehouses == nil {
				inv.Warehouses = cartrover.Warehouses{}
			}
			inv.Warehouses[pk] = cartrover.WarehouseStock{Warehouse: u.Warehouse, QtyAvailable: u.QtyAvailable, QtyOnHand: onHand, WMSDateTime: now}
			totals(inv)
		}
		inv.WMSDateTime = now
		res.Success = append(res.Success, cartrover.BatchEntry{SKU: u.SKU})
	}
	s.saveLocked()
	return res, nil
}

// warehousePKFor finds the pk of a warehouse by name (case-insensitive), or assigns one.
func warehousePKFor(inv *cartrover.InventoryItem, name string) string {
	for pk, w := range inv.Warehouses {
		if strings.EqualFold(w.Warehouse, name) {
			return pk
		}
	}
	if pk, ok := warehousePK[strings.ToUpper(name)]; ok {
		return pk
	}
	return "wh-" + strings.ToUpper(name)
}

func (s *Server) product(r *http.Request, _ string) (any, error) {
	sku := r.PathValue("sku")
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.products[sku]
	if !ok {
		return nil, invalid("SKU not found: %s", sku)
	}
	c := *p
	c.Aliases = slices.Clone(p.Aliases)
	return c, nil
}

func (s *Server) updateProducts(r *http.Request, _ string) (any, error) {
	var ups []cartrover.ProductUpdate
	if err := readJSON(r, &ups); err != nil {
		return nil, err
	}
	now := cartrover.Time{Time: s.nowUTC()}
	s.mu.Lock()
	defer s.mu.Unlock()
	res := cartrover.BatchResult{Success: []cartrover.BatchEntry{}, Failed: []cartrover.BatchEntry{}}
	for i, u := range ups {
		pos := i
		p, ok := s.products[u.SKU]
		if !ok {
			res.Failed = append(res.Failed, cartrover.BatchEntry{SKU: u.SKU, IndexPos: &pos, Message: "SKU not found: " + u.SKU})
			continue
		}
		if u.Name != "" {
			p.Name = u.Name
		}
		if u.Description != "" {
			p.Description = u.Description
		}
		if !u.RetailPrice.IsZero() {
			p.RetailPrice = u.RetailPrice
		}
		if !u.WholesalePrice.IsZero() {
			p.WholesalePrice = u.WholesalePrice
		}
		if !u.WeightLbs.IsZero() {
			p.WeightLbs = u.WeightLbs
		}
		if len(u.Aliases) > 0 {
			p.Aliases = slices.Clone(u.Aliases)
		}
		p.LastUpdated = now
		res.Success = append(res.Success, cartrover.BatchEntry{SKU: u.SKU})
	}
	s.saveLocked()
	return res, nil
}

func (s *Server) shipMethods(*http.Request, string) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.methods), nil
}

func (s *Server) orderSources(*http.Request, string) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.sources), nil
}

// Inventory returns a copy of one SKU's stock record.
func (s *Server) Inventory(sku string) (cartrover.InventoryItem, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	inv, ok := s.inventory[sku]
	if !ok {
		return cartrover.InventoryItem{}, false
	}
	return cloneInventory(inv), true
}

// Product returns a copy of one product record.
func (s *Server) Product(sku string) (cartrover.Product, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.products[sku]
	if !ok {
		return cartrover.Product{}, false
	}
	c := *p
	c.Aliases = slices.Clone(p.Aliases)
	return c, true
}

// RemoveProduct deletes a SKU's product and stock records (to test SKUs CartRover does not know).
func (s *Server) RemoveProduct(sku string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.products, sku)
	delete(s.inventory, sku)
	s.saveLocked()
}
