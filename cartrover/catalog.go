package cartrover

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
)

// ListInventory returns one page of stock records (limit 0 = 100, page 0 = 1).
func (c *Client) ListInventory(ctx context.Context, limit, page int) ([]InventoryItem, error) {
	if limit <= 0 {
		limit = MaxPageSize
	}
	if page <= 0 {
		page = 1
	}
	q := url.Values{"limit": {strconv.Itoa(limit)}, "page": {strconv.Itoa(page)}}
	var out []InventoryItem
	if err := c.do(ctx, call{route: RouteListInventory, record: "page " + strconv.Itoa(page), query: q}, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// InventoryItem returns one SKU's stock. A missing SKU is an error for which IsNotFound is true.
func (c *Client) InventoryItem(ctx context.Context, sku string) (*InventoryItem, error) {
	if err := needKey(RouteInventoryItem, "sku", sku); err != nil {
		return nil, err
	}
	var it InventoryItem
	if err := c.do(ctx, call{route: RouteInventoryItem, record: "sku " + sku, args: []string{sku}}, &it); err != nil {
		return nil, err
	}
	return &it, nil
}

// UpdateInventory pushes stock levels in one call; the result lists per SKU what succeeded and
// what failed (an unknown SKU fails alone). An empty list makes no call.
func (c *Client) UpdateInventory(ctx context.Context, updates []InventoryUpdate) (*BatchResult, error) {
	if len(updates) == 0 {
		return &BatchResult{}, nil
	}
	for i, u := range updates {
		if u.SKU == "" || u.QtyAvailable.IsNegative() {
			return nil, &Error{Code: CodeInvalid, Op: RouteUpdateInventory.Name, Record: fmt.Sprintf("update %d (sku %q)", i+1, u.SKU),
				Message: "every inventory update needs a SKU and a quantity of zero or more"}
		}
	}
	var r BatchResult
	if err := c.do(ctx, call{route: RouteUpdateInventory, record: fmt.Sprintf("%d SKUs", len(updates)), body: updates}, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// Product returns one product's details. A missing SKU is an error for which IsNotFound is true.
func (c *Client) Product(ctx context.Context, sku string) (*Product, error) {
	if err := needKey(RouteProduct, "sku", sku); err != nil {
		return nil, err
	}
	var p Product
	if err := c.do(ctx, call{route: RouteProduct, record: "sku " + sku, args: []string{sku}}, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// UpdateProducts pushes product details in one call; the result lists per SKU what succeeded and
// what failed. An empty list makes no call.
func (c *Client) UpdateProducts(ctx context.Context, products []ProductUpdate) (*BatchResult, error) {
	if len(products) == 0 {
		return &BatchResult{}, nil
	}
	for i, p := range products {
		if p.SKU == "" {
			return nil, &Error{Code: CodeInvalid, Op: RouteUpdateProducts.Name, Record: fmt.Sprintf("product %d", i+1),
				Message: "every product update needs a SKU"}
		}
	}
	var r BatchResult
	if err := c.do(ctx, call{route: RouteUpdateProducts, record: fmt.Sprintf("%d SKUs", len(products)), body: products}, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// ShipMethods returns the WMS ship-method catalogue (carrier, code, description).
func (c *Client) ShipMethods(ctx context.Context) ([]ShipMethod, error) {
	var out []ShipMethod
	if err := c.do(ctx, call{route: RouteShipMethods}, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// OrderSources returns the merchant's carts (order sources).
func (c *Client) OrderSources(ctx context.Context) ([]OrderSource, error) {
	var out []OrderSource
	if err := c.do(ctx, call{route: RouteOrderSources}, &out); err != nil {
		return nil, err
	}
	return out, nil
}
