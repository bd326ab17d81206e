package telemetry_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cartrover-cb/ordermanager/config"
	"github.com/cartrover-cb/ordermanager/telemetry"
)

func newTelemetry(t *testing.T, logs io.Writer) *telemetry.Telemetry {
	t.Helper()
	tel, err := telemetry.New(context.Background(), config.Telemetry{
		MetricsAddr:  "127.0.0.1:0",
		OTLPProtocol: "http/protobuf",
	}, telemetry.Options{ServiceName: "telemetry-test", LogOutput: logs})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = tel.Shutdown(context.Background()) })
	return tel
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestMetricsServesTemporalSDKMetrics(t *testing.T) {
	tel := newTelemetry(t, io.Discard)
	h := tel.MetricsHandler().WithTags(map[string]string{"task_queue": "q1"})
	h.Counter("temporal_request").Inc(3)
	h.Timer("temporal_request_latency").Record(120 * time.Millisecond)
	h.Gauge("temporal_worker_task_slots_available").Update(7)

	code, body := get(t, "http://"+tel.Addr()+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics status %d", code)
	}
	for _, want := range []string{
		`temporal_request_total{`,
		`task_queue="q1"`,
		`temporal_request_latency_seconds_bucket{`,
		`temporal_worker_task_slots_available{`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if !strings.Contains(body, `temporal_request_total{`) || !strings.Contains(body, "} 3") {
		t.Errorf("/metrics does not show the counter's value 3:\n%s", body)
	}
}

func TestReadyzFlipsWithTheReadinessCheck(t *testing.T) {
	tel := newTelemetry(t, io.Discard)
	base := "http://" + tel.Addr()
	if code, _ := get(t, base+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz = %d, want 200", code)
	}
	if code, _ := get(t, base+"/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz before SetReadiness = %d, want 503", code)
	}
	tel.SetReadiness(func(context.Context) error { return nil })
	if code, _ := get(t, base+"/readyz"); code != http.StatusOK {
		t.Errorf("/readyz when ready = %d, want 200", code)
	}
	tel.SetReadiness(func(context.Context) error { return errors.New("temporal not reachable") })
	code, body := get(t, base+"/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "temporal not reachable") {
		t.Errorf("/readyz when the check fails = %d %q, want 503 with the reason", code, body)
	}
}

func TestMetricsHandlerErrorsAreLoggedNotPanics(t *testing.T) {
	var logs bytes.Buffer
	tel := newTelemetry(t, &logs)
	h := tel.MetricsHandler()
	// One name used as two instrument kinds is a meter error (a conflict); an invalid name
	// (leading digit) is rejected by the OpenTelemetry SDK.
	h.Counter("1-invalid name").Inc(1)
	h.Timer("1-invalid name").Record(time.Second)
	if !strings.Contains(logs.String(), "temporal metric could not be recorded") {
		t.Errorf("the meter error was not logged: %s", logs.String())
	}
}

func TestTemporalLoggerWritesJSON(t *testing.T) {
	var logs bytes.Buffer
	tel := newTelemetry(t, &logs)
	tel.TemporalLogger().Info("poller started", "TaskQueue", "q1")
	line := logs.String()
	for _, want := range []string{`"msg":"poller started"`, `"TaskQueue":"q1"`, `"service":"telemetry-test"`} {
		if !strings.Contains(line, want) {
			t.Errorf("log line lacks %s: %s", want, line)
		}
	}
}

func TestNewFailsOnABusyMetricsAddr(t *testing.T) {
	tel := newTelemetry(t, io.Discard)
	_, err := telemetry.New(context.Background(), config.Telemetry{MetricsAddr: tel.Addr(), OTLPProtocol: "http/protobuf"}, telemetry.Options{LogOutput: io.Discard})
	if err == nil || !strings.Contains(err.Error(), "METRICS_ADDR") {
		t.Errorf("New on a busy port: error = %v, want one naming METRICS_ADDR", err)
	}
}

func TestShutdownStopsTheEndpoint(t *testing.T) {
	tel := newTelemetry(t, io.Discard)
	addr := tel.Addr()
	if err := tel.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Error("the endpoint still answers after Shutdown")
	}
}

func TestShutdownFlushesSpansAndMetricsToTheOTLPEndpoint(t *testing.T) {
	var mu sync.Mutex
	var paths []string
	var metricsBody []byte
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		paths = append(paths, r.Method+" "+r.URL.Path)
		if r.URL.Path == "/v1/metrics" {
			metricsBody = append(metricsBody, b...)
		}
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	defer collector.Close()
	// The exporter reads the standard variables itself.
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)

	tel, err := telemetry.New(context.Background(), config.Telemetry{
		MetricsAddr:  "127.0.0.1:0",
		OTLPEndpoint: collector.URL,
		OTLPProtocol: "http/protobuf",
	}, telemetry.Options{ServiceName: "telemetry-test", LogOutput: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	_, span := tel.TracerProvider.Tracer("test").Start(context.Background(), "import order")
	span.End()
	telemetry.ObserveCartRoverCall(context.Background(), "ListOrders", nil, time.Millisecond)
	if err := tel.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Contains(paths, "POST /v1/traces") || !slices.Contains(paths, "POST /v1/metrics") {
		t.Errorf("collector received %v, want the span posted to /v1/traces and the metrics to /v1/metrics on Shutdown", paths)
	}
	if !bytes.Contains(metricsBody, []byte(telemetry.MetricCartRoverCalls)) {
		t.Errorf("the OTLP metrics carry no %s", telemetry.MetricCartRoverCalls)
	}
}
