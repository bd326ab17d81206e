package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/cartrover-cb/ordermanager/cartrover"
	"github.com/cartrover-cb/ordermanager/sandbox/cartroversim"
	"github.com/cartrover-cb/ordermanager/settings"
	"github.com/cartrover-cb/ordermanager/workflows"
)

// productResult is what one product scenario measured, all at the simulators (and the server's
// visibility for history sizes), so it holds whatever the workflows do inside.
type productResult struct {
	orders, held, imported int     // generated, held by the generator, reached at_wms
	took                   float64 // seconds from the run's start until the last order reached at_wms
	crCalls, crLimited     int     // CartRover calls (all) and RateLimit answers among them
	crList                 int     // CartRover list calls
	cbCalls                int64
	newCustomers           int
	events, executions     int64
	peakRSS                []float64 // MB per worker
	workerCPU, serverCPU   float64   // seconds during the run
}

// runProduct generates n orders (heldShare of them needing a human) in fresh simulators, starts
// `replicas` worker processes, starts one OrderManager orders run and waits until every clean
// order is at_wms in CartRover. withEvents sums the run's history sizes afterwards.
func runProduct(ctx context.Context, e *env, d *devServer, so simOptions, n int, heldShare float64, replicas int, withEvents bool) (productResult, error) {
	s, err := startSims(ctx, so)
	if err != nil {
		return productResult{}, err
	}
	defer s.stop()
	e.seq++
	res := productResult{orders: n}
	if res.held, err = generate(s, so.seed, fmt.Sprintf("B%d-", e.seq), n, heldShare); err != nil {
		return res, err
	}
	want := n - res.held
	customersBefore := len(s.cb.Customers())
	tq := fmt.Sprintf("bench-%d", e.seq)
	ws, err := startWorkers(e.workerBin, d, s, so, tq, replicas)
	defer stopWorkers(ws)
	if err != nil {
		return res, err
	}
	s.cr.ResetStats()
	s.cb.ResetStats()
	cpu0, scpu0 := 0.0, serverCPU(d.hostPort)
	for _, w := range ws {
		cpu0 += w.cpuSeconds()
	}

	st := e.settings
	st.DownloadLimit = n + 100
	start := time.Now()
	run, err := d.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: tq + "-orders", TaskQueue: tq},
		workflows.OrderManagerName, workflows.OrderManagerInput{Settings: st, Tasks: []workflows.Task{workflows.TaskOrders}})
	if err != nil {
		return res, err
	}
	deadline, lastNote := time.Now().Add(e.timeout(n)), time.Now()
	for {
		if c := s.cr.CountByStatus()[cartrover.StatusAtWMS]; c >= want {
			res.imported = c
			res.took = time.Since(start).Seconds()
			break
		}
		if time.Since(lastNote) > e.every {
			lastNote = time.Now()
			st := s.cr.Stats()
			fmt.Printf("    %d of %d at_wms after %.0f s (CartRover: %d calls, %d RateLimit)\n",
				s.cr.CountByStatus()[cartrover.StatusAtWMS], want, time.Since(start).Seconds(), st.Total, st.RateLimited)
		}
		if time.Now().After(deadline) {
			res.imported = s.cr.CountByStatus()[cartrover.StatusAtWMS]
			return res, fmt.Errorf("%d of %d orders at_wms after %v: %w", res.imported, want, e.timeout(n), errTimeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, w := range ws {
		res.workerCPU += w.cpuSeconds()
		res.peakRSS = append(res.peakRSS, w.peakRSS())
	}
	res.workerCPU -= cpu0
	res.serverCPU = serverCPU(d.hostPort) - scpu0
	st2 := s.cr.Stats()
	res.crCalls, res.crLimited = st2.Total, st2.RateLimited
	res.crList = st2.ByRoute[cartrover.RouteListOrders.Name]
	res.cbCalls = s.cbCalls()
	res.newCustomers = len(s.cb.Customers()) - customersBefore

	// Let the run finish (it may still be tidying up) so the next scenario starts clean.
	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := run.Get(wctx, nil); err != nil {
		_ = d.client.TerminateWorkflow(ctx, run.GetID(), "", "bench: the run did not finish after its orders were imported")
		fmt.Printf("  note: the OrderManager run did not finish cleanly: %v\n", err)
	}
	if withEvents {
		time.Sleep(time.Second) // visibility lags a little
		res.events, res.executions, err = historyEvents(ctx, d.client, tq)
		if err != nil {
			return res, fmt.Errorf("count history events: %w", err)
		}
	}
	return res, nil
}

// generate adds n generated orders to the scenario's CartRover simulator, their cust_refs
// prefixed so that no two scenarios on one dev server share an order workflow ID (the product
// imports a cust_ref once, whichever run meets it). It returns how many need a human.
func generate(s *sims, seed uint64, prefix string, n int, heldShare float64) (held int, err error) {
	scratch := cartroversim.New(cartroversim.Options{Seed: seed, Logger: slog.New(slog.DiscardHandler)})
	var orders []cartrover.Order
	for _, ref := range scratch.Generate(n, heldShare) {
		o, ok := scratch.Order(ref)
		if !ok {
			return 0, fmt.Errorf("the generator lost order %s", ref)
		}
		if scratch.HeldReason(ref) != "" {
			held++
		}
		o.CustRef = prefix + ref
		o.CustPONo = o.CustRef
		if o.PONumber != "" {
			o.PONumber = o.CustRef
		}
		orders = append(orders, o)
	}
	return held, s.cr.AddOrders(orders...)
}

// refResult is what the sequential reference job measured.
type refResult struct {
	imported, skipped int
	took              float64
	crLimited         int
}

// runReference runs the naive sequential job over n clean orders in fresh simulators: list the
// new orders, then for each order in turn find or create the CB customer, create the sales
// order, and acknowledge it in CartRover — with the project's clients, paced like the product.
func runReference(ctx context.Context, e *env, so simOptions, n int) (refResult, error) {
	s, err := startSims(ctx, so)
	if err != nil {
		return refResult{}, err
	}
	defer s.stop()
	e.seq++
	if _, err := generate(s, so.seed, fmt.Sprintf("B%d-", e.seq), n, 0); err != nil {
		return refResult{}, err
	}
	crc, err := s.crClient()
	if err != nil {
		return refResult{}, err
	}
	cbc, err := s.cbClient()
	if err != nil {
		return refResult{}, err
	}
	job := &reference{cr: crc, cb: cbc, settings: e.settings}
	s.cr.ResetStats()
	start := time.Now()
	imported, skipped, err := job.run(ctx)
	res := refResult{imported: imported, skipped: skipped, took: time.Since(start).Seconds(), crLimited: s.cr.Stats().RateLimited}
	return res, err
}

// rawCeiling measures the dev server's ceiling for one-activity workflows: n workflows, each one
// no-op activity, started and awaited from 32 goroutines against an in-process worker with the
// product's default tuning.
func rawCeiling(ctx context.Context, e *env, d *devServer, n int) (float64, error) {
	e.seq++
	tq := fmt.Sprintf("bench-raw-%d", e.seq)
	w := newRawWorker(d.client, tq)
	if err := w.Start(); err != nil {
		return 0, err
	}
	defer w.Stop()
	run := func(count int) (time.Duration, error) {
		var next, failed atomic.Int64
		var firstErr atomic.Value
		start := time.Now()
		done := make(chan struct{})
		for range 32 {
			go func() {
				defer func() { done <- struct{}{} }()
				for {
					i := next.Add(1)
					if i > int64(count) {
						return
					}
					r, err := d.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: tq}, rawWorkflow)
					if err == nil {
						err = r.Get(ctx, nil)
					}
					if err != nil {
						failed.Add(1)
						firstErr.CompareAndSwap(nil, err)
					}
				}
			}()
		}
		for range 32 {
			<-done
		}
		if failed.Load() > 0 {
			return 0, fmt.Errorf("%d raw workflows failed: %v", failed.Load(), firstErr.Load())
		}
		return time.Since(start), nil
	}
	if _, err := run(50); err != nil { // warm-up
		return 0, err
	}
	took, err := run(n)
	if err != nil {
		return 0, err
	}
	return float64(n) / took.Seconds(), nil
}

