// Command worker is the job service: it polls the product's Temporal task queues and runs the
// OrderManager workflows and their CartRover and Connected Business activities. Configuration
// comes from the environment (see README); it stops gracefully on SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

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
		Commands: []*cli.Command{{
			Name:  "health",
			Usage: "exit 0 when the worker on this host answers /readyz (a container healthcheck without curl)",
			Action: func(c *cli.Context) error {
				return health(c.Context)
			},
		}},
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

// health asks the worker listening on METRICS_ADDR (a wildcard host means this host) for /readyz.
func health(ctx context.Context) error {
	var tel config.Telemetry
	if err := config.Load(ctx, &tel); err != nil {
		return cli.Exit("worker health: "+err.Error(), 2)
	}
	host, port, _ := net.SplitHostPort(tel.MetricsAddr)
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/readyz", nil)
	if err != nil {
		return cli.Exit("worker health: "+err.Error(), 1)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return cli.Exit("worker health: "+err.Error(), 1)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return cli.Exit("worker health: /readyz answered "+resp.Status, 1)
	}
	return nil
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
