package cartrover_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
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
	// A bucket of 10 that effectively never refills: exactly 10 of 25 calls pass. The client
	// does not pace but mirrors the same bucket, so its estimate ends empty however the five
	// goroutines' answers interleave (a late answer's higher header never raises it).
	e := newEnv(t, cartroversim.Options{Burst: 10, Refill: time.Hour, Now: time.Now},
		cartrover.Config{Unpaced: true, Burst: 10, RatePerSecond: 1.0 / 3600})
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

// hammer runs `jobs` units of work, each one CartRover call, from `workers` goroutines on each of
// the clients (one client per worker replica), the way Temporal runs activities: a RateLimit
// answer is not a failure, the unit waits the error's RetryAfter and tries again. It returns the
// RateLimit answers met and how long the work took.
func hammer(t testing.TB, clients []*cartrover.Client, jobs, workers int) (limited int, took time.Duration) {
	t.Helper()
	work := make(chan int, jobs)
	for i := range jobs {
		work <- i
	}
	close(work)
	var lim atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for _, c := range clients {
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range work {
					for attempt := 1; ; attempt++ {
						ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
						_, err := c.ShipMethods(ctx)
						cancel()
						if err == nil {
							break
						}
						var ce *cartrover.Error
						if !errors.As(err, &ce) || ce.Code != cartrover.CodeRateLimit || ce.RetryAfter() <= 0 || attempt == 20 {
							t.Errorf("attempt %d: %v (want only RateLimit answers carrying a delay)", attempt, err)
							return
						}
						lim.Add(1)
						time.Sleep(ce.RetryAfter())
					}
				}
			}()
		}
	}
	wg.Wait()
	return int(lim.Load()), time.Since(start)
}

// bucketEnv is the simulator with a scaled-down CartRover bucket (burst 50, one call back per
// 20 ms: CartRover's shape 30 times faster) behind a little latency, and n clients configured with
// that same bucket, as n worker replicas share one API user.
func bucketEnv(t testing.TB, n int) (*cartroversim.Server, []*cartrover.Client, int, time.Duration) {
	t.Helper()
	const burst = 50
	refill := 20 * time.Millisecond
	sim := cartroversim.New(cartroversim.Options{Burst: burst, Refill: refill, Faults: cartroversim.Faults{Latency: 15 * time.Millisecond},
		Logger: slog.New(slog.DiscardHandler)})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	var clients []*cartrover.Client
	for range n {
		c, err := cartrover.New(cartrover.Config{BaseURL: srv.URL, APIUser: cartroversim.DefaultAPIUser, APIKey: cartroversim.DefaultAPIKey,
			Burst: burst, RatePerSecond: float64(time.Second) / float64(refill), Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
	}
	return sim, clients, burst, refill
}

func TestPacerSharesTheBucketAcrossReplicasWithoutFailingWork(t *testing.T) {
	for _, replicas := range []int{1, 3} {
		t.Run(fmt.Sprintf("replicas=%d", replicas), func(t *testing.T) {
			sim, clients, burst, refill := bucketEnv(t, replicas)
			const jobs = 300
			limited, took := hammer(t, clients, jobs, 6)
			st := sim.Stats()
			if st.Total-st.RateLimited != jobs {
				t.Errorf("simulator accepted %d calls, want exactly the %d units of work", st.Total-st.RateLimited, jobs)
			}
			if st.RateLimited != limited {
				t.Errorf("simulator answered %d RateLimit, the clients saw %d", st.RateLimited, limited)
			}
			// The pacer mirrors the bucket: RateLimit answers are rare corrections, not the pace.
			if limited > jobs/20 {
				t.Errorf("%d RateLimit answers for %d calls; want at most %d (the pacer should keep under the bucket)", limited, jobs, jobs/20)
			}
			bound := time.Duration(jobs-burst) * refill
			t.Logf("%d replicas: %d calls in %v, %d RateLimit answers; the bucket allows them in %v (ratio %.2f; `make bench` measures it)",
				replicas, jobs, took.Round(time.Millisecond), limited, bound, bound.Seconds()/took.Seconds())
		})
	}
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

func TestRateLimitAnswerSuggestsTheBucketsRefill(t *testing.T) {
	// Another client of the same API user emptied the bucket: this client's first call meets a
	// RateLimit, and the delay it suggests is at least one refill interval (here 1 s, the floor).
	e := newEnv(t, cartroversim.Options{Burst: 2, Refill: 400 * time.Millisecond, Now: time.Now},
		cartrover.Config{Burst: 2, RatePerSecond: 2.5})
	other, err := cartrover.New(cartrover.Config{BaseURL: e.srv.URL, APIUser: cartroversim.DefaultAPIUser, APIKey: cartroversim.DefaultAPIKey,
		Unpaced: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	load(t, other, 2, 1)
	_, err = e.client.ShipMethods(context.Background())
	var ce *cartrover.Error
	if !errors.As(err, &ce) || ce.Code != cartrover.CodeRateLimit || ce.RetryAfter() < time.Second {
		t.Fatalf("err = %v, want a RateLimit answer suggesting at least 1s", err)
	}
	if h, seen := e.client.HitsRemaining(); !seen || h != 0 {
		t.Errorf("HitsRemaining = %d, %v after a RateLimit answer; want 0", h, seen)
	}
}
