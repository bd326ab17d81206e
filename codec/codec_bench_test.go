package codec_test

import (
	"os"
	"path/filepath"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"

	"github.com/cartrover-cb/ordermanager/codec"
)

// orderPayload is the input of a recorded ImportOrder (an order with its settings), the payload
// the OrderManager encodes once per order when it starts the order's workflow.
func orderPayload(b *testing.B) *commonpb.Payload {
	b.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "workflows", "testdata", "importorder.json"))
	if err != nil {
		b.Skip(err)
	}
	// The whole recorded history stands in for a large order payload (JSON, like an order).
	p, err := converter.GetDefaultDataConverter().ToPayload(string(raw[:min(len(raw), 6000)]))
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkEncode is the cost of encrypting one order-sized payload, with and without
// compression first, next to the plain data converter's work that precedes it.
func BenchmarkEncode(b *testing.B) {
	p := orderPayload(b)
	ring, err := codec.ParseKeyring(keyringB(b))
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		opts codec.Options
	}{{"zlib+aesgcm", codec.Options{Compress: true}}, {"aesgcm", codec.Options{}}} {
		c, err := codec.New(ring, tc.opts)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Encode([]*commonpb.Payload{p}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func keyringB(b *testing.B) string {
	b.Helper()
	l, err := codec.NewKeyLine("bench")
	if err != nil {
		b.Fatal(err)
	}
	return l
}
