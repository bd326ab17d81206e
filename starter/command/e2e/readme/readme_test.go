// Package readme_test runs every `starter` command line README.md shows, extracted from the
// README itself so the two cannot drift, against a real dev server, the product's workers and the
// simulators seeded as `make run` seeds them. It has a package (and so a dev server) of its own:
// the sandbox's cust_refs are sequence numbers, which other end-to-end tests draw too.
package readme_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/urfave/cli/v2"
	"go.yaml.in/yaml/v3"

	"github.com/cartrover-cb/ordermanager/activities"
	"github.com/cartrover-cb/ordermanager/config"
	"github.com/cartrover-cb/ordermanager/internal/temporaltest"
	"github.com/cartrover-cb/ordermanager/sandbox"
	"github.com/cartrover-cb/ordermanager/sandbox/cartroversim"
	"github.com/cartrover-cb/ordermanager/sandbox/cbsim"
	"github.com/cartrover-cb/ordermanager/starter/command"
	"github.com/cartrover-cb/ordermanager/starter/devstack"
	"github.com/cartrover-cb/ordermanager/worker/workerapp"
)

func TestMain(m *testing.M) { temporaltest.Main(m) }

// Command lines the README shows and the help examples must name only these example references,
// which the sandbox seed holds (checked below).
const (
	importedRef = "SH1003" // a Shopify order the seed imports
	heldRef     = "WC5004" // a WooCommerce order the seed holds for its unmapped ship code
)

var (
	codeSpanRE  = regexp.MustCompile("`([^`]+)`")
	fenceRE     = regexp.MustCompile("(?ms)^```[^\n]*\n(.*?)^```")
	placeholder = regexp.MustCompile(`^[A-Z][A-Z_]+$|[<>…]`)
)

// readmeCommands returns every code span (and fenced line) of the README that is a starter
// command line, in document order, whitespace collapsed and table escapes undone.
func readmeCommands(t *testing.T, doc string) []string {
	t.Helper()
	var out []string
	add := func(s string) {
		s = strings.Join(strings.Fields(strings.ReplaceAll(s, `\|`, "|")), " ")
		if strings.HasPrefix(s, "./bin/starter ") || strings.HasPrefix(s, "starter ") {
			out = append(out, s)
		}
	}
	// Fenced blocks: each line is a command line; then the rest, where code spans may wrap lines.
	for _, m := range fenceRE.FindAllStringSubmatch(doc, -1) {
		for _, l := range strings.Split(m[1], "\n") {
			add(l)
		}
	}
	for _, m := range codeSpanRE.FindAllStringSubmatch(fenceRE.ReplaceAllString(doc, ""), -1) {
		add(m[1])
	}
	return out
}

// shellWords splits a command line as a shell would (double and single quotes; no expansion).
func shellWords(s string) []string {
	var words []string
	var cur strings.Builder
	in, quote := false, rune(0)
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '"' || r == '\'':
			quote, in = r, true
		case r == '#' && !in:
			// A shell comment ends the command line.
			return words
		case r == ' ':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words
}

// variants expands the optional parts of a synopsis: `a [b] [c | d]` runs as `a`, `a b`, `a c`
// and `a d` (each option on its own, so every form the README promises is run once).
func variants(words []string) [][]string {
	var base []string
	var opts [][][]string // each optional group: its alternatives
	for i := 0; i < len(words); i++ {
		if !strings.HasPrefix(words[i], "[") {
			base = append(base, words[i])
			continue
		}
		var group [][]string
		alt := []string{}
		for ; i < len(words); i++ {
			w := words[i]
			end := strings.HasSuffix(w, "]")
			w = strings.TrimSuffix(strings.TrimPrefix(w, "["), "]")
			if w == "|" {
				group, alt = append(group, alt), []string{}
			} else if w != "" {
				alt = append(alt, w)
			}
			if end {
				break
			}
		}
		opts = append(opts, append(group, alt))
	}
	out := [][]string{base}
	for _, g := range opts {
		for _, alt := range g {
			out = append(out, append(slices.Clone(base), alt...))
		}
	}
	return out
}

