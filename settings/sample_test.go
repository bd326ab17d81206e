package settings_test

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/cartrover-cb/ordermanager/settings"
)

// yamlKeys lists every key a settings file can hold (the yaml tags of Settings, recursively).
func yamlKeys(t reflect.Type, seen map[reflect.Type]bool) []string {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || seen[t] {
		return nil
	}
	seen[t] = true
	var keys []string
	for i := range t.NumField() {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if tag == "" || tag == "-" {
			continue
		}
		keys = append(keys, tag)
		keys = append(keys, yamlKeys(t.Field(i).Type, seen)...)
	}
	return keys
}

// TestTheSampleSettingsNameEveryKeyWithAComment: the sample is the reference operators start
// from, so every key a settings file can hold appears in it (set or commented out) with a comment.
func TestTheSampleSettingsNameEveryKeyWithAComment(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "deploy", "settings.sandbox.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, k := range yamlKeys(reflect.TypeFor[settings.Settings](), map[reflect.Type]bool{}) {
		if !regexp.MustCompile(`(^|[\s{#,])`+regexp.QuoteMeta(k)+`:`).MatchString(doc) && !strings.Contains(doc, k+",") && !strings.Contains(doc, k+" ") {
			t.Errorf("the sample settings never mention the key %q", k)
		}
	}
	if _, err := settings.Load(filepath.Join("..", "deploy", "settings.sandbox.yaml")); err != nil {
		t.Fatalf("the sample does not load: %v", err)
	}
	// Every set (uncommented) top-level key has a comment line right above it or above its section.
	lines := strings.Split(doc, "\n")
	for i, l := range lines {
		if l == "" || strings.HasPrefix(l, "#") || strings.HasPrefix(l, " ") {
			continue
		}
		if i == 0 || !strings.HasPrefix(strings.TrimSpace(lines[i-1]), "#") {
			t.Errorf("line %d %q has no comment above it", i+1, l)
		}
	}
}
