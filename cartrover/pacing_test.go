package cartrover_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cartrover-cb/ordermanager/cartrover"
	"github.com/cartrover-cb/ordermanager/sandbox/cartroversim"
)

// load makes n ShipMethods calls from `workers` goroutines and counts successes and RateLimit answers.
func load(t *testing.T, c *cartrover.Client, n, workers int) (ok, limited int) {
	t.Helper()
	var okN, limN atomic.Int64
	jobs := make(chan struct{}, n)
	for range n {
		jobs <- struct{}{}
	}
	close(jobs)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				_, err := c.ShipMethods(context.Background())
				var ce *cartrover.Error
				switch {
				case err == nil:
					okN.Add(1)
				case errors.As(err, &ce) && ce.Code == cartrover.CodeRateLimit:
					limN.Add(1)
				default:
					t.Errorf("unexpected error: %v", err)
				}
			}
		}()
	}
	wg.Wait()
	return int(okN.Load()), int(limN.Load())
}

func TestSimulatorBucketAnswersRateLimitPastTheBurst(t *testing.T) {
	// A bucket of 10 that effectively never refills: exactly 10 of 25 calls pass.
	e := newEnv(t, cartroversim.Options{Burst: 10, Refill: time.Hour, Now: time.Now}, cartrover.Config{RatePerSecond: -1})
	ok, limited := load(t, e.client, 25, 5)
	if ok != 10 || limited != 15 {
		t.Fatalf("25 unpaced calls against a bucket of 10: %d ok, %d RateLimit; want 10 and 15", ok, limited)
	}
	st := e.sim.Stats()
	if st.RateLimited != 15 || st.ByUser[cartroversim.DefaultAPIUser] != 25 {
		t.Errorf("simulator stats = %+v", st)
	}
	if h, seen := e.client.HitsRemaining(); !seen || h != 0 {
		t.Errorf("HitsRemaining = %d, %v; want 0 after the bucket emptied", h, seen)
	}

}

func TestSimulatorBucketIsPerCredential(t *testing.T) {
	e := newEnv(t, cartroversim.Options{Burst: 3, Refill: time.Hour, Now: time.Now,
		Credentials: map[string]string{"second": "k2"}}, cartrover.Config{RatePerSecond: -1})
	other, err := cartrover.New(cartrover.Config{BaseURL: e.srv.URL, APIUser: "second", APIKey: "k2", RatePerSecond: -1,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if ok, lim := load(t, e.client, 5, 1); ok != 3 || lim != 2 {
		t.Fatalf("first credential: %d ok, %d limited; want 3 and 2", ok, lim)
	}
	if ok, lim := load(t, other, 5, 1); ok != 3 || lim != 2 {
		t.Fatalf("second credential: %d ok, %d limited; want 3 and 2 (its own bucket)", ok, lim)
	}
	if st := e.sim.Stats(); st.ByUser["second"] != 5 || st.ByUserRoute["second"]["ShipMethods"] != 5 {
		t.Errorf("per-credential counters = %+v", st.ByUser)
	}
}

func TestClientPacingKeepsTheSameLoadFreeOfRateLimits(t *testing.T) {
	// Simulator: burst 5, one call back every 100 ms (CartRover's 100 / 0.6 s scaled down).
	const calls, workers, burst = 25, 5, 5
	refill := 100 * time.Millisecond
	sim := cartroversim.Options{Burst: burst, Refill: refill, Now: time.Now}

	unpaced := newEnv(t, sim, cartrover.Config{RatePerSecond: -1})
	_, limitedUnpaced := load(t, unpaced.client, calls, workers)
	if limitedUnpaced == 0 {
		t.Fatalf("the unpaced load of %d calls met no RateLimit; the comparison below proves nothing", calls)
	}

	// The client paces at 90% of the refill rate (the margin DefaultRatePerSecond keeps) with the same burst.
	rate := 0.9 * float64(time.Second) / float64(refill)
	paced := newEnv(t, sim, cartrover.Config{RatePerSecond: rate, Burst: burst})
	start := time.Now()
	ok, limited := load(t, paced.client, calls, workers)
	elapsed := time.Since(start)
	if limited != 0 || ok != calls {
		t.Fatalf("paced load: %d ok, %d RateLimit; want all %d ok", ok, limited, calls)
	}
	if st := paced.sim.Stats(); st.RateLimited != 0 || st.Total != calls {
		t.Errorf("simulator saw %d calls and %d RateLimit answers", st.Total, st.RateLimited)
	}
	t.Logf("pacing figures: bucket burst %d refill %v; unpaced %d calls → %d RateLimit; paced at %.1f/s burst %d → %d ok, 0 RateLimit in %v (%.1f calls/s)",
		burst, refill, calls, limitedUnpaced, rate, burst, ok, elapsed.Round(time.Millisecond), float64(calls)/elapsed.Seconds())
}

func TestPacingBeyondTheDeadlineIsARetryableRateLimit(t *testing.T) {
	e := newEnv(t, cartroversim.Options{}, cartrover.Config{RatePerSecond: 0.01, Burst: 1})
	if _, err := e.client.ShipMethods(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err := e.client.ShipMethods(ctx) // next slot in ~100 s, past the 1 s deadline
	var ce *cartrover.Error
	if !errors.As(err, &ce) || ce.Code != cartrover.CodeRateLimit || !ce.Retryable() || ce.RetryAfter() < 50*time.Second {
		t.Fatalf("err = %v, want a retryable RateLimit suggesting the pacing delay (≥ 50s)", err)
	}
	if n := e.sim.Stats().Total; n != 1 {
		t.Errorf("simulator saw %d calls, want 1 (the paced call never left)", n)
	}
}
