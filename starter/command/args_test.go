package command_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/cartrover-cb/ordermanager/starter/command"
)

func TestFlagsMayFollowTheArguments(t *testing.T) {
	app := command.App(&command.Env{})
	for _, tc := range []struct{ in, want string }{
		{"starter settings check FILE --against-cb", "starter settings check --against-cb -- FILE"},
		{"starter orders retry SH1001 --wait", "starter orders retry --wait -- SH1001"},
		{"starter schedule pause orders --note CB maintenance", "starter schedule pause --note CB -- orders maintenance"},
		{"starter schedule backfill orders --start A --end B", "starter schedule backfill --start A --end B -- orders"},
		{"starter schedule delete orders --yes", "starter schedule delete --yes -- orders"},
		{"starter -o json schedule describe orders --recent=2", "starter -o json schedule describe --recent=2 -- orders"},
		{"starter --address h:1 schedule list", "starter --address h:1 schedule list"},
		{"starter schedule unpause orders --note ok", "starter schedule unpause --note ok -- orders"},
		{"starter orders show -- -odd-ref", "starter orders show -- -odd-ref"},
		{"starter help schedule", "starter help schedule"},
		{"starter status --address h:1 -o json", "starter --address h:1 status -o json"},
		{"starter orders show SH1003 --namespace=ns", "starter --namespace=ns orders show -- SH1003"},
	} {
		got := strings.Join(command.ReorderArgs(app, strings.Fields(tc.in)), " ")
		if got != tc.want {
			t.Errorf("%s\n got %s\nwant %s", tc.in, got, tc.want)
		}
	}
}

func run(args ...string) (string, string, int) {
	var out, errb bytes.Buffer
	err := command.Run(context.Background(), append([]string{"starter"}, args...), command.Env{Stdout: &out, Stderr: &errb})
	if err != nil {
		errb.WriteString(err.Error())
	}
	return out.String(), errb.String(), command.ExitCode(err)
}

func TestExitStatusesAreTheSameEverywhere(t *testing.T) {
	huge := filepath.Join(t.TempDir(), "huge.yaml")
	if f, err := os.Create(huge); err != nil || f.Truncate(50<<20) != nil || f.Close() != nil {
		t.Fatal("make a 50 MB file")
	}
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"settings", "check", "testdata/settings.yaml"}, 0},
		{[]string{"settings", "check", "testdata/settings-invalid.yaml"}, 2},
		{[]string{"run", "--settings", "testdata/settings-invalid.yaml", "--tasks", "orders"}, 2},
		{[]string{"schedule", "apply", "--id", "x", "--settings", "testdata/settings-invalid.yaml", "--tasks", "orders", "--every", "1h"}, 2},
		{[]string{"status", "extra"}, 2},
		{[]string{"schedule", "list", "--no-such-flag"}, 2},
		{[]string{"no-such-command"}, 2},
		{[]string{"--address", "not-a-host-port", "status"}, 2},
		{[]string{"orders", "show"}, 2},
		{[]string{"orders", "show", "a", "b"}, 2},
		{[]string{"settings", "check", huge}, 2},
		{[]string{"run", "--settings", huge, "--tasks", "orders"}, 2},
	} {
		_, msg, code := run(tc.args...)
		if code != tc.code {
			t.Errorf("starter %s: exit %d, want %d (%s)", strings.Join(tc.args, " "), code, tc.code, msg)
		}
	}
}

func TestHelpListsTheExitStatusesAndHidesNoUnsetSecret(t *testing.T) {
	t.Setenv("TEMPORAL_API_KEY", "")
	t.Setenv("TEMPORAL_TLS_KEY", "")
	for _, args := range [][]string{{"--help"}, {"schedule", "apply", "--help"}, {"orders", "retry", "--help"}} {
		out, _, code := run(args...)
		if code != 0 || !strings.Contains(out, "EXIT STATUS: 0 success; 1 the operation failed") {
			t.Errorf("starter %v: exit %d, no exit statuses:\n%s", args, code, out)
		}
		if strings.Contains(out, "not shown") {
			t.Errorf("starter %v mentions a secret that is not set:\n%s", args, out)
		}
	}
	t.Setenv("TEMPORAL_API_KEY", "k-do-not-print")
	out, _, _ := run("--help")
	if strings.Contains(out, "k-do-not-print") || !strings.Contains(out, "set, not shown") {
		t.Errorf("help with TEMPORAL_API_KEY set:\n%s", out)
	}
}

func TestManualRunIDsNeverCollide(t *testing.T) {
	var ids []string
	for range 200 {
		ids = append(ids, command.NewRunID("ordermanager:manual:"))
	}
	slices.Sort(ids)
	if n := len(slices.Compact(ids)); n != 200 {
		t.Fatalf("%d distinct IDs of 200 started at once: %v", n, ids[:3])
	}
	if !strings.HasPrefix(ids[0], "ordermanager:manual:20") {
		t.Errorf("ID not readable: %s", ids[0])
	}
}

// TestEveryCommandHasHelpWithTheExitStatuses walks the command tree: each --help works (exit 0)
// and lists the exit statuses.
func TestEveryCommandHasHelpWithTheExitStatuses(t *testing.T) {
	var walk func(path []string, cmds []*cli.Command)
	n := 0
	walk = func(path []string, cmds []*cli.Command) {
		for _, c := range cmds {
			p := append(slices.Clone(path), c.Name)
			out, msg, code := run(append(p, "--help")...)
			n++
			if code != 0 || !strings.Contains(out, "EXIT STATUS") {
				t.Errorf("starter %s --help: exit %d, exit statuses listed: %v %s", strings.Join(p, " "), code, strings.Contains(out, "EXIT STATUS"), msg)
			}
			walk(p, c.Subcommands)
		}
	}
	walk(nil, command.App(&command.Env{}).Commands)
	if n < 15 {
		t.Fatalf("walked only %d commands", n)
	}
}
