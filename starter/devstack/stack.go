package devstack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sethvargo/go-envconfig"

	"github.com/cartrover-cb/ordermanager/config"
	"github.com/cartrover-cb/ordermanager/sandbox"
	"github.com/cartrover-cb/ordermanager/sandbox/cartroversim"
	"github.com/cartrover-cb/ordermanager/sandbox/cbsim"
	"github.com/cartrover-cb/ordermanager/starter/command"
	"github.com/cartrover-cb/ordermanager/worker/workerapp"
)

// Sandbox credentials: the simulators' defaults, documented in the README. Not secrets.
const (
	sandboxAPIUser    = cartroversim.DefaultAPIUser
	sandboxAPIKey     = cartroversim.DefaultAPIKey
	sandboxCBUser     = cbsim.DefaultUserCode
	sandboxCBPassword = cbsim.DefaultPassword
)

// DefaultSchedule is one job plan `make run` applies, approved.
type DefaultSchedule struct {
	ID, Tasks, Every, Note string
}

// DefaultSchedules are the sandbox cadences: much faster than a production job plan, so a
// newcomer sees orders, shipments, inventory and products move within minutes.
var DefaultSchedules = []DefaultSchedule{
	{ID: "sandbox-orders", Tasks: "orders,shipments", Every: "1m", Note: "sandbox cadence: CartRover orders and CB shipments every minute"},
	{ID: "sandbox-inventory", Tasks: "inventory", Every: "5m", Note: "sandbox cadence: CB free stock to CartRover every 5 minutes"},
	{ID: "sandbox-products", Tasks: "products", Every: "1h", Note: "sandbox cadence: CB item details to CartRover hourly"},
}

// Stack is a running `make run`: the dev server child process, the simulators and the worker.
type Stack struct {
	// Sandbox is the pair of simulators.
	Sandbox *sandbox.Sandbox
	// TemporalPID is the dev server's process ID (its process group is stopped on Close).
	TemporalPID int
	// PayloadKeysFile is the payload keyring the worker, the starter and the codec server use.
	PayloadKeysFile string
	// CodecURL is the codec server's base URL; CodecToken the bearer token it requires.
	CodecURL, CodecToken string

	opts       Options
	dev        *devServer
	stopSims   context.CancelFunc
	simsDone   chan struct{}
	stopWorker context.CancelFunc
	workerDone chan error
	stopCodec  context.CancelFunc
	codecDone  chan error
	logs       []*os.File
}

