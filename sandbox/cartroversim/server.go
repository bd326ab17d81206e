// Package cartroversim is a CartRover simulator: an http.Handler speaking CartRover's wire format
// on the same paths as the real API (the route table of package cartrover), with Basic or query
// auth, the documented envelope and errors, a leaky bucket per credential, the order state
// machine with its dates, a generator of realistic orders from sandbox/catalog, fault injection,
// call counters and optional persistence. It is safe for concurrent use.
package cartroversim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cartrover-cb/ordermanager/cartrover"
)

// Default sandbox credentials and address.
const (
	DefaultAPIUser = "sandbox"
	DefaultAPIKey  = "sandbox-key"
	DefaultAddr    = "127.0.0.1:7081"
	// DefaultBurst and DefaultRefill are CartRover's documented bucket: 100 calls, one more per 0.6 s.
	DefaultBurst  = 100
	DefaultRefill = 600 * time.Millisecond
)

// Faults configures fault injection on the Merchant and WMS routes (never on Cart-level order
// creation, so seeding always works). Probabilities are 0..1.
type Faults struct {
	// Latency delays every answer.
	Latency time.Duration
	// ServerError is the probability of an HTTP 503 with an HTML body, before the call is handled.
	ServerError float64
	// Drop is the probability of closing the connection without an answer, before the call is handled.
	Drop float64
	// LostReply is the probability of handling the call (state changes happen) and then closing the
	// connection without an answer: the "timeout after success" case.
	LostReply float64
	// RateLimit is the probability of a RateLimit answer regardless of the bucket.
	RateLimit float64
}

// Options configures a Server. The zero value is a usable sandbox.
type Options struct {
	// APIUser and APIKey are the accepted credentials (default "sandbox" / "sandbox-key").
	APIUser, APIKey string
	// Credentials are further accepted user → key pairs (each gets its own bucket and counters).
	Credentials map[string]string
	// Burst is the bucket size per credential (0 = DefaultBurst).
	Burst int
	// Refill is the time to regain one call (0 = DefaultRefill).
	Refill time.Duration
	// NoRateLimit turns the bucket off.
	NoRateLimit bool
	// Faults are injected on Merchant/WMS routes.
	Faults Faults
	// ErrorStatus is the HTTP status of API error answers (0 = 200, as CartRover does).
	ErrorStatus int
	// Seed makes the order generator and fault dice deterministic (0 = 1).
	Seed uint64
	// StatePath, when set, loads state from this JSON file at New and saves it after every change.
	StatePath string
	// Now is the clock (default time.Now); tests use it to control dates.
	Now func() time.Time
	// Logger receives load/save problems (default slog.Default()).
	Logger *slog.Logger
}

// Server is the simulator. Create it with New; it is an http.Handler.
type Server struct {
	mux  *http.ServeMux
	log  *slog.Logger
	now  func() time.Time
	pid  atomic.Uint64
	pfx  string
	opts Options // immutable after New except under cfgMu

	cfgMu  sync.Mutex // guards opts.Faults, bucket settings, buckets, stats, dice
	creds  map[string]string
	burst  float64
	refill time.Duration
	nolim  bool
	faults Faults
	bkts   map[string]*bucket
	stats  Stats
	dice   *rand.Rand

	mu        sync.Mutex // guards the data below
	orders    map[string]*cartrover.Order
	seq       map[string]uint64
	nextSeq   uint64
	inventory map[string]*cartrover.InventoryItem
	products  map[string]*cartrover.Product
	methods   []cartrover.ShipMethod
	sources   []cartrover.OrderSource
	gen       *rand.Rand
	genSeq    int
	held      map[string]string                     // cust_ref → why a generated order needs a human
	raw       map[string]map[string]json.RawMessage // cust_ref → field → what the lists show instead

	dirty, saveScheduled bool       // persistence: unsaved changes, a save pending
	writeMu              sync.Mutex // serialises state file writes
}

type bucket struct {
	tokens float64
	at     time.Time
}