// runInventory runs one inventory task over the CB simulator's catalogue plus `skus` synthetic
// items, and returns the wall time until the run finished and the CartRover calls it made.
func runInventory(ctx context.Context, e *env, d *devServer, so simOptions, skus int) (took float64, calls, limited int, err error) {
	s, err := startSims(ctx, so)
	if err != nil {
		return 0, 0, 0, err
	}
	defer s.stop()
	s.cb.AddSyntheticItems(skus, 7)
	e.seq++
	tq := fmt.Sprintf("bench-%d", e.seq)
	ws, err := startWorkers(e.workerBin, d, s, so, tq, 1)
	defer stopWorkers(ws)
	if err != nil {
		return 0, 0, 0, err
	}
	s.cr.ResetStats()
	start := time.Now()
	run, err := d.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: tq + "-inventory", TaskQueue: tq},
		workflows.OrderManagerName, workflows.OrderManagerInput{Settings: e.settings, Tasks: []workflows.Task{workflows.TaskInventory}})
	if err != nil {
		return 0, 0, 0, err
	}
	wctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
	defer cancel()
	var sum workflows.RunSummary
	if err := run.Get(wctx, &sum); err != nil {
		return 0, 0, 0, fmt.Errorf("inventory run: %w", err)
	}
	took = time.Since(start).Seconds()
	st := s.cr.Stats()
	return took, st.Total, st.RateLimited, nil
}

// env is what every scenario shares.
type env struct {
	root      string
	workerBin string
	settings  settings.Settings
	seq       int
	every     time.Duration // progress lines
}

// timeout bounds one product scenario: generous against the bucket's bound for n orders.
func (e *env) timeout(n int) time.Duration {
	return 5*time.Minute + time.Duration(n)*1200*time.Millisecond
}
