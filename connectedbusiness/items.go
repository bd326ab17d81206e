package connectedbusiness

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/shopspring/decimal"
)

type wireItem struct {
	ItemCode        string
	ItemName        string
	ItemDescription string
	ItemType        string
	UnitMeasureCode string
	UPCCode         string
	RetailPrice     Num
	WholesalePrice  Num
	Status          string
}

func (i wireItem) item() Item {
	return Item{Code: i.ItemCode, Name: i.ItemName, Description: i.ItemDescription, ItemType: i.ItemType,
		UnitMeasureCode: i.UnitMeasureCode, UPC: i.UPCCode, RetailPrice: i.RetailPrice.Decimal,
		WholesalePrice: i.WholesalePrice.Decimal, Status: i.Status}
}

type itemLookupBody struct {
	ItemCode, CriteriaString, WebsiteCode, WarehouseCode string
	ShowPhasedOutItems                                   bool
}

func (w *WebService) itemLookup(ctx context.Context, criteria string, limit int, record string) ([]wireItem, error) {
	var a struct{ Items []wireItem }
	err := w.put(ctx, routeItemLookup+rows(limit), nil, itemLookupBody{CriteriaString: criteria, ShowPhasedOutItems: true}, &a, record)
	return a.Items, err
}

// ItemByName implements Service. Assumption: ItemLookup's CriteriaString matches the start of
// ItemCode or ItemName; the client keeps only an exact ItemName match (case-sensitive first).
func (w *WebService) ItemByName(ctx context.Context, name string) (*Item, error) {
	if strings.TrimSpace(name) == "" {
		return nil, nil
	}
	items, err := w.itemLookup(ctx, name, capDefault, fmt.Sprintf("item %q", name))
	if err != nil {
		return nil, err
	}
	var fold *Item
	for _, it := range items {
		if it.ItemName == name {
			i := it.item()
			return &i, nil
		}
		if fold == nil && strings.EqualFold(it.ItemName, name) {
			i := it.item()
			fold = &i
		}
	}
	return fold, nil
}

// ItemByUPC implements Service (GET loaditembyupc). Two different items with one UPC is a
// *BusinessError.
func (w *WebService) ItemByUPC(ctx context.Context, upc string) (*Item, error) {
	if strings.TrimSpace(upc) == "" {
		return nil, nil
	}
	record := fmt.Sprintf("item with UPC %q", upc)
	q := url.Values{"upcCode": {upc}, "warehouseCode": {""}, "isShowFreeStock": {"false"}, "useCbe": {"false"}, "webSite": {""}}
	var a struct{ Items []wireItem }
	if err := w.get(ctx, routeItemByUPC, q, &a, record); err != nil {
		if IsKind(err, KindNotFound) || IsKind(err, KindUnknownItem) {
			return nil, nil
		}
		return nil, err
	}
	var found *Item
	for _, it := range a.Items {
		if it.UPCCode != upc && it.ItemCode != upc {
			continue
		}
		if found != nil && found.Code != it.ItemCode {
			return nil, &BusinessError{Kind: KindOther, Op: opName(routeItemByUPC), Record: record,
				Message: fmt.Sprintf("UPC is on items %s and %s", found.Code, it.ItemCode), Fix: "give each item its own UPC in CB"}
		}
		i := it.item()
		found = &i
	}
	return found, nil
}

