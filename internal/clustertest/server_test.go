package clustertest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"

	"github.com/cartrover-cb/ordermanager/internal/temporaltest"
)

// backend is a running Temporal service the scenario uses.
type backend struct {
	name     string // "postgres" or "dev"
	hostPort string
	pg       *postgres // nil on the dev server
	server   *proc
}

// startPostgresBackend starts PostgreSQL, sets up Temporal's schemas with temporal-sql-tool and
// starts the Temporal server with the project's configuration (deploy/temporal/ordermanager.yaml),
// all four services in one process.
func startPostgresBackend(t *testing.T, root, logDir string) *backend {
	t.Helper()
	taken := map[int]bool{}
	pg := startPostgres(t, freePort(t, 20000, 32767, taken))
	pg.setupSchemas(t, root)
	ports := map[string]int{}
	for _, name := range []string{"FRONTEND_GRPC_PORT", "FRONTEND_HTTP_PORT", "HISTORY_GRPC_PORT", "MATCHING_GRPC_PORT", "WORKER_GRPC_PORT",
		"FRONTEND_MEMBERSHIP_PORT", "HISTORY_MEMBERSHIP_PORT", "MATCHING_MEMBERSHIP_PORT", "WORKER_MEMBERSHIP_PORT"} {
		ports[name] = freePort(t, 20000, 32767, taken)
	}
	env := []string{
		"POSTGRES_SEEDS=127.0.0.1", "DB_PORT=" + strconv.Itoa(pg.port), "POSTGRES_USER=postgres", "POSTGRES_PWD=" + pg.password,
		"BIND_ON_IP=127.0.0.1", "LOG_LEVEL=warn",
	}
	for k, v := range ports {
		env = append(env, k+"="+strconv.Itoa(v))
	}
	// Run from the repository root: the config's default dynamic config path is relative to it.
	srv := startProc(t, logDir, "temporal-server", root, env, filepath.Join(root, "bin", "temporal-server"),
		"--root", root, "--config", "deploy/temporal", "--env", "ordermanager", "--allow-no-auth", "start")
	b := &backend{name: "postgres", hostPort: "127.0.0.1:" + strconv.Itoa(ports["FRONTEND_GRPC_PORT"]), pg: pg, server: srv}
	b.waitHealthy(t, 3*time.Minute)
	return b
}

// startDevBackend starts the pinned CLI's dev server (in-memory SQLite) with the same dynamic
// configuration as deploy/temporal/dynamicconfig.yaml, for the side-by-side comparison.
func startDevBackend(t *testing.T, root, logDir string) *backend {
	t.Helper()
	taken := map[int]bool{}
	port := freePort(t, 20000, 32767, taken)
	args := []string{"server", "start-dev", "--headless", "--ip", "127.0.0.1", "--port", strconv.Itoa(port),
		"--http-port", strconv.Itoa(freePort(t, 20000, 32767, taken)), "--metrics-port", strconv.Itoa(freePort(t, 20000, 32767, taken)),
		"--log-level", "warn"}
	for _, kv := range []string{
		"history.transferProcessorMaxPollRPS=1000", "history.timerProcessorMaxPollRPS=1000", "history.visibilityProcessorMaxPollRPS=1000",
		"matching.numTaskqueueReadPartitions=1", "matching.numTaskqueueWritePartitions=1",
	} {
		args = append(args, "--dynamic-config-value", kv)
	}
	srv := startProc(t, logDir, "temporal-dev", root, nil, filepath.Join(root, "bin", "temporal"), args...)
	b := &backend{name: "dev", hostPort: "127.0.0.1:" + strconv.Itoa(port), server: srv}
	b.waitHealthy(t, 2*time.Minute)
	return b
}

func (b *backend) waitHealthy(t *testing.T, timeout time.Duration) {
	t.Helper()
	err := waitFor(timeout, 500*time.Millisecond, "Temporal "+b.name+" answers health checks", func() error {
		if b.server.exited() {
			return fmt.Errorf("the server exited: %v", b.server.err)
		}
		c, err := b.dial("")
		if err != nil {
			return err
		}
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err = c.CheckHealth(ctx, &client.CheckHealthRequest{})
		return err
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, b.server.tail(4000))
	}
}

func (b *backend) dial(namespace string) (client.Client, error) {
	return client.Dial(temporaltest.Codec().ClientOptions(client.Options{
		HostPort: b.hostPort, Namespace: namespace,
		Logger: tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
	}))
}