func TestEveryCommandLineOfTheREADMEWorks(t *testing.T) {
	root, err := temporaltest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	lines := readmeCommands(t, doc)
	if len(lines) < 20 {
		t.Fatalf("found only %d starter command lines in README.md: %q", len(lines), lines)
	}
	for _, l := range lines {
		for _, w := range shellWords(l) {
			if placeholder.MatchString(strings.Trim(w, "[]")) {
				t.Errorf("README command line %q has the placeholder %q: write a real example (the sandbox seed's %s or %s)", l, w, importedRef, heldRef)
			}
		}
	}

	// Every --help example is one of the README's lines (or of their optional forms), so running
	// those runs them all.
	var forms []string
	for _, l := range lines {
		for _, v := range variants(shellWords(strings.TrimPrefix(l, "./bin/"))) {
			forms = append(forms, strings.Join(v, " "))
		}
	}
	for _, ex := range helpExamples(command.App(&command.Env{}).Commands, nil) {
		if !slices.Contains(forms, strings.Join(shellWords(ex), " ")) {
			t.Errorf("help example %q is not a README command line (so no test runs it): add it to the README", ex)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()

	// The sandbox as `make run` starts it (no new orders arrive during the test).
	d := devstack.DefaultOptions()
	sb, err := sandbox.Start(ctx, sandbox.Options{
		CartRoverAddr: "127.0.0.1:0", CBAddr: "127.0.0.1:0",
		SeedOrders: d.SeedOrders, HeldShare: sandbox.DefaultHeldShare, ShipDelay: d.ShipDelay, PartialEvery: 4,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(sb.Seeded, importedRef) || sb.CartRover.HeldReason(importedRef) != "" {
		t.Fatalf("the README's example order %s is not an importable order of the sandbox seed", importedRef)
	}
	if sb.CartRover.HeldReason(heldRef) != cartroversim.HeldUnmappedShip {
		t.Fatalf("the README's held example %s is not held for its ship code in the sandbox seed (%q)", heldRef, sb.CartRover.HeldReason(heldRef))
	}
	_, env := sandboxWorker(t, sb)
	t.Setenv("CB_BASE_URL", sb.CBURL)
	t.Setenv("CB_USER_CODE", cbsim.DefaultUserCode)
	t.Setenv("CB_PASSWORD", cbsim.DefaultPassword)

	starter := func(ctx context.Context, stdout *syncWriter, args ...string) (int, string) {
		var errb bytes.Buffer
		all := append([]string{"starter", "--address", env.Server.HostPort, "--namespace", env.Server.Namespace, "--task-queue", env.TaskQueue}, args...)
		var stderr io.Writer = &errb
		if stdout.onWrite != nil {
			// A server may say it is ready on either stream.
			stderr = io.MultiWriter(&errb, stdout)
		}
		err := command.Run(ctx, all, command.Env{Stdout: stdout, Stderr: stderr, PollInterval: 200 * time.Millisecond})
		if err != nil {
			errb.WriteString(err.Error())
		}
		return command.ExitCode(err), errb.String()
	}
	must := func(args ...string) string {
		t.Helper()
		var out syncWriter
		if code, msg := starter(ctx, &out, args...); code != 0 {
			t.Fatalf("starter %s: exit %d: %s", strings.Join(args, " "), code, msg)
		}
		return out.String()
	}

	// What `make run` does before its banner: the default schedules, approved, and one orders run.
	deploySettings := filepath.Join(root, "deploy", "settings.sandbox.yaml")
	must("setup")
	for _, sc := range devstack.DefaultSchedules {
		must("schedule", "apply", "--id", sc.ID, "--settings", deploySettings, "--tasks", sc.Tasks, "--every", sc.Every, "--catchup-window", "1m", "--note", sc.Note)
		must("schedule", "approve", sc.ID)
	}
	t.Cleanup(func() {
		for _, id := range []string{"orders", "sandbox-orders", "sandbox-inventory", "sandbox-products"} {
			_, _ = starter(context.Background(), &syncWriter{}, "schedule", "delete", id, "--yes")
		}
	})
	must("schedule", "trigger", "sandbox-orders")
	for {
		var sv command.ScheduleView
		if err := json.Unmarshal([]byte(must("-o", "json", "schedule", "describe", "sandbox-orders")), &sv); err != nil {
			t.Fatal(err)
		}
		if len(sv.RecentRuns) > 0 && sv.RecentRuns[0].Status != "Running" {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the first sandbox-orders run did not finish: %+v", sv)
		case <-time.After(300 * time.Millisecond):
		}
	}

	// .run/ as make run leaves it, with the walkthrough's fix (the rule the README shows) applied.
	runDir := filepath.Join(t.TempDir(), ".run")
	workingSettings := filepath.Join(runDir, "settings.yaml")
	if err := os.MkdirAll(runDir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFixedSettings(t, doc, deploySettings, workingSettings)

	subst := map[string]string{
		"deploy/settings.sandbox.yaml": deploySettings,
		".run/settings.yaml":           workingSettings,
		// The Production section's own settings file: the walkthrough's fixed copy stands in.
		"settings.yaml": workingSettings,
		".run/sandbox":  filepath.Join(runDir, "sandbox"),
	}
	// The commands that serve until Ctrl-C: what each says once it serves, and the flags that move
	// it to free ports (the last of a repeated flag wins). The codec server takes its bearer tokens
	// from the environment, as the README's line does from a file.
	servers := map[string]struct {
		says      string
		freePorts []string
	}{
		"sandbox":      {says: "Ctrl-C stops", freePorts: []string{"--cartrover-addr", "127.0.0.1:0", "--cb-addr", "127.0.0.1:0"}},
		"codec-server": {says: "codec server on", freePorts: []string{"--listen", "127.0.0.1:0"}},
	}
	t.Setenv("CODEC_SERVER_TOKENS", "readme-test-token-0123456789abcdef")
	ran := 0
	for _, line := range lines {
		words := shellWords(line)[1:] // drop ./bin/starter
		for _, args := range variants(words) {
			for i, a := range args {
				if s, ok := subst[a]; ok {
					args[i] = s
				}
			}
			var out syncWriter
			var code int
			var msg string
			if ready, ok := servers[args[0]]; ok {
				// It serves until Ctrl-C: on free ports, stopped once it says it is ready.
				sctx, stop := context.WithCancel(ctx)
				out.onWrite = func(s string) {
					if strings.Contains(s, ready.says) {
						stop()
					}
				}
				code, msg = starter(sctx, &out, append(args, ready.freePorts...)...)
				stop()
				if !strings.Contains(out.String(), ready.says) {
					t.Errorf("starter %s did not say it was serving: %s %s", strings.Join(args, " "), out.String(), msg)
				}
			} else {
				code, msg = starter(ctx, &out, args...)
			}
			ran++
			if code != 0 {
				t.Errorf("README: %s\n  ran as starter %s: exit %d\n  %s\n  %s", line, strings.Join(args, " "), code, out.String(), msg)
				continue
			}
			t.Logf("$ %s\n%s", line, out.String())
		}
	}
	t.Logf("ran %d command lines (%d README spans)", ran, len(lines))

	// The walkthrough's promise: after the fix and the retry, the held order is a CB sales order.
	var o command.OrderView
	if err := json.Unmarshal([]byte(must("-o", "json", "orders", "show", heldRef)), &o); err != nil {
		t.Fatal(err)
	}
	if o.SalesOrder == "" {
		t.Errorf("after the walkthrough's fix and retry, %s has no CB sales order: %+v", heldRef, o)
	}
}

// writeFixedSettings copies the sample settings to dst with the walkthrough's rule (the README
// code span that starts "- {ship_code: local_pickup") added under carts.WooCommerce.shipping.rules.
func writeFixedSettings(t *testing.T, doc, src, dst string) {
	t.Helper()
	var rule string
	for _, m := range codeSpanRE.FindAllStringSubmatch(fenceRE.ReplaceAllString(doc, ""), -1) {
		if strings.HasPrefix(m[1], "- {ship_code: local_pickup") {
			rule = strings.TrimPrefix(m[1], "- ")
		}
	}
	if rule == "" {
		t.Fatal("the README's walkthrough no longer shows the local_pickup rule")
	}
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		t.Fatal(err)
	}
	rules := lookup(&root, "carts", "WooCommerce", "shipping", "rules")
	if rules == nil {
		t.Fatalf("%s has no carts.WooCommerce.shipping.rules", src)
	}
	var r yaml.Node
	if err := yaml.Unmarshal([]byte(rule), &r); err != nil {
		t.Fatalf("the README's rule %q is not YAML: %v", rule, err)
	}
	rules.Content = append(rules.Content, r.Content[0])
	out, err := yaml.Marshal(&root)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

func lookup(n *yaml.Node, path ...string) *yaml.Node {
	if n.Kind == yaml.DocumentNode {
		n = n.Content[0]
	}
	for _, key := range path {
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				next = n.Content[i+1]
			}
		}
		if next == nil {
			return nil
		}
		n = next
	}
	return n
}

// helpExamples collects the example lines ("starter …" after EXAMPLES:) of every command's help.
func helpExamples(cmds []*cli.Command, _ []string) []string {
	var out []string
	for _, c := range cmds {
		in := false
		for _, l := range strings.Split(c.Description, "\n") {
			l = strings.TrimSpace(l)
			switch {
			case strings.HasPrefix(l, "EXAMPLES:"):
				in = true
			case in && strings.HasPrefix(l, "starter "):
				out = append(out, l)
			case in && l == "":
				in = false
			}
		}
		out = append(out, helpExamples(c.Subcommands, nil)...)
	}
	return out
}

// syncWriter is a goroutine-safe buffer that can watch what is written.
type syncWriter struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	onWrite func(string)
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.buf.Write(p)
	s := w.buf.String()
	f := w.onWrite
	w.mu.Unlock()
	if f != nil {
		f(s)
	}
	return len(p), nil
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// sandboxWorker starts a worker of the test's dev server whose clients talk to sb's simulators
// with their default credentials, as `make run`'s worker does.
func sandboxWorker(t *testing.T, sb *sandbox.Sandbox) (*activities.Activities, *temporaltest.Env) {
	t.Helper()
	acts, err := workerapp.NewActivities(
		config.CartRover{BaseURL: sb.CartRoverURL, APIUser: cartroversim.DefaultAPIUser, APIKey: cartroversim.DefaultAPIKey}, config.CartRoverRate{},
		config.CB{BaseURL: sb.CBURL, UserCode: cbsim.DefaultUserCode, Password: cbsim.DefaultPassword})
	if err != nil {
		t.Fatal(err)
	}
	return acts, temporaltest.NewEnv(t, acts, temporaltest.WorkerOptions{})
}
