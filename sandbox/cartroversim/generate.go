package cartroversim

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/cartrover-cb/ordermanager/cartrover"
	"github.com/cartrover-cb/ordermanager/sandbox/catalog"
	"github.com/shopspring/decimal"
)

// Held reasons the generator uses (HeldReason returns one of them).
const (
	HeldUnknownSKU     = "unknown SKU " + catalog.UnknownSKU
	HeldUnmappedShip   = "unmapped ship code"
	HeldMissingAddress = "missing ship_address_1"
)

type address struct {
	first, last, company, addr1, addr2, city, state, zip, country, phone string
	taxRate                                                              string
}

var usAddresses = []address{
	{"Jordan", "Lee", "", "1200 Market St", "Apt 4B", "San Francisco", "CA", "94102", "USA", "4155550142", "0.0725"},
	{"Priya", "Patel", "", "77 Summer St", "", "Boston", "MA", "02110", "USA", "6175550199", "0.0625"},
	{"Marcus", "Green", "Green Landscaping LLC", "4500 Peachtree Rd NE", "Suite 210", "Atlanta", "GA", "30319", "USA", "4045550117", "0.04"},
	{"Elena", "Garcia", "", "310 W 5th St", "", "Austin", "TX", "78701", "USA", "5125550163", "0.0625"},
	{"Tom", "Nguyen", "", "2200 1st Ave", "Unit 12", "Seattle", "WA", "98121", "USA", "2065550181", "0.065"},
	{"Aisha", "Brown", "Brown & Daughters", "85 Broad St", "Floor 3", "New York", "NY", "10004", "USA", "2125550134", "0.04"},
}

var intlAddresses = []address{
	{"Luc", "Tremblay", "", "350 Rue Saint-Paul O", "", "Montréal", "QC", "H2Y 2A6", "CAN", "5145550110", "0"},
	{"Oliver", "Smith", "", "10 Whitehall Pl", "Flat 2", "London", "Greater London", "SW1A 2BD", "GBR", "442075550123", "0"},
	{"Anna", "Müller", "Müller GmbH", "Friedrichstraße 123", "", "Berlin", "BE", "10117", "DEU", "49305550177", "0"},
	{"Chloe", "Wilson", "", "45 George St", "", "Sydney", "NSW", "2000", "AUS", "61295550188", "0"},
	{"José", "Hernández", "", "Av. Paseo de la Reforma 222", "Piso 5", "Ciudad de México", "CDMX", "06600", "MEX", "525555550190", "0"},
}

// Generate creates n realistic orders as if carts had delivered them and returns their cust_refs.
// A share heldShare (0..1; a fractional count is rounded at random, deterministically) of them needs a human: an unknown SKU (catalog.UnknownSKU), an
// unmapped ship code (WooCommerce local_pickup) or a missing ship_address_1, in rotation.
// The result depends only on Options.Seed and the calls made before.
func (s *Server) Generate(n int, heldShare float64) []string {
	if n <= 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// Stochastic rounding keeps the share right even when orders come one at a time.
	want := float64(n) * math.Max(0, math.Min(1, heldShare))
	held := int(want)
	if s.gen.Float64() < want-float64(held) {
		held++
	}
	heldAt := map[int]bool{}
	for _, i := range s.gen.Perm(n)[:held] {
		heldAt[i] = true
	}
	refs := make([]string, 0, n)
	for i := range n {
		o, reason := s.buildOrderLocked(heldAt[i])
		s.insertLocked(o)
		if reason != "" {
			if s.held == nil {
				s.held = map[string]string{}
			}
			s.held[o.CustRef] = reason
		}
		refs = append(refs, o.CustRef)
	}
	s.saveLocked()
	return refs
}

// HeldReason says why a generated order needs a human ("" for a clean or hand-made order).
func (s *Server) HeldReason(custRef string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.held[custRef]
}

