package activities_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/cartrover-cb/ordermanager/connectedbusiness"
)

// pkFakeCB is an in-memory Connected Business for the pickup activities' edge cases the CB
// simulator cannot easily produce (a voided order, a failing stock read). Methods the pickups do
// not use panic through the nil embedded interface.
type pkFakeCB struct {
	connectedbusiness.Service

	mu       sync.Mutex
	items    []connectedbusiness.Item
	stock    map[string]map[string]int64 // ItemCode → warehouse → free stock
	details  map[string]*connectedbusiness.ItemDetail
	boxes    map[string][]connectedbusiness.Box
	orders   map[string]*connectedbusiness.SalesOrderDetail
	shipped  []connectedbusiness.ShippedTransaction
	failNext map[string]error // method → error returned once
	calls    map[string]int
}

func newPKFakeCB() *pkFakeCB {
	return &pkFakeCB{stock: map[string]map[string]int64{}, details: map[string]*connectedbusiness.ItemDetail{},
		boxes: map[string][]connectedbusiness.Box{}, orders: map[string]*connectedbusiness.SalesOrderDetail{},
		failNext: map[string]error{}, calls: map[string]int{}}
}

func (f *pkFakeCB) enter(method string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[method]++
	if err, ok := f.failNext[method]; ok {
		delete(f.failNext, method)
		return err
	}
	return nil
}

func (f *pkFakeCB) ShippedSince(_ context.Context, since time.Time) ([]connectedbusiness.ShippedTransaction, error) {
	if err := f.enter("ShippedSince"); err != nil {
		return nil, err
	}
	var out []connectedbusiness.ShippedTransaction
	for _, s := range f.shipped {
		if !s.ShipDate.Before(since) {
			out = append(out, s)
		}
	}
	return out, nil
}

func (f *pkFakeCB) PackedBoxes(_ context.Context, so string) ([]connectedbusiness.Box, error) {
	if err := f.enter("PackedBoxes"); err != nil {
		return nil, err
	}
	if _, ok := f.boxes[so]; !ok && f.orders[so] == nil {
		return nil, &connectedbusiness.BusinessError{Kind: connectedbusiness.KindNotFound, Op: "Transactions/loadpackitems",
			Record: "sales order " + so, Message: "Sales order does not exist"}
	}
	return f.boxes[so], nil
}

func (f *pkFakeCB) LoadSalesOrder(_ context.Context, so string) (*connectedbusiness.SalesOrderDetail, error) {
	if err := f.enter("LoadSalesOrder"); err != nil {
		return nil, err
	}
	if d := f.orders[so]; d != nil {
		return d, nil
	}
	return nil, &connectedbusiness.BusinessError{Kind: connectedbusiness.KindNotFound, Op: "Transactions/loadorderbyordercode",
		Record: "sales order " + so, Message: "not found"}
}

func (f *pkFakeCB) ListItems(_ context.Context, cursor string, max int) ([]connectedbusiness.Item, string, error) {
	if err := f.enter("ListItems"); err != nil {
		return nil, "", err
	}
	start := 0
	if cursor != "" {
		n, err := strconv.Atoi(cursor)
		if err != nil {
			return nil, "", fmt.Errorf("bad cursor %q", cursor)
		}
		start = n
	}
	end := min(start+max, len(f.items))
	next := ""
	if end < len(f.items) {
		next = strconv.Itoa(end)
	}
	return f.items[start:end], next, nil
}

func (f *pkFakeCB) FreeStockBatch(_ context.Context, qs []connectedbusiness.StockQuery) ([]connectedbusiness.Stock, error) {
	if err := f.enter("FreeStockBatch"); err != nil {
		return nil, err
	}
	var out []connectedbusiness.Stock
	for _, q := range qs {
		// Like CB, answer every unit of measure; the CASE row (12 each) comes first.
		free := decimal.NewFromInt(f.stock[q.ItemCode][q.WarehouseCode])
		out = append(out,
			connectedbusiness.Stock{ItemCode: q.ItemCode, WarehouseCode: q.WarehouseCode, UnitMeasureCode: "CASE", UnitMeasureQty: decimal.NewFromInt(12), FreeStock: free.Add(decimal.NewFromInt(1000)), IsActive: true},
			connectedbusiness.Stock{ItemCode: q.ItemCode, WarehouseCode: q.WarehouseCode, UnitMeasureCode: "EACH", UnitMeasureQty: decimal.NewFromInt(1), FreeStock: free, IsActive: true})
	}
	return out, nil
}

func (f *pkFakeCB) ItemDetails(_ context.Context, code string) (*connectedbusiness.ItemDetail, error) {
	if err := f.enter("ItemDetails"); err != nil {
		return nil, err
	}
	return f.details[code], nil
}
