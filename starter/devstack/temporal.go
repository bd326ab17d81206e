package devstack

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/cartrover-cb/ordermanager/workflows"
)

// devServer is the Temporal CLI dev server child process.
type devServer struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// startDevServer starts `temporal server start-dev` with a file-backed database and the Web UI, in a
// process group of its own so that stopping it stops everything it started, and waits until it answers.
func startDevServer(ctx context.Context, o Options, logFile *os.File, uiCodecEndpoint string) (*devServer, error) {
	host, port, err := splitHostPort(o.TemporalAddr)
	if err != nil {
		return nil, err
	}
	args := []string{
		"server", "start-dev",
		"--ip", host, "--port", port,
		"--ui-port", fmt.Sprint(o.UIPort),
		// The UI decodes the encrypted payloads through the codec server.
		"--ui-codec-endpoint", uiCodecEndpoint,
		"--namespace", "default",
		"--db-filename", filepath.Join(o.StateDir, "temporal.db"),
		"--log-level", "warn",
		// The dev server reads task queues at most 20 times a second by default; this makes
		// sequential workflow steps about 5x faster (docs/architecture.md, "Dev server tuning").
		"--dynamic-config-value", "history.transferProcessorMaxPollRPS=1000",
		"--dynamic-config-value", "frontend.enableServerVersionCheck=false",
	}
	for _, sa := range workflows.SearchAttributes {
		args = append(args, "--search-attribute", sa+"=Keyword")
	}
	cmd := exec.Command(o.TemporalBin, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the Temporal dev server (%s): %w", o.TemporalBin, err)
	}
	ds := &devServer{cmd: cmd, done: make(chan struct{})}
	go func() { ds.err = cmd.Wait(); close(ds.done) }()

	deadline := time.Now().Add(o.StartTimeout)
	for {
		c, err := client.Dial(client.Options{HostPort: o.TemporalAddr, Logger: sdklog.NewStructuredLogger(discardLogger())})
		if err == nil {
			_, herr := c.CheckHealth(ctx, &client.CheckHealthRequest{})
			c.Close()
			if herr == nil {
				return ds, nil
			}
			err = herr
		}
		select {
		case <-ds.done:
			return nil, fmt.Errorf("the Temporal dev server exited during start-up (%v); see %s", ds.err, logFile.Name())
		case <-ctx.Done():
			ds.stop(5 * time.Second)
			return nil, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			ds.stop(5 * time.Second)
			return nil, fmt.Errorf("the Temporal dev server did not answer on %s within %s: %w (see %s)", o.TemporalAddr, o.StartTimeout, err, logFile.Name())
		}
	}
}

// pid is the dev server's process ID (its process group ID too).
func (d *devServer) pid() int { return d.cmd.Process.Pid }

// stop sends SIGTERM to the dev server's process group, then SIGKILL after the grace period.
func (d *devServer) stop(grace time.Duration) error {
	pgid := d.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(grace):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-d.done
	}
	var exit *exec.ExitError
	if d.err != nil && !errors.As(d.err, &exit) {
		return d.err
	}
	return nil
}
