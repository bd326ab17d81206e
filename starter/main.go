// Command starter is the operator's CLI for the CartRover ↔ Connected Business Order Manager:
// schedules (CB job plans), one-off runs, status, orders, settings checks, setup and the sandbox.
// The operator logic lives in package command; `starter dev` (what `make run` calls) lives in
// package devstack. Run `starter --help`.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/cartrover-cb/ordermanager/starter/command"
	"github.com/cartrover-cb/ordermanager/starter/devstack"
)

func main() {
	err := run()
	if err != nil && err.Error() != "" {
		fmt.Fprintln(os.Stderr, "starter:", err)
	}
	os.Exit(command.ExitCode(err))
}

// stopGrace is how long a command may take to wind down after Ctrl-C or SIGTERM before the
// process exits anyway (`starter dev` stops a dev server and the worker, so it gets longer).
const stopGrace = 10 * time.Second

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := command.Env{}
	app := command.App(&env)
	app.Commands = append(app.Commands, devCommand())
	args := command.ReorderArgs(app, os.Args)
	done := make(chan error, 1)
	go func() { done <- app.RunContext(ctx, args) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	// Interrupted: every command watches ctx; one that cannot (a stuck read) is not waited for.
	grace := stopGrace
	if len(args) > 1 && slices.Contains(args[1:], "dev") {
		grace = 60 * time.Second
	}
	select {
	case err := <-done:
		if err == nil {
			return nil
		}
		return fmt.Errorf("interrupted: %w", err)
	case <-time.After(grace):
		return errors.New("interrupted")
	}
}

// devCommand is `starter dev`: the whole product on this machine (what `make run` calls).
func devCommand() *cli.Command {
	d := devstack.DefaultOptions()
	return &cli.Command{
		Name:  "dev",
		Usage: "run everything on this machine: Temporal dev server + Web UI, both simulators, the worker and the default schedules (make run)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "temporal-bin", Value: d.TemporalBin, Usage: "the pinned Temporal CLI"},
			&cli.StringFlag{Name: "state-dir", Value: d.StateDir, Usage: "where the Temporal database, simulator state and logs live"},
			&cli.StringFlag{Name: "settings", Value: d.SettingsFile, Usage: "connector settings the default schedules carry"},
			&cli.IntFlag{Name: "ui-port", Value: d.UIPort, Usage: "Temporal Web UI port"},
			&cli.StringFlag{Name: "cartrover-addr", Value: d.CartRoverAddr, Usage: "CartRover simulator address"},
			&cli.StringFlag{Name: "cb-addr", Value: d.CBAddr, Usage: "CB simulator address"},
			&cli.StringFlag{Name: "metrics-addr", Value: d.MetricsAddr, Usage: "worker /metrics, /healthz, /readyz address"},
			&cli.StringFlag{Name: "codec-addr", Value: d.CodecAddr, Usage: "codec server address (the Web UI decodes payloads through it)"},
			&cli.IntFlag{Name: "seed-orders", Value: d.SeedOrders, Usage: "backlog of CartRover orders on the first start"},
			&cli.IntFlag{Name: "orders-per-minute", Value: d.OrdersPerMinute, Usage: "new CartRover orders each minute"},
			&cli.DurationFlag{Name: "ship-delay", Value: d.ShipDelay, Usage: "the CB warehouse ships each order this long after it is saved"},
		},
		Action: func(c *cli.Context) error {
			o := d
			o.TemporalBin, o.StateDir, o.SettingsFile = c.String("temporal-bin"), c.String("state-dir"), c.String("settings")
			o.TemporalAddr = c.String("address")
			o.UIPort = c.Int("ui-port")
			o.CartRoverAddr, o.CBAddr, o.MetricsAddr = c.String("cartrover-addr"), c.String("cb-addr"), c.String("metrics-addr")
			o.CodecAddr = c.String("codec-addr")
			o.SeedOrders, o.OrdersPerMinute, o.ShipDelay = c.Int("seed-orders"), c.Int("orders-per-minute"), c.Duration("ship-delay")
			o.Out = c.App.Writer
			return devstack.Run(c.Context, o)
		},
	}
}