// Stats are the simulator's call counters. Every request that reached a known route counts,
// whatever the answer.
type Stats struct {
	// Total counts all calls.
	Total int
	// ByRoute counts calls per route name (cartrover.Route.Name).
	ByRoute map[string]int
	// ByUser counts calls per API user ("" for calls without credentials).
	ByUser map[string]int
	// ByUserRoute counts calls per API user and route.
	ByUserRoute map[string]map[string]int
	// RateLimited counts RateLimit answers (bucket and injected).
	RateLimited int
	// Unauthorized counts refused credentials.
	Unauthorized int
	// Faults counts injected 5xx, drops and lost replies.
	Faults int
}

// New returns a simulator seeded with the catalog's products, stock, ship methods and order
// sources, and no orders (use Generate, AddOrders or the Cart create routes).
func New(opts Options) *Server {
	if opts.APIUser == "" {
		opts.APIUser = DefaultAPIUser
	}
	if opts.APIKey == "" {
		opts.APIKey = DefaultAPIKey
	}
	if opts.Burst <= 0 {
		opts.Burst = DefaultBurst
	}
	if opts.Refill <= 0 {
		opts.Refill = DefaultRefill
	}
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	s := &Server{
		mux: http.NewServeMux(), log: opts.Logger, now: opts.Now, opts: opts,
		creds: map[string]string{opts.APIUser: opts.APIKey}, burst: float64(opts.Burst), refill: opts.Refill,
		nolim: opts.NoRateLimit, faults: opts.Faults, bkts: map[string]*bucket{},
		dice:   rand.New(rand.NewPCG(opts.Seed, 0x9e3779b97f4a7c15)),
		orders: map[string]*cartrover.Order{}, seq: map[string]uint64{},
		inventory: map[string]*cartrover.InventoryItem{}, products: map[string]*cartrover.Product{},
		gen: rand.New(rand.NewPCG(opts.Seed, 0x5deece66d)),
		pfx: fmt.Sprintf("sim%x", uint32(opts.Seed*2654435761+uint64(time.Now().UnixNano()))),
	}
	for u, k := range opts.Credentials {
		s.creds[u] = k
	}
	s.stats = newStats()
	s.seedCatalog()
	if opts.StatePath != "" {
		if err := s.load(); err != nil {
			s.log.Warn("cartroversim: cannot load state; starting fresh", "path", opts.StatePath, "error", err)
		}
	}
	s.routes()
	return s
}

func newStats() Stats {
	return Stats{ByRoute: map[string]int{}, ByUser: map[string]int{}, ByUserRoute: map[string]map[string]int{}}
}

// ServeHTTP serves the CartRover API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set(cartrover.HeaderProcessID, s.processID())
	s.mux.ServeHTTP(w, r)
}

func (s *Server) processID() string {
	return fmt.Sprintf("%s-%08d", s.pfx, s.pid.Add(1))
}

// handler is a route handler after auth, rate limiting and faults: it returns the value for
// "response" (or a full body when it is a rawBody) or an *apiError.
type handler func(r *http.Request, user string) (any, error)

// rawBody is a complete answer body (no response wrapper), e.g. single create.
type rawBody map[string]any

// apiError is an error answer: the documented envelope with an HTTP status.
type apiError struct {
	status int // 0 = Options.ErrorStatus
	code   cartrover.ErrorCode
	msg    string
}

func (e *apiError) Error() string { return string(e.code) + ": " + e.msg }

func invalid(format string, a ...any) error {
	return &apiError{code: cartrover.CodeInvalid, msg: fmt.Sprintf(format, a...)}
}

func failure(format string, a ...any) error {
	return &apiError{code: cartrover.CodeFailure, msg: fmt.Sprintf(format, a...)}
}

