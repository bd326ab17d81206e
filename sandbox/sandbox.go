// Package sandbox runs both simulators — CartRover (sandbox/cartroversim) and Connected Business
// (sandbox/cbsim) — on loopback, seeded from sandbox/catalog: what `starter sandbox` and
// `make run` serve in place of the real systems.
package sandbox

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/cartrover-cb/ordermanager/sandbox/cartroversim"
	"github.com/cartrover-cb/ordermanager/sandbox/cbsim"
)

// Defaults of the sandbox (the simulators' own defaults where they have them).
const (
	// DefaultCartRoverAddr is where the CartRover simulator listens.
	DefaultCartRoverAddr = cartroversim.DefaultAddr
	// DefaultCBAddr is where the CB simulator listens.
	DefaultCBAddr = "127.0.0.1:7082"
	// CBBasePath is the webservice path the CB base URL ends with (the simulator accepts any).
	CBBasePath = "/webservice/"
	// DefaultHeldShare is the share of generated orders that need a human (unmapped ship code, unknown SKU).
	DefaultHeldShare = 0.1
)

// Options configures the sandbox. The zero value serves both simulators on their default
// addresses with the sandbox credentials, no seeded orders and no generator.
type Options struct {
	// CartRoverAddr is the CartRover simulator's listen address ("" = 127.0.0.1:7081; port 0 = any).
	CartRoverAddr string
	// CartRoverAPIUser and CartRoverAPIKey are the accepted credentials ("" = sandbox / sandbox-key).
	CartRoverAPIUser, CartRoverAPIKey string
	// CartRoverBurst and CartRoverRefill shape CartRover's rate limit (0 = its documented 100 / 0.6 s).
	CartRoverBurst  int
	CartRoverRefill time.Duration
	// CartRoverNoLimit turns CartRover's rate limit off.
	CartRoverNoLimit bool
	// CartRoverFaults are injected on CartRover's merchant routes.
	CartRoverFaults cartroversim.Faults

	// CBAddr is the CB simulator's listen address ("" = 127.0.0.1:7082; port 0 = any).
	CBAddr string
	// CBUserCode and CBPassword are the accepted credentials ("" = sandbox / sandbox-password).
	CBUserCode, CBPassword string
	// ShipDelay is how long after a sales order is saved the CB warehouse ships it (0 = never).
	ShipDelay time.Duration
	// PartialEvery makes every n-th automatic shipment partial (0 = none).
	PartialEvery int
	// CBFaults are switched on at start (latency, failing or dropped calls, saved-then-timeout).
	CBFaults cbsim.Faults

	// SeedOrders are generated at start when the CartRover simulator holds no order yet (so a
	// restart with a state directory does not seed twice). 0 seeds nothing.
	SeedOrders int
	// OrdersPerMinute is how many new orders arrive per minute (0 = none).
	OrdersPerMinute float64
	// HeldShare is the share (0..1) of seeded and new orders that need a human.
	HeldShare float64
	// Seed makes generated data and fault dice deterministic (0 = 1).
	Seed uint64
	// StateDir, when set, keeps both simulators' state in files there (survives a restart).
	StateDir string
	// Logger receives the simulators' problems (nil = slog.Default()).
	Logger *slog.Logger
}

// Sandbox is a running pair of simulators.
type Sandbox struct {
	// CartRoverURL is the base URL of the CartRover simulator (CARTROVER_BASE_URL).
	CartRoverURL string
	// CartRover is the CartRover simulator (for tests and the supervisor: counters, faults, orders).
	CartRover *cartroversim.Server
	// CBURL is the base URL of the CB simulator's webservice (CB_BASE_URL).
	CBURL string
	// CB is the CB simulator.
	CB *cbsim.Server
	// Seeded are the cust_refs generated at start.
	Seeded []string

	stopGen func()
}

// Start starts both simulators and returns once they listen; they stop when ctx is done.
func Start(ctx context.Context, o Options) (*Sandbox, error) {
	if o.SeedOrders < 0 || o.OrdersPerMinute < 0 || o.HeldShare < 0 || o.HeldShare > 1 {
		return nil, fmt.Errorf("sandbox: seed orders (%d) and orders per minute (%g) must be 0 or more, and the held share (%g) between 0 and 1", o.SeedOrders, o.OrdersPerMinute, o.HeldShare)
	}
	if o.StateDir != "" {
		if err := os.MkdirAll(o.StateDir, 0o755); err != nil {
			return nil, fmt.Errorf("sandbox: create the state directory: %w", err)
		}
	}
	if o.CartRoverAddr == "" {
		o.CartRoverAddr = DefaultCartRoverAddr
	}
	if o.CBAddr == "" {
		o.CBAddr = DefaultCBAddr
	}
	cr := cartroversim.New(cartroversim.Options{
		APIUser: o.CartRoverAPIUser, APIKey: o.CartRoverAPIKey,
		Burst: o.CartRoverBurst, Refill: o.CartRoverRefill, NoRateLimit: o.CartRoverNoLimit,
		Faults: o.CartRoverFaults, Seed: o.Seed, StatePath: statePath(o.StateDir, "cartrover.json"), Logger: o.Logger,
	})
	addr, err := cr.Serve(ctx, o.CartRoverAddr)
	if err != nil {
		return nil, err
	}
	cb := cbsim.New(cbsim.Options{
		UserCode: o.CBUserCode, Password: o.CBPassword, ShipDelay: o.ShipDelay, PartialEvery: o.PartialEvery,
		StateFile: statePath(o.StateDir, "cb.json"), Logger: o.Logger,
	})
	cb.SetFaults(o.CBFaults)
	cbAddr, err := cb.Serve(ctx, o.CBAddr)
	if err != nil {
		_ = cb.Close()
		return nil, fmt.Errorf("sandbox: CB simulator: listen on %s: %w (pick another address or stop what uses it)", o.CBAddr, err)
	}
	sb := &Sandbox{CartRoverURL: "http://" + addr, CartRover: cr, CBURL: "http://" + cbAddr + CBBasePath, CB: cb}
	if o.SeedOrders > 0 && len(cr.Orders()) == 0 {
		sb.Seeded = cr.Generate(o.SeedOrders, o.HeldShare)
	}
	sb.stopGen = cr.StartGenerator(ctx, o.OrdersPerMinute, o.HeldShare)
	return sb, nil
}

// Wait blocks until ctx is done, then stops the generator and the CB warehouse and saves both
// simulators' state (when StateDir is set) before returning.
func (s *Sandbox) Wait(ctx context.Context) {
	<-ctx.Done()
	s.stopGen()
	if err := s.CartRover.Save(); err != nil {
		slog.Warn("sandbox: could not save the CartRover simulator's state", "error", err)
	}
	if err := s.CB.Close(); err != nil {
		slog.Warn("sandbox: could not save the CB simulator's state", "error", err)
	}
}

// Run starts the sandbox, calls ready (if not nil) with it, and serves until ctx is done.
func Run(ctx context.Context, o Options, ready func(*Sandbox)) error {
	sb, err := Start(ctx, o)
	if err != nil {
		return err
	}
	if ready != nil {
		ready(sb)
	}
	sb.Wait(ctx)
	return nil
}

func statePath(dir, name string) string {
	if dir == "" {
		return ""
	}
	return filepath.Join(dir, name)
}