// Start brings everything up and returns once the schedules are applied. On error, whatever
// was started is stopped again.
func Start(ctx context.Context, o Options) (_ *Stack, err error) {
	if err := preflight(o); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(o.StateDir, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", o.StateDir, err)
	}
	s := &Stack{opts: o}
	defer func() {
		if err != nil {
			_ = s.Close()
		}
	}()
	say := func(format string, args ...any) { fmt.Fprintf(o.Out, "make run: "+format+"\n", args...) }

	say("starting the Temporal dev server (Web UI on http://127.0.0.1:%d, data in %s)", o.UIPort, filepath.Join(o.StateDir, "temporal.db"))
	if s.PayloadKeysFile, s.CodecToken, err = devSecrets(o.StateDir); err != nil {
		return nil, fmt.Errorf("make the dev payload key and codec token in %s: %w", o.StateDir, err)
	}
	if err := s.startCodecServer(ctx); err != nil {
		return nil, err
	}
	tlog, err := s.openLog("temporal")
	if err != nil {
		return nil, err
	}
	if s.dev, err = startDevServer(ctx, o, tlog, s.UICodecEndpoint()); err != nil {
		return nil, err
	}
	s.TemporalPID = s.dev.pid()

	say("starting the CartRover and CB simulators")
	simLog, err := s.openLog("sandbox")
	if err != nil {
		return nil, err
	}
	simCtx, stopSims := context.WithCancel(context.WithoutCancel(ctx))
	s.stopSims, s.simsDone = stopSims, make(chan struct{})
	s.Sandbox, err = sandbox.Start(simCtx, sandbox.Options{
		CartRoverAddr: o.CartRoverAddr, CBAddr: o.CBAddr,
		SeedOrders: o.SeedOrders, OrdersPerMinute: float64(o.OrdersPerMinute), HeldShare: sandbox.DefaultHeldShare,
		ShipDelay: o.ShipDelay, PartialEvery: 4,
		StateDir: filepath.Join(o.StateDir, "sandbox"),
		Logger:   newFileLogger(simLog),
	})
	if err != nil {
		close(s.simsDone)
		return nil, err
	}
	go func() { s.Sandbox.Wait(simCtx); close(s.simsDone) }()

	say("starting the worker (logs in %s)", filepath.Join(o.StateDir, "logs", "worker.log"))
	if err := s.startWorker(ctx); err != nil {
		return nil, err
	}

	settingsFile, err := s.workingSettings()
	if err != nil {
		return nil, err
	}
	say("applying the default schedules with %s", settingsFile)
	if err := s.starter(ctx, "setup"); err != nil {
		return nil, fmt.Errorf("register the search attributes: %w", err)
	}
	for _, sc := range DefaultSchedules {
		if err := s.starter(ctx, "schedule", "apply", "--id", sc.ID, "--settings", settingsFile, "--tasks", sc.Tasks,
			// After a pause of make run, one catch-up run is enough; the sandbox needs no backlog of runs.
			"--every", sc.Every, "--catchup-window", "1m", "--note", sc.Note); err != nil {
			return nil, fmt.Errorf("apply schedule %s: %w", sc.ID, err)
		}
		// apply keeps an existing schedule's approval as it is: approve explicitly, since make run
		// promises running schedules.
		if err := s.starter(ctx, "schedule", "approve", "--note", "approved by make run", sc.ID); err != nil {
			return nil, fmt.Errorf("approve schedule %s: %w", sc.ID, err)
		}
	}
	// Run the orders schedule once now rather than at the next minute, so the first orders are in CB
	// within seconds of the banner.
	if err := s.starter(ctx, "schedule", "trigger", DefaultSchedules[0].ID); err != nil {
		return nil, fmt.Errorf("trigger schedule %s: %w", DefaultSchedules[0].ID, err)
	}
	s.banner()
	return s, nil
}

// workingSettings returns the settings file the schedules carry: a copy of SettingsFile under
// StateDir, made on the first start, so that an operator can fix a mapping there (the README's
// walkthrough) and a later `make run` re-applies the fixed file instead of the pristine sample.
func (s *Stack) workingSettings() (string, error) {
	dst := filepath.Join(s.opts.StateDir, "settings.yaml")
	if _, err := os.Stat(dst); err == nil {
		return dst, nil
	}
	b, err := os.ReadFile(s.opts.SettingsFile)
	if err != nil {
		return "", err
	}
	return dst, os.WriteFile(dst, b, 0o644)
}

// startWorker runs the real worker wiring in this process, configured exactly as the worker binary
// is (through go-envconfig), with the sandbox credentials.
func (s *Stack) startWorker(ctx context.Context) error {
	o := s.opts
	env := map[string]string{
		"TEMPORAL_ADDRESS":   o.TemporalAddr,
		"CARTROVER_BASE_URL": s.Sandbox.CartRoverURL,
		"CARTROVER_API_USER": sandboxAPIUser,
		"CARTROVER_API_KEY":  sandboxAPIKey,
		"CB_BASE_URL":        s.Sandbox.CBURL,
		"CB_USER_CODE":       sandboxCBUser,
		"CB_PASSWORD":        sandboxCBPassword,
		"METRICS_ADDR":       o.MetricsAddr,
		"OTEL_SDK_DISABLED":  "true",

		"PAYLOAD_ENCRYPTION_KEYS_FILE": s.PayloadKeysFile,
	}
	cfg, err := config.LoadWorkerFrom(ctx, envconfig.MapLookuper(env))
	if err != nil {
		return err
	}
	wlog, err := s.openLog("worker")
	if err != nil {
		return err
	}
	wctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	s.stopWorker, s.workerDone = stop, make(chan error, 1)
	ready := make(chan struct{})
	go func() {
		s.workerDone <- workerapp.Run(wctx, cfg, workerapp.RunOptions{LogOutput: wlog, OnReady: func(string) { close(ready) }})
	}()
	select {
	case <-ready:
		return nil
	case err := <-s.workerDone:
		s.workerDone <- err
		return fmt.Errorf("the worker stopped during start-up: %v (see %s)", err, wlog.Name())
	case <-time.After(o.StartTimeout):
		return fmt.Errorf("the worker did not poll within %s (see %s)", o.StartTimeout, wlog.Name())
	case <-ctx.Done():
		return ctx.Err()
	}
}

