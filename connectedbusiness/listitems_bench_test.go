package connectedbusiness_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	cb "github.com/cartrover-cb/ordermanager/connectedbusiness"
	"github.com/cartrover-cb/ordermanager/sandbox/catalog"
	"github.com/cartrover-cb/ordermanager/sandbox/cbsim"
)

// BenchmarkListItems walks every item of the CB simulator (the sandbox catalogue plus 2,000
// synthetic items, so the whole set overflows one narrowed lookup's cap and the walk must split)
// with ListItems over real HTTP, in pages of max items (the pickups ask for 100). It reports the
// ItemLookup calls the simulator saw per item returned, and per page.
func BenchmarkListItems(b *testing.B) {
	const synthetic = 2000
	for _, max := range []int{100, 500} {
		b.Run(fmt.Sprintf("max=%d", max), func(b *testing.B) {
			sim := cbsim.New(cbsim.Options{})
			srv := httptest.NewServer(sim)
			b.Cleanup(func() { srv.Close(); _ = sim.Close() })
			ws, err := cb.NewWebService(cb.Config{BaseURL: srv.URL + "/webservice/", UserCode: cbsim.DefaultUserCode,
				Password: cbsim.DefaultPassword, Timeout: 10 * time.Second, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				b.Fatal(err)
			}
			sim.AddSyntheticItems(synthetic, 5)
			want := len(catalog.Items) + synthetic
			ctx := context.Background()
			if err := ws.SignIn(ctx); err != nil {
				b.Fatal(err)
			}
			before := sim.Stats()["products/itemlookup"]
			b.ReportAllocs()
			b.ResetTimer()
			items, pages := 0, 0
			for range b.N {
				cursor := ""
				seen := 0
				for {
					got, next, err := ws.ListItems(ctx, cursor, max)
					if err != nil {
						b.Fatal(err)
					}
					pages++
					seen += len(got)
					if next == "" {
						break
					}
					cursor = next
				}
				if seen != want {
					b.Fatalf("walked %d items; want %d", seen, want)
				}
				items += seen
			}
			b.StopTimer()
			lookups := float64(sim.Stats()["products/itemlookup"] - before)
			b.ReportMetric(lookups/float64(items), "lookups/item")
			b.ReportMetric(lookups/float64(pages), "lookups/page")
		})
	}
}
