package main_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cartrover-cb/ordermanager/internal/temporaltest"
)

func TestMain(m *testing.M) { temporaltest.Main(m) }

const (
	cartroverKey = "cr-key-SECRET-worker-test"
	cbPassword   = "cb-pass-SECRET-worker-test"
)

// workerBinary builds this package's main (the build cache makes the second build a link).
func workerBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "worker")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build the worker: %v\n%s", err, out)
	}
	return bin
}

func baseEnv() []string {
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	return append(env,
		"CARTROVER_BASE_URL=http://127.0.0.1:9/cartrover",
		"CARTROVER_API_USER=merchant",
		"CARTROVER_API_KEY="+cartroverKey,
		"CB_BASE_URL=http://127.0.0.1:9/cb",
		"CB_USER_CODE=ADMIN",
		"CB_PASSWORD="+cbPassword,
		"METRICS_ADDR=127.0.0.1:0",
		"PAYLOAD_ENCRYPTION_KEYS="+temporaltest.PayloadKeys(),
	)
}

func without(env []string, name string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}

func TestWorkerWithoutTheCartRoverKeyExits2NamingIt(t *testing.T) {
	bin := workerBinary(t)
	cmd := exec.Command(bin)
	cmd.Env = append(without(baseEnv(), "CARTROVER_API_KEY"), "CB_USER_CODE=")
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 {
		t.Fatalf("worker exited with %v, want status 2; output:\n%s", err, stderr.String())
	}
	out := stderr.String()
	for _, name := range []string{"CARTROVER_API_KEY", "CB_USER_CODE"} {
		if !strings.Contains(out, name) {
			t.Errorf("output does not name %s:\n%s", name, out)
		}
	}
	if strings.Contains(out, cbPassword) {
		t.Errorf("output leaks the CB password:\n%s", out)
	}
}

func TestWorkerBecomesReadyServesMetricsAndStopsCleanlyOnSIGTERM(t *testing.T) {
	bin := workerBinary(t)
	env := temporaltest.NewClientEnv(t)
	cmd := exec.Command(bin)
	cmd.Env = append(baseEnv(), "TEMPORAL_ADDRESS="+env.Server.HostPort, "TASK_QUEUE="+env.TaskQueue, "WORKER_STOP_TIMEOUT=5s")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	// Read the JSON logs: the "worker polling" line carries the metrics address.
	var logs bytes.Buffer
	addrCh := make(chan string, 1)
	logsDone := make(chan struct{})
	go func() {
		defer close(logsDone)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logs.Write(append(sc.Bytes(), '\n'))
			var line struct {
				Msg         string `json:"msg"`
				MetricsAddr string `json:"metrics_addr"`
			}
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "worker polling" {
				addrCh <- line.MetricsAddr
			}
		}
	}()
	var addr string
	select {
	case addr = <-addrCh:
	case <-time.After(2 * time.Minute):
		t.Fatal("the worker never reported polling")
	}

	code, body := httpGet(t, "http://"+addr+"/readyz")
	if code != http.StatusOK {
		t.Errorf("/readyz = %d %q, want 200", code, body)
	}
	code, body = httpGet(t, "http://"+addr+"/metrics")
	if code != http.StatusOK || !strings.Contains(body, "temporal_") {
		t.Errorf("/metrics = %d without Temporal SDK metrics:\n%.2000s", code, body)
	}
	if !strings.Contains(body, `task_queue="`+env.TaskQueue+`"`) {
		t.Errorf("/metrics has no series for the worker's task queue %s", env.TaskQueue)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-logsDone
	if err := cmd.Wait(); err != nil {
		t.Errorf("worker after SIGTERM: %v, want exit 0; logs:\n%s", err, logs.String())
	}
	for _, secret := range []string{cartroverKey, cbPassword, temporaltest.PayloadKeys()[strings.Index(temporaltest.PayloadKeys(), "=")+1:]} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("logs leak a secret:\n%s", logs.String())
		}
	}
	if !strings.Contains(logs.String(), "worker stopped") {
		t.Errorf("logs do not record the graceful stop:\n%s", logs.String())
	}
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
