package activities

import (
	"context"
	"fmt"
	"strings"

	"go.temporal.io/sdk/activity"

	"github.com/cartrover-cb/ordermanager/cartrover"
	"github.com/cartrover-cb/ordermanager/connectedbusiness"
)

// ProductBatchInput is one step of Product Detail sync: read the next CB items after Cursor and
// post the active ones' details to CartRover as one batch.
type ProductBatchInput struct {
	// Cursor is where the CB item walk resumes ("" = the first item).
	Cursor string `json:"cursor,omitempty"`
	// BatchSize is how many CB items this step reads.
	BatchSize int `json:"batch_size"`
	// SKUs is the settings' SKU map (CartRover SKU → CB ItemName), every cart's included.
	SKUs []SKUPair `json:"skus,omitempty"`
}

// ProductBatchResult is what one step did: counts only.
type ProductBatchResult struct {
	// Items counts the CB items read.
	Items int `json:"items"`
	// Posted counts the CartRover products CartRover accepted.
	Posted int `json:"posted"`
	// Inactive counts phased-out items skipped.
	Inactive int `json:"inactive,omitempty"`
	// Failed counts products CartRover (or CB's details) refused.
	Failed int `json:"failed,omitempty"`
	// Problems are the refused items with the reason (bounded).
	Problems []Problem `json:"problems,omitempty"`
	// Next is the cursor of the following step; "" when the walk is complete.
	Next string `json:"next,omitempty"`
}

// productProgress is the heartbeat of SyncProductsBatch: the details read so far, so that a retry
// (after a crash or a CartRover fault) does not read them from CB again.
type productProgress struct {
	Cursor   string                    `json:"cursor"`
	Read     int                       `json:"read"`
	Inactive int                       `json:"inactive"`
	Problems []Problem                 `json:"problems,omitempty"`
	Updates  []cartrover.ProductUpdate `json:"updates,omitempty"`
}

// SyncProductsBatch reads the next batch of CB items after in.Cursor, reads the details of the
// active ones (description, UPC per unit of measure, weight, retail and wholesale prices) and posts
// them to CartRover's product route in one call (paced by the client). Phased-out
// items are counted as inactive and not posted.
func (a *Activities) SyncProductsBatch(ctx context.Context, in ProductBatchInput) (ProductBatchResult, error) {
	batch := in.BatchSize
	if batch <= 0 {
		batch = 100
	}
	items, next, err := a.CB.ListItems(ctx, in.Cursor, batch)
	if err != nil {
		return ProductBatchResult{}, classify(err, "CB items after cursor "+strconvQuote(in.Cursor), ErrTypeCBRejected)
	}
	prog := productProgress{Cursor: in.Cursor}
	if activity.HasHeartbeatDetails(ctx) {
		var hb productProgress
		if activity.GetHeartbeatDetails(ctx, &hb) == nil && hb.Cursor == in.Cursor {
			prog = hb
		}
	}
	idx := newSKUIndex(in.SKUs)
	res := ProductBatchResult{Items: len(items), Next: next}
	for i := prog.Read; i < len(items); i++ {
		it := items[i]
		if strings.EqualFold(it.Status, "P") {
			prog.Inactive++
		} else {
			d, err := a.CB.ItemDetails(ctx, it.Code)
			switch {
			case err != nil && (connectedbusiness.IsRetryable(err) || !isBusiness(err)):
				return ProductBatchResult{}, classify(err, "CB details of item "+it.Name, ErrTypeCBRejected)
			case err != nil:
				prog.Problems = AddProblem(prog.Problems, MaxPageProblems, Problem{Key: it.Name, Type: ErrTypeCBRejected, Reason: err.Error()})
				res.Failed++
			case d == nil:
				prog.Problems = AddProblem(prog.Problems, MaxPageProblems, Problem{Key: it.Name, Type: ErrTypeCBRejected,
					Reason: fmt.Sprintf("CB listed item %s (%s) but has no details for it", it.Name, it.Code)})
				res.Failed++
			case !d.Active && d.Status != "":
				prog.Inactive++
			default:
				for _, sku := range idx.skus(it.Name) {
					prog.Updates = append(prog.Updates, productUpdate(sku, d))
				}
			}
		}
		prog.Read = i + 1
		activity.RecordHeartbeat(ctx, prog)
	}
	res.Inactive = prog.Inactive
	res.Problems = prog.Problems
	if len(prog.Updates) > 0 {
		br, err := a.CartRover.UpdateProducts(ctx, prog.Updates)
		if err != nil {
			return ProductBatchResult{}, classify(err, fmt.Sprintf("CartRover product batch of %d SKUs after cursor %q", len(prog.Updates), in.Cursor), ErrTypeBatchRejected)
		}
		missing := 0
		tallyBatch(br, len(prog.Updates), &res.Posted, &missing, &res.Failed, &res.Problems)
		if missing > 0 {
			res.Failed += missing
			res.Problems = AddProblem(res.Problems, MaxPageProblems, Problem{Key: fmt.Sprintf("%d SKUs", missing), Type: ErrTypeBatchRejected,
				Reason: "CartRover does not know these SKUs: create the products in CartRover or map them in the settings' skus"})
		}
	}
	return res, nil
}

// productUpdate maps CB item details to CartRover's product record. UPCs become aliases: the base
// (or default selling) unit's as code type "UPC", every other unit's as "UPC-<unit code>"
// (assumption: CartRover's alias code types beyond UPC and merchantSKU are undocumented).
func productUpdate(sku string, d *connectedbusiness.ItemDetail) cartrover.ProductUpdate {
	p := cartrover.ProductUpdate{
		SKU: sku, Name: d.Description, Description: d.Description,
		RetailPrice: cartrover.NewDecimal(d.RetailPrice), WholesalePrice: cartrover.NewDecimal(d.WholesalePrice),
		WeightLbs: cartrover.NewDecimal(d.WeightLbs),
	}
	if d.ExtendedDescription != "" {
		p.Description = d.ExtendedDescription
	}
	for _, u := range d.UnitsOfMeasure {
		if u.UPC == "" {
			continue
		}
		ct := "UPC"
		if !u.IsBase {
			ct = "UPC-" + u.Code
		}
		p.Aliases = append(p.Aliases, cartrover.Alias{CodeType: ct, Code: u.UPC})
	}
	return p
}
