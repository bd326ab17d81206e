// Package temporaltest runs end-to-end tests against a real Temporal dev server: one server per
// test package (started on first use with testsuite.StartDevServer from <repo>/bin/temporal, the
// product's search attributes registered, dynamic config tuned for fast tests), a unique task
// queue per test, and the product's real worker wiring (workerapp) run in-process against the
// Activities a test supplies — typically clients pointed at the httptest simulators.
//
// Use it from TestMain:
//
//	func TestMain(m *testing.M) { temporaltest.Main(m) }
//
// Without ./bin/temporal the tests that need it skip with a message, unless CI is set: then they fail.
package temporaltest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/cartrover-cb/ordermanager/activities"
	"github.com/cartrover-cb/ordermanager/codec"
	"github.com/cartrover-cb/ordermanager/config"
	"github.com/cartrover-cb/ordermanager/worker/workerapp"
	"github.com/cartrover-cb/ordermanager/workflows"
)

// DynamicConfig is the dev server's dynamic configuration for tests. The dev server reads its
// queues at most 20 times a second by default, which makes every sequential workflow step cost
// ~0.1 s; one partition per task queue keeps dispatch exact with few pollers.
var DynamicConfig = []string{
	"history.transferProcessorMaxPollRPS=1000",
	"history.timerProcessorMaxPollRPS=1000",
	"history.visibilityProcessorMaxPollRPS=1000",
	"matching.numTaskqueueReadPartitions=1",
	"matching.numTaskqueueWritePartitions=1",
}

// DevServer is the package's shared Temporal dev server.
type DevServer struct {
	// HostPort is the frontend address.
	HostPort string
	// Namespace is the namespace the tests use.
	Namespace string

	srv *testsuite.DevServer
	out *syncBuffer
}

var (
	mu         sync.Mutex
	mainCalled bool
	shared     *DevServer
	sharedErr  error
)

// Main runs the package's tests and then stops the shared dev server, if one was started. Call
// it from TestMain; a server cannot outlive the test binary.
//
// Main also puts the test binary's payload keyring in PAYLOAD_ENCRYPTION_KEYS (unless already
// set), so the starter and worker code the tests run in-process encrypt as in production.
func Main(m *testing.M) {
	mu.Lock()
	mainCalled = true
	mu.Unlock()
	if os.Getenv("PAYLOAD_ENCRYPTION_KEYS") == "" && os.Getenv("PAYLOAD_ENCRYPTION_KEYS_FILE") == "" {
		if err := os.Setenv("PAYLOAD_ENCRYPTION_KEYS", PayloadKeys()); err != nil {
			fmt.Fprintf(os.Stderr, "temporaltest: %v\n", err)
			os.Exit(2)
		}
	}
	code := m.Run()
	mu.Lock()
	if shared != nil {
		if err := shared.srv.Stop(); err != nil && !isInterruptExit(err) {
			fmt.Fprintf(os.Stderr, "temporaltest: stopping the dev server: %v\n", err)
		}
		shared = nil
	}
	mu.Unlock()
	os.Exit(code)
}

// isInterruptExit reports whether err is the dev server exiting because we interrupted it.
func isInterruptExit(err error) bool {
	return strings.Contains(err.Error(), "signal: interrupt") || strings.Contains(err.Error(), "exit status")
}

// Server returns the package's dev server, starting it on first use. It skips t when
// ./bin/temporal is missing and CI is unset, and fails t when the server cannot start.
func Server(t testing.TB) *DevServer {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if !mainCalled {
		t.Fatal("temporaltest: add `func TestMain(m *testing.M) { temporaltest.Main(m) }` to this package so the dev server is stopped after the tests")
	}
	if shared == nil && sharedErr == nil {
		shared, sharedErr = start()
	}
	if errors.Is(sharedErr, errNoCLI) {
		if os.Getenv("CI") == "" {
			t.Skipf("%v (this test needs a real Temporal dev server; under CI=true it fails instead)", sharedErr)
		}
		t.Fatalf("%v (CI is set, so this is a failure: `make test` builds the CLI first)", sharedErr)
	}
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return shared
}

var errNoCLI = errors.New("temporaltest: the Temporal CLI is missing: run `make temporal` to build ./bin/temporal")

// CLIPath returns <module root>/bin/temporal, the pinned Temporal CLI the Makefile builds.
func CLIPath() (string, error) {
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, "bin", "temporal"), nil
}

// ModuleRoot returns the directory of go.mod above the working directory (a test's package dir).
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("temporaltest: no go.mod above the working directory")
		}
		dir = parent
	}
}