// ItemDetails implements Service.
func (w *WebService) ItemDetails(ctx context.Context, itemCode string) (*ItemDetail, error) {
	var a struct {
		ItemDetails []struct {
			ItemCode, ItemName, ItemDescription, ExtendedDescription, ItemType, Status string
			WeightInPounds                                                             Num
		}
		ItemPricingDetails []struct{ RetailPrice, WholesalePrice Num }
		UnitOfMeasures     []struct {
			UnitMeasureCode        string
			UnitMeasureQty         Num
			UPCCode                string
			IsBase, DefaultSelling bool
		}
	}
	if err := w.put(ctx, routeItemDetails, nil, stringValue{itemCode}, &a, "item "+itemCode); err != nil {
		if IsKind(err, KindNotFound) || IsKind(err, KindUnknownItem) {
			return nil, nil
		}
		return nil, err
	}
	if len(a.ItemDetails) == 0 {
		return nil, nil
	}
	h := a.ItemDetails[0]
	d := &ItemDetail{Code: h.ItemCode, Name: h.ItemName, Description: h.ItemDescription, ExtendedDescription: h.ExtendedDescription,
		ItemType: h.ItemType, Status: h.Status, Active: h.Status == "" || strings.EqualFold(h.Status, "A"), WeightLbs: h.WeightInPounds.Decimal}
	if len(a.ItemPricingDetails) > 0 {
		d.RetailPrice = a.ItemPricingDetails[0].RetailPrice.Decimal
		d.WholesalePrice = a.ItemPricingDetails[0].WholesalePrice.Decimal
	}
	for _, u := range a.UnitOfMeasures {
		d.UnitsOfMeasure = append(d.UnitsOfMeasure, UnitOfMeasure{Code: u.UnitMeasureCode, Qty: u.UnitMeasureQty.Decimal, UPC: u.UPCCode, IsBase: u.IsBase, DefaultSelling: u.DefaultSelling})
	}
	return d, nil
}

// listAlphabet are the characters ListItems extends a code prefix with when a narrowed lookup
// fills its cap. Assumption: item codes use only these (CB codes are upper case, digits, "-").
const listAlphabet = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_."

// listCursor is ListItems' position: a stack of pending work, each entry either one prefix
// (I < 0) or the children P+listAlphabet[I:] of a split prefix; and, for a prefix partly
// returned, the last code already returned (A).
type listCursor struct {
	S []listFrame `json:"s"`
	A string      `json:"a,omitempty"`
}

type listFrame struct {
	P string `json:"p"`
	I int    `json:"i"`
}

// peek returns the prefix to look up next.
func (c *listCursor) peek() string {
	f := c.S[0]
	if f.I < 0 {
		return f.P
	}
	return f.P + string(listAlphabet[f.I])
}

// pop marks the prefix peek returned as done.
func (c *listCursor) pop() {
	f := &c.S[0]
	if f.I >= 0 && f.I+1 < len(listAlphabet) {
		f.I++
	} else {
		c.S = c.S[1:]
	}
	c.A = ""
}

// ListItems implements Service. CB has no paging, only top-N caps, so the walk narrows the
// criteria: it looks up a code prefix with a cap; a prefix that fills the cap is split into
// prefix+c for every c of listAlphabet; a prefix that does not is complete and its items are
// returned in code order. The cursor holds the work left (a few dozen bytes).
func (w *WebService) ListItems(ctx context.Context, cursor string, max int) ([]Item, string, error) {
	if max <= 0 {
		max = 100
	}
	st := listCursor{S: []listFrame{{P: "", I: -1}}}
	if cursor != "" {
		if err := json.Unmarshal([]byte(cursor), &st); err != nil {
			return nil, "", fmt.Errorf("connected business: item list cursor %q is not one ListItems returned: %w", cursor, err)
		}
	}
	var out []Item
	for len(out) < max && len(st.S) > 0 {
		p := st.peek()
		got, err := w.itemLookup(ctx, p, capListItems, fmt.Sprintf("items with code prefix %q", p))
		if err != nil {
			return nil, "", err
		}
		if len(got) >= capListItems {
			st.pop()
			st.S = append([]listFrame{{P: p, I: 0}}, st.S...)
			for _, it := range got {
				if p != "" && strings.EqualFold(it.ItemCode, p) {
					out = append(out, it.item())
				}
			}
			continue
		}
		var mine []wireItem
		for _, it := range got {
			if hasPrefixFold(it.ItemCode, p) && (st.A == "" || strings.ToUpper(it.ItemCode) > strings.ToUpper(st.A)) {
				mine = append(mine, it)
			}
		}
		sort.Slice(mine, func(i, j int) bool { return strings.ToUpper(mine[i].ItemCode) < strings.ToUpper(mine[j].ItemCode) })
		room := max - len(out)
		if len(mine) > room {
			for _, it := range mine[:room] {
				out = append(out, it.item())
			}
			st.A = mine[room-1].ItemCode
			break
		}
		for _, it := range mine {
			out = append(out, it.item())
		}
		st.pop()
	}
	if len(st.S) == 0 {
		return out, "", nil
	}
	b, _ := json.Marshal(st)
	return out, string(b), nil
}

