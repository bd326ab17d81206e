// Package telemetry sets up the process's logs, metrics and traces: slog JSON logs (also behind
// the Temporal SDK's logger), an OpenTelemetry meter provider exported to Prometheus at /metrics,
// an OpenTelemetry tracer provider exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set, the
// Temporal tracing interceptor and metrics handler, and /healthz + /readyz. Shutdown flushes.
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.temporal.io/sdk/client"
	temporalotel "go.temporal.io/sdk/contrib/opentelemetry"
	"go.temporal.io/sdk/interceptor"
	tlog "go.temporal.io/sdk/log"

	"github.com/cartrover-cb/ordermanager/config"
)

// instrumentationName names the meter and tracer of this product.
const instrumentationName = "github.com/cartrover-cb/ordermanager"

// Options are what New needs besides the configuration.
type Options struct {
	// ServiceName is used when OTEL_SERVICE_NAME is unset (e.g. "ordermanager-worker").
	ServiceName string
	// LogOutput receives the JSON logs (default os.Stderr).
	LogOutput io.Writer
}

// Telemetry holds the process's providers, logger and health endpoint.
type Telemetry struct {
	// Logger writes structured JSON logs; it is also the Temporal SDK's logger.
	Logger *slog.Logger
	// TracerProvider creates the spans of the Temporal interceptor and of the product.
	TracerProvider *sdktrace.TracerProvider
	// MeterProvider records the Temporal SDK's and the product's metrics.
	MeterProvider *sdkmetric.MeterProvider
	// Registry is the Prometheus registry served at /metrics.
	Registry *prometheus.Registry

	listener net.Listener
	server   *http.Server
	served   chan struct{}

	mu    sync.Mutex
	ready func(context.Context) error

	shutdownOnce sync.Once
	shutdownErr  error
}

// New builds the providers and starts listening on cfg.MetricsAddr (so a busy port fails here,
// before anything connects). It sets the OpenTelemetry globals (tracer, meter, propagator).
// Call Shutdown on exit.
func New(ctx context.Context, cfg config.Telemetry, opts Options) (*Telemetry, error) {
	out := opts.LogOutput
	if out == nil {
		out = os.Stderr
	}
	serviceName := cfg.ServiceName
	if serviceName == "" {
		serviceName = opts.ServiceName
	}
	t := &Telemetry{
		Logger:   slog.New(slog.NewJSONHandler(out, &slog.HandlerOptions{Level: cfg.LogLevel})).With("service", serviceName),
		Registry: prometheus.NewRegistry(),
		served:   make(chan struct{}),
	}

	res, err := resource.New(ctx,
		resource.WithAttributes(attribute.String("service.name", serviceName)),
		resource.WithFromEnv(), // OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES
		resource.WithTelemetrySDK(),
		resource.WithHost(),
	)
	if err != nil {
		return nil, fmt.Errorf("telemetry: OTEL_RESOURCE_ATTRIBUTES: %w", err)
	}

	// Metrics: OpenTelemetry → Prometheus registry, plus Go runtime and process collectors.
	t.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	exporter, err := otelprom.New(otelprom.WithRegisterer(t.Registry))
	if err != nil {
		return nil, fmt.Errorf("telemetry: prometheus exporter: %w", err)
	}
	// The default histogram buckets suit milliseconds; the SDK's timers record seconds. Only
	// histograms: gauges in seconds (ages, times) stay gauges.
	secondsView := sdkmetric.NewView(
		sdkmetric.Instrument{Name: "*", Unit: "s", Kind: sdkmetric.InstrumentKindHistogram},
		sdkmetric.Stream{Aggregation: sdkmetric.AggregationExplicitBucketHistogram{
			Boundaries: []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300},
		}},
	)
	mpOpts := []sdkmetric.Option{sdkmetric.WithResource(res), sdkmetric.WithReader(exporter), sdkmetric.WithView(secondsView)}
	// The same metrics over OTLP too when an endpoint is configured (OTEL_EXPORTER_OTLP_* are
	// read by the exporter itself, e.g. OTEL_EXPORTER_OTLP_METRICS_ENDPOINT, OTEL_METRIC_EXPORT_INTERVAL).
	if cfg.OTLPEndpoint != "" && !cfg.SDKDisabled {
		var me sdkmetric.Exporter
		if cfg.OTLPProtocol == "grpc" {
			me, err = otlpmetricgrpc.New(ctx)
		} else {
			me, err = otlpmetrichttp.New(ctx)
		}
		if err != nil {
			return nil, fmt.Errorf("telemetry: OTLP metric exporter (OTEL_EXPORTER_OTLP_ENDPOINT): %w", err)
		}
		mpOpts = append(mpOpts, sdkmetric.WithReader(sdkmetric.NewPeriodicReader(me)))
	}
	t.MeterProvider = sdkmetric.NewMeterProvider(mpOpts...)

	// Traces: always a real provider (spans propagate through Temporal headers); exported only
	// when an OTLP endpoint is configured.
	tpOpts := []sdktrace.TracerProviderOption{sdktrace.WithResource(res)}
	if (cfg.OTLPEndpoint != "" || cfg.OTLPTracesEndpoint != "") && !cfg.SDKDisabled {
		var spanExporter sdktrace.SpanExporter
		if cfg.OTLPProtocol == "grpc" {
			spanExporter, err = otlptracegrpc.New(ctx) // reads OTEL_EXPORTER_OTLP_* itself
		} else {
			spanExporter, err = otlptracehttp.New(ctx)
		}
		if err != nil {
			return nil, fmt.Errorf("telemetry: OTLP trace exporter (OTEL_EXPORTER_OTLP_ENDPOINT): %w", err)
		}
		tpOpts = append(tpOpts, sdktrace.WithBatcher(spanExporter))
	}
	if cfg.SDKDisabled {
		tpOpts = append(tpOpts, sdktrace.WithSampler(sdktrace.NeverSample()))
	}
	t.TracerProvider = sdktrace.NewTracerProvider(tpOpts...)

	otel.SetTracerProvider(t.TracerProvider)
	otel.SetMeterProvider(t.MeterProvider)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	business() // the business instruments (and the unreachable gauge's callback) on this provider

	ln, err := net.Listen("tcp", cfg.MetricsAddr)
	if err != nil {
		_ = t.shutdownProviders(ctx)
		return nil, fmt.Errorf("telemetry: METRICS_ADDR %s: %w (set METRICS_ADDR to a free host:port)", cfg.MetricsAddr, err)
	}
	t.listener = ln
	handler := t.Handler()
	if cfg.MetricsToken.IsSet() {
		handler = requireBearer(cfg.MetricsToken.Reveal(), handler)
	} else if !isLoopback(ln.Addr()) {
		t.Logger.Warn("metrics endpoint is reachable beyond this machine without a token: set METRICS_TOKEN (or METRICS_TOKEN_FILE)", "addr", ln.Addr().String())
	}
	t.server = &http.Server{Handler: handler, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		defer close(t.served)
		if err := t.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Logger.Error("metrics server stopped", "addr", ln.Addr().String(), "error", err)
		}
	}()
	return t, nil
}

