// Package cbsim is a simulator of Connected Business's JSON webservice (docs/specs/cb-webservice.md):
// the routes the connector uses with the same verbs, case-insensitive routing with "//"
// collapsed, Basic auth, /Date(ms)/ dates, ErrorMessage-on-200 errors and null empty lists. It is
// seeded from sandbox/catalog, enforces the business rules the connector meets (shipping method
// pairs, unknown items, credit hold, column lengths, stock allocation), has a warehouse that ships
// orders by itself, test-only admin routes under /_sim/ and fault injection.
package cbsim

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Default sandbox credentials.
const (
	DefaultUserCode = "sandbox"
	DefaultPassword = "sandbox-password"
)

// Options configures a simulator.
type Options struct {
	// UserCode and Password are the accepted credentials (default sandbox / sandbox-password).
	UserCode, Password string
	// ShipDelay, when > 0, makes the warehouse ship each open order this long after it was saved.
	ShipDelay time.Duration
	// PartialEvery, when > 0, makes every n-th automatic shipment partial (the rest ships later).
	PartialEvery int
	// NoCustomers leaves out the seeded customers.
	NoCustomers bool
	// NoItems leaves out the seeded catalogue items (tests seed their own with SeedItems).
	NoItems bool
	// StateFile, when set, is loaded at start (if it exists) and saved on changes and Close.
	StateFile string
	// Logger receives one line per request at debug level (default: discard).
	Logger *slog.Logger
	// Now replaces the clock (tests).
	Now func() time.Time
	// StockEveryUnit makes loadgrouplocationstock answer every unit of measure of an item, larger
	// units first, not only the one asked for (the route's exact output is not confirmed; the
	// connector must cope).
	StockEveryUnit bool
	// BeforeCall, when set, is called with the route ("products/getitemdetails") before each
	// webservice call is answered, outside the simulator's lock: a test changes CB's data there,
	// as a CB user would between two calls of the connector.
	BeforeCall func(route string)
}

// Faults are switched on with SetFaults; counts are consumed by the matching requests.
type Faults struct {
	// Latency delays every webservice request.
	Latency time.Duration
	// Fail5xx answers the next n matching requests with HTTP 503.
	Fail5xx int
	// Drop closes the connection of the next n matching requests without an answer.
	Drop int
	// SaveThenTimeout makes the next n createsalesorder calls save the order and then never
	// answer (the connection is closed when the client gives up, or after 30 s).
	SaveThenTimeout int
	// Unauthorized answers the next n matching requests with HTTP 401, as CB does for a wrong
	// user code or password.
	Unauthorized int
	// Reject answers the next n matching requests with HTTP 200 and RejectMessage as CB's
	// ErrorMessage (a business rejection), without doing anything.
	Reject        int
	RejectMessage string
	// Route restricts Fail5xx, Drop, Unauthorized and Reject to one route, e.g.
	// "transactions/createsalesorder" (empty = all).
	Route string
}

// Server is the simulator; it is an http.Handler and safe for concurrent use.
type Server struct {
	opts Options
	log  *slog.Logger

	mu     sync.Mutex
	st     *state
	signed map[string]bool
	faults Faults
	stats  map[string]int64
	dirty  bool
	autoN  int
	closed chan struct{}
	// closeOnce makes Close stop and save once; a second caller waits for that save, so nothing
	// writes the state file after any Close returns.
	closeOnce sync.Once
	closeErr  error
	saveMu    sync.Mutex
	wg        sync.WaitGroup
}

// New returns a seeded simulator. Call Close to stop its warehouse and save its state.
func New(opts Options) *Server {
	if opts.UserCode == "" {
		opts.UserCode = DefaultUserCode
	}
	if opts.Password == "" {
		opts.Password = DefaultPassword
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	lg := opts.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	s := &Server{opts: opts, log: lg, signed: map[string]bool{}, stats: map[string]int64{}, closed: make(chan struct{})}
	s.st = newState(!opts.NoCustomers, !opts.NoItems)
	if opts.StateFile != "" {
		if b, err := os.ReadFile(opts.StateFile); err == nil {
			st := &state{}
			if err := json.Unmarshal(b, st); err == nil && st.Items != nil {
				s.st = st
			} else {
				lg.Warn("cb simulator state file unreadable; starting from the seed", "file", opts.StateFile, "error", err)
			}
		}
	}
	if opts.ShipDelay > 0 || opts.StateFile != "" {
		s.wg.Add(1)
		go s.background()
	}
	return s
}

// Close stops the warehouse and saves the state file (when configured).
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		close(s.closed)
		s.wg.Wait()
		s.closeErr = s.save()
	})
	return s.closeErr
}

func (s *Server) save() error {
	if s.opts.StateFile == "" {
		return nil
	}
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	s.mu.Lock()
	b, err := json.Marshal(s.st)
	s.dirty = false
	s.mu.Unlock()
	if err != nil {
		return err
	}
	tmp := s.opts.StateFile + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, s.opts.StateFile)
}

