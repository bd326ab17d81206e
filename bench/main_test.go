package main

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cartrover-cb/ordermanager/internal/temporaltest"
)

// TestBenchMeasuresAtATinyScale runs measures 2 to 5 of `make bench` on a few orders: the harness
// starts its servers, simulators and worker processes, the product and the reference job finish,
// and every row carries a ratio. It checks that the bench works, never how fast anything is.
func TestBenchMeasuresAtATinyScale(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two dev servers and worker processes")
	}
	root, err := temporaltest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "bin", "temporal")); err != nil {
		if os.Getenv("CI") == "" {
			t.Skip("no ./bin/temporal: run `make temporal` (under CI=true this fails instead)")
		}
		t.Fatal("no ./bin/temporal: `make test` builds it first")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	tb, err := run(ctx, 0.01, "2,3,4,5", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	tb.print(&out)
	t.Log("\n" + out.String())
	want := map[string]int{"2": 2, "3": 2, "4": 5, "5": 1}
	got := map[string]int{}
	for _, r := range tb.rows {
		got[r[0][:1]]++
		v, err := strconv.ParseFloat(r[1], 64)
		if err != nil || v <= 0 || math.IsInf(v, 0) || math.IsNaN(v) {
			t.Errorf("row %q: ratio %q is not a positive number", r[0], r[1])
		}
	}
	for m, n := range want {
		if got[m] != n {
			t.Errorf("measure %s has %d rows, want %d", m, got[m], n)
		}
	}
}