// Addr is the host:port /metrics, /healthz and /readyz listen on (useful with port 0).
func (t *Telemetry) Addr() string { return t.listener.Addr().String() }

// Handler serves /metrics (Prometheus), /healthz (the process is up) and /readyz (the
// readiness check set with SetReadiness passes).
func (t *Telemetry) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(t.Registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := t.checkReady(r.Context()); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, "ok\n")
	})
	return mux
}

// SetReadiness sets the check /readyz runs (nil: not ready). The worker sets one once its
// workers poll, and clears it when they stop.
func (t *Telemetry) SetReadiness(check func(context.Context) error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.ready = check
}

func (t *Telemetry) checkReady(ctx context.Context) error {
	t.mu.Lock()
	check := t.ready
	t.mu.Unlock()
	if check == nil {
		return errors.New("starting or stopping")
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	return check(ctx)
}

// TemporalLogger is the Temporal SDK logger writing through Logger.
func (t *Telemetry) TemporalLogger() tlog.Logger { return tlog.NewStructuredLogger(t.Logger) }

// MetricsHandler is the Temporal SDK metrics handler recording on MeterProvider. A meter error
// is logged, never a panic.
func (t *Telemetry) MetricsHandler() client.MetricsHandler {
	return temporalotel.NewMetricsHandler(temporalotel.MetricsHandlerOptions{
		Meter:                t.MeterProvider.Meter("temporal-sdk-go"),
		UseMonotonicCounters: true,
		OnError: func(err error) {
			t.Logger.Warn("temporal metric could not be recorded", "error", err)
		},
	})
}

// TracingInterceptor is the Temporal OpenTelemetry tracing interceptor on TracerProvider.
func (t *Telemetry) TracingInterceptor() (interceptor.Interceptor, error) {
	return temporalotel.NewTracingInterceptor(temporalotel.TracerOptions{
		Tracer:            t.TracerProvider.Tracer(instrumentationName),
		TextMapPropagator: otel.GetTextMapPropagator(),
	})
}

// ClientOptions adds the logger, the tracing interceptor and the metrics handler to opts (as
// returned by config.Temporal.ClientOptions).
func (t *Telemetry) ClientOptions(opts client.Options) (client.Options, error) {
	tracing, err := t.TracingInterceptor()
	if err != nil {
		return client.Options{}, fmt.Errorf("telemetry: temporal tracing interceptor: %w", err)
	}
	opts.Logger = t.TemporalLogger()
	opts.MetricsHandler = t.MetricsHandler()
	opts.Interceptors = append(opts.Interceptors, tracing)
	return opts, nil
}

// Shutdown stops the HTTP endpoint and flushes and stops the providers. It is safe to call twice.
func (t *Telemetry) Shutdown(ctx context.Context) error {
	t.shutdownOnce.Do(func() {
		t.SetReadiness(nil)
		var errs []error
		if t.server != nil {
			errs = append(errs, t.server.Shutdown(ctx))
			<-t.served
		}
		errs = append(errs, t.shutdownProviders(ctx))
		t.shutdownErr = errors.Join(errs...)
	})
	return t.shutdownErr
}

func (t *Telemetry) shutdownProviders(ctx context.Context) error {
	return errors.Join(t.TracerProvider.Shutdown(ctx), t.MeterProvider.Shutdown(ctx))
}
