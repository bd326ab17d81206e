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

	"github.com/cartrover-cb/ordermanager/config"
	"github.com/cartrover-cb/ordermanager/worker/workerapp"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := config.LoadWorker(ctx)
	var cerr *config.Error
	if errors.As(err, &cerr) {
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(2)
	}
	if err == nil {
		err = workerapp.Run(ctx, cfg, workerapp.RunOptions{})
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(1)
	}
}
