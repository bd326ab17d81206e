// Command worker is the job service: it polls the product's Temporal task queues and runs the
// OrderManager workflows and their CartRover and Connected Business activities. Configuration
// comes from the environment (see README); it stops gracefully on SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/cartrover-cb/ordermanager/config"
	"github.com/cartrover-cb/ordermanager/internal/version"
	"github.com/cartrover-cb/ordermanager/worker/workerapp"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	app := &cli.App{
		Name:      "worker",
		Usage:     "run the Order Manager's workflows and activities (configured by the environment; see README)",
		Version:   version.String(),
		ArgsUsage: " ",
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return cli.Exit(fmt.Sprintf("worker: unexpected arguments %q: the worker is configured by environment variables only", c.Args().Slice()), 2)
			}
			return run(c.Context)
		},
	}
	if err := app.RunContext(ctx, os.Args); err != nil {
		var ec cli.ExitCoder
		if errors.As(err, &ec) {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(ec.ExitCode())
		}
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(1)
	}
}

// run loads the configuration and runs the worker until ctx is done; a configuration error exits
// with status 2 and the list of problems.
func run(ctx context.Context) error {
	cfg, err := config.LoadWorker(ctx)
	var cerr *config.Error
	if errors.As(err, &cerr) {
		return cli.Exit("worker: "+err.Error(), 2)
	}
	if err != nil {
		return err
	}
	return workerapp.Run(ctx, cfg, workerapp.RunOptions{})
}