func start() (*DevServer, error) {
	path, err := CLIPath()
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("%w (not at %s)", errNoCLI, path)
	}
	var sa []temporal.SearchAttributeUpdate
	for _, name := range workflows.SearchAttributes {
		sa = append(sa, temporal.NewSearchAttributeKeyKeyword(name).ValueSet(""))
	}
	args := []string{"--headless"}
	for _, kv := range DynamicConfig {
		args = append(args, "--dynamic-config-value", kv)
	}
	out := &syncBuffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath:     path,
		ClientOptions:    &client.Options{Namespace: "default", Logger: quietLogger()},
		LogLevel:         "error",
		SearchAttributes: temporal.NewSearchAttributes(sa...),
		ExtraArgs:        args,
		Stdout:           out,
		Stderr:           out,
	})
	if err != nil {
		return nil, fmt.Errorf("temporaltest: start the dev server %s: %w\n%s", path, err, out.String())
	}
	srv.Client().Close() // tests get their own clients
	if _, port, err := net.SplitHostPort(srv.FrontendHostPort()); err == nil {
		watchServer(port)
	}
	return &DevServer{HostPort: srv.FrontendHostPort(), Namespace: "default", srv: srv, out: out}, nil
}

// quietLogger keeps the SDK's per-poll INFO lines out of test output.
func quietLogger() tlog.Logger {
	return tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
}

// ClientOptions returns options that reach the dev server (quiet logger, no telemetry) with the
// product's payload codec, as the worker and the starter use it.
func (s *DevServer) ClientOptions() client.Options {
	return Codec().ClientOptions(client.Options{HostPort: s.HostPort, Namespace: s.Namespace, Logger: quietLogger()})
}

var (
	keysOnce  sync.Once
	keyring   string
	testCodec *codec.Codec
)

// PayloadKeys is the payload keyring of this test binary (one random key, made on first use).
func PayloadKeys() string {
	keysOnce.Do(func() {
		line, err := codec.NewKeyLine("test-" + fmt.Sprint(os.Getpid()))
		if err != nil {
			panic(err)
		}
		ring, err := codec.ParseKeyring(line)
		if err != nil {
			panic(err)
		}
		if testCodec, err = codec.New(ring, codec.Options{}); err != nil {
			panic(err)
		}
		keyring = line
	})
	return keyring
}

// Codec is the payload codec of PayloadKeys.
func Codec() *codec.Codec {
	PayloadKeys()
	return testCodec
}

// Client returns a new client of the dev server, closed when t ends.
func (s *DevServer) Client(t testing.TB) client.Client {
	t.Helper()
	c, err := client.Dial(s.ClientOptions())
	if err != nil {
		t.Fatalf("temporaltest: dial the dev server at %s: %v", s.HostPort, err)
	}
	t.Cleanup(c.Close)
	return c
}

// Env is one test's view of the dev server: a client, a unique task queue and, when started
// with NewEnv, the product's workers polling it.
type Env struct {
	// Server is the shared dev server.
	Server *DevServer
	// Client reaches the dev server; closed when the test ends.
	Client client.Client
	// TaskQueue is unique to the test.
	TaskQueue string
	// Workers are the in-process workers (nil from NewClientEnv).
	Workers *workerapp.Workers
}

// WorkerOptions adjusts the in-process workers.
type WorkerOptions struct {
	// Tuning sizes pollers and slots (zero values: the worker's defaults; StopTimeout 5 s).
	Tuning config.Tuning
}

// NewClientEnv returns a client and a unique task queue, without workers (for tests that run
// a worker process of their own).
func NewClientEnv(t testing.TB) *Env {
	t.Helper()
	s := Server(t)
	return &Env{Server: s, Client: s.Client(t), TaskQueue: TaskQueue(t)}
}

// NewEnv starts the product's real workers (workerapp.NewWorkers) in-process on a unique task
// queue against acts, and stops them when t ends.
func NewEnv(t testing.TB, acts *activities.Activities, opts WorkerOptions) *Env {
	t.Helper()
	env := NewClientEnv(t)
	if opts.Tuning.StopTimeout == 0 {
		opts.Tuning.StopTimeout = 5 * time.Second
	}
	ws, err := workerapp.NewWorkers(env.Client, acts, workerapp.Options{
		TaskQueue:    env.TaskQueue,
		Tuning:       opts.Tuning,
		OnFatalError: func(err error) { t.Errorf("temporaltest: worker stopped: %v", err) },
	})
	if err != nil {
		t.Fatalf("temporaltest: %v", err)
	}
	if err := ws.Start(); err != nil {
		t.Fatalf("temporaltest: %v", err)
	}
	t.Cleanup(ws.Stop)
	env.Workers = ws
	return env
}

var (
	queueMu  sync.Mutex
	queueSeq int
)

// TaskQueue returns a task queue name unique to t within this server's life.
func TaskQueue(t testing.TB) string {
	queueMu.Lock()
	queueSeq++
	n := queueSeq
	queueMu.Unlock()
	name := strings.NewReplacer("/", "-", " ", "_").Replace(t.Name())
	if len(name) > 80 {
		name = name[:80]
	}
	return fmt.Sprintf("test-%s-%d-%d", name, os.Getpid(), n)
}

// syncBuffer collects the dev server's output (shown if it fails to start), capped at 64 KiB.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len() < 64<<10 {
		b.buf.Write(p)
	}
	return len(p), nil
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var _ io.Writer = (*syncBuffer)(nil)
