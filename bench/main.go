// Command bench measures the product against its limits in one run and prints a table of ratios
// with the raw numbers behind them (`make bench`). It starts Temporal dev servers from
// ./bin/temporal (in memory and file-backed), fresh CartRover and CB simulators per scenario, and
// the product's worker binary as 1 or 3 separate processes, and measures at the simulators:
// orders that reached CB and were acknowledged at_wms in CartRover, and the calls the simulators
// counted. It never looks inside the workflows, so it keeps measuring whatever they do.
//
//	go run ./bench [-scale 0.25] [-only 1,3]
//
// The sizes are the product's goals: 600 orders with 10% held under CartRover's real bucket with 1
// and 3 replicas; 150 orders at 150 ms latency against a sequential reference job; 500 orders
// unthrottled against the raw one-activity-workflow ceiling (a fifth of both file-backed); 5,000 orders for the costs; 10,000
// SKUs of inventory. -scale shrinks every size (the bucket stays CartRover's).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cartrover-cb/ordermanager/internal/temporaltest"
	"github.com/cartrover-cb/ordermanager/settings"
)

// CartRover's documented bucket, which the simulator enforces when the limit is on.
const (
	bucketBurst  = 100
	bucketRefill = 0.6 // seconds per call
	latency      = 150 * time.Millisecond
)

func main() {
	scale := flag.Float64("scale", 1, "multiply every size by this (e.g. 0.25 for a quick look)")
	only := flag.String("only", "1,2,3,4,5", "which measures to run (comma-separated numbers)")
	every := flag.Duration("progress", 30*time.Second, "how often a running scenario prints its progress")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	start := time.Now()
	t, err := run(ctx, *scale, *only, *every)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	fmt.Println()
	t.print(os.Stdout)
	fmt.Printf("\nmake bench took %s (scale %g).\n", time.Since(start).Round(time.Second), *scale)
}

func sized(n int, scale float64) int { return max(1, int(math.Round(float64(n)*scale))) }

