// Package config reads the product's settings from the environment with go-envconfig: one struct
// per concern (Temporal connection, CartRover, Connected Business, telemetry, task queue), shared
// by the worker and the starter. Loading reports every missing or malformed variable in one error,
// and credentials are Secret values that never print.
package config

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"reflect"
	"strings"
	"time"

	"github.com/sethvargo/go-envconfig"
)

// Temporal is the connection to the Temporal service.
type Temporal struct {
	// Address is the frontend host:port.
	Address string `env:"TEMPORAL_ADDRESS, default=127.0.0.1:7233" doc:"the Temporal frontend host:port"`
	// Namespace is the Temporal namespace the product runs in.
	Namespace string `env:"TEMPORAL_NAMESPACE, default=default" doc:"the Temporal namespace"`
	// APIKey authenticates to Temporal Cloud (enables TLS unless TEMPORAL_TLS=false).
	APIKey Secret `env:"TEMPORAL_API_KEY" doc:"the Temporal Cloud API key"`
	// TLS forces TLS on (true) or off (false); unset means on when a key, certificate or CA is given.
	TLS *bool `env:"TEMPORAL_TLS, noinit" doc:"true or false"`
	// TLSCert is the client certificate for mTLS: a file path or the PEM text itself.
	TLSCert string `env:"TEMPORAL_TLS_CERT" doc:"the client certificate file (or PEM) for mTLS"`
	// TLSKey is the client certificate's private key: a file path or the PEM text itself.
	TLSKey Secret `env:"TEMPORAL_TLS_KEY" doc:"the client key file (or PEM) for mTLS"`
	// TLSCA is the CA bundle that signs the server certificate: a file path or PEM text.
	TLSCA string `env:"TEMPORAL_TLS_CA" doc:"the server CA file (or PEM)"`
	// TLSServerName overrides the server name checked in the server certificate.
	TLSServerName string `env:"TEMPORAL_TLS_SERVER_NAME" doc:"the server name in the server certificate"`
	// AllowPlaintextAPIKey lets an API key travel without TLS (TEMPORAL_TLS=false); only for a
	// local test server, never across a network.
	AllowPlaintextAPIKey bool `env:"TEMPORAL_API_KEY_ALLOW_PLAINTEXT" doc:"true to send the API key without TLS (local test servers only)"`
}

// CartRover is the CartRover (Extensiv Integration Manager) Merchant API account.
type CartRover struct {
	// BaseURL is the API root.
	BaseURL string `env:"CARTROVER_BASE_URL, default=https://api.cartrover.com" doc:"the CartRover API root URL"`
	// APIUser is the merchant API user (CartRover: Merchant → API Settings).
	APIUser string `env:"CARTROVER_API_USER, required" doc:"the CartRover API User"`
	// APIKey is the merchant API key.
	APIKey Secret `env:"CARTROVER_API_KEY, required" doc:"the CartRover API Key"`
}

// CB is the Connected Business webservice account.
type CB struct {
	// BaseURL is the CB JSON webservice root.
	BaseURL string `env:"CB_BASE_URL, required" doc:"the Connected Business webservice root URL"`
	// UserCode is the CB user the webservice signs in as.
	UserCode string `env:"CB_USER_CODE, required" doc:"the CB User Code"`
	// Password is that user's password.
	Password Secret `env:"CB_PASSWORD, required" doc:"the CB password"`
}

// Telemetry configures logs, metrics and traces. The OpenTelemetry SDK also reads the other
// standard OTEL_* variables (headers, timeouts, resource attributes) itself.
type Telemetry struct {
	// MetricsAddr is where /metrics, /healthz and /readyz listen (port 0 picks a free port).
	MetricsAddr string `env:"METRICS_ADDR, default=127.0.0.1:9464" doc:"the host:port of /metrics, /healthz and /readyz"`
	// ServiceName names this process in traces and metrics (empty: the binary's default).
	ServiceName string `env:"OTEL_SERVICE_NAME" doc:"the service name in traces"`
	// OTLPEndpoint turns on OTLP trace export when set.
	OTLPEndpoint string `env:"OTEL_EXPORTER_OTLP_ENDPOINT" doc:"the OTLP collector URL"`
	// OTLPTracesEndpoint is a traces-only OTLP endpoint (also turns export on).
	OTLPTracesEndpoint string `env:"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT" doc:"the OTLP traces URL"`
	// OTLPProtocol is grpc or http/protobuf (the default).
	OTLPProtocol string `env:"OTEL_EXPORTER_OTLP_PROTOCOL, default=http/protobuf" doc:"grpc or http/protobuf"`
	// SDKDisabled turns tracing off (OTEL_SDK_DISABLED=true).
	SDKDisabled bool `env:"OTEL_SDK_DISABLED" doc:"true disables tracing"`
	// LogLevel is debug, info, warn or error.
	LogLevel slog.Level `env:"LOG_LEVEL, default=info" doc:"debug, info, warn or error"`
	// MetricsToken, when set, is the bearer token /metrics requires (set it when METRICS_ADDR is not loopback).
	MetricsToken Secret `env:"METRICS_TOKEN" doc:"the bearer token Prometheus presents to /metrics"`
}

