// Package cbsimtest starts the CB simulator (sandbox/cbsim) for a test, on loopback, with the real
// webservice client in front of it: the one CB test double of the product.
package cbsimtest

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	cb "github.com/cartrover-cb/ordermanager/connectedbusiness"
	"github.com/cartrover-cb/ordermanager/sandbox/cbsim"
)

// Start starts a simulator with opts and returns it with a client signed in as its user. Both
// stop when the test ends.
func Start(t testing.TB, opts cbsim.Options) (*cbsim.Server, cb.Service) {
	t.Helper()
	sim := cbsim.New(opts)
	t.Cleanup(func() { _ = sim.Close() })
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	user, pass := opts.UserCode, opts.Password
	if user == "" {
		user = cbsim.DefaultUserCode
	}
	if pass == "" {
		pass = cbsim.DefaultPassword
	}
	svc, err := cb.NewWebService(cb.Config{BaseURL: srv.URL + "/webservice/", UserCode: user, Password: pass,
		Timeout: 5 * time.Second, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return sim, svc
}

// Calls counts the webservice calls the simulator answered, sessions (sign-in, sign-out) left out:
// what an activity's CB cost is measured in.
func Calls(sim *cbsim.Server) int {
	n := 0
	for route, c := range sim.Stats() {
		if !strings.HasPrefix(route, "system/sign") && route != "system/forcesignout" {
			n += int(c)
		}
	}
	return n
}
