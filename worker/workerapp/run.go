package workerapp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/cartrover-cb/ordermanager/config"
	"github.com/cartrover-cb/ordermanager/notify"
	"github.com/cartrover-cb/ordermanager/telemetry"
	"github.com/cartrover-cb/ordermanager/telemetry/runmetrics"
)

// ServiceName names the worker in logs, traces and metrics unless OTEL_SERVICE_NAME says otherwise.
const ServiceName = "ordermanager-worker"

// RunOptions are what Run needs besides the configuration.
type RunOptions struct {
	// LogOutput receives the JSON logs (default os.Stderr).
	LogOutput io.Writer
	// OnReady, if set, is called with the metrics address once both workers poll.
	OnReady func(metricsAddr string)
	// HeldInterval is how often the held orders are counted for the metrics (default 30 s).
	HeldInterval time.Duration
}

// Run is the worker process: telemetry, one Temporal client, the two workers, /readyz once they
// poll, and a graceful stop when ctx is cancelled (SIGINT/SIGTERM in main). It returns nil after
// a clean stop, or the error that stopped it.
func Run(ctx context.Context, cfg config.Worker, opts RunOptions) (err error) {
	tel, err := telemetry.New(ctx, cfg.Telemetry, telemetry.Options{ServiceName: ServiceName, LogOutput: opts.LogOutput})
	if err != nil {
		return err
	}
	log := tel.Logger
	defer func() {
		// Flush traces and metrics even when ctx is already cancelled.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if serr := tel.Shutdown(sctx); serr != nil {
			log.Warn("telemetry shutdown", "error", serr)
		}
	}()

	acts, err := NewActivities(cfg.CartRover, cfg.CartRoverRate, cfg.CB)
	if err != nil {
		return err
	}
	copts, err := cfg.Temporal.ClientOptions()
	if err != nil {
		return err
	}
	if copts, err = tel.ClientOptions(copts); err != nil {
		return err
	}
	// Every payload (order data is customer data) is encrypted before it leaves the process.
	cdc, err := cfg.Codec.Codec()
	if err != nil {
		return err
	}
	copts = cdc.ClientOptions(copts)
	c, err := client.DialContext(ctx, copts)
	if err != nil {
		return fmt.Errorf("connect to Temporal at %s (namespace %s): %w (check TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and credentials)",
			cfg.Temporal.Address, cfg.Temporal.Namespace, err)
	}
	defer c.Close()

	// Notifications: whom and when from the runs' settings, where from the environment.
	notifier := notify.New(cfg.Notify, log)
	stopWatching := notifier.WatchDependencies()
	defer func() { stopWatching(); notifier.Wait() }()

	// The cache is the process's, set once before its worker exists.
	worker.SetStickyWorkflowCacheSize(cfg.Tuning.WithDefaults().WorkflowCacheSize)
	fatal := make(chan error, 2)
	ws, err := NewWorkers(c, acts, Options{
		OnRunEnd:  notifier.RunEnded,
		TaskQueue: cfg.TaskQueue.Name,
		Tuning:    cfg.Tuning,
		OnFatalError: func(err error) {
			select {
			case fatal <- err:
			default:
			}
		},
	})
	if err != nil {
		return err
	}
	if err := ws.Start(); err != nil {
		return err
	}
	tel.SetReadiness(Ready(c))
	heldEvery := opts.HeldInterval
	if heldEvery <= 0 {
		heldEvery = 30 * time.Second
	}
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	go runmetrics.WatchHeldOrders(watchCtx, c, heldEvery, log)
	log.Info("worker polling",
		"temporal_address", cfg.Temporal.Address, "namespace", cfg.Temporal.Namespace,
		"task_queue", cfg.TaskQueue.Name, "cartrover_rate_burst", cfg.CartRoverRate.Burst, "cartrover_rate_refill", cfg.CartRoverRate.Refill.String(),
		"metrics_addr", tel.Addr(), "payload_key", cdc.Keyring().Current(), "payload_keys", cdc.Keyring().IDs())
	if opts.OnReady != nil {
		opts.OnReady(tel.Addr())
	}

	var runErr error
	select {
	case <-ctx.Done():
		log.Info("stopping: signal received", "stop_timeout", cfg.Tuning.StopTimeout.String())
	case runErr = <-fatal:
		log.Error("worker stopped on a fatal error", "error", runErr)
	}
	tel.SetReadiness(nil)
	ws.Stop()
	// Sign out of CB, so the next sign-in as this user (a restart, a settings check) need not
	// force a session out.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	if err := acts.CB.SignOut(sctx); err != nil {
		log.Warn("could not sign out of CB; the next sign-in will force this session out", "error", err)
	} else {
		log.Info("signed out of CB")
	}
	cancel()
	log.Info("worker stopped")
	if runErr != nil {
		return errors.Join(errors.New("worker stopped on a fatal error"), runErr)
	}
	return nil
}
