package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/cartrover-cb/ordermanager/cartrover"
	cb "github.com/cartrover-cb/ordermanager/connectedbusiness"
	"github.com/cartrover-cb/ordermanager/internal/temporaltest"
	"github.com/cartrover-cb/ordermanager/sandbox/cartroversim"
	"github.com/cartrover-cb/ordermanager/sandbox/cbsim"
	"github.com/cartrover-cb/ordermanager/workflows"
)

// devServer is one Temporal dev server (./bin/temporal) started for the bench.
type devServer struct {
	srv      *testsuite.DevServer
	hostPort string
	client   client.Client
}

func quiet() tlog.Logger {
	return tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
}

// startDevServer starts the pinned dev server with the test harness's dynamic config and the
// product's search attributes; dbFile "" keeps it in memory.
func startDevServer(ctx context.Context, root, dbFile string) (*devServer, error) {
	var sa []temporal.SearchAttributeUpdate
	for _, name := range workflows.SearchAttributes {
		sa = append(sa, temporal.NewSearchAttributeKeyKeyword(name).ValueSet(""))
	}
	args := []string{"--headless"}
	for _, kv := range temporaltest.DynamicConfig {
		args = append(args, "--dynamic-config-value", kv)
	}
	sctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	// Payloads are encrypted as in production: the bench's client and its workers share a keyring.
	opts := temporaltest.Codec().ClientOptions(client.Options{Namespace: "default", Logger: quiet()})
	srv, err := testsuite.StartDevServer(sctx, testsuite.DevServerOptions{
		ExistingPath:     filepath.Join(root, "bin", "temporal"),
		ClientOptions:    &opts,
		LogLevel:         "error",
		DBFilename:       dbFile,
		SearchAttributes: temporal.NewSearchAttributes(sa...),
		ExtraArgs:        args,
		Stdout:           io.Discard,
		Stderr:           io.Discard,
	})
	if err != nil {
		return nil, fmt.Errorf("start the dev server (run `make temporal` first): %w", err)
	}
	return &devServer{srv: srv, hostPort: srv.FrontendHostPort(), client: srv.Client()}, nil
}

func (d *devServer) stop() {
	d.client.Close()
	_ = d.srv.Stop()
}

// sims are the two simulators of one scenario, on loopback ports.
type sims struct {
	cr     *cartroversim.Server
	crURL  string
	cb     *cbsim.Server
	cbURL  string
	cancel context.CancelFunc
}

// simOptions shape a scenario's simulators.
type simOptions struct {
	limit   bool          // CartRover's real bucket (100, one per 0.6 s); false = no limit
	latency time.Duration // on every CartRover merchant call and every CB call
	seed    uint64
}

func startSims(ctx context.Context, o simOptions) (*sims, error) {
	ctx, cancel := context.WithCancel(ctx)
	log := slog.New(slog.DiscardHandler)
	cr := cartroversim.New(cartroversim.Options{NoRateLimit: !o.limit, Seed: o.seed, Logger: log,
		Faults: cartroversim.Faults{Latency: o.latency}})
	crAddr, err := cr.Serve(ctx, "127.0.0.1:0")
	if err != nil {
		cancel()
		return nil, err
	}
	cbs := cbsim.New(cbsim.Options{Logger: log})
	cbs.SetFaults(cbsim.Faults{Latency: o.latency})
	cbAddr, err := cbs.Serve(ctx, "127.0.0.1:0")
	if err != nil {
		cancel()
		return nil, err
	}
	return &sims{cr: cr, crURL: "http://" + crAddr, cb: cbs, cbURL: "http://" + cbAddr + "/webservice/", cancel: cancel}, nil
}

func (s *sims) stop() { s.cancel(); _ = s.cb.Close() }

// crClient is a CartRover client of the scenario's simulator (paced like the product's).
func (s *sims) crClient() (*cartrover.Client, error) {
	return cartrover.New(cartrover.Config{BaseURL: s.crURL, APIUser: cartroversim.DefaultAPIUser,
		APIKey: cartroversim.DefaultAPIKey, Logger: slog.New(slog.DiscardHandler)})
}

// cbClient is a CB client of the scenario's simulator.
func (s *sims) cbClient() (*cb.WebService, error) {
	return cb.NewWebService(cb.Config{BaseURL: s.cbURL, UserCode: cbsim.DefaultUserCode, Password: cbsim.DefaultPassword,
		Logger: slog.New(slog.DiscardHandler)})
}

// cbCalls is the total of the CB simulator's call counters.
func (s *sims) cbCalls() int64 {
	var n int64
	for _, v := range s.cb.Stats() {
		n += v
	}
	return n
}

// workerProc is one worker replica: the product's worker binary in its own process.
type workerProc struct {
	cmd  *exec.Cmd
	done chan error
}