func (s *Server) routes() {
	h := map[string]handler{
		cartrover.RouteListOrders.Name:       s.listOrders,
		cartrover.RouteGetOrder.Name:         s.getOrder,
		cartrover.RouteOrderStatus.Name:      s.orderStatus,
		cartrover.RouteUpdateOrder.Name:      s.updateOrder,
		cartrover.RouteCancelOrder.Name:      s.cancelOrder,
		cartrover.RouteListInventory.Name:    s.listInventory,
		cartrover.RouteInventoryItem.Name:    s.inventoryItem,
		cartrover.RouteUpdateInventory.Name:  s.updateInventory,
		cartrover.RouteProduct.Name:          s.product,
		cartrover.RouteUpdateProducts.Name:   s.updateProducts,
		cartrover.RouteShipMethods.Name:      s.shipMethods,
		cartrover.RouteOrderSources.Name:     s.orderSources,
		cartrover.RouteCartCreateOrder.Name:  s.createOrder,
		cartrover.RouteCartCreateOrders.Name: s.createOrders,
		cartrover.RouteCartGetOrder.Name:     s.getOrder,
		cartrover.RouteCartOrderStatus.Name:  s.orderStatus,
		cartrover.RouteCartListOrders.Name:   s.listOrders,
		cartrover.RouteCartUpdateOrder.Name:  s.updateOrder,
		cartrover.RouteCartCancelOrder.Name:  s.cancelOrder,
	}
	for _, rt := range cartrover.Routes {
		fn, ok := h[rt.Name]
		if !ok {
			panic("cartroversim: no handler for route " + rt.Name)
		}
		s.mux.HandleFunc(rt.Pattern(), s.wrap(rt, fn))
	}
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, &apiError{status: http.StatusNotFound, code: cartrover.CodeInvalid,
			msg: fmt.Sprintf("Unknown endpoint %s %s", r.Method, r.URL.Path)})
	})
}

// faultable reports whether faults apply to the route (everything except Cart-level order entry).
func faultable(rt cartrover.Route) bool {
	return !strings.HasPrefix(rt.Path, "/v1/cart/orders/")
}

// wrap applies auth, counting, rate limiting and faults around a handler.
func (s *Server) wrap(rt cartrover.Route, fn handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		user, ok := s.authenticate(r)
		s.count(rt.Name, user)
		if !ok {
			s.bump(func(st *Stats) { st.Unauthorized++ })
			msg := "Invalid API credentials"
			if user == "" {
				msg = "Missing API credentials: use HTTP Basic auth with the API user and key"
			}
			s.writeError(w, &apiError{status: http.StatusUnauthorized, code: cartrover.CodeInvalid, msg: msg})
			return
		}
		f := s.currentFaults()
		if faultable(rt) && f.Latency > 0 {
			select {
			case <-time.After(f.Latency):
			case <-r.Context().Done():
				return
			}
		}
		if !rt.Unlimited {
			remaining, allowed := s.take(user)
			w.Header().Set(cartrover.HeaderHitsRemaining, strconv.Itoa(remaining))
			if !allowed {
				s.bump(func(st *Stats) { st.RateLimited++ })
				s.writeError(w, &apiError{code: cartrover.CodeRateLimit, msg: "Over API Limit. Please slow down requests."})
				return
			}
		}
		var lost bool
		if faultable(rt) {
			switch {
			case s.roll(f.Drop):
				s.bump(func(st *Stats) { st.Faults++ })
				hangUp(w)
				return
			case s.roll(f.ServerError):
				s.bump(func(st *Stats) { st.Faults++ })
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(http.StatusServiceUnavailable)
				fmt.Fprint(w, "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>")
				return
			case s.roll(f.RateLimit):
				s.bump(func(st *Stats) { st.RateLimited++ })
				s.writeError(w, &apiError{code: cartrover.CodeRateLimit, msg: "Over API Limit. Please slow down requests."})
				return
			case s.roll(f.LostReply):
				lost = true
			}
		}
		out, err := fn(r, user)
		if lost {
			s.bump(func(st *Stats) { st.Faults++ })
			hangUp(w)
			return
		}
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) {
				ae = &apiError{status: http.StatusInternalServerError, code: cartrover.CodeFailure, msg: err.Error()}
			}
			s.writeError(w, ae)
			return
		}
		if rb, ok := out.(rawBody); ok {
			rb["success_code"] = true
			writeJSON(w, http.StatusOK, rb)
			return
		}
		if out == nil {
			writeJSON(w, http.StatusOK, map[string]any{"success_code": true})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"success_code": true, "response": out})
	}
}

// hangUp closes the connection without an answer.
func hangUp(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler) // HTTP/2 or a recorder: abort the stream
}