func hasPrefixFold(s, p string) bool {
	return len(s) >= len(p) && strings.EqualFold(s[:len(p)], p)
}

type wireStock struct {
	ItemCode        string
	WarehouseCode   string
	UnitMeasureCode string
	UnitMeasureQty  Num
	FreeStock       Num
	IsActive        *bool
}

func (s wireStock) stock(itemCode string) Stock {
	code := s.ItemCode
	if code == "" {
		code = itemCode
	}
	uq := s.UnitMeasureQty.Decimal
	if uq.IsZero() {
		uq = decimal.NewFromInt(1)
	}
	return Stock{ItemCode: code, WarehouseCode: s.WarehouseCode, UnitMeasureCode: s.UnitMeasureCode,
		UnitMeasureQty: uq, FreeStock: s.FreeStock.Decimal, IsActive: s.IsActive == nil || *s.IsActive}
}

// FreeStock implements Service (locationstocklookup; every UoM is returned).
func (w *WebService) FreeStock(ctx context.Context, itemCode string) ([]Stock, error) {
	body := struct{ ItemCode, UnitMeasureCode string }{itemCode, ""}
	var a struct{ StockTotalDetails []wireStock }
	if err := w.put(ctx, routeLocationStock, nil, body, &a, "stock of item "+itemCode); err != nil {
		return nil, err
	}
	out := make([]Stock, 0, len(a.StockTotalDetails))
	for _, s := range a.StockTotalDetails {
		out = append(out, s.stock(itemCode))
	}
	return out, nil
}

// FreeStockBatch implements Service (loadgrouplocationstock). CB may answer a bare boolean
// (availability only); that is reported as an error telling the caller to use FreeStock.
func (w *WebService) FreeStockBatch(ctx context.Context, queries []StockQuery) ([]Stock, error) {
	if len(queries) == 0 {
		return nil, nil
	}
	type row struct {
		ItemCode, UnitMeasureCode, WarehouseCode string
		QuantityOrdered, QuantityAllocated       Num
	}
	body := struct{ StockTotalDetails []row }{}
	for _, q := range queries {
		u := q.UnitMeasureCode
		if u == "" {
			u = "EACH"
		}
		body.StockTotalDetails = append(body.StockTotalDetails, row{ItemCode: q.ItemCode, UnitMeasureCode: u, WarehouseCode: q.WarehouseCode})
	}
	record := fmt.Sprintf("stock of %d items", len(queries))
	var raw json.RawMessage
	if err := w.put(ctx, routeGroupStock, nil, body, &raw, record); err != nil {
		return nil, err
	}
	t := bytes.TrimSpace(raw)
	if len(t) > 0 && t[0] != '{' {
		return nil, &BusinessError{Kind: KindOther, Op: opName(routeGroupStock), Record: record,
			Message: "CB answered availability only (" + string(t) + ")", Fix: "this CB version has no batch stock answer; use FreeStock per item"}
	}
	var a struct{ StockTotalDetails []wireStock }
	if err := json.Unmarshal(t, &a); err != nil {
		return nil, &TransportError{Op: opName(routeGroupStock), Err: &syntaxError{err}}
	}
	out := make([]Stock, 0, len(a.StockTotalDetails))
	for _, s := range a.StockTotalDetails {
		out = append(out, s.stock(""))
	}
	return out, nil
}

// Warehouses implements Service.
func (w *WebService) Warehouses(ctx context.Context) ([]Warehouse, error) {
	var a struct {
		Warehouses []struct {
			WarehouseCode, WarehouseDescription               string
			IsActive                                          bool
			Address, City, State, PostalCode, County, Country string
		}
	}
	if err := w.put(ctx, routeWarehouses+rows(capDefault), nil, stringValue{""}, &a, "warehouses"); err != nil {
		return nil, err
	}
	out := make([]Warehouse, 0, len(a.Warehouses))
	for _, h := range a.Warehouses {
		out = append(out, Warehouse{Code: h.WarehouseCode, Description: h.WarehouseDescription, IsActive: h.IsActive,
			Address: Address{Address: h.Address, City: h.City, State: h.State, PostalCode: h.PostalCode, County: h.County, Country: h.Country}})
	}
	return out, nil
}
