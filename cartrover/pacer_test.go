package cartrover

import (
	"context"
	"testing"
	"time"
)

// fakeNow is a settable clock for the pacer.
type fakeNow struct{ t time.Time }

func (f *fakeNow) now() time.Time { return f.t }

func TestPacerHeaderLowersTheMirrorAndALateHigherOneDoesNot(t *testing.T) {
	clk := &fakeNow{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	p := newPacer(100, time.Hour, true, clk.now) // no refill within the test
	for range 3 {
		if err := p.wait(context.Background(), time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	// Three calls in flight. The second answer arrives first: CartRover has 40 left after it,
	// and the two calls still in flight will take from those.
	p.done(40, false)
	if got, _ := p.remaining(); got != 38 {
		t.Fatalf("after a header of 40 with 2 calls in flight: remaining %d, want 38", got)
	}
	// The first call's answer arrives late with an older, higher value: it must not raise the mirror.
	p.done(41, false)
	if got, _ := p.remaining(); got != 38 {
		t.Fatalf("a late header of 41 raised the mirror to %d, want it to stay 38", got)
	}
	p.done(39, false)
	if got, _ := p.remaining(); got != 38 {
		t.Fatalf("after the last answer (39, nothing in flight): remaining %d, want 38", got)
	}
	// A RateLimit answer says the bucket is empty.
	if err := p.wait(context.Background(), time.Time{}); err != nil {
		t.Fatal(err)
	}
	p.done(-1, true)
	if got, _ := p.remaining(); got != 0 {
		t.Fatalf("after a RateLimit answer: remaining %d, want 0", got)
	}
}

func TestPacerSpacesCallsOutBelowTheKnee(t *testing.T) {
	clk := &fakeNow{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	interval := 600 * time.Millisecond
	p := newPacer(100, interval, true, clk.now)
	p.mu.Lock()
	p.level, p.last = 4, clk.t // 4 calls left: each start waits knee/(level+1) intervals
	ready := p.readyAt(clk.t)
	p.mu.Unlock()
	if want := clk.t.Add(2 * interval); !ready.Equal(want) {
		t.Fatalf("at 4 calls left the next call may start after %v, want %v (10/5 refill intervals)", ready.Sub(clk.t), want.Sub(clk.t))
	}
	p.mu.Lock()
	p.level = 50
	ready = p.readyAt(clk.t)
	p.mu.Unlock()
	if !ready.Equal(clk.t) {
		t.Fatalf("above the knee the next call waits %v, want none (the burst is spent freely)", ready.Sub(clk.t))
	}
}

func TestPacerAnswersPastTheBudgetWithTheDelay(t *testing.T) {
	clk := &fakeNow{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	p := newPacer(1, time.Minute, true, clk.now)
	if err := p.wait(context.Background(), time.Time{}); err != nil {
		t.Fatal(err)
	}
	p.done(0, false)
	err := p.wait(context.Background(), clk.t.Add(10*time.Second))
	late, ok := err.(*errPaceDeadline)
	if !ok || late.delay < 50*time.Second {
		t.Fatalf("err = %v, want the slot's delay (about a minute) past a 10 s budget", err)
	}
}
