// Package devstack is `make run`: the whole product on one machine. It starts the Temporal dev
// server (file-backed, with its Web UI), both simulators, the worker and the default schedules,
// prints where to look, and stops all of it on interrupt. State lives under one git-ignored
// folder, so a second `make run` resumes where the first stopped.
package devstack

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cartrover-cb/ordermanager/sandbox"
)

// Options says where everything listens and how the sandbox behaves.
type Options struct {
	// TemporalBin is the pinned Temporal CLI (./bin/temporal).
	TemporalBin string
	// StateDir holds the Temporal database, the simulators' state and the logs (./.run).
	StateDir string
	// SettingsFile is the connector settings the default schedules carry.
	SettingsFile string
	// TemporalAddr is the dev server's gRPC address; UIPort its Web UI port.
	TemporalAddr string
	UIPort       int
	// CartRoverAddr and CBAddr are the simulators' addresses; MetricsAddr the worker's /metrics.
	CartRoverAddr, CBAddr, MetricsAddr string
	// CodecAddr is where the codec server the Web UI decodes payloads through listens.
	CodecAddr string
	// SeedOrders is the backlog the CartRover simulator starts with (first start only).
	SeedOrders int
	// OrdersPerMinute is how many new orders arrive each minute.
	OrdersPerMinute int
	// ShipDelay is how long after an order is saved the CB warehouse ships it.
	ShipDelay time.Duration
	// StartTimeout bounds each start-up step.
	StartTimeout time.Duration
	// Out receives the banner and progress lines.
	Out io.Writer
}

// DefaultOptions are the addresses and sandbox cadences the README documents.
func DefaultOptions() Options {
	return Options{
		TemporalBin:     "bin/temporal",
		StateDir:        ".run",
		SettingsFile:    "deploy/settings.sandbox.yaml",
		TemporalAddr:    "127.0.0.1:7233",
		UIPort:          8233,
		CartRoverAddr:   sandbox.DefaultCartRoverAddr,
		CBAddr:          sandbox.DefaultCBAddr,
		MetricsAddr:     "127.0.0.1:9464",
		CodecAddr:       "127.0.0.1:8234",
		SeedOrders:      50,
		OrdersPerMinute: 2,
		ShipDelay:       90 * time.Second,
		StartTimeout:    2 * time.Minute,
		Out:             os.Stdout,
	}
}

// preflight checks what the stack needs before starting anything, and lists every problem at once.
func preflight(o Options) error {
	var problems []string
	if _, err := os.Stat(o.TemporalBin); err != nil {
		problems = append(problems, fmt.Sprintf("the Temporal CLI is missing at %s: run `make temporal` (the first build takes a few minutes)", o.TemporalBin))
	}
	if _, err := os.Stat(o.SettingsFile); err != nil {
		problems = append(problems, fmt.Sprintf("the settings file %s is missing", o.SettingsFile))
	}
	ports := []struct{ what, addr string }{
		{"Temporal gRPC", o.TemporalAddr},
		{"Temporal Web UI", fmt.Sprintf("127.0.0.1:%d", o.UIPort)},
		{"CartRover simulator", o.CartRoverAddr},
		{"CB simulator", o.CBAddr},
		{"worker metrics", o.MetricsAddr},
		{"codec server", o.CodecAddr},
	}
	for _, p := range ports {
		l, err := net.Listen("tcp", p.addr)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s port %s is in use (is another `make run` or Temporal dev server running? stop it, or free the port)", p.what, p.addr))
			continue
		}
		l.Close()
	}
	if len(problems) > 0 {
		return errors.New("make run cannot start:\n  - " + strings.Join(problems, "\n  - "))
	}
	return nil
}

// openLog opens (appending) the log file of one component under StateDir/logs.
func openLog(o Options, name string) (*os.File, error) {
	dir := filepath.Join(o.StateDir, "logs")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return os.OpenFile(filepath.Join(dir, name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
}

func splitHostPort(addr string) (string, string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", "", fmt.Errorf("address %q: %w", addr, err)
	}
	return host, port, nil
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
