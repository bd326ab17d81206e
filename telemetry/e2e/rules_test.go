package e2e_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cartrover-cb/ordermanager/internal/temporaltest"
)

// TestAlertRulesAreValidAndEachFiresInPromtoolsRuleTests runs `promtool check rules` on
// alerts.yaml and `promtool test rules` on alerts_test.yaml, which shows every alert firing on
// the series that should trigger it (and a held order raising no failure alert).
func TestAlertRulesAreValidAndEachFiresInPromtoolsRuleTests(t *testing.T) {
	root, err := temporaltest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	promtool := filepath.Join(root, ".tools", "promtool")
	if _, err := os.Stat(promtool); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing (CI is set, so this is a failure: `make test` builds it with `make promtool`)", promtool)
		}
		t.Skipf("%s is missing: run `make promtool` (this test then validates the alert rules)", promtool)
	}
	dir := filepath.Join(root, "deploy", "monitoring")
	for _, args := range [][]string{{"check", "rules", "alerts.yaml"}, {"test", "rules", "alerts_test.yaml"}} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
			continue
		}
		t.Logf("promtool %s:\n%s", strings.Join(args, " "), out)
	}
	// Every alert of alerts.yaml has a rule test.
	rules, _ := os.ReadFile(filepath.Join(dir, "alerts.yaml"))
	tests, _ := os.ReadFile(filepath.Join(dir, "alerts_test.yaml"))
	for _, l := range strings.Split(string(rules), "\n") {
		if name, ok := strings.CutPrefix(strings.TrimSpace(l), "- alert: "); ok && !strings.Contains(string(tests), "alertname: "+name+"\n") {
			t.Errorf("alert %s has no promtool rule test in alerts_test.yaml", name)
		}
	}
}
