package e2e_test

import (
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	cb "github.com/cartrover-cb/ordermanager/connectedbusiness"
	"github.com/cartrover-cb/ordermanager/sandbox/cbsim"
	"github.com/cartrover-cb/ordermanager/telemetry"
)

// cbSandbox is the CB simulator behind httptest with probabilistic faults in front of it:
// Transient is the share of webservice calls answered 503 before the simulator sees them, and
// SavedThenTimeout the share of sales order saves the simulator performs whose answer is then
// lost (the connection drops). cbsim's own faults are counted ("the next n calls"); the tests
// want a steady rate.
type cbSandbox struct {
	sim              *cbsim.Server
	Service          cb.Service
	mu               sync.Mutex
	dice             *rand.Rand
	Transient        float64
	SavedThenTimeout float64
	seeded           int
	refuseSaves      int // HTTP status every createsalesorder is answered with (0 = none)
}

// refuseSalesOrders answers every createsalesorder with the HTTP status from now on (0 = stop):
// a 4xx is a final refusal, so the order fails at once instead of after its retries.
func (s *cbSandbox) refuseSalesOrders(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuseSaves = status
}

func newCBSandbox(t *testing.T, seed uint64, password string) *cbSandbox {
	t.Helper()
	sim := cbsim.New(cbsim.Options{Password: password})
	t.Cleanup(func() { _ = sim.Close() })
	s := &cbSandbox{sim: sim, dice: rand.New(rand.NewPCG(seed, 2)), seeded: len(sim.Customers())}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(srv.Close)
	svc, err := cb.NewWebService(cb.Config{BaseURL: srv.URL + "/webservice/", UserCode: cbsim.DefaultUserCode, Password: password,
		Timeout: 5 * time.Second, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		// As in the worker: each call tells telemetry whether CB answers (a run's progress reads it).
		Observe: telemetry.ObserveCBCall})
	if err != nil {
		t.Fatal(err)
	}
	s.Service = svc
	return s
}

func (s *cbSandbox) roll(p float64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dice.Float64() < p
}

func (s *cbSandbox) serve(w http.ResponseWriter, r *http.Request) {
	path := strings.ToLower(r.URL.Path)
	if strings.Contains(path, "/system/signin") {
		s.sim.ServeHTTP(w, r) // sign-in is once per process; faults there only slow the start
		return
	}
	s.mu.Lock()
	refuse := s.refuseSaves
	s.mu.Unlock()
	if refuse != 0 && strings.Contains(path, "/transactions/createsalesorder") {
		http.Error(w, "refused by the test", refuse)
		return
	}
	if s.roll(s.Transient) {
		http.Error(w, "<html>503 Service Unavailable</html>", http.StatusServiceUnavailable)
		return
	}
	if strings.Contains(path, "/transactions/createsalesorder") && s.roll(s.SavedThenTimeout) {
		s.sim.ServeHTTP(httptest.NewRecorder(), r) // saved…
		panic(http.ErrAbortHandler)                // …and the answer never arrives
	}
	s.sim.ServeHTTP(w, r)
}

// Calls counts the webservice calls the simulator saw (sign-in excluded).
func (s *cbSandbox) Calls() int {
	n := 0
	for route, c := range s.sim.Stats() {
		if !strings.HasPrefix(route, "system/signin") {
			n += int(c)
		}
	}
	return n
}

// CallsTo counts the calls of the given routes ("products/itemlookup", …).
func (s *cbSandbox) CallsTo(routes ...string) int {
	st := s.sim.Stats()
	n := 0
	for _, r := range routes {
		n += int(st[r])
	}
	return n
}

// NewCustomers counts the customers the run created.
func (s *cbSandbox) NewCustomers() int { return len(s.sim.Customers()) - s.seeded }

// OrdersFor counts the CB sales orders with this POCode (more than one is a duplicate).
func (s *cbSandbox) OrdersFor(po string) int { return len(s.sim.SalesOrdersByPOCode(po)) }
