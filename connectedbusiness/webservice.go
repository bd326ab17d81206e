package connectedbusiness

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Config configures the webservice driver. Credentials stay here: never log Config.
type Config struct {
	// BaseURL is the webservice base, e.g. https://cb.example.com/pos24/webservice/ ("/" is added).
	BaseURL string
	// UserCode and Password are the CB user's credentials (a dedicated integration user).
	UserCode, Password string
	// ProductType, when set, is sent as the ProductType header (Connected Warehouse sends
	// "Connected Warehouse"; Connected Sale sends none).
	ProductType string
	// HTTPClient is the client to use (default: a new one with Timeout).
	HTTPClient *http.Client
	// Timeout bounds each call when HTTPClient is nil (default 60 s, Connected Warehouse's save timeout).
	Timeout time.Duration
	// Logger receives debug lines per call (default: slog.Default()); it never sees credentials.
	Logger *slog.Logger
	// Observe, when set, is called after every call with its operation, its error (nil = ok) and
	// how long it took (metrics hook; it must not block).
	Observe func(ctx context.Context, operation string, err error, elapsed time.Duration)
}

// WebService is the Service driver for CB's JSON webservice. It is safe for concurrent use.
type WebService struct {
	cfg  Config
	base string
	http *http.Client
	log  *slog.Logger

	mu       sync.Mutex
	signedIn bool
	version  string
}

var _ Service = (*WebService)(nil)

// NewWebService checks cfg and returns a driver. It does not call CB.
func NewWebService(cfg Config) (*WebService, error) {
	if cfg.BaseURL == "" {
		return nil, errors.New("connected business: BaseURL is empty; set the CB webservice URL")
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("connected business: BaseURL %q is not an http(s) URL", cfg.BaseURL)
	}
	if cfg.UserCode == "" || cfg.Password == "" {
		return nil, errors.New("connected business: UserCode and Password are required; set the CB user code and password")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 60 * time.Second
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: cfg.Timeout}
	}
	lg := cfg.Logger
	if lg == nil {
		lg = slog.Default()
	}
	base := cfg.BaseURL
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	return &WebService{cfg: cfg, base: base, http: hc, log: lg}, nil
}

// AppVersion returns the CB server version reported at sign-in ("" before sign-in).
func (w *WebService) AppVersion() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.version
}

type signInAnswer struct {
	ErrorMessage         *string
	Message              string
	IsPromptForceSignOut bool
	AppVersion           string
	UserCode             string
}

// SignIn implements Service.
func (w *WebService) SignIn(ctx context.Context) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.signInLocked(ctx)
}

func (w *WebService) signInLocked(ctx context.Context) error {
	q := url.Values{"isFromAutoSignIn": {"false"}}
	for attempt := 0; ; attempt++ {
		var a signInAnswer
		err := w.callRaw(ctx, routeSignIn, q, struct{}{}, &a)
		if err != nil {
			return err
		}
		msg := ""
		if a.ErrorMessage != nil {
			msg = strings.TrimSpace(*a.ErrorMessage)
		}
		otherLocation := a.IsPromptForceSignOut || strings.Contains(strings.ToLower(a.Message+" "+msg), "other location")
		if otherLocation && attempt == 0 {
			w.log.InfoContext(ctx, "cb user is signed in at another location; forcing it out (dedicated integration user)")
			if err := w.call(ctx, http.MethodPut, routeForceSignOut, nil, struct{}{}, nil, "user session"); err != nil {
				return err
			}
			continue
		}
		if msg != "" || otherLocation {
			text := msg
			if a.Message != "" {
				text = a.Message
			}
			return &BusinessError{Kind: KindSignIn, Op: opName(routeSignIn), Record: "CB user sign-in", Message: text,
				Fix: "check the CB user code, password and licence seats; use a dedicated integration user"}
		}
		w.signedIn = true
		w.version = a.AppVersion
		return nil
	}
}

// callRaw sends a PUT and decodes the whole answer, ErrorMessage included, into out.
func (w *WebService) callRaw(ctx context.Context, route string, q url.Values, body, out any) error {
	return w.send(ctx, http.MethodPut, route, q, body, out, "CB user sign-in", false)
}

// ensureSignedIn signs in once per process, lazily.
func (w *WebService) ensureSignedIn(ctx context.Context) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.signedIn {
		return nil
	}
	return w.signInLocked(ctx)
}

// SignOut implements Service.
func (w *WebService) SignOut(ctx context.Context) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.signedIn {
		return nil
	}
	w.signedIn = false
	return w.call(ctx, http.MethodPut, routeSignOut, nil, struct{}{}, nil, "user session")
}

// put signs in if needed and sends a PUT.
func (w *WebService) put(ctx context.Context, route string, q url.Values, body, out any, record string) error {
	if err := w.ensureSignedIn(ctx); err != nil {
		return err
	}
	return w.call(ctx, http.MethodPut, route, q, body, out, record)
}

// get signs in if needed and sends a GET.
func (w *WebService) get(ctx context.Context, route string, q url.Values, out any, record string) error {
	if err := w.ensureSignedIn(ctx); err != nil {
		return err
	}
	return w.call(ctx, http.MethodGet, route, q, nil, out, record)
}

// newGUID returns a random v4 UUID (createsalesorder and loadorder take a session id).
func newGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
