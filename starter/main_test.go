package main

import (
	"bufio"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cartrover-cb/ordermanager/internal/temporaltest"
)

// buildStarter builds this binary once for the test.
func buildStarter(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "starter")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// TestSIGTERMStopsEveryCommand: a serving command stops cleanly (0), and one stuck waiting on a
// server that never answers stops too (1, interrupted) instead of hanging.
func TestSIGTERMStopsEveryCommand(t *testing.T) {
	bin := buildStarter(t)

	// A long-running command: the sandbox serves until SIGTERM.
	cmd := exec.Command(bin, "sandbox", "--cartrover-addr", "127.0.0.1:0", "--cb-addr", "127.0.0.1:0")
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	for sc.Scan() && !strings.Contains(sc.Text(), "Ctrl-C stops") {
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	if code := exitCode(cmd.Wait()); code != 0 {
		t.Errorf("sandbox after SIGTERM: exit %d, want 0", code)
	}

	// A command stuck on a "Temporal" that accepts connections and never answers.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	dialled := make(chan struct{}, 1)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
			select {
			case dialled <- struct{}{}:
			default:
			}
		}
	}()
	cmd = exec.Command(bin, "--address", ln.Addr().String(), "status")
	// A keyring, so that the command gets as far as dialling the silent server.
	cmd.Env = append(os.Environ(), "PAYLOAD_ENCRYPTION_KEYS="+temporaltest.PayloadKeys())
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Stop it once it has dialled the silent server and waits for an answer.
	select {
	case <-dialled:
	case <-time.After(30 * time.Second):
		t.Fatal("status never dialled the silent server")
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	if code := exitCode(cmd.Wait()); code != 1 {
		t.Errorf("status against a silent server, after SIGTERM: exit %d, want 1: %s", code, stderr.String())
	}
	t.Logf("stuck status after SIGTERM: %s", strings.TrimSpace(stderr.String()))
}
