package telemetry

import (
	"crypto/subtle"
	"io"
	"net"
	"net/http"
	"strings"
)

// requireBearer serves /metrics and the detailed /readyz only to requests presenting token as
// `Authorization: Bearer <token>`. /healthz and /readyz stay open for probes, which often cannot
// carry a secret header; without the token /readyz answers only its status, not why.
func requireBearer(token string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, got, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		ok := strings.EqualFold(scheme, "Bearer") && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(token)) == 1
		switch {
		case ok || r.URL.Path == "/healthz":
			next.ServeHTTP(w, r)
		case r.URL.Path == "/readyz":
			rec := &statusOnly{ResponseWriter: w}
			next.ServeHTTP(rec, r)
			if rec.status == 0 || rec.status == http.StatusOK {
				return
			}
			_, _ = io.WriteString(w, "not ready\n")
		default:
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "unauthorized: present the metrics token (METRICS_TOKEN)", http.StatusUnauthorized)
		}
	})
}

// statusOnly passes the status code and a successful body through, and drops the body of a
// failure (it may say which dependency is down and where).
type statusOnly struct {
	http.ResponseWriter
	status int
}

func (s *statusOnly) WriteHeader(code int) {
	s.status = code
	if code != http.StatusOK {
		s.ResponseWriter.Header().Del("Content-Length")
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusOnly) Write(b []byte) (int, error) {
	if s.status != 0 && s.status != http.StatusOK {
		return len(b), nil
	}
	return s.ResponseWriter.Write(b)
}

// isLoopback reports whether addr listens on a loopback address only.
func isLoopback(addr net.Addr) bool {
	tcp, ok := addr.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}
