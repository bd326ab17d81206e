package connectedbusiness

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

type wireSOHeader struct {
	SalesOrderCode      string `json:",omitempty"`
	BillToCode          string
	POCode              string
	SourceCode          string
	WebSiteCode         string
	WarehouseCode       string
	ShippingMethodGroup string
	ShippingMethodCode  string
	PaymentTermGroup    string
	PaymentTermCode     string
	ShipToCode          string
	ShipToName          string
	ShipToAddress       string
	ShipToCity          string
	ShipToState         string
	ShipToPostalCode    string
	ShipToCounty        string
	ShipToCountry       string
	ShipToPhone         string
	PublicNotes         string
	ShippingDate        Date
	IsFreightOverwrite  bool
	FreightRate         *Num `json:",omitempty"`
}

type wireSOLine struct {
	LineNum         int
	ItemCode        string
	ItemName        string
	ItemType        string
	QuantityOrdered Num
	SalesPriceRate  Num
	SalesPrice      Num
	Discount        Num
	ExtPriceRate    Num
	UnitMeasureCode string
	UnitMeasureQty  Num
	WarehouseCode   string
}

type createSOBody struct {
	SalesOrders       []wireSOHeader
	SalesOrderDetails []wireSOLine
	Payments          []struct{}
	Coupons           []struct{}
	KitDetails        []struct{}
	SalesRep          *string
}

type wireSORow struct {
	SalesOrderCode string
	SalesOrderDate Date
	BillToCode     string
	BillToName     string
	POCode         string
}

func soRecord(so SalesOrder) string {
	return fmt.Sprintf("sales order POCode %q for customer %s", so.POCode, so.BillToCode)
}

// CreateSalesOrder implements Service.
func (w *WebService) CreateSalesOrder(ctx context.Context, so SalesOrder) (SalesOrderRef, error) {
	record := soRecord(so)
	country, err := countryFor(routeCreateSalesOrder, record, so.ShipTo.Country)
	if err != nil {
		return SalesOrderRef{}, err
	}
	sd := so.ShippingDate
	if sd.IsZero() {
		sd = time.Now().UTC().Truncate(24 * time.Hour)
	}
	h := wireSOHeader{
		BillToCode: so.BillToCode, POCode: so.POCode, SourceCode: so.SourceCode, WebSiteCode: so.WebSiteCode,
		WarehouseCode: so.WarehouseCode, ShippingMethodGroup: so.ShippingMethodGroup, ShippingMethodCode: so.ShippingMethodCode,
		PaymentTermGroup: so.PaymentTermGroup, PaymentTermCode: so.PaymentTermCode, ShipToCode: so.ShipToCode,
		ShipToName: so.ShipToName, ShipToAddress: so.ShipTo.Address, ShipToCity: so.ShipTo.City, ShipToState: so.ShipTo.State,
		ShipToPostalCode: so.ShipTo.PostalCode, ShipToCounty: so.ShipTo.County, ShipToCountry: country,
		ShipToPhone: so.ShipToPhone, PublicNotes: so.PublicNotes, ShippingDate: Date{sd}, IsFreightOverwrite: true,
	}
	if so.Freight != nil {
		f := num(*so.Freight)
		h.FreightRate = &f
	}
	body := createSOBody{SalesOrders: []wireSOHeader{h}, Payments: []struct{}{}, Coupons: []struct{}{}, KitDetails: []struct{}{}}
	for i, l := range so.Lines {
		uom, uq, wh := l.UnitMeasureCode, l.UnitMeasureQty, l.WarehouseCode
		if uom == "" {
			uom = "EACH"
		}
		if uq.IsZero() {
			uq = decimal.NewFromInt(1)
		}
		if wh == "" {
			wh = so.WarehouseCode
		}
		net := l.Price.Mul(decimal.NewFromInt(100).Sub(l.DiscountPercent)).Div(decimal.NewFromInt(100)).Round(2)
		body.SalesOrderDetails = append(body.SalesOrderDetails, wireSOLine{
			LineNum: i + 1, ItemCode: l.ItemCode, ItemName: l.ItemName, ItemType: "Stock",
			QuantityOrdered: num(l.Quantity), SalesPriceRate: num(l.Price), SalesPrice: num(l.Price),
			Discount: num(l.DiscountPercent), ExtPriceRate: num(net.Mul(l.Quantity).Round(2)),
			UnitMeasureCode: uom, UnitMeasureQty: num(uq), WarehouseCode: wh,
		})
	}
	var a struct{ SalesOrders []wireSORow }
	if err := w.put(ctx, routeCreateSalesOrder+newGUID(), nil, body, &a, record); err != nil {
		return SalesOrderRef{}, err
	}
	if len(a.SalesOrders) == 0 || a.SalesOrders[0].SalesOrderCode == "" {
		return SalesOrderRef{}, &TransportError{Op: opName(routeCreateSalesOrder), Err: &syntaxError{fmt.Errorf("no SalesOrderCode in the answer for %s", record)}}
	}
	r := a.SalesOrders[0]
	return SalesOrderRef{Code: r.SalesOrderCode, POCode: so.POCode, BillToCode: so.BillToCode, Date: r.SalesOrderDate.Time}, nil
}

