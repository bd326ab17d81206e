package config_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/sethvargo/go-envconfig"

	"github.com/cartrover-cb/ordermanager/config"
)

const (
	cartroverKey = "cr-key-SECRET-1111"
	cbPassword   = "cb-pass-SECRET-2222"
	temporalKey  = "tmprl-SECRET-3333"
	// payloadKeys is a test keyring (32 bytes of base64 under the ID test).
	payloadKeys = "test=U0VDUkVULXBheWxvYWQta2V5LTAxMjM0NTY3ODlhYmM="
)

func fullEnv() map[string]string {
	return map[string]string{
		"CARTROVER_API_USER":      "merchant-user",
		"CARTROVER_API_KEY":       cartroverKey,
		"CB_BASE_URL":             "http://127.0.0.1:8081/cb",
		"CB_USER_CODE":            "ADMIN",
		"CB_PASSWORD":             cbPassword,
		"TEMPORAL_API_KEY":        temporalKey,
		"PAYLOAD_ENCRYPTION_KEYS": payloadKeys,
	}
}

func TestLoadWorkerAppliesDefaults(t *testing.T) {
	cfg, err := config.LoadWorkerFrom(context.Background(), envconfig.MapLookuper(fullEnv()))
	if err != nil {
		t.Fatalf("LoadWorkerFrom: %v", err)
	}
	checks := []struct{ name, got, want string }{
		{"TEMPORAL_ADDRESS", cfg.Temporal.Address, "127.0.0.1:7233"},
		{"TEMPORAL_NAMESPACE", cfg.Temporal.Namespace, "default"},
		{"CARTROVER_BASE_URL", cfg.CartRover.BaseURL, "https://api.cartrover.com"},
		{"METRICS_ADDR", cfg.Telemetry.MetricsAddr, "127.0.0.1:9464"},
		{"TASK_QUEUE", cfg.TaskQueue.Name, "order-manager"},
		{"CARTROVER_API_USER", cfg.CartRover.APIUser, "merchant-user"},
		{"CB_USER_CODE", cfg.CB.UserCode, "ADMIN"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if cfg.CartRoverRate.Burst != 100 || cfg.CartRoverRate.Refill != 600*time.Millisecond {
		t.Errorf("CARTROVER_RATE_BURST, CARTROVER_RATE_REFILL = %v, %v; want CartRover's 100 and 600ms", cfg.CartRoverRate.Burst, cfg.CartRoverRate.Refill)
	}
	if cfg.Telemetry.LogLevel != slog.LevelInfo {
		t.Errorf("LOG_LEVEL = %v, want info", cfg.Telemetry.LogLevel)
	}
	if cfg.CartRover.APIKey.Reveal() != cartroverKey || cfg.CB.Password.Reveal() != cbPassword {
		t.Error("secrets were not loaded verbatim")
	}
}

func TestLoadWorkerListsEveryMissingAndMalformedVariableInOneError(t *testing.T) {
	env := map[string]string{
		"CARTROVER_API_USER":      "merchant-user",
		"CB_USER_CODE":            "ADMIN",
		"CB_PASSWORD":             "", // set but empty counts as missing
		"CARTROVER_RATE_REFILL":   "fast",
		"METRICS_ADDR":            "nohostport",
		"LOG_LEVEL":               "loud",
		"PAYLOAD_ENCRYPTION_KEYS": payloadKeys,
	}
	_, err := config.LoadWorkerFrom(context.Background(), envconfig.MapLookuper(env))
	var cerr *config.Error
	if !errors.As(err, &cerr) {
		t.Fatalf("error = %v, want *config.Error", err)
	}
	msg := err.Error()
	for _, name := range []string{"CARTROVER_API_KEY", "CB_BASE_URL", "CB_PASSWORD", "CARTROVER_RATE_REFILL", "METRICS_ADDR", "LOG_LEVEL"} {
		if !strings.Contains(msg, name) {
			t.Errorf("error does not name %s:\n%s", name, msg)
		}
	}
	for _, fine := range []string{"CARTROVER_API_USER", "CB_USER_CODE", "TEMPORAL_ADDRESS"} {
		if strings.Contains(msg, fine+" ") {
			t.Errorf("error names %s, which is set correctly:\n%s", fine, msg)
		}
	}
	if len(cerr.Problems) != 6 {
		t.Errorf("got %d problems, want 6:\n%s", len(cerr.Problems), msg)
	}
}

func TestLoadReportsInconsistentTLSAndBadURLs(t *testing.T) {
	env := fullEnv()
	env["TEMPORAL_TLS_KEY"] = "-----BEGIN PRIVATE KEY----- " + temporalKey
	env["CB_BASE_URL"] = "http://admin:" + cbPassword + "@cb.example"
	env["CARTROVER_BASE_URL"] = "api.cartrover.com"
	_, err := config.LoadWorkerFrom(context.Background(), envconfig.MapLookuper(env))
	if err == nil {
		t.Fatal("LoadWorkerFrom accepted a key without a certificate and two bad URLs")
	}
	for _, name := range []string{"TEMPORAL_TLS_CERT", "CB_BASE_URL", "CARTROVER_BASE_URL"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error does not name %s: %v", name, err)
		}
	}
	if strings.Contains(err.Error(), cbPassword) || strings.Contains(err.Error(), temporalKey) {
		t.Errorf("error leaks a secret: %v", err)
	}
}

func TestSecretsNeverPrint(t *testing.T) {
	cfg, err := config.LoadWorkerFrom(context.Background(), envconfig.MapLookuper(fullEnv()))
	if err != nil {
		t.Fatal(err)
	}
	var outputs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
		outputs = append(outputs, fmt.Sprintf(verb, cfg), fmt.Sprintf(verb, &cfg), fmt.Sprintf(verb, cfg.CB.Password))
	}
	outputs = append(outputs, fmt.Sprint(cfg), fmt.Sprintln(cfg.CartRover), cfg.CartRover.APIKey.String())
	js, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	outputs = append(outputs, string(js))
	var logs bytes.Buffer
	for _, h := range []slog.Handler{slog.NewJSONHandler(&logs, nil), slog.NewTextHandler(&logs, nil)} {
		l := slog.New(h)
		l.Info("config", "cfg", cfg, "key", cfg.CartRover.APIKey, "cb", cfg.CB)
		l.Info("config", slog.Any("password", cfg.CB.Password), slog.Any("temporal", cfg.Temporal))
	}
	outputs = append(outputs, logs.String())
	for _, out := range outputs {
		for _, secret := range []string{cartroverKey, cbPassword, temporalKey, payloadKeys} {
			if strings.Contains(out, secret) || strings.Contains(out, fmt.Sprintf("%x", secret)) {
				t.Fatalf("output leaks a secret: %s", out)
			}
		}
	}
	if !strings.Contains(logs.String(), config.Redacted) {
		t.Errorf("logs do not show the redacted marker: %s", logs.String())
	}
}