// run runs the selected measures and returns the table.
func run(ctx context.Context, scale float64, only string, every time.Duration) (*table, error) {
	want := map[string]bool{}
	for _, m := range strings.Split(only, ",") {
		want[strings.TrimSpace(m)] = true
	}
	n1, n2, n3, raw, n4, skus := sized(600, scale), sized(150, scale), sized(500, scale), sized(1000, scale), sized(5000, scale), sized(10000, scale)
	// Expected duration: the bucket's bound dominates measures 1 and 2, the sequential job measure 2.
	est := 0.0
	if want["1"] {
		est += 2 * (math.Max(0, float64(n1)*1.01-bucketBurst)*bucketRefill + 30)
	}
	if want["2"] {
		est += math.Max(0, float64(n2)*1.01-bucketBurst)*bucketRefill + float64(n2)*0.8 + 60
	}
	if want["3"] {
		est += 60 + 60 + float64(n3)/5/1.4 + float64(raw)/5/3.4
	}
	if want["4"] {
		est += float64(n4)/8 + 60
	}
	if want["5"] {
		est += 60
	}
	fmt.Printf("make bench: measures %s at scale %g; expect about %.0f minutes (the machine's load changes it).\n",
		only, scale, math.Ceil(est/60))

	root, err := temporaltest.ModuleRoot()
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	e := &env{root: root, workerBin: filepath.Join(tmp, "worker"), every: every}
	if out, err := exec.Command("go", "build", "-o", e.workerBin, filepath.Join(root, "worker")).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build the worker: %v\n%s", err, out)
	}
	if e.settings, err = settings.Load(filepath.Join(root, "deploy", "settings.sandbox.yaml")); err != nil {
		return nil, err
	}
	mem, err := startDevServer(ctx, root, "")
	if err != nil {
		return nil, err
	}
	defer mem.stop()

	t := &table{}
	limited := simOptions{limit: true, latency: latency, seed: 1}
	if want["1"] {
		for _, replicas := range []int{1, 3} {
			fmt.Printf("· measure 1: %d orders (10%% held) under the bucket, %d replica(s)…\n", n1, replicas)
			r, err := runProduct(ctx, e, mem, limited, n1, 0.1, replicas, false)
			if err != nil {
				return nil, fmt.Errorf("measure 1, %d replicas: %w", replicas, err)
			}
			okCalls := r.crCalls - r.crLimited
			bound := math.Max(0, float64(okCalls-bucketBurst)) * bucketRefill
			t.add(fmt.Sprintf("1 orders/min under the bucket ÷ bound, %d replica(s)", replicas), bound/r.took, "≥ 0.95",
				fmt.Sprintf("%d orders (%d held, %d at_wms) in %.1f s = %.1f/min; %d CartRover calls accepted (+%d RateLimit) need ≥ %.1f s from a full bucket",
					r.orders, r.held, r.imported, r.took, float64(r.imported)/r.took*60, okCalls, r.crLimited, bound))
		}
	}
	if want["2"] {
		fmt.Printf("· measure 2: %d clean orders at %v latency: the sequential reference job…\n", n2, latency)
		ref, err := runReference(ctx, e, limited, n2)
		if err != nil {
			return nil, fmt.Errorf("measure 2, reference: %w", err)
		}
		refRate := float64(ref.imported) / ref.took
		for _, lim := range []bool{true, false} {
			fmt.Printf("· measure 2: the product, limit %s…\n", onOff(lim))
			r, err := runProduct(ctx, e, mem, simOptions{limit: lim, latency: latency, seed: 2}, n2, 0, 1, false)
			if err != nil {
				return nil, fmt.Errorf("measure 2, product: %w", err)
			}
			goal := "≥ 1.15"
			if !lim {
				goal = "≥ 10"
			}
			rate := float64(r.imported) / r.took
			t.add(fmt.Sprintf("2 product ÷ sequential job, limit %s", onOff(lim)), rate/refRate, goal,
				fmt.Sprintf("product %d orders in %.1f s (%.2f/s, %d RateLimit); job %d in %.1f s (%.2f/s, %d RateLimit, %d skipped)",
					r.imported, r.took, rate, r.crLimited, ref.imported, ref.took, refRate, ref.crLimited, ref.skipped))
		}
	}
	var file *devServer
	if want["3"] {
		file, err = startDevServer(ctx, root, filepath.Join(tmp, "temporal.db"))
		if err != nil {
			return nil, err
		}
		defer file.stop()
		// The file-backed server is an order of magnitude slower (it syncs every write): a fifth
		// of the sizes gives the same ratio in a fifth of the time.
		for _, d := range []struct {
			name        string
			srv         *devServer
			raw, orders int
		}{{"in memory", mem, raw, n3}, {"file-backed", file, max(1, raw/5), max(1, n3/5)}} {
			fmt.Printf("· measure 3 (%s): raw ceiling of %d one-activity workflows…\n", d.name, d.raw)
			ceiling, err := rawCeiling(ctx, e, d.srv, d.raw)
			if err != nil {
				return nil, fmt.Errorf("measure 3, raw ceiling: %w", err)
			}
			fmt.Printf("· measure 3 (%s): %d clean orders unthrottled…\n", d.name, d.orders)
			r, err := runProduct(ctx, e, d.srv, simOptions{seed: 3}, d.orders, 0, 1, false)
			if err != nil {
				return nil, fmt.Errorf("measure 3, product: %w", err)
			}
			rate := float64(r.imported) / r.took
			t.add("3 unthrottled ÷ raw ceiling, "+d.name, rate/ceiling, "≥ 0.6",
				fmt.Sprintf("product %d orders in %.1f s = %.1f/s (worker CPU %.0f s, server CPU %.0f s); raw %.1f workflows/s",
					r.imported, r.took, rate, r.workerCPU, r.serverCPU, ceiling))
		}
	}
	if want["4"] {
		fmt.Printf("· measure 4: %d orders (10%% held) unthrottled, for the costs…\n", n4)
		r, err := runProduct(ctx, e, mem, simOptions{seed: 4}, n4, 0.1, 1, true)
		if err != nil {
			return nil, fmt.Errorf("measure 4: %w", err)
		}
		imp := float64(r.imported)
		t.add("4 CartRover calls per imported order", float64(r.crCalls)/imp, "≤ 1.01",
			fmt.Sprintf("%d calls (%d list, %d RateLimit) for %d imported, %d held", r.crCalls, r.crList, r.crLimited, r.imported, r.held))
		t.add("4 list calls per 100 imported orders", float64(r.crList)/imp*100, "≤ 1.01",
			fmt.Sprintf("%d list calls", r.crList))
		t.add("4 CB calls per imported order", float64(r.cbCalls)/imp, "≤ 3 returning, ≤ 5 new",
			fmt.Sprintf("%d CB calls; %d new customers among %d orders", r.cbCalls, r.newCustomers, r.imported))
		t.add("4 history events per imported order", float64(r.events)/imp, "≤ 25",
			fmt.Sprintf("%d events in %d executions", r.events, r.executions))
		t.add("4 worker peak RSS (MB)", slices.Max(r.peakRSS), "< 150",
			fmt.Sprintf("%d orders in %.1f s; worker CPU %.0f s, server CPU %.0f s", r.imported, r.took, r.workerCPU, r.serverCPU))
	}
	if want["5"] {
		fmt.Printf("· measure 5: inventory of %d SKUs, unthrottled then under the bucket…\n", skus)
		free, _, _, err := runInventory(ctx, e, mem, simOptions{seed: 5}, skus)
		if err != nil {
			return nil, fmt.Errorf("measure 5, unthrottled: %w", err)
		}
		took, calls, lim, err := runInventory(ctx, e, mem, simOptions{limit: true, seed: 5}, skus)
		if err != nil {
			return nil, fmt.Errorf("measure 5, under the bucket: %w", err)
		}
		bucket := math.Max(0, float64(calls-lim-bucketBurst)) * bucketRefill
		bound := math.Max(bucket, free)
		t.add("5 inventory: bound ÷ wall time under the bucket", bound/took, "≥ 0.9",
			fmt.Sprintf("%d SKUs, %d CartRover calls (%d RateLimit) in %.1f s; the bucket needs %.1f s for them from full, the same sync unthrottled %.1f s",
				skus, calls, lim, took, bucket, free))
	}
	return t, nil
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// table collects the rows of the report.
type table struct{ rows [][4]string }

func (t *table) add(measure string, ratio float64, goal, raw string) {
	t.rows = append(t.rows, [4]string{measure, strconv.FormatFloat(ratio, 'f', 3, 64), goal, raw})
}

func (t *table) print(w io.Writer) {
	width := [3]int{len("measure"), len("ratio"), len("goal")}
	for _, r := range t.rows {
		for i := range 3 {
			width[i] = max(width[i], len([]rune(r[i])))
		}
	}
	line := func(r [4]string) {
		fmt.Fprintf(w, "%-*s  %*s  %-*s  %s\n", width[0], r[0], width[1], r[1], width[2], r[2], r[3])
	}
	line([4]string{"measure", "ratio", "goal", "raw numbers"})
	for _, r := range t.rows {
		line(r)
	}
}