// TaskQueue names the task queue the workflows and activities run on.
type TaskQueue struct {
	// Name is the main task queue.
	Name string `env:"TASK_QUEUE, default=order-manager" doc:"the Temporal task queue"`
}

// Tuning sizes the worker's pollers and execution slots and bounds its graceful stop. The
// defaults come from measurements on the dev server (docs/architecture.md, "Worker sizing"): the
// SDK's default 2 activity pollers cap a worker near 86 activities/s; very many pollers per worker
// slow a small server.
type Tuning struct {
	// WorkflowPollers is the number of workflow task pollers of the main queue.
	WorkflowPollers int `env:"WORKER_WORKFLOW_POLLERS, default=4" doc:"a positive number of workflow task pollers"`
	// ActivityPollers is the number of activity task pollers of the main queue.
	ActivityPollers int `env:"WORKER_ACTIVITY_POLLERS, default=8" doc:"a positive number of activity task pollers"`
	// MaxConcurrentActivities bounds the activities one worker runs at once (per queue).
	MaxConcurrentActivities int `env:"WORKER_MAX_CONCURRENT_ACTIVITIES, default=200" doc:"a positive number of activity slots"`
	// StopTimeout is how long a stopping worker lets running activities finish.
	StopTimeout time.Duration `env:"WORKER_STOP_TIMEOUT, default=30s" doc:"a duration such as 30s"`
	// WorkflowCacheSize is how many workflow executions the worker keeps in memory between their
	// tasks (the SDK's sticky cache). Order workflows park for days waiting for their shipments;
	// one evicted from the cache replays its short history when its next task comes.
	WorkflowCacheSize int `env:"WORKER_WORKFLOW_CACHE_SIZE, default=1000" doc:"a positive number of cached workflow executions"`
}

// Worker is everything the worker process needs.
type Worker struct {
	Temporal  Temporal
	CartRover CartRover
	CB        CB
	Telemetry Telemetry
	TaskQueue TaskQueue
	Tuning    Tuning

	// CartRoverRate is the shape of CartRover's rate limit the clients pace against.
	CartRoverRate CartRoverRate
	Notify        Notify
	Codec         Codec
}

// LoadWorker reads the worker's whole configuration from the environment. The error, if any, is
// an *Error listing every problem.
func LoadWorker(ctx context.Context) (Worker, error) {
	return LoadWorkerFrom(ctx, envconfig.OsLookuper())
}

// LoadWorkerFrom is LoadWorker reading from l instead of the process environment.
func LoadWorkerFrom(ctx context.Context, l envconfig.Lookuper) (Worker, error) {
	var w Worker
	err := LoadFrom(ctx, l, &w.Temporal, &w.CartRover, &w.CartRoverRate, &w.CB, &w.Telemetry, &w.TaskQueue, &w.Tuning, &w.Notify, &w.Codec)
	return w, err
}

// Load fills each target (a pointer to one of this package's concern structs) from the process
// environment; the error, if any, is an *Error listing every missing or malformed variable.
func Load(ctx context.Context, targets ...any) error {
	return LoadFrom(ctx, envconfig.OsLookuper(), targets...)
}

// LoadFrom is Load reading from l instead of the process environment.
func LoadFrom(ctx context.Context, l envconfig.Lookuper, targets ...any) error {
	var problems []string
	for _, t := range targets {
		bad, failed := loadStruct(ctx, l, t)
		problems = append(problems, bad...)
		if v, ok := t.(interface{ validate() []string }); ok {
			for _, p := range v.validate() {
				// A variable that did not decode is already reported; its zero value says nothing more.
				if name, _, _ := strings.Cut(p, " "); !failed[name] {
					problems = append(problems, p)
				}
			}
		}
	}
	if len(problems) > 0 {
		return &Error{Problems: problems}
	}
	return nil
}

// Error lists every missing or malformed environment variable found by one Load.
type Error struct {
	// Problems holds one line per variable, naming it and what to set.
	Problems []string
}

// Error returns the problems as one message, one variable per line.
func (e *Error) Error() string {
	return "configuration: fix these environment variables:\n  " + strings.Join(e.Problems, "\n  ")
}