func TestTemporalClientOptionsUseTheAPIKeyWithTLS(t *testing.T) {
	cfg, err := config.LoadWorkerFrom(context.Background(), envconfig.MapLookuper(fullEnv()))
	if err != nil {
		t.Fatal(err)
	}
	opts, err := cfg.Temporal.ClientOptions()
	if err != nil {
		t.Fatal(err)
	}
	if opts.HostPort != "127.0.0.1:7233" || opts.Namespace != "default" || opts.Credentials == nil {
		t.Errorf("options = %+v, want default address, namespace and API key credentials", opts)
	}
	if opts.ConnectionOptions.TLS == nil {
		t.Error("an API key must switch TLS on")
	}

	env := fullEnv()
	delete(env, "TEMPORAL_API_KEY")
	env["TEMPORAL_TLS_CA"] = "/nonexistent/ca.pem"
	cfg, err = config.LoadWorkerFrom(context.Background(), envconfig.MapLookuper(env))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.Temporal.ClientOptions(); err == nil || !strings.Contains(err.Error(), "TEMPORAL_TLS_CA") {
		t.Errorf("ClientOptions with an unreadable CA: error = %v, want one naming TEMPORAL_TLS_CA", err)
	}
}

func TestLoadOnlyTheConcernsAskedFor(t *testing.T) {
	// The starter loads only the Temporal connection and task queue: no CartRover or CB secrets needed.
	var tc config.Temporal
	var tq config.TaskQueue
	err := config.LoadFrom(context.Background(), envconfig.MapLookuper(map[string]string{"TASK_QUEUE": "q1"}), &tc, &tq)
	if err != nil {
		t.Fatalf("LoadFrom: %v", err)
	}
	if tq.Name != "q1" || tc.Address != "127.0.0.1:7233" {
		t.Errorf("got %+v %+v", tc, tq)
	}
}
