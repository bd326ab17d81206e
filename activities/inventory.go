package activities

import (
	"context"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
	"go.temporal.io/sdk/activity"

	"github.com/cartrover-cb/ordermanager/cartrover"
	"github.com/cartrover-cb/ordermanager/connectedbusiness"
	"github.com/cartrover-cb/ordermanager/settings"
)

// InventoryBatchInput is one step of Inventory Sync: read the next CB items after Cursor, post
// their free stock to CartRover as one batch.
type InventoryBatchInput struct {
	// Cursor is where the CB item walk resumes ("" = the first item).
	Cursor string `json:"cursor,omitempty"`
	// BatchSize is how many CB items this step reads (and at most how many SKUs one post carries).
	BatchSize int `json:"batch_size"`
	// Warehouses are the CB warehouses whose free stock counts (resolved: never empty).
	Warehouses []string `json:"warehouses"`
	// PerWarehouse posts one quantity per warehouse instead of the sum.
	PerWarehouse bool `json:"per_warehouse,omitempty"`
	// SafetyStock is held back (per SKU wins over per warehouse); results never go below zero.
	SafetyStock settings.SafetyStock `json:"safety_stock,omitempty"`
	// SKUs is the settings' SKU map (CartRover SKU → CB ItemName), every cart's included.
	SKUs []SKUPair `json:"skus,omitempty"`
}

// InventoryBatchResult is what one step did: counts only, never the stock figures themselves.
type InventoryBatchResult struct {
	// Items counts the CB items read.
	Items int `json:"items"`
	// Posted counts the CartRover SKUs CartRover accepted.
	Posted int `json:"posted"`
	// MissingInCartRover counts SKUs CartRover does not know.
	MissingInCartRover int `json:"missing_in_cartrover,omitempty"`
	// Failed counts SKUs CartRover refused for another reason.
	Failed int `json:"failed,omitempty"`
	// MappedSeen lists the ItemNames of the SKU map this step found in CB (for MissingInCB).
	MappedSeen []string `json:"mapped_seen,omitempty"`
	// Problems are the refused SKUs with CartRover's reason (bounded).
	Problems []Problem `json:"problems,omitempty"`
	// Next is the cursor of the following step; "" when the walk is complete.
	Next string `json:"next,omitempty"`
}

// inventoryProgress is the heartbeat of SyncInventoryBatch: where the batch's CB walk stands.
type inventoryProgress struct {
	Cursor string `json:"cursor"`
	Step   string `json:"step"`
}

// SyncInventoryBatch reads the next batch of CB items after in.Cursor with their free stock in
// in.Warehouses, and posts one CartRover inventory update for them (the only CartRover call, paced
// by the client). Quantities are CB free stock minus safety stock, never below zero:
// per warehouse (PerWarehouse) or summed. A SKU safety stock wins over the warehouse's; in the sum
// it is held back once from the total. SKUs CartRover does not know are counted, not failed.
func (a *Activities) SyncInventoryBatch(ctx context.Context, in InventoryBatchInput) (InventoryBatchResult, error) {
	batch := in.BatchSize
	if batch <= 0 {
		batch = 100
	}
	activity.RecordHeartbeat(ctx, inventoryProgress{Cursor: in.Cursor, Step: "items"})
	items, next, err := a.CB.ListItems(ctx, in.Cursor, batch)
	if err != nil {
		return InventoryBatchResult{}, classify(err, "CB items after cursor "+strconvQuote(in.Cursor), ErrTypeCBRejected)
	}
	res := InventoryBatchResult{Items: len(items), Next: next}
	if len(items) == 0 {
		return res, nil
	}
	idx := newSKUIndex(in.SKUs)
	queries := make([]connectedbusiness.StockQuery, 0, len(items)*len(in.Warehouses))
	for _, it := range items {
		if len(idx[it.Name]) > 0 {
			res.MappedSeen = append(res.MappedSeen, it.Name)
		}
		for _, w := range in.Warehouses {
			queries = append(queries, connectedbusiness.StockQuery{ItemCode: it.Code, WarehouseCode: w, UnitMeasureCode: it.UnitMeasureCode})
		}
	}
	activity.RecordHeartbeat(ctx, inventoryProgress{Cursor: in.Cursor, Step: "stock"})
	stock, err := a.CB.FreeStockBatch(ctx, queries)
	if err != nil {
		return InventoryBatchResult{}, classify(err, fmt.Sprintf("CB free stock of %d items after cursor %q", len(items), in.Cursor), ErrTypeCBRejected)
	}
	free := freeByItemWarehouse(items, stock)
	var updates []cartrover.InventoryUpdate
	for _, it := range items {
		for _, sku := range idx.skus(it.Name) {
			updates = append(updates, inventoryFor(sku, it, in, free)...)
		}
	}
	activity.RecordHeartbeat(ctx, inventoryProgress{Cursor: in.Cursor, Step: "post"})
	br, err := a.CartRover.UpdateInventory(ctx, updates)
	if err != nil {
		return InventoryBatchResult{}, classify(err, fmt.Sprintf("CartRover inventory batch of %d SKUs after cursor %q", len(updates), in.Cursor), ErrTypeBatchRejected)
	}
	tallyBatch(br, len(updates), &res.Posted, &res.MissingInCartRover, &res.Failed, &res.Problems)
	return res, nil
}

