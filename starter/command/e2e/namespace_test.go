package e2e_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cartrover-cb/ordermanager/internal/temporaltest"
	"github.com/cartrover-cb/ordermanager/starter/command"
	"github.com/cartrover-cb/ordermanager/workflows"
)

// TestSetupRegistersAMissingNamespace: on a server that lacks the namespace (a fresh self-hosted
// cluster), `starter setup` registers it and then its search attributes; a second run changes
// nothing.
func TestSetupRegistersAMissingNamespace(t *testing.T) {
	env := temporaltest.NewClientEnv(t)
	hostPort, tq := env.Server.HostPort, env.TaskQueue
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ns := fmt.Sprintf("setup-test-%d", time.Now().UnixNano())
	run := func() (stdout, stderr string) {
		var out, errb bytes.Buffer
		err := command.Run(ctx, []string{"starter", "--address", hostPort, "--task-queue", tq, "--namespace", ns, "setup", "--retention", "24h"},
			command.Env{Stdout: &out, Stderr: &errb})
		if err != nil {
			t.Fatalf("starter setup --namespace %s: %v\n%s%s", ns, err, out.String(), errb.String())
		}
		return out.String(), errb.String()
	}
	out, msg := run()
	if !strings.Contains(msg, "registered namespace "+ns+" (retention 24h0m0s)") {
		t.Errorf("first setup did not say it registered the namespace: %q", msg)
	}
	if got := strings.Count(out, "registered search attribute"); got != len(workflows.SearchAttributes) {
		t.Errorf("first setup registered %d search attributes, want %d:\n%s", got, len(workflows.SearchAttributes), out)
	}
	out, msg = run()
	if strings.Contains(msg, "registered namespace") || strings.Count(out, "already registered") != len(workflows.SearchAttributes) {
		t.Errorf("second setup was not a no-op:\n%s%s", out, msg)
	}
}
