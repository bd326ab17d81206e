package cartrover_test

import (
	"encoding/json"
	"testing"

	"github.com/cartrover-cb/ordermanager/cartrover"
)

// FuzzDecodeOrder feeds arbitrary bodies to the order decoder. Seeds are the fixtures' order
// objects; `go test` runs the seeds, `go test -fuzz FuzzDecodeOrder ./cartrover` explores.
// Properties: decoding never panics, and an order that decodes re-encodes and decodes to the same
// identity, status, lines and money.
func FuzzDecodeOrder(f *testing.F) {
	var list []json.RawMessage
	if err := json.Unmarshal(response(f, readFixture(f, "orders/list.json")), &list); err != nil {
		f.Fatal(err)
	}
	for _, o := range list {
		f.Add([]byte(o))
	}
	f.Add(response(f, readFixture(f, "orders/retrieve.json")))
	f.Add(readFixture(f, "orders/create_data.json"))
	f.Add([]byte(`{"cust_ref": 12, "items": [{"quantity": "1e2", "price": 1.005}], "order_date": "2020-1-2"}`))
	f.Add([]byte(`{"items": {"x": 1}, "aliases": [], "extra_fields": [["a"]]}`))

	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := cartrover.DecodeOrder(data)
		if err != nil {
			return
		}
		b, err := json.Marshal(o)
		if err != nil {
			t.Fatalf("decoded order does not encode: %v", err)
		}
		o2, err := cartrover.DecodeOrder(b)
		if err != nil {
			t.Fatalf("re-encoded order does not decode: %v\n%s", err, b)
		}
		if o2.CustRef != o.CustRef || o2.OrderStatus != o.OrderStatus || len(o2.Items) != len(o.Items) ||
			!o2.GrandTotal.Equal(o.GrandTotal.Decimal) {
			t.Fatalf("round trip changed the order: %+v -> %+v", o, o2)
		}
		for i := range o.Items {
			if !o2.Items[i].Quantity.Equal(o.Items[i].Quantity.Decimal) || !o2.Items[i].Price.Equal(o.Items[i].Price.Decimal) ||
				o2.Items[i].Item != o.Items[i].Item {
				t.Fatalf("round trip changed line %d: %+v -> %+v", i, o.Items[i], o2.Items[i])
			}
		}
	})
}