// background runs the automatic warehouse and the periodic state save.
func (s *Server) background() {
	defer s.wg.Done()
	tick := 500 * time.Millisecond
	if s.opts.ShipDelay > 0 && s.opts.ShipDelay/4 < tick {
		tick = max(s.opts.ShipDelay/4, 10*time.Millisecond)
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	lastSave := time.Now()
	for {
		select {
		case <-s.closed:
			return
		case <-t.C:
		}
		if s.opts.ShipDelay > 0 {
			s.autoShip()
		}
		if s.opts.StateFile != "" && time.Since(lastSave) > 2*time.Second {
			s.mu.Lock()
			d := s.dirty
			s.mu.Unlock()
			if d {
				if err := s.save(); err != nil {
					s.log.Warn("cb simulator could not save its state", "error", err)
				}
			}
			lastSave = time.Now()
		}
	}
}

// Serve listens on addr (e.g. 127.0.0.1:7082, port 0 for any) and serves until ctx ends; it
// returns once listening, with the bound address.
func (s *Server) Serve(ctx context.Context, addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	hs := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
		_ = s.Close()
	}()
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("cb simulator stopped", "error", err)
		}
	}()
	return ln.Addr().String(), nil
}

// SetFaults replaces the fault switches.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f.Route = strings.ToLower(strings.Trim(f.Route, "/"))
	s.faults = f
}

// Stats returns the number of webservice calls per route, keyed "service/method" in lower case
// (e.g. "transactions/createsalesorder"); faulted calls count too.
func (s *Server) Stats() map[string]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int64, len(s.stats))
	for k, v := range s.stats {
		out[k] = v
	}
	return out
}

// Calls returns the number of calls of one route ("Transactions/createsalesorder", any case).
func (s *Server) Calls(route string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats[strings.ToLower(strings.Trim(route, "/"))]
}

// ResetStats zeroes the call counters.
func (s *Server) ResetStats() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats = map[string]int64{}
}

var services = map[string]bool{"system": true, "transactions": true, "contacts": true, "products": true}

// splitRoute finds "<service>/<method>" and the path parameters after it, case-insensitively,
// whatever base path precedes it, with empty segments ("//") collapsed.
func splitRoute(path string) (key string, params []string) {
	var segs []string
	for _, p := range strings.Split(path, "/") {
		if p != "" {
			segs = append(segs, p)
		}
	}
	for i := 0; i+1 < len(segs); i++ {
		if services[strings.ToLower(segs[i])] {
			return strings.ToLower(segs[i] + "/" + segs[i+1]), segs[i+2:]
		}
	}
	return "", nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_sim/") {
		s.serveAdmin(w, r)
		return
	}
	key, params := splitRoute(r.URL.Path)
	rt, ok := routes[key]
	s.mu.Lock()
	if key != "" {
		s.stats[key]++
	}
	f := s.faults
	routeMatch := f.Route == "" || f.Route == key
	drop := ok && routeMatch && f.Drop > 0
	fail := ok && !drop && routeMatch && f.Fail5xx > 0
	unauthorized := ok && !drop && !fail && routeMatch && f.Unauthorized > 0
	reject := ok && !drop && !fail && !unauthorized && routeMatch && f.Reject > 0
	saveHang := ok && key == "transactions/createsalesorder" && f.SaveThenTimeout > 0 && !drop && !fail && !unauthorized && !reject
	switch {
	case drop:
		s.faults.Drop--
	case fail:
		s.faults.Fail5xx--
	case unauthorized:
		s.faults.Unauthorized--
	case reject:
		s.faults.Reject--
	case saveHang:
		s.faults.SaveThenTimeout--
	}
	s.mu.Unlock()
	s.log.Debug("cb simulator request", "method", r.Method, "route", key)
	if s.opts.BeforeCall != nil && ok {
		s.opts.BeforeCall(key)
	}

	if f.Latency > 0 {
		select {
		case <-time.After(f.Latency):
		case <-r.Context().Done():
			return
		}
	}
	if !ok {
		http.Error(w, "Endpoint not found.", http.StatusNotFound)
		return
	}
	user, pass, hasAuth := r.BasicAuth()
	if unauthorized || !hasAuth || user != s.opts.UserCode || pass != s.opts.Password {
		w.Header().Set("WWW-Authenticate", `Basic realm="Connected Business"`)
		writeJSON(w, http.StatusUnauthorized, map[string]any{"ErrorMessage": "Invalid user code or password."})
		return
	}
	if r.Method != rt.verb {
		http.Error(w, "Method not allowed.", http.StatusMethodNotAllowed)
		return
	}
	if drop {
		hangUp(w)
		return
	}
	if fail {
		http.Error(w, "The server encountered an error processing the request.", http.StatusServiceUnavailable)
		return
	}
	if reject {
		writeJSON(w, http.StatusOK, map[string]any{"ErrorMessage": f.RejectMessage})
		return
	}
	var body json.RawMessage
	if rt.verb != http.MethodGet {
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 32<<20)).Decode(&body); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"ErrorMessage": "The request body is not valid JSON."})
			return
		}
	}
	req := &request{r: r, params: params, body: body, user: user}
	s.mu.Lock()
	resp := rt.h(s, req)
	if rt.mutates {
		s.dirty = true
	}
	s.mu.Unlock()
	if saveHang {
		select {
		case <-r.Context().Done():
		case <-s.closed:
		case <-time.After(30 * time.Second):
		}
		hangUp(w)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func hangUp(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if c, _, err := hj.Hijack(); err == nil {
			_ = c.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// request is one decoded webservice call.
type request struct {
	r      *http.Request
	params []string
	body   json.RawMessage
	user   string
}

// rowCap returns the row cap path parameter (default 100).
func (q *request) rowCap() int {
	if len(q.params) > 0 {
		if n, err := strconv.Atoi(q.params[0]); err == nil && n > 0 {
			return n
		}
	}
	return 100
}

// decode reads the JSON body into v, ignoring unknown fields.
func (q *request) decode(v any) bool {
	if len(q.body) == 0 || string(q.body) == "null" {
		return true
	}
	return json.Unmarshal(q.body, v) == nil
}
