package cartrover

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"
)

// pacer mirrors CartRover's rate-limit bucket for one API user inside one client (one worker
// replica). Every replica and every task shares the same server-side bucket, so the pacer keeps an
// estimate of that bucket's level and corrects it with what CartRover says:
//
//   - the estimate refills at the configured rate up to the burst, and each call takes one token
//     when it starts;
//   - each X-CartRover-Api-Minute-Hits-Remaining header lowers the estimate to the header value
//     minus this client's other calls still in flight (it never raises it: an answer that arrives
//     late carries an older, higher value, and trusting it would spend tokens twice);
//   - a RateLimit answer says the bucket was empty;
//   - below a small cushion (the knee) calls are spaced further apart the emptier the bucket is,
//     so several replicas settle on sharing the refill instead of all spending the last tokens
//     at once; one replica alone settles at the knee and then spends exactly the refill.
//
// When a call's wait would run past its deadline the pacer answers a retryable RateLimit error
// with the delay to wait, so an activity ends with NextRetryDelay instead of timing out.
type pacer struct {
	burst    float64
	interval time.Duration // time to regain one call
	knee     float64       // below this level, calls are spaced out
	paced    bool          // false: observe headers only, never wait
	now      func() time.Time

	mu       sync.Mutex
	level    float64   // estimated calls left in CartRover's bucket at `at` (may be negative: owed)
	at       time.Time // time of level
	last     time.Time // start of the latest call
	inflight int       // calls started and not yet answered
	waiting  int       // calls waiting for a slot
	hits     int       // last header value, -1 = none seen
}

// maxKnee bounds the cushion the pacer keeps below which it spaces calls out: with CartRover's
// 100-call burst a single replica leaves 9 calls of the burst unspent (5.4 s of a long run), and
// up to about ten replicas share the refill without running the bucket dry.
const maxKnee = 10

func newPacer(burst int, interval time.Duration, paced bool, now func() time.Time) *pacer {
	if now == nil {
		now = time.Now
	}
	b := float64(burst)
	knee := math.Max(1, math.Min(maxKnee, b/5))
	t := now()
	return &pacer{burst: b, interval: interval, knee: knee, paced: paced, now: now, level: b, at: t, hits: -1}
}

// refill brings level up to now. Callers hold mu.
func (p *pacer) refill(now time.Time) {
	if el := now.Sub(p.at); el > 0 {
		p.level = math.Min(p.burst, p.level+float64(el)/float64(p.interval))
		p.at = now
	}
}

// gap is the spacing between call starts at the current level: none above the knee, growing as
// the bucket empties (one refill interval at knee-1, knee intervals when empty). Callers hold mu.
func (p *pacer) gap() time.Duration {
	if p.level >= p.knee {
		return 0
	}
	return time.Duration(float64(p.interval) * p.knee / (math.Max(p.level, 0) + 1))
}

// readyAt is the earliest time the next call may start. Callers hold mu and have refilled.
func (p *pacer) readyAt(now time.Time) time.Time {
	t := now
	if p.level < 1 {
		t = now.Add(time.Duration((1 - p.level) * float64(p.interval)))
	}
	if g := p.gap(); g > 0 {
		if s := p.last.Add(g); s.After(t) {
			t = s
		}
	}
	return t
}

// errPaceDeadline is returned by wait when the next slot lies past the caller's budget; delay is
// how long to wait before trying again.
type errPaceDeadline struct{ delay time.Duration }

func (e *errPaceDeadline) Error() string {
	return fmt.Sprintf("client-side pacing: the next call slot (in %s) is past the deadline", e.delay.Round(time.Millisecond))
}

// wait blocks until a call may start (taking its token) or returns ctx's error, or an
// *errPaceDeadline when the slot lies after budget (zero budget: no limit but ctx).
func (p *pacer) wait(ctx context.Context, budget time.Time) error {
	p.mu.Lock()
	if !p.paced {
		p.inflight++
		p.mu.Unlock()
		return nil
	}
	p.waiting++
	defer func() { p.waiting--; p.mu.Unlock() }()
	first := true
	for {
		now := p.now()
		p.refill(now)
		at := p.readyAt(now)
		if !at.After(now) {
			p.level--
			p.last = now
			p.inflight++
			return nil
		}
		// Other callers wait too: on arrival, expect to queue behind them.
		expect := at
		if first && p.waiting > 1 {
			per := max(p.interval, p.gap())
			expect = at.Add(time.Duration(p.waiting-1) * per)
		}
		first = false
		if !budget.IsZero() && expect.After(budget) {
			return &errPaceDeadline{delay: max(expect.Sub(now), p.interval)}
		}
		p.mu.Unlock()
		timer := time.NewTimer(at.Sub(now))
		select {
		case <-ctx.Done():
			timer.Stop()
			p.mu.Lock()
			return ctx.Err()
		case <-timer.C:
		}
		p.mu.Lock()
	}
}

// done ends a call started by wait: hits is the header value of its answer (-1 when there was
// none), limited whether CartRover answered RateLimit.
func (p *pacer) done(hits int, limited bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.inflight--
	if limited && hits < 0 {
		hits = 0
	}
	if hits < 0 {
		return
	}
	p.hits = hits
	now := p.now()
	p.refill(now)
	// Calls of ours still in flight will take from what the header shows (some may already be
	// counted in it; assuming not errs on the safe side).
	if seen := float64(hits - p.inflight); seen < p.level {
		p.level = seen
	}
}

// remaining is the estimate of the calls left in CartRover's bucket now (never below 0), and
// whether any header was seen yet.
func (p *pacer) remaining() (int, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.hits < 0 {
		return 0, false
	}
	p.refill(p.now())
	return int(math.Max(0, math.Floor(p.level+1e-9))), true // 1e-9: float drift below an integer
}

// retryDelay is how long a caller should wait after a RateLimit answer: until the estimate holds
// a token again, and at least one refill interval.
func (p *pacer) retryDelay() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	p.refill(now)
	d := p.interval
	if p.paced {
		d = max(d, p.readyAt(now).Sub(now))
	}
	return max(d, time.Second)
}