// buildOrderLocked draws one order from the generator.
func (s *Server) buildOrderLocked(needsHuman bool) (*cartrover.Order, string) {
	g := s.gen
	s.genSeq++
	reason := ""
	if needsHuman {
		reason = []string{HeldUnknownSKU, HeldUnmappedShip, HeldMissingAddress}[s.genSeq%3]
	}
	source := catalog.OrderSources[g.IntN(len(catalog.OrderSources))]
	if reason == HeldUnmappedShip {
		source = "WooCommerce"
	}
	intl := g.IntN(5) == 0
	var a address
	if intl {
		a = intlAddresses[g.IntN(len(intlAddresses))]
	} else {
		a = usAddresses[g.IntN(len(usAddresses))]
	}

	// Ship code: a mapped code of the cart (international for foreign addresses on Shopify), or the
	// deliberately unmapped one.
	var codes []catalog.CartShipCode
	for _, c := range catalog.CartShipCodes {
		if c.OrderSource != source {
			continue
		}
		unmapped := c.MapsTo.Code == ""
		if unmapped == (reason == HeldUnmappedShip) {
			codes = append(codes, c)
		}
	}
	sc := codes[g.IntN(len(codes))]
	if intl && reason != HeldUnmappedShip {
		for _, c := range codes {
			if c.ShipCode == "international" {
				sc = c
			}
		}
	}

	o := &cartrover.Order{
		CustRef: s.custRefLocked(source), OrderSource: source,
		RecordNo: fmt.Sprint(5000000 + g.IntN(4000000)), CustomerID: fmt.Sprint(1000 + g.IntN(9000)),
		ShipFirstName: a.first, ShipLastName: a.last, ShipCompany: a.company,
		ShipAddress1: a.addr1, ShipAddress2: a.addr2, ShipCity: a.city, ShipState: a.state, ShipZip: a.zip,
		ShipCountry: a.country, ShipPhone: a.phone,
		ShipEmail:       strings.ToLower(a.first) + "." + strings.ToLower(strings.ReplaceAll(a.last, "ü", "ue")) + "@example.com",
		ShipAddressType: "R", ShipIsBilling: true,
		Carrier: sc.Carrier, ShipCode: sc.ShipCode, ShipCodeDescription: sc.Description,
		CurrencyCode: "USD", PayType: "CC", CCLastFour: fmt.Sprintf("%04d", g.IntN(10000)),
	}
	if a.company != "" {
		o.ShipAddressType = "C"
	}
	o.CustPONo = o.CustRef
	if source == "Amazon_US2" {
		o.PONumber = o.CustRef
	}
	if reason == HeldMissingAddress {
		o.ShipAddress1 = ""
	}

	// Lines: 1–4 distinct SKUs, 1–3 units, some with a unit discount or a post-tax line discount.
	items := catalog.ActiveItems()
	rate := decimal.RequireFromString(a.taxRate)
	nLines := 1 + g.IntN(4)
	picked := g.Perm(len(items))[:nLines]
	var sub, tax, addl decimal.Decimal
	for li, idx := range picked {
		it := items[idx]
		price := decimal.RequireFromString(it.Retail)
		line := cartrover.LineItem{LineNo: cartrover.Int(li + 1), Item: it.SKU, Description: it.Description,
			Quantity: cartrover.DecimalFromInt(int64(1 + g.IntN(3))), LineItemID: fmt.Sprint(90000000 + g.IntN(9999999))}
		if reason == HeldUnknownSKU && li == 0 {
			line.Item, line.Description, price = catalog.UnknownSKU, "Discontinued Stoneware Mug", decimal.RequireFromString("9.99")
		}
		var disc decimal.Decimal
		if g.IntN(4) == 0 { // 10% off per unit
			disc = price.Mul(decimal.RequireFromString("0.10")).Round(2)
		}
		ext := price.Sub(disc).Mul(line.Quantity.Decimal).Round(2)
		lineTax := ext.Mul(rate).Round(2)
		var ad decimal.Decimal
		if g.IntN(6) == 0 {
			ad = decimal.RequireFromString("2.00")
		}
		line.Price = cartrover.NewDecimal(price.Round(4))
		line.Discount = cartrover.NewDecimal(disc.Round(4))
		line.AddlDiscount = cartrover.NewDecimal(ad.Round(4))
		line.ExtendedAmount = cartrover.NewDecimal(ext)
		line.Tax = cartrover.NewDecimal(lineTax)
		o.Items = append(o.Items, line)
		sub, tax, addl = sub.Add(ext), tax.Add(lineTax), addl.Add(ad)
	}
	shipping := decimal.RequireFromString([]string{"0.00", "5.99", "8.50", "12.95"}[g.IntN(4)])
	if intl {
		shipping = decimal.RequireFromString("24.00")
	}
	orderDisc := addl
	if g.IntN(5) == 0 {
		o.PromoCode = "SAVE5"
		orderDisc = orderDisc.Add(decimal.RequireFromString("5.00"))
	}
	if orderDisc.GreaterThan(sub.Add(tax).Add(shipping)) {
		orderDisc = addl
		o.PromoCode = ""
	}
	o.SubTotal = cartrover.NewDecimal(sub.Round(2))
	o.SalesTax = cartrover.NewDecimal(tax.Round(2))
	o.ShippingHandling = cartrover.NewDecimal(shipping.Round(2))
	o.OrderDiscount = cartrover.NewDecimal(orderDisc.Round(2))
	o.GrandTotal = cartrover.NewDecimal(sub.Add(tax).Add(shipping).Sub(orderDisc).Round(2))
	if g.IntN(4) == 0 {
		o.ShippingInstructions = []string{"Leave at the side door.", "Call on arrival.", "Please do not bend."}[g.IntN(3)]
	}
	if g.IntN(8) == 0 {
		o.GiftMessage, o.GiftWrap = "Happy birthday! Love, Sam", true
	}
	return o, reason
}

// custRefLocked draws a unique cust_ref in the style of the cart.
func (s *Server) custRefLocked(source string) string {
	for {
		var ref string
		switch source {
		case "Amazon_US2":
			ref = fmt.Sprintf("114-%07d-%07d", s.gen.IntN(10000000), s.gen.IntN(10000000))
		case "Shopify":
			ref = fmt.Sprintf("SH%d", 1000+s.genSeq)
		default:
			ref = fmt.Sprintf("WC%d", 5000+s.genSeq)
		}
		if _, dup := s.orders[ref]; !dup {
			return ref
		}
		s.genSeq++
	}
}

// StartGenerator adds about perMinute new orders per minute (heldShare of them needing a human)
// until ctx is done or the returned stop function is called; stop waits for the goroutine.
func (s *Server) StartGenerator(ctx context.Context, perMinute, heldShare float64) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	if perMinute <= 0 {
		return cancel
	}
	every := time.Duration(float64(time.Minute) / perMinute)
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				s.Generate(1, heldShare)
			}
		}
	}()
	return func() { cancel(); wg.Wait() }
}