func (s *Server) writeError(w http.ResponseWriter, e *apiError) {
	status := e.status
	if status == 0 {
		status = s.opts.ErrorStatus
	}
	if status == 0 {
		status = http.StatusOK
	}
	writeJSON(w, status, map[string]any{"success_code": false, "error_code": e.code, "message": e.msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"success_code":false,"error_code":"Failure","message":"simulator cannot encode its answer"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// authenticate returns the API user and whether its key is right (Basic auth, else query parameters).
func (s *Server) authenticate(r *http.Request) (string, bool) {
	user, key, ok := r.BasicAuth()
	if !ok {
		user, key = r.URL.Query().Get("api_user"), r.URL.Query().Get("api_key")
	}
	if user == "" {
		return "", false
	}
	s.cfgMu.Lock()
	want, known := s.creds[user]
	s.cfgMu.Unlock()
	return user, known && key == want
}

func (s *Server) count(route, user string) {
	s.bump(func(st *Stats) {
		st.Total++
		st.ByRoute[route]++
		st.ByUser[user]++
		if st.ByUserRoute[user] == nil {
			st.ByUserRoute[user] = map[string]int{}
		}
		st.ByUserRoute[user][route]++
	})
}

func (s *Server) bump(f func(*Stats)) {
	s.cfgMu.Lock()
	f(&s.stats)
	s.cfgMu.Unlock()
}

// take removes one call from the user's bucket; it returns the calls remaining and whether the
// call was allowed.
func (s *Server) take(user string) (int, bool) {
	s.cfgMu.Lock()
	defer s.cfgMu.Unlock()
	if s.nolim {
		return int(s.burst), true
	}
	now := s.now()
	b := s.bkts[user]
	if b == nil {
		b = &bucket{tokens: s.burst, at: now}
		s.bkts[user] = b
	}
	if el := now.Sub(b.at); el > 0 {
		b.tokens = math.Min(s.burst, b.tokens+float64(el)/float64(s.refill))
	}
	b.at = now
	if b.tokens < 1 {
		return 0, false
	}
	b.tokens--
	return int(b.tokens), true
}

func (s *Server) roll(p float64) bool {
	if p <= 0 {
		return false
	}
	s.cfgMu.Lock()
	defer s.cfgMu.Unlock()
	return s.dice.Float64() < p
}

func (s *Server) currentFaults() Faults {
	s.cfgMu.Lock()
	defer s.cfgMu.Unlock()
	return s.faults
}

// SetFaults replaces the injected faults (e.g. turn them on in the middle of a test).
func (s *Server) SetFaults(f Faults) {
	s.cfgMu.Lock()
	s.faults = f
	s.cfgMu.Unlock()
}

// SetRateLimit replaces the bucket settings (burst ≤ 0 or refill ≤ 0 = off) and refills every bucket.
func (s *Server) SetRateLimit(burst int, refill time.Duration) {
	s.cfgMu.Lock()
	defer s.cfgMu.Unlock()
	s.nolim = burst <= 0 || refill <= 0
	if !s.nolim {
		s.burst, s.refill = float64(burst), refill
	}
	s.bkts = map[string]*bucket{}
}

// Stats returns a copy of the call counters.
func (s *Server) Stats() Stats {
	s.cfgMu.Lock()
	defer s.cfgMu.Unlock()
	out := s.stats
	out.ByRoute = cloneCounts(s.stats.ByRoute)
	out.ByUser = cloneCounts(s.stats.ByUser)
	out.ByUserRoute = make(map[string]map[string]int, len(s.stats.ByUserRoute))
	for u, m := range s.stats.ByUserRoute {
		out.ByUserRoute[u] = cloneCounts(m)
	}
	return out
}

// ResetStats zeroes the call counters.
func (s *Server) ResetStats() {
	s.cfgMu.Lock()
	s.stats = newStats()
	s.cfgMu.Unlock()
}

func cloneCounts(m map[string]int) map[string]int {
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Serve listens on addr (e.g. "127.0.0.1:0") and serves until ctx is done. It returns the bound
// address once listening; serving continues in the background.
func (s *Server) Serve(ctx context.Context, addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("cartroversim: listen on %s: %w (pick another address or stop what uses it)", addr, err)
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		_ = s.Save()
	}()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("cartroversim: server stopped", "addr", ln.Addr().String(), "error", err)
		}
	}()
	return ln.Addr().String(), nil
}