// FindSalesOrderByPOCode implements Service. Assumption: orderlookup's CriteriaString matches
// POCode. Rows are kept only when their POCode equals poCode; rows that do not report a POCode
// are loaded (loadorder) to check it.
func (w *WebService) FindSalesOrderByPOCode(ctx context.Context, poCode string) (*SalesOrderRef, error) {
	if strings.TrimSpace(poCode) == "" {
		return nil, nil
	}
	body := struct {
		CustomerCode, CriteriaString string
		DateTimeTicks                int
		IsTrackStorePickUp           bool
	}{"", poCode, 0, false}
	var a struct{ SalesOrders []wireSORow }
	if err := w.put(ctx, routeOrderLookup+rows(capDefault), nil, body, &a, fmt.Sprintf("sales order lookup by POCode %q", poCode)); err != nil {
		return nil, err
	}
	rowsFound := a.SalesOrders
	sort.SliceStable(rowsFound, func(i, j int) bool { return rowsFound[i].SalesOrderCode < rowsFound[j].SalesOrderCode })
	for _, r := range rowsFound {
		if r.POCode == poCode {
			return &SalesOrderRef{Code: r.SalesOrderCode, POCode: r.POCode, BillToCode: r.BillToCode, Date: r.SalesOrderDate.Time}, nil
		}
	}
	checked := 0
	for _, r := range rowsFound {
		if r.POCode != "" || checked >= 5 {
			continue
		}
		checked++
		d, err := w.LoadSalesOrder(ctx, r.SalesOrderCode)
		if err != nil {
			return nil, err
		}
		if d.POCode == poCode {
			return &SalesOrderRef{Code: d.Code, POCode: d.POCode, BillToCode: d.BillToCode, Date: d.Date}, nil
		}
	}
	return nil, nil
}

// CreateSalesOrderOnce implements Service.
func (w *WebService) CreateSalesOrderOnce(ctx context.Context, so SalesOrder) (SalesOrderRef, bool, error) {
	if strings.TrimSpace(so.POCode) == "" {
		return SalesOrderRef{}, false, &BusinessError{Kind: KindOther, Op: opName(routeCreateSalesOrder), Record: soRecord(so),
			Message: "POCode is empty", Fix: "give the order its web reference as POCode (it is the de-duplication key)"}
	}
	if ref, err := w.FindSalesOrderByPOCode(ctx, so.POCode); err != nil {
		return SalesOrderRef{}, false, err
	} else if ref != nil {
		return *ref, true, nil
	}
	ref, err := w.CreateSalesOrder(ctx, so)
	if err == nil {
		return ref, false, nil
	}
	var te *TransportError
	if errors.As(err, &te) && te.mayHaveSaved() && ctx.Err() == nil {
		// The save may have been committed before the answer was lost: look again.
		if found, ferr := w.FindSalesOrderByPOCode(ctx, so.POCode); ferr == nil && found != nil {
			w.log.WarnContext(ctx, "cb createsalesorder failed but the order was saved", "po_code", so.POCode, "sales_order", found.Code, "error", err)
			return *found, true, nil
		}
	}
	return SalesOrderRef{}, false, err
}

type wireLoadedHeader struct {
	SalesOrderCode     string
	SalesOrderDate     Date
	Type               string
	OrderStatus        string
	IsVoided           bool
	IsOnHold           bool
	BillToCode         string
	BillToName         string
	POCode             string
	SourceCode         string
	WebSiteCode        string
	WarehouseCode      string
	ShippingMethodCode string
	PaymentTermCode    string
	ShippingDate       Date
	ShipToCode         string
	ShipToName         string
	ShipToAddress      string
	ShipToCity         string
	ShipToState        string
	ShipToPostalCode   string
	ShipToCounty       string
	ShipToCountry      string
	PublicNotes        string
}

