package telemetry_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/cartrover-cb/ordermanager/config"
	"github.com/cartrover-cb/ordermanager/telemetry"
)

const metricsToken = "metrics-token-SECRET-0123"

func getWithToken(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestMetricsTokenIsRequiredWhenSet(t *testing.T) {
	tel, err := telemetry.New(context.Background(), config.Telemetry{
		MetricsAddr: "127.0.0.1:0", OTLPProtocol: "http/protobuf", MetricsToken: metricsToken,
	}, telemetry.Options{ServiceName: "telemetry-test", LogOutput: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tel.Shutdown(context.Background()) })
	base := "http://" + tel.Addr()
	tel.SetReadiness(func(context.Context) error { return errors.New("temporal not reachable at 10.0.0.7:7233") })

	for _, tc := range []struct {
		path, token string
		status      int
		has, hasNot string
	}{
		{"/metrics", "", http.StatusUnauthorized, "METRICS_TOKEN", "go_goroutines"},
		{"/metrics", "wrong", http.StatusUnauthorized, "", "go_goroutines"},
		{"/metrics", metricsToken, http.StatusOK, "go_goroutines", ""},
		{"/healthz", "", http.StatusOK, "ok", ""},
		{"/readyz", "", http.StatusServiceUnavailable, "not ready", "10.0.0.7"},
		{"/readyz", metricsToken, http.StatusServiceUnavailable, "10.0.0.7", ""},
	} {
		status, body := getWithToken(t, base+tc.path, tc.token)
		if status != tc.status || !strings.Contains(body, tc.has) || (tc.hasNot != "" && strings.Contains(body, tc.hasNot)) {
			t.Errorf("GET %s (token %q) = %d %q; want %d, containing %q and not %q", tc.path, tc.token, status, body, tc.status, tc.has, tc.hasNot)
		}
	}
	tel.SetReadiness(func(context.Context) error { return nil })
	if status, body := getWithToken(t, base+"/readyz", ""); status != http.StatusOK || body != "ok\n" {
		t.Errorf("/readyz when ready, without a token = %d %q", status, body)
	}
}

func TestMetricsOpenBeyondLoopbackIsWarnedAbout(t *testing.T) {
	var logs bytes.Buffer
	tel, err := telemetry.New(context.Background(), config.Telemetry{MetricsAddr: "0.0.0.0:0", OTLPProtocol: "http/protobuf"},
		telemetry.Options{ServiceName: "telemetry-test", LogOutput: &logs})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tel.Shutdown(context.Background()) })
	if !strings.Contains(logs.String(), "METRICS_TOKEN") {
		t.Errorf("no warning about an open metrics endpoint on 0.0.0.0: %s", logs.String())
	}
	logs.Reset()
	loop := newTelemetry(t, &logs)
	_ = loop
	if strings.Contains(logs.String(), "METRICS_TOKEN") {
		t.Errorf("a loopback endpoint was warned about: %s", logs.String())
	}
}
