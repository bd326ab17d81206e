package cbsim

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// ShipOptions shapes one shipment.
type ShipOptions struct {
	// Partial ships only part of the order: the first line of a multi-line order, else half the quantity.
	Partial bool
	// Boxes is the number of boxes (default 1).
	Boxes int
}

// ShipNow ships what is allocated on an order (allocating back-orders first when stock allows),
// as the warehouse would: boxes with carrier, service and tracking numbers, stock leaves the shelf.
func (s *Server) ShipNow(code string, opt ShipOptions) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dirty = true
	return s.shipLocked(code, opt)
}

func (s *Server) shipLocked(code string, opt ShipOptions) error {
	o := s.st.Orders[code]
	if o == nil {
		return fmt.Errorf("cbsim: sales order %s does not exist", code)
	}
	if o.OnHold {
		return fmt.Errorf("cbsim: sales order %s is on hold and does not ship", code)
	}
	for i := range o.Lines {
		s.allocate(&o.Lines[i])
	}
	type part struct {
		idx int
		qty decimal.Decimal
	}
	var parts []part
	for i, l := range o.Lines {
		if l.Allocated.IsPositive() {
			parts = append(parts, part{i, l.Allocated})
		}
	}
	if len(parts) == 0 {
		return fmt.Errorf("cbsim: sales order %s has nothing allocated to ship", code)
	}
	if opt.Partial {
		if len(parts) > 1 {
			parts = parts[:1]
		} else {
			half := parts[0].qty.Div(decimal.NewFromInt(2)).Floor()
			if !half.IsPositive() {
				return fmt.Errorf("cbsim: sales order %s has a single unit allocated; it cannot ship partially", code)
			}
			parts[0].qty = half
		}
	}
	nb := max(opt.Boxes, 1)
	// Spread the parts over nb boxes: whole parts round-robin, or the one part split.
	boxes := make([][]part, nb)
	if len(parts) >= nb {
		for i, p := range parts {
			boxes[i%nb] = append(boxes[i%nb], p)
		}
	} else {
		p := parts[0]
		rest := parts[1:]
		per := p.qty.Div(decimal.NewFromInt(int64(nb))).Floor()
		if !per.IsPositive() {
			nb, boxes = 1, make([][]part, 1)
			boxes[0] = parts
		} else {
			left := p.qty
			for i := 0; i < nb; i++ {
				q := per
				if i == nb-1 {
					q = left
				}
				left = left.Sub(q)
				boxes[i] = append(boxes[i], part{p.idx, q})
			}
			for i, r := range rest {
				boxes[i%nb] = append(boxes[i%nb], r)
			}
		}
	}
	m, _ := shipMethod(o.ShippingMethodGroup, o.ShippingMethodCode)
	now := s.opts.Now().UTC()
	for _, bparts := range boxes {
		if len(bparts) == 0 {
			continue
		}
		s.st.Counters["TRACK"]++
		bx := Box{TrackingNumber: tracking(m.Carrier, s.st.Counters["TRACK"]), CarrierCode: m.Carrier, CarrierDescription: m.Carrier,
			ServiceCode: m.Service, ShipDate: now}
		for _, p := range bparts {
			l := &o.Lines[p.idx]
			base := p.qty.Mul(l.UnitMeasureQty)
			lv := s.st.level(l.ItemCode, l.WarehouseCode)
			lv.OnHand = lv.OnHand.Sub(base)
			lv.Allocated = lv.Allocated.Sub(base)
			l.Allocated = l.Allocated.Sub(p.qty)
			l.Shipped = l.Shipped.Add(p.qty)
			if it := s.st.Items[l.ItemCode]; it != nil {
				bx.WeightLbs = bx.WeightLbs.Add(it.WeightLbs.Mul(base))
			}
			bx.Items = append(bx.Items, BoxItem{LineNum: l.LineNum, ItemCode: l.ItemCode, ItemName: l.ItemName, UnitMeasureCode: l.UnitMeasureCode, Quantity: p.qty})
		}
		o.Boxes = append(o.Boxes, bx)
	}
	o.Status = "Completed"
	for _, l := range o.Lines {
		if l.Shipped.LessThan(l.Ordered) {
			o.Status = "Partial"
		}
	}
	return nil
}

func tracking(carrier string, n int) string {
	switch strings.ToUpper(carrier) {
	case "UPS":
		return fmt.Sprintf("1ZSIM0%012d", n)
	case "USPS":
		return fmt.Sprintf("9400100000000%09d", n)
	default:
		return fmt.Sprintf("7700%08d", n)
	}
}

// autoShip ships every open order saved at least ShipDelay ago whose stock is allocated.
func (s *Server) autoShip() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	for _, o := range s.sortedOrders() {
		if o.Status == "Completed" || now.Sub(o.Date) < s.opts.ShipDelay {
			continue
		}
		if len(o.Boxes) > 0 && now.Sub(o.Boxes[len(o.Boxes)-1].ShipDate) < s.opts.ShipDelay {
			continue
		}
		// Goods received: back-orders older than twice the delay are restocked (plus 20), so a
		// long-running sandbox keeps shipping and its stock keeps moving.
		if now.Sub(o.Date) >= 2*s.opts.ShipDelay {
			for _, l := range o.Lines {
				if l.BackOrdered.IsPositive() {
					lv := s.st.level(l.ItemCode, l.WarehouseCode)
					lv.OnHand = lv.OnHand.Add(l.BackOrdered.Mul(l.UnitMeasureQty)).Add(decimal.NewFromInt(20))
				}
			}
		}
		s.autoN++
		opt := ShipOptions{Boxes: 1 + s.autoN%2}
		if s.opts.PartialEvery > 0 && s.autoN%s.opts.PartialEvery == 0 && len(o.Boxes) == 0 {
			opt.Partial = true
		}
		if err := s.shipLocked(o.Code, opt); err == nil {
			s.dirty = true
		}
	}
}