type wireLoadedLine struct {
	LineNum             int
	ItemCode            string
	ItemName            string
	UnitMeasureCode     string
	WarehouseCode       string
	QuantityOrdered     Num
	QuantityAllocated   Num
	QuantityBackOrdered Num
	QuantityShipped     Num
	Outstanding         Num
	SalesPriceRate      Num
	Discount            Num
	ExtPriceRate        Num
}

// LoadSalesOrder implements Service (PUT loadorder?type=Order, without recalculation).
func (w *WebService) LoadSalesOrder(ctx context.Context, code string) (*SalesOrderDetail, error) {
	record := "sales order " + code
	body := struct {
		TransactionCode                     string
		IsRecalculate, IsTaxByLocation      bool
		WebsiteCode, WarehouseToUse         string
		WarehouseForHeader, TransactionType string
	}{TransactionCode: code, TransactionType: "Sales Order"}
	q := url.Values{"type": {"Order"}, "sessionID": {newGUID()}}
	var a struct {
		SalesOrders       []wireLoadedHeader
		SalesOrderDetails []wireLoadedLine
	}
	if err := w.put(ctx, routeLoadOrder, q, body, &a, record); err != nil {
		return nil, err
	}
	if len(a.SalesOrders) == 0 {
		return nil, &BusinessError{Kind: KindNotFound, Op: opName(routeLoadOrder), Record: record, Message: "CB returned no order", Fix: "check the sales order code"}
	}
	h := a.SalesOrders[0]
	d := &SalesOrderDetail{
		Code: h.SalesOrderCode, Date: h.SalesOrderDate.Time, Type: h.Type, OrderStatus: h.OrderStatus, IsVoided: h.IsVoided, IsOnHold: h.IsOnHold,
		BillToCode: h.BillToCode, BillToName: h.BillToName, POCode: h.POCode, SourceCode: h.SourceCode, WebSiteCode: h.WebSiteCode,
		WarehouseCode: h.WarehouseCode, ShippingMethodCode: h.ShippingMethodCode, PaymentTermCode: h.PaymentTermCode,
		ShippingDate: h.ShippingDate.Time, ShipToCode: h.ShipToCode, ShipToName: h.ShipToName,
		ShipTo:      Address{Address: h.ShipToAddress, City: h.ShipToCity, State: h.ShipToState, PostalCode: h.ShipToPostalCode, County: h.ShipToCounty, Country: h.ShipToCountry},
		PublicNotes: h.PublicNotes,
	}
	for _, l := range a.SalesOrderDetails {
		d.Lines = append(d.Lines, SalesOrderDetailLine{
			LineNum: l.LineNum, ItemCode: l.ItemCode, ItemName: l.ItemName, UnitMeasureCode: l.UnitMeasureCode, WarehouseCode: l.WarehouseCode,
			QuantityOrdered: l.QuantityOrdered.Decimal, QuantityAllocated: l.QuantityAllocated.Decimal,
			QuantityBackOrdered: l.QuantityBackOrdered.Decimal, QuantityShipped: l.QuantityShipped.Decimal,
			Outstanding: l.Outstanding.Decimal, Price: l.SalesPriceRate.Decimal, DiscountPercent: l.Discount.Decimal, ExtPrice: l.ExtPriceRate.Decimal,
		})
	}
	return d, nil
}

// HoldSalesOrder implements Service. Assumed: the spec is silent. CB documents IsOnHold as a
// read-only field of a loaded order and no call that sets it; this PUT
// Transactions/holdsalesorder/ {TransactionCode, IsOnHold, Reason} is a guess (the sandbox
// simulator implements it). Correct the route here once CB's real call is known.
func (w *WebService) HoldSalesOrder(ctx context.Context, code, reason string) error {
	body := struct {
		TransactionCode string
		IsOnHold        bool
		Reason          string
	}{TransactionCode: code, IsOnHold: true, Reason: reason}
	var a struct{}
	return w.put(ctx, routeHoldOrder, nil, body, &a, "sales order "+code)
}

type wireBox struct {
	TrackingNumber     string
	CarrierCode        string
	CarrierDescription string
	ServiceCode        string
	WeightLbs          Num
	ShipmentDate       Date // assumption: not read by the public clients
}