// stockKey is one item in one warehouse.
type stockKey struct{ item, warehouse string }

// freeByItemWarehouse picks, per item and warehouse, the free stock (in base units) of the item's
// own unit of measure row, or of the first row when CB did not echo that unit.
func freeByItemWarehouse(items []connectedbusiness.Item, stock []connectedbusiness.Stock) map[stockKey]decimal.Decimal {
	uom := map[string]string{}
	for _, it := range items {
		uom[it.Code] = it.UnitMeasureCode
	}
	out := map[stockKey]decimal.Decimal{}
	exact := map[stockKey]bool{}
	for _, s := range stock {
		k := stockKey{s.ItemCode, s.WarehouseCode}
		match := uom[s.ItemCode] == "" || strings.EqualFold(s.UnitMeasureCode, uom[s.ItemCode])
		if _, seen := out[k]; seen && (exact[k] || !match) {
			continue
		}
		out[k] = s.FreeStock
		exact[k] = match
	}
	return out
}

// inventoryFor computes what CartRover is told for one SKU of one CB item.
func inventoryFor(sku string, it connectedbusiness.Item, in InventoryBatchInput, free map[stockKey]decimal.Decimal) []cartrover.InventoryUpdate {
	skuSafety, hasSKU := in.SafetyStock.SKUs[sku]
	if !hasSKU {
		skuSafety, hasSKU = in.SafetyStock.SKUs[it.Name]
	}
	floor := func(d decimal.Decimal) decimal.Decimal {
		if d.IsNegative() {
			return decimal.Zero
		}
		return d.Floor()
	}
	if in.PerWarehouse {
		out := make([]cartrover.InventoryUpdate, 0, len(in.Warehouses))
		for _, w := range in.Warehouses {
			safety := in.SafetyStock.Warehouses[w]
			if hasSKU {
				safety = skuSafety
			}
			q := floor(free[stockKey{it.Code, w}].Sub(decimal.NewFromInt(int64(safety))))
			out = append(out, cartrover.InventoryUpdate{SKU: sku, QtyAvailable: cartrover.NewDecimal(q), Warehouse: w})
		}
		return out
	}
	total := decimal.Zero
	for _, w := range in.Warehouses {
		f := free[stockKey{it.Code, w}]
		if !hasSKU {
			f = floor(f.Sub(decimal.NewFromInt(int64(in.SafetyStock.Warehouses[w]))))
		}
		total = total.Add(f)
	}
	if hasSKU {
		total = total.Sub(decimal.NewFromInt(int64(skuSafety)))
	}
	return []cartrover.InventoryUpdate{{SKU: sku, QtyAvailable: cartrover.NewDecimal(floor(total))}}
}

// tallyBatch counts a CartRover batch answer: accepted records, unknown SKUs (missing in
// CartRover) and other refusals (failed, each a problem with CartRover's message).
func tallyBatch(br *cartrover.BatchResult, sent int, posted, missing, failed *int, problems *[]Problem) {
	if br == nil || len(br.Success)+len(br.Failed) == 0 {
		*posted += sent
		return
	}
	*posted += len(br.Success)
	for _, f := range br.Failed {
		low := strings.ToLower(f.Message)
		if strings.Contains(low, "not found") || strings.Contains(low, "unknown") || strings.Contains(low, "does not exist") {
			*missing++
			continue
		}
		*failed++
		*problems = AddProblem(*problems, MaxPageProblems, Problem{Key: f.SKU, Type: ErrTypeBatchRejected,
			Reason: fmt.Sprintf("CartRover refused SKU %s: %s", f.SKU, f.Message)})
	}
}

func strconvQuote(s string) string { return fmt.Sprintf("%q", s) }
