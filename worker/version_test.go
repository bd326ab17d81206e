package main_test

import (
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// TestBinariesShowTheStampedVersion builds the worker and the starter as make build and the image
// do (-ldflags -X …/internal/version.Version=…) and asks each for --version.
func TestBinariesShowTheStampedVersion(t *testing.T) {
	dir := t.TempDir()
	const v = "v0.0.0-stamp-test"
	for _, pkg := range []string{".", "../starter"} {
		name := "worker"
		if pkg != "." {
			name = "starter"
		}
		bin := filepath.Join(dir, name)
		build := exec.Command("go", "build", "-ldflags", "-X github.com/cartrover-cb/ordermanager/internal/version.Version="+v, "-o", bin, pkg)
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", name, err, out)
		}
		out, err := exec.Command(bin, "--version").CombinedOutput()
		if err != nil {
			t.Fatalf("%s --version: %v\n%s", name, err, out)
		}
		if got := string(out); !strings.HasPrefix(got, name+" version "+v+" (go") {
			t.Errorf("%s --version printed %q, want %q followed by the Go release", name, got, name+" version "+v)
		}
	}
}

// TestHealthAsksReadyz: `worker health` (the compose healthcheck) exits 0 only when /readyz at
// METRICS_ADDR answers 200, reaching a wildcard listen address through loopback.
func TestHealthAsksReadyz(t *testing.T) {
	var ready atomic.Bool
	ready.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" || !ready.Load() {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	_, port, _ := strings.Cut(strings.TrimPrefix(srv.URL, "http://"), ":")
	bin := workerBinary(t)
	health := func() error {
		cmd := exec.Command(bin, "health")
		cmd.Env = []string{"METRICS_ADDR=0.0.0.0:" + port}
		return cmd.Run()
	}
	if err := health(); err != nil {
		t.Fatalf("worker health with a ready worker: %v", err)
	}
	ready.Store(false)
	if err := health(); err == nil {
		t.Fatal("worker health exited 0 while /readyz answered 503")
	}
}
