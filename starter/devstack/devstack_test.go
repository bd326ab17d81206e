package devstack_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cartrover-cb/ordermanager/cartrover"
	"github.com/cartrover-cb/ordermanager/internal/temporaltest"
	"github.com/cartrover-cb/ordermanager/starter/devstack"
	"github.com/stretchr/testify/assert"
)

// freeAddr returns a loopback address nothing listens on right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func testOptions(t *testing.T, stateDir string, out *syncWriter) devstack.Options {
	t.Helper()
	bin, err := temporaltest.CLIPath()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("the Temporal CLI is missing at %s: run `make temporal` (under CI=true this fails instead)", bin)
		}
		t.Fatalf("the Temporal CLI is missing at %s (CI is set): `make test` builds it first", bin)
	}
	root, err := temporaltest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	_, uiPort, _ := net.SplitHostPort(freeAddr(t))
	o := devstack.DefaultOptions()
	o.TemporalBin = bin
	o.StateDir = stateDir
	o.SettingsFile = filepath.Join(root, "deploy", "settings.sandbox.yaml")
	o.TemporalAddr, o.CartRoverAddr, o.CBAddr, o.MetricsAddr = freeAddr(t), freeAddr(t), freeAddr(t), freeAddr(t)
	o.CodecAddr = freeAddr(t)
	if o.UIPort, err = strconv.Atoi(uiPort); err != nil {
		t.Fatal(err)
	}
	o.SeedOrders, o.OrdersPerMinute = 8, 0
	o.StartTimeout = time.Minute
	o.Out = out
	return o
}

// TestMakeRunImportsOrdersAndStopsEverything drives the entry point `make run` calls: everything comes
// up on free ports, the first orders land in CB and are at_wms in CartRover, and on interrupt the
// dev server child process is gone and every port is free again. A second start resumes from the
// same state without seeding again.
func TestMakeRunImportsOrdersAndStopsEverything(t *testing.T) {
	out := &syncWriter{}
	o := testOptions(t, t.TempDir(), out)
	started := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s, err := devstack.Start(ctx, o)
	if err != nil {
		t.Fatalf("start: %v\n%s", err, out)
	}
	if len(s.Sandbox.Seeded) != o.SeedOrders {
		t.Fatalf("seeded %d orders, want %d", len(s.Sandbox.Seeded), o.SeedOrders)
	}
	for _, want := range []string{"Temporal Web UI", "--settings " + filepath.Join(o.StateDir, "settings.yaml") + " --tasks", "starter status", "orders list --outcome held", "Ctrl-C"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("banner lacks %q:\n%s", want, out)
		}
	}

	// The first imported order: in CB under its cust_ref, and at_wms in CartRover.
	var imported string
	firstImported := func() bool {
		for _, so := range s.Sandbox.CB.SalesOrders() {
			if o, ok := s.Sandbox.CartRover.Order(so.POCode); ok && o.OrderStatus == cartrover.StatusAtWMS {
				imported = so.POCode
				return true
			}
		}
		return false
	}
	if !assert.Eventually(t, firstImported, 90*time.Second, 200*time.Millisecond) {
		t.Fatalf("no order was imported and acknowledged within 90s of start-up:\n%s", out)
	}
	t.Logf("first imported order %s, %.1fs after start", imported, time.Since(started).Seconds())

	pid := s.TemporalPID
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("the dev server (pid %d) is still running after Close (kill -0: %v)", pid, err)
	}
	for _, addr := range []string{o.TemporalAddr, o.CartRoverAddr, o.CBAddr, o.MetricsAddr, o.CodecAddr} {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			t.Errorf("%s is still in use after Close: %v", addr, err)
			continue
		}
		l.Close()
	}

	// make run again resumes: same state, no second backlog, schedules applied unchanged.
	s2, err := devstack.Start(ctx, o)
	if err != nil {
		t.Fatalf("second start: %v\n%s", err, out)
	}
	defer s2.Close()
	if len(s2.Sandbox.Seeded) != 0 {
		t.Errorf("the second start seeded %d more orders; it should resume", len(s2.Sandbox.Seeded))
	}
	if got, ok := s2.Sandbox.CartRover.Order(imported); !ok || got.OrderStatus == cartrover.StatusNew {
		t.Errorf("order %s lost its state across the restart (found %v, status %q)", imported, ok, got.OrderStatus)
	}
	if n := len(s2.Sandbox.CB.SalesOrdersByPOCode(imported)); n != 1 {
		t.Errorf("CB holds %d sales orders for %s after the restart, want 1", n, imported)
	}
}

// TestMakeRunRefusesBusyPorts lists every problem before starting anything.
func TestMakeRunRefusesBusyPorts(t *testing.T) {
	out := &syncWriter{}
	o := testOptions(t, t.TempDir(), out)
	l, err := net.Listen("tcp", o.CBAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	o.SettingsFile = filepath.Join(t.TempDir(), "missing.yaml")
	_, err = devstack.Start(context.Background(), o)
	if err == nil {
		t.Fatal("Start succeeded with a busy port and a missing settings file")
	}
	for _, want := range []string{"CB simulator port " + o.CBAddr + " is in use", "missing.yaml is missing"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

type syncWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}
