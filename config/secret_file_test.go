package config_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sethvargo/go-envconfig"

	"github.com/cartrover-cb/ordermanager/config"
)

// TestEverySecretAlsoComesFromAFile loads each Secret of the worker's configuration from
// <NAME>_FILE instead of <NAME> (as Docker and Kubernetes mount secrets).
func TestEverySecretAlsoComesFromAFile(t *testing.T) {
	dir := t.TempDir()
	names := secretNames(reflect.TypeFor[config.Worker]())
	if len(names) < 5 {
		t.Fatalf("found only the secrets %v in config.Worker", names)
	}
	env := fullEnv()
	want := map[string]string{}
	for _, name := range names {
		value := env[name]
		if value == "" {
			value = "from-file-" + strings.ToLower(name)
		}
		if name == "TEMPORAL_TLS_KEY" {
			continue // needs a matching certificate; covered by the mTLS tests
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(value+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		delete(env, name)
		env[name+"_FILE"] = path
		want[name] = value
	}
	cfg, err := config.LoadWorkerFrom(context.Background(), envconfig.MapLookuper(env))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	collectSecrets(reflect.ValueOf(cfg), got)
	for name, v := range want {
		if got[name] != v {
			t.Errorf("%s from %s_FILE = %q, want %q (file content without its trailing newline)", name, name, got[name], v)
		}
	}
}

func TestSecretFileProblemsAreNamed(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "pw")
	if err := os.WriteFile(path, []byte(cbPassword), 0o600); err != nil {
		t.Fatal(err)
	}
	env := fullEnv()
	env["CB_PASSWORD_FILE"] = path // CB_PASSWORD is set too
	env["CARTROVER_API_KEY_FILE"] = filepath.Join(dir, "missing")
	delete(env, "CARTROVER_API_KEY")
	_, err := config.LoadWorkerFrom(context.Background(), envconfig.MapLookuper(env))
	if err == nil {
		t.Fatal("LoadWorkerFrom accepted both CB_PASSWORD and CB_PASSWORD_FILE and an unreadable CARTROVER_API_KEY_FILE")
	}
	for _, want := range []string{"CB_PASSWORD and CB_PASSWORD_FILE are both set", "CARTROVER_API_KEY_FILE: cannot read " + filepath.Join(dir, "missing")} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), cbPassword) {
		t.Errorf("error leaks the password: %v", err)
	}

	s, err := config.LookupSecret(envconfig.MapLookuper(map[string]string{"TEMPORAL_API_KEY_FILE": path}), "TEMPORAL_API_KEY")
	if err != nil || s.Reveal() != cbPassword {
		t.Errorf("LookupSecret from a file = %v, %v", s, err)
	}
}

func secretNames(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Type.Kind() == reflect.Struct && f.Tag.Get("env") == "" {
			out = append(out, secretNames(f.Type)...)
			continue
		}
		if f.Type == reflect.TypeFor[config.Secret]() {
			name, _, _ := strings.Cut(f.Tag.Get("env"), ",")
			out = append(out, name)
		}
	}
	return out
}

func collectSecrets(v reflect.Value, into map[string]string) {
	for i := range v.NumField() {
		f := v.Type().Field(i)
		if f.Type.Kind() == reflect.Struct && f.Tag.Get("env") == "" {
			collectSecrets(v.Field(i), into)
			continue
		}
		if f.Type == reflect.TypeFor[config.Secret]() {
			name, _, _ := strings.Cut(f.Tag.Get("env"), ",")
			into[name] = v.Field(i).Interface().(config.Secret).Reveal()
		}
	}
}