type wireBoxItem struct {
	TrackingNumber  string
	ItemCode        string
	ItemName        string
	UnitMeasureCode string
	ShipQuantity    Num
}

type wirePackHeader struct {
	TransactionCode    string
	CarrierCode        string
	CarrierDescription string
	ServiceCode        string
	TrackingNumber     string
}

// PackedBoxes implements Service: loadpackitems gives boxes with carrier and service and their
// items; getshipmentlabelfilenamebytransactioncode adds tracking numbers loadpackitems misses
// (those boxes get the order's default carrier and service).
func (w *WebService) PackedBoxes(ctx context.Context, code string) ([]Box, error) {
	record := "shipments of sales order " + code
	body := struct {
		IsShowFreeStock                                 bool
		TransactionCode, WarehouseCode, TransactionType string
		UseCbeImage                                     bool
		WebSiteCode                                     string
	}{TransactionCode: code, TransactionType: "order"}
	var a struct {
		Packs    []wirePackHeader
		Items    []struct{ ItemCode, ItemName string }
		Boxes    []wireBox
		BoxItems []wireBoxItem
	}
	if err := w.put(ctx, routeLoadPackItems, nil, body, &a, record); err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, it := range a.Items {
		names[it.ItemCode] = it.ItemName
	}
	var boxes []Box
	index := map[string]int{}
	for _, b := range a.Boxes {
		index[b.TrackingNumber] = len(boxes)
		boxes = append(boxes, Box{TrackingNumber: b.TrackingNumber, Carrier: b.CarrierCode, CarrierDescription: b.CarrierDescription,
			Service: b.ServiceCode, ShipDate: b.ShipmentDate.Time, WeightLbs: b.WeightLbs.Decimal})
	}
	for _, bi := range a.BoxItems {
		i, ok := index[bi.TrackingNumber]
		if !ok {
			continue
		}
		name := bi.ItemName
		if name == "" {
			name = names[bi.ItemCode]
		}
		boxes[i].Items = append(boxes[i].Items, BoxItem{ItemCode: bi.ItemCode, ItemName: name, UnitMeasureCode: bi.UnitMeasureCode, Quantity: bi.ShipQuantity.Decimal})
	}
	lbody := struct {
		TransactionCode, TransactionType string
		IsShowFreeStock                  bool
	}{code, "order", false}
	var l struct{ Packs []wirePackHeader }
	if err := w.put(ctx, routeShipmentLabels, nil, lbody, &l, record); err != nil {
		return nil, err
	}
	var def wirePackHeader
	if len(a.Packs) > 0 {
		def = a.Packs[0]
	}
	for _, p := range l.Packs {
		if p.TrackingNumber == "" {
			continue
		}
		if _, ok := index[p.TrackingNumber]; ok {
			continue
		}
		index[p.TrackingNumber] = len(boxes)
		boxes = append(boxes, Box{TrackingNumber: p.TrackingNumber, Carrier: def.CarrierCode, CarrierDescription: def.CarrierDescription, Service: def.ServiceCode})
	}
	return boxes, nil
}

// ShippedSince implements Service (shipmentlookup, filtered on ShipmentDate by the client;
// assumption: an empty WarehouseCode means every warehouse).
func (w *WebService) ShippedSince(ctx context.Context, since time.Time) ([]ShippedTransaction, error) {
	body := struct {
		TransactionType                  string
		HasTrackingNumber, IsPrePackMode bool
		CriteriaString, WarehouseCode    string
	}{TransactionType: "order"}
	var a struct {
		Packs []struct {
			TransactionCode, POCode, ShipToName, WarehouseCode string
			ShipmentDate                                       Date
		}
	}
	if err := w.put(ctx, routeShipmentLookup, nil, body, &a, "shipment feed"); err != nil {
		return nil, err
	}
	var out []ShippedTransaction
	seen := map[string]bool{}
	for _, p := range a.Packs {
		if p.ShipmentDate.Before(since) || seen[p.TransactionCode] {
			continue
		}
		seen[p.TransactionCode] = true
		out = append(out, ShippedTransaction{SalesOrderCode: p.TransactionCode, POCode: p.POCode, ShipDate: p.ShipmentDate.Time, ShipToName: p.ShipToName, WarehouseCode: p.WarehouseCode})
	}
	return out, nil
}
