package clustertest

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// proc is a child process in a process group of its own, so that it and whatever it starts can be
// stopped by its PID alone.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	err  error
}

// startProc starts bin with args and env (added to a minimal environment), in dir, logging to
// <logDir>/<name>.log. The test's cleanup stops it (SIGTERM, then SIGKILL) if it is still running.
func startProc(t *testing.T, logDir, name, dir string, env []string, bin string, args ...string) *proc {
	t.Helper()
	logPath := filepath.Join(logDir, name+".log")
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, env...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		f.Close()
		t.Fatalf("start %s (%s): %v", name, bin, err)
	}
	p := &proc{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() { p.err = cmd.Wait(); f.Close(); close(p.done) }()
	t.Cleanup(func() { p.stop(10 * time.Second) })
	onTestExit(fmt.Sprintf("kill -KILL -%d", cmd.Process.Pid))
	return p
}

// onTestExit runs the shell command cleanup once this test process has gone, however it went
// (a panic or `go test -timeout` skips the test's cleanups): a small shell loop watches this
// process's PID. Cleanups aimed at what the test already stopped find nothing to do.
func onTestExit(cleanup string) {
	script := fmt.Sprintf("while kill -0 %d 2>/dev/null; do sleep 1; done; %s", os.Getpid(), cleanup)
	cmd := exec.Command("/bin/sh", "-c", script)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // not in the test's process group
	if cmd.Start() == nil {
		go func() { _ = cmd.Wait() }()
	}
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// kill sends SIGKILL to the process group and waits for the process.
func (p *proc) kill() {
	if p.exited() {
		return
	}
	_ = syscall.Kill(-p.pid(), syscall.SIGKILL)
	<-p.done
}

// stop sends SIGTERM to the process group, then SIGKILL after grace.
func (p *proc) stop(grace time.Duration) {
	if p.exited() {
		return
	}
	_ = syscall.Kill(-p.pid(), syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		p.kill()
	}
}

// tail returns the last n bytes of the process's log, for failure messages.
func (p *proc) tail(n int) string {
	b, err := os.ReadFile(p.log)
	if err != nil {
		return err.Error()
	}
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// run runs a command to completion and fails the test with its output if it fails.
func run(t *testing.T, env []string, bin string, args ...string) string {
	t.Helper()
	out, err := runErr(env, bin, args...)
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", filepath.Base(bin), args, err, out)
	}
	return out
}

func runErr(env []string, bin string, args ...string) (string, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// freePort returns a loopback TCP port nobody listens on, in [lo, hi]. Temporal's membership ports
// must be at most 32767 (a SMALLINT column in the PostgreSQL schema), below the kernel's
// ephemeral range, so they cannot come from listening on port 0.
func freePort(t *testing.T, lo, hi int, taken map[int]bool) int {
	t.Helper()
	for range 200 {
		p := lo + rand.IntN(hi-lo+1)
		if taken[p] {
			continue
		}
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			continue
		}
		ln.Close()
		taken[p] = true
		return p
	}
	t.Fatalf("no free port in %d-%d", lo, hi)
	return 0
}

// waitFor polls ok every interval until it returns nil or timeout passes.
func waitFor(timeout, interval time.Duration, what string, ok func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := ok()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: not within %s: %w", what, timeout, err)
		}
		time.Sleep(interval)
	}
}
