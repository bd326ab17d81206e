package command_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/cartrover-cb/ordermanager/config"
	"github.com/cartrover-cb/ordermanager/connectedbusiness"
	"github.com/cartrover-cb/ordermanager/internal/cbsimtest"
	"github.com/cartrover-cb/ordermanager/sandbox/cbsim"
	"github.com/cartrover-cb/ordermanager/settings"
	"github.com/cartrover-cb/ordermanager/starter/command"
)

func TestCheckAgainstCBListsEveryMissingCode(t *testing.T) {
	s := settings.Settings{
		SourceCode: "Fax", Warehouse: "MAIN", PaymentTerm: "NET60", WebSiteCode: "WEB-000001",
		Customers: settings.Customers{BusinessType: "Retail", CustomerClassTemplate: "CCLS-000001", ShipToClassTemplate: "SHIPTO-XX"},
		Shipping: settings.Shipping{
			Rules:   []settings.ShipRule{{ShipCode: "std", To: settings.ShippingMethod{Group: "DEFAULT", Code: "UPS Ground"}}, {ShipCode: "air", To: settings.ShippingMethod{Group: "DEFAULT", Code: "Air"}}},
			Default: &settings.ShippingMethod{Group: "X", Code: "Y"},
		},
		Inventory: settings.Inventory{Warehouses: []string{"MAIN", "NORTH"}},
		Carts:     map[string]settings.Cart{"Amazon": {Warehouse: "EAST", WebSiteCode: "AMZ"}},
	}
	sim, cb := cbsimtest.Start(t, cbsim.Options{})
	probs, err := command.CheckAgainstCB(context.Background(), cb, s)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, p := range probs {
		got[p.Key] = true
		if !strings.Contains(p.Problem, "CB has no") {
			t.Errorf("%s: problem does not say what is missing: %s", p.Key, p.Problem)
		}
	}
	want := []string{"shipping.rules[1].to", "shipping.default", "inventory.warehouses[1]", "payment_term", "source_code",
		"customers.ship_to_class_template", "carts.Amazon.warehouse", "carts.Amazon.website_code"}
	for _, k := range want {
		if !got[k] {
			t.Errorf("missing problem for %s (got %v)", k, probs)
		}
	}
	if len(probs) != len(want) {
		t.Errorf("got %d problems, want %d: %v", len(probs), len(want), probs)
	}
	if n := sim.Calls("contacts/getcustomerclasstemplatebycountry") + sim.Calls("contacts/getshiptoclasstemplatebycountry"); n != 2 {
		t.Errorf("class templates listed %d times, want once per kind and business type", n)
	}
}

func runSettingsCheck(t *testing.T, env command.Env, args ...string) (string, int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	env.Stdout, env.Stderr = &out, &errb
	err := command.Run(context.Background(), append([]string{"starter", "settings", "check"}, args...), env)
	if err != nil {
		errb.WriteString(err.Error())
	}
	return out.String(), command.ExitCode(err), errb.String()
}

func TestSettingsCheck(t *testing.T) {
	out, code, _ := runSettingsCheck(t, command.Env{}, "testdata/settings.yaml")
	if code != 0 || !strings.Contains(out, "is valid (settings digest") {
		t.Errorf("valid file: exit %d %s", code, out)
	}
	out, code, _ = runSettingsCheck(t, command.Env{}, "-o", "json", "--settings", "testdata/settings-invalid.yaml")
	var rep command.SettingsReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("json: %v %s", err, out)
	}
	if code != 2 || rep.Valid || len(rep.Problems) < 2 {
		t.Errorf("invalid file: exit %d, report %+v (want every problem listed)", code, rep)
	}
	if _, code, msg := runSettingsCheck(t, command.Env{}, "testdata/settings-badkey.yaml"); code != 2 || !strings.Contains(msg, "wharehouse") {
		t.Errorf("unknown key: exit %d %s", code, msg)
	}
	if _, code, _ := runSettingsCheck(t, command.Env{}); code != 2 {
		t.Errorf("no file: exit %d, want 2", code)
	}
}

func TestSettingsCheckAgainstCB(t *testing.T) {
	t.Setenv("CB_BASE_URL", "http://127.0.0.1:1/")
	t.Setenv("CB_USER_CODE", "sandbox")
	t.Setenv("CB_PASSWORD", "do-not-print-me")
	var gotCfg config.CB
	sim, cb := cbsimtest.Start(t, cbsim.Options{})
	env := command.Env{NewCB: func(_ context.Context, cfg config.CB) (connectedbusiness.Service, error) {
		gotCfg = cfg
		return cb, nil
	}}
	// Without --yes, and with no Temporal to ask whether a worker runs as that user: refused
	// before signing in, with the warning and the way out.
	_, code, msg := runSettingsCheck(t, env, "--address", "127.0.0.1:1", "--against-cb", "testdata/settings.yaml")
	if code != 2 || gotCfg.UserCode != "" || !strings.Contains(msg, "takes over that user's CB session") || !strings.Contains(msg, "--yes") {
		t.Errorf("without --yes: exit %d, signed in as %q: %s", code, gotCfg.UserCode, msg)
	}
	out, code, msg := runSettingsCheck(t, env, "--against-cb", "testdata/settings.yaml", "--yes")
	if n := sim.Calls("system/signout"); n != 1 || sim.SignedIn(cbsim.DefaultUserCode) {
		t.Errorf("the check did not sign out of CB (%d sign-outs)", n)
	}
	if gotCfg.UserCode != "sandbox" || gotCfg.Password.Reveal() != "do-not-print-me" {
		t.Errorf("CB config not passed: %+v", gotCfg)
	}
	if strings.Contains(out+msg, "do-not-print-me") {
		t.Errorf("the CB password was printed")
	}
	// testdata/settings.yaml names only codes the CB simulator has.
	if code != 0 || !strings.Contains(out, "every CB code it names exists") {
		t.Errorf("exit %d: %s %s", code, out, msg)
	}
	t.Setenv("CB_USER_CODE", "")
	if _, code, msg := runSettingsCheck(t, env, "--against-cb", "--yes", "testdata/settings.yaml"); code != 2 || !strings.Contains(msg, "CB_USER_CODE") {
		t.Errorf("missing CB_USER_CODE: exit %d %s", code, msg)
	}
	// A separate check user: used without --yes and without asking Temporal.
	t.Setenv("CB_CHECK_USER_CODE", "checker")
	t.Setenv("CB_CHECK_PASSWORD", "also-secret")
	_, code, msg = runSettingsCheck(t, env, "--address", "127.0.0.1:1", "--against-cb", "testdata/settings.yaml")
	if code != 0 || gotCfg.UserCode != "checker" || gotCfg.BaseURL != "http://127.0.0.1:1/" || strings.Contains(msg, "also-secret") {
		t.Errorf("CB_CHECK user: exit %d, config %+v: %s", code, gotCfg, msg)
	}
	t.Setenv("CB_CHECK_PASSWORD", "")
	if _, code, msg := runSettingsCheck(t, env, "--against-cb", "testdata/settings.yaml"); code != 2 || !strings.Contains(msg, "CB_CHECK_PASSWORD") {
		t.Errorf("CB_CHECK_USER_CODE without a password: exit %d %s", code, msg)
	}
}
