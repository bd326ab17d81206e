package cartrover

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
)

// ListOrdersRaw returns one page of orders in the given status undecoded, one raw JSON object per
// order, so a caller can decode them one by one and set aside an order that does not decode
// instead of losing the whole page (see DecodeOrderStrict).
func (c *Client) ListOrdersRaw(ctx context.Context, status Status, opts ListOptions) ([]json.RawMessage, error) {
	q, err := listQuery(status, opts)
	if err != nil {
		return nil, err
	}
	var out []json.RawMessage
	if err := c.do(ctx, call{route: RouteListOrders, record: "status " + string(status), args: []string{string(status)}, query: q}, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// FieldError is an order that does not decode: which field, the raw value CartRover sent, and why.
type FieldError struct {
	// CustRef is the order's cust_ref when it could be read ("" otherwise).
	CustRef string
	// Field is the top-level field that does not decode ("" when the object itself is not JSON).
	Field string
	// Raw is the field's raw JSON value (cut to 200 bytes).
	Raw string
	// Err is the decoder's error.
	Err error
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("the order is not a JSON object (%v): %s", e.Err, e.Raw)
	}
	return fmt.Sprintf("field %s has the value %s, which does not decode (%v)", e.Field, e.Raw, e.Err)
}

func (e *FieldError) Unwrap() error { return e.Err }

// DecodeOrderStrict decodes one order like DecodeOrder; when that fails it names the first field
// (in name order) that does not decode on its own, with its raw value, in a *FieldError.
func DecodeOrderStrict(data []byte) (*Order, error) {
	o, err := DecodeOrder(data)
	if err == nil {
		return o, nil
	}
	fe := &FieldError{Err: err, Raw: cut(data)}
	var fields map[string]json.RawMessage
	if jerr := json.Unmarshal(data, &fields); jerr != nil {
		return nil, fe
	}
	var ref string
	if raw, ok := fields["cust_ref"]; ok {
		_ = json.Unmarshal(raw, &ref)
	}
	fe.CustRef = ref
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		one, _ := json.Marshal(map[string]json.RawMessage{k: fields[k]})
		var probe Order
		if ferr := decodeLenient(one, &probe); ferr != nil {
			fe.Field, fe.Raw, fe.Err = k, cut(fields[k]), ferr
			return nil, fe
		}
	}
	return nil, fe
}

func cut(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) > 200 {
		return string(b[:200]) + "…"
	}
	return string(b)
}
