package settings_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cartrover-cb/ordermanager/settings"
)

func TestYAMLErrorsNameTheLineAndTheKeyInTheSettingsOwnWords(t *testing.T) {
	doc := "warehose: MAIN\n" +
		"download_limit: lots\n" +
		"customers:\n" +
		"  matchx: email\n" +
		"shipping:\n" +
		"  rules:\n" +
		"    - {ship_code: x, to: {group: A, codes: B}}\n"
	_, err := settings.Parse([]byte(doc))
	if err == nil {
		t.Fatal("accepted a document with misspelt keys")
	}
	msg := err.Error()
	for _, want := range []string{
		`line 1: unknown key "warehose" at the top level`,
		`line 2: download_limit must be a whole number, got the text "lots"`,
		`line 4: unknown key "matchx" under customers`,
		`line 7: unknown key "codes" under shipping.rules[0].to`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	for _, goWord := range []string{"settings.Settings", "settings.Customers", "type ", "unmarshal", "!!str"} {
		if strings.Contains(msg, goWord) {
			t.Errorf("error speaks Go (%q):\n%s", goWord, msg)
		}
	}
}

func TestBrokenYAMLSaysSoWithItsLine(t *testing.T) {
	_, err := settings.Parse([]byte("warehouse: MAIN\nshipping: [\n"))
	if err == nil || !strings.Contains(err.Error(), "not valid YAML") || !strings.Contains(err.Error(), "line") {
		t.Fatalf("want a YAML syntax error with its line, got %v", err)
	}
}

func TestCodesWithControlCharactersAreInvalid(t *testing.T) {
	doc := "warehouse: \"MA\\0IN\"\n" +
		"payment_term: \"NET\\t30\"\n" +
		"shipping: {rules: [{ship_code: \"std\\n\", to: {group: DEFAULT, code: \"UPS\\x01\"}}]}\n" +
		"skus: {\"TEE\\r\": TEE}\n"
	_, err := settings.Parse([]byte(doc))
	var ve *settings.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want *ValidationError, got %v", err)
	}
	got := map[string]bool{}
	for _, p := range ve.Problems {
		if strings.Contains(p.Problem, "control character") {
			got[p.Key] = true
		}
	}
	for _, k := range []string{"warehouse", "payment_term", "shipping.rules[0].ship_code", "shipping.rules[0].to.code", "skus.TEE\r"} {
		if !got[k] {
			t.Errorf("no control-character problem for %q: %v", k, ve.Problems)
		}
	}
}

func TestASettingsFileOverFiveMegabytesIsRefusedBeforeItIsRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "huge.yaml")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	// A sparse file: 50 MB long, nothing written, so refusing it must not depend on reading it.
	if err := f.Truncate(50 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	_, err = settings.Load(path)
	if err == nil || !strings.Contains(err.Error(), "at most 5242880 bytes") {
		t.Fatalf("want the file refused for its size, got %v", err)
	}
	ok := filepath.Join(t.TempDir(), "ok.yaml")
	if err := os.WriteFile(ok, []byte("warehouse: MAIN\n"+strings.Repeat("# padding comment\n", 1000)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := settings.Load(ok); err != nil {
		t.Fatalf("a small file was refused: %v", err)
	}
}