// loadStruct decodes the fields of *target one at a time, so that one bad variable does not hide
// the next (go-envconfig stops at the first error of a struct).
func loadStruct(ctx context.Context, l envconfig.Lookuper, target any) (problems []string, failed map[string]bool) {
	rv := reflect.ValueOf(target)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		return []string{fmt.Sprintf("config: cannot load %T, want a pointer to a struct", target)}, nil
	}
	sv := rv.Elem()
	failed = map[string]bool{}
	for i := range sv.NumField() {
		f := sv.Type().Field(i)
		tag := f.Tag.Get("env")
		if tag == "" || !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		fl := l
		isSecret := f.Type == reflect.TypeFor[Secret]()
		if isSecret {
			var problem string
			if fl, problem = secretLookuper(l, name); problem != "" {
				failed[name] = true
				problems = append(problems, problem)
				continue
			}
		}
		one := reflect.New(reflect.StructOf([]reflect.StructField{{Name: f.Name, Type: f.Type, Tag: f.Tag}}))
		err := envconfig.ProcessWith(ctx, &envconfig.Config{Target: one.Interface(), Lookuper: fl})
		required := strings.Contains(tag, "required")
		if err != nil || (required && one.Elem().Field(0).IsZero()) {
			failed[name] = true
		}
		switch {
		case (errors.Is(err, envconfig.ErrMissingRequired) || (err == nil && required && one.Elem().Field(0).IsZero())) && isSecret:
			problems = append(problems, fmt.Sprintf("%s is required: set it (or %s_FILE, a file holding it) to %s", name, name, f.Tag.Get("doc")))
		case errors.Is(err, envconfig.ErrMissingRequired) || (err == nil && required && one.Elem().Field(0).IsZero()):
			problems = append(problems, fmt.Sprintf("%s is required: set it to %s", name, f.Tag.Get("doc")))
		case err != nil && f.Type == reflect.TypeFor[Secret]():
			problems = append(problems, fmt.Sprintf("%s is malformed: set it to %s", name, f.Tag.Get("doc")))
		case err != nil:
			problems = append(problems, fmt.Sprintf("%s is malformed (%s): set it to %s", name, cause(err), f.Tag.Get("doc")))
		default:
			sv.Field(i).Set(one.Elem().Field(0))
		}
	}
	return problems, failed
}

// cause strips go-envconfig's field-name prefix from a decoding error.
func cause(err error) string {
	msg := err.Error()
	if _, rest, ok := strings.Cut(msg, ": "); ok {
		return rest
	}
	return msg
}

func (c *Temporal) validate() []string {
	var p []string
	if _, _, err := net.SplitHostPort(c.Address); err != nil {
		p = append(p, fmt.Sprintf("TEMPORAL_ADDRESS %q is not host:port: set it to the Temporal frontend, e.g. 127.0.0.1:7233", c.Address))
	}
	if c.Namespace == "" {
		p = append(p, "TEMPORAL_NAMESPACE is empty: set it to the Temporal namespace (default: default)")
	}
	if (c.TLSCert == "") != !c.TLSKey.IsSet() {
		p = append(p, "TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together: set both for mTLS, or neither")
	}
	return p
}

func (c *CartRover) validate() []string {
	var p []string
	if msg := checkURL(c.BaseURL); msg != "" {
		p = append(p, "CARTROVER_BASE_URL "+msg)
	}
	return p
}

func (c *CB) validate() []string {
	if c.BaseURL == "" {
		return nil // already reported as required
	}
	if msg := checkURL(c.BaseURL); msg != "" {
		return []string{"CB_BASE_URL " + msg}
	}
	return nil
}

func (c *Telemetry) validate() []string {
	var p []string
	if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
		p = append(p, fmt.Sprintf("METRICS_ADDR %q is not host:port: set it to e.g. 127.0.0.1:9464", c.MetricsAddr))
	}
	switch c.OTLPProtocol {
	case "grpc", "http/protobuf":
	default:
		p = append(p, fmt.Sprintf("OTEL_EXPORTER_OTLP_PROTOCOL %q is not supported: set it to grpc or http/protobuf", c.OTLPProtocol))
	}
	return p
}

func (c *TaskQueue) validate() []string {
	if strings.TrimSpace(c.Name) == "" {
		return []string{"TASK_QUEUE is empty: set it to the task queue name (default: order-manager)"}
	}
	return nil
}

func (c *Tuning) validate() []string {
	var p []string
	for _, f := range []struct {
		name string
		n    int
	}{{"WORKER_WORKFLOW_POLLERS", c.WorkflowPollers}, {"WORKER_ACTIVITY_POLLERS", c.ActivityPollers}, {"WORKER_MAX_CONCURRENT_ACTIVITIES", c.MaxConcurrentActivities}} {
		if f.n <= 0 {
			p = append(p, fmt.Sprintf("%s is %d: set it to a positive number", f.name, f.n))
		}
	}
	if c.StopTimeout < 0 {
		p = append(p, fmt.Sprintf("WORKER_STOP_TIMEOUT is %v: set it to a duration such as 30s", c.StopTimeout))
	}
	return p
}

// checkURL returns why raw is not an absolute http(s) URL, or "" when it is. It never echoes
// userinfo, which could hold a password.
func checkURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "is not an absolute http(s) URL: set it to e.g. https://host/path"
	}
	if u.User != nil {
		return "must not carry credentials in the URL: use the user/password variables"
	}
	return ""
}