// starter runs one starter command against this stack's dev server, as an operator would.
func (s *Stack) starter(ctx context.Context, args ...string) error {
	var out strings.Builder
	full := append([]string{"starter", "--address", s.opts.TemporalAddr, "--ui-url", fmt.Sprintf("http://127.0.0.1:%d", s.opts.UIPort),
		"--payload-keys-file", s.PayloadKeysFile}, args...)
	err := command.Run(ctx, full, command.Env{Stdout: &out, Stderr: &out})
	if err != nil {
		return fmt.Errorf("%w\n%s", err, out.String())
	}
	return nil
}

func (s *Stack) banner() {
	o := s.opts
	fmt.Fprintf(o.Out, `
  CartRover ↔ Connected Business Order Manager is running (sandbox).

  Temporal Web UI   http://127.0.0.1:%d  (Schedules: http://127.0.0.1:%d/namespaces/default/schedules)
  CartRover sandbox %s  (API user %s, key %s)
  CB sandbox        %s  (user code %s, password %s)
  Worker metrics    http://%s/metrics
  State and logs    %s  (make run again resumes; make clean forgets)
  Codec server      %s  (payloads are encrypted; the Web UI decodes through it)

  Next steps, in another terminal:
    export PAYLOAD_ENCRYPTION_KEYS_FILE=%s   the starter needs the payload keys
    ./bin/starter status                          last runs of every schedule and their figures
    ./bin/starter orders list --outcome held      orders waiting for a human, with the reason
    fix the mapping in %s, then
    ./bin/starter schedule apply --id sandbox-orders --settings %[13]s --tasks orders,shipments --every 1m
                                                  the next run imports the fixed orders

  Press Ctrl-C to stop everything.
`, o.UIPort, o.UIPort, s.Sandbox.CartRoverURL, sandboxAPIUser, sandboxAPIKey, s.Sandbox.CBURL, sandboxCBUser, sandboxCBPassword,
		o.MetricsAddr, o.StateDir, s.CodecURL, s.PayloadKeysFile, filepath.Join(o.StateDir, "settings.yaml"))
}

// Close stops the worker, then the simulators (saving their state), then the dev server.
func (s *Stack) Close() error {
	var errs []error
	if s.stopWorker != nil {
		s.stopWorker()
		if err := <-s.workerDone; err != nil {
			errs = append(errs, fmt.Errorf("worker: %w", err))
		}
	}
	if s.stopSims != nil {
		s.stopSims()
		<-s.simsDone
	}
	if s.stopCodec != nil {
		s.stopCodec()
		if err := <-s.codecDone; err != nil {
			errs = append(errs, fmt.Errorf("codec server: %w", err))
		}
	}
	if s.dev != nil {
		if err := s.dev.stop(15 * time.Second); err != nil {
			errs = append(errs, fmt.Errorf("temporal dev server: %w", err))
		}
	}
	for _, f := range s.logs {
		f.Close()
	}
	return errors.Join(errs...)
}

// Run is `make run`: Start, wait for ctx (Ctrl-C), Close.
func Run(ctx context.Context, o Options) error {
	s, err := Start(ctx, o)
	if err != nil {
		return err
	}
	<-ctx.Done()
	fmt.Fprintln(o.Out, "\nmake run: stopping the worker, the simulators and the Temporal dev server...")
	if err := s.Close(); err != nil {
		return err
	}
	fmt.Fprintln(o.Out, "make run: stopped; run `make run` again to resume")
	return nil
}

func (s *Stack) openLog(name string) (*os.File, error) {
	f, err := openLog(s.opts, name)
	if err != nil {
		return nil, err
	}
	s.logs = append(s.logs, f)
	return f, nil
}

func newFileLogger(f *os.File) *slog.Logger { return slog.New(slog.NewJSONHandler(f, nil)) }