// startWorkers starts n worker processes of the built binary on the task queue. Without the
// limit the workers are told CartRover's bucket is practically endless (the pacer never spends
// more than the bucket it is configured with).
func startWorkers(bin string, d *devServer, s *sims, so simOptions, taskQueue string, n int) ([]*workerProc, error) {
	var out []*workerProc
	for i := range n {
		cmd := exec.Command(bin)
		cmd.Env = os.Environ()
		if !so.limit {
			cmd.Env = append(cmd.Env, "CARTROVER_RATE_BURST=1000000", "CARTROVER_RATE_REFILL=1us")
		}
		cmd.Env = append(cmd.Env,
			"TEMPORAL_ADDRESS="+d.hostPort, "TEMPORAL_NAMESPACE=default", "TASK_QUEUE="+taskQueue,
			"CARTROVER_BASE_URL="+s.crURL, "CARTROVER_API_USER="+cartroversim.DefaultAPIUser, "CARTROVER_API_KEY="+cartroversim.DefaultAPIKey,
			"CB_BASE_URL="+s.cbURL, "CB_USER_CODE="+cbsim.DefaultUserCode, "CB_PASSWORD="+cbsim.DefaultPassword,
			"PAYLOAD_ENCRYPTION_KEYS="+temporaltest.PayloadKeys(),
			"METRICS_ADDR=127.0.0.1:0", "LOG_LEVEL=error", "OTEL_SDK_DISABLED=true", "OTEL_SERVICE_NAME=bench-worker-"+strconv.Itoa(i))
		stderr, err := cmd.StderrPipe()
		if err != nil {
			return out, err
		}
		if err := cmd.Start(); err != nil {
			return out, fmt.Errorf("start worker %s: %w", bin, err)
		}
		w := &workerProc{cmd: cmd, done: make(chan error, 1)}
		go func() {
			sc := bufio.NewScanner(stderr)
			for sc.Scan() {
				if line := sc.Text(); strings.Contains(line, "level=ERROR") || strings.HasPrefix(line, "worker:") {
					fmt.Fprintln(os.Stderr, "  worker:", line)
				}
			}
		}()
		go func() { w.done <- cmd.Wait() }()
		out = append(out, w)
	}
	return out, waitPollers(d.client, taskQueue, n)
}

// waitPollers waits until n workers poll the task queue's workflow tasks.
func waitPollers(c client.Client, taskQueue string, n int) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for {
		resp, err := c.DescribeTaskQueue(ctx, taskQueue, enumspb.TASK_QUEUE_TYPE_WORKFLOW)
		if err == nil {
			ids := map[string]bool{}
			for _, p := range resp.GetPollers() {
				ids[p.GetIdentity()] = true
			}
			if len(ids) >= n {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the %d workers did not poll %s within a minute", n, taskQueue)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// peakRSS is a worker's peak resident memory (VmHWM) in MB, 0 when unknown.
func (w *workerProc) peakRSS() float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", w.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// cpuSeconds is a worker's user+system CPU time so far, 0 when unknown.
func (w *workerProc) cpuSeconds() float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", w.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndex(s, ")")+2:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100 // USER_HZ
}

func stopWorkers(ws []*workerProc) {
	var wg sync.WaitGroup
	for _, w := range ws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = w.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-w.done:
			case <-time.After(40 * time.Second):
				_ = w.cmd.Process.Kill()
				<-w.done
			}
		}()
	}
	wg.Wait()
}

// historyEvents sums the history length of every workflow execution on the task queue.
func historyEvents(ctx context.Context, c client.Client, taskQueue string) (events, executions int64, err error) {
	var token []byte
	for {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: "default", PageSize: 1000, NextPageToken: token,
			Query: fmt.Sprintf("TaskQueue = %q", taskQueue),
		})
		if err != nil {
			return 0, 0, err
		}
		for _, e := range resp.GetExecutions() {
			n := e.GetHistoryLength()
			if e.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
				// Visibility records a history length only when an execution closes; Order
				// workflows stay open at at_wms until their order ships.
				d, err := c.DescribeWorkflowExecution(ctx, e.GetExecution().GetWorkflowId(), e.GetExecution().GetRunId())
				if err != nil {
					return 0, 0, err
				}
				n = d.GetWorkflowExecutionInfo().GetHistoryLength()
			}
			events += n
			executions++
		}
		token = resp.GetNextPageToken()
		if len(token) == 0 {
			return events, executions, nil
		}
	}
}

// serverCPU is the dev server process's CPU seconds so far (0 when it cannot be found).
func serverCPU(hostPort string) float64 {
	_, port, _ := strings.Cut(hostPort, ":")
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err != nil || !strings.Contains(string(cmdline), "server\x00start-dev") || !strings.Contains(string(cmdline), port) {
			continue
		}
		w := &workerProc{cmd: &exec.Cmd{Process: &os.Process{Pid: pid}}}
		return w.cpuSeconds()
	}
	return 0
}

var errTimeout = errors.New("timed out")
