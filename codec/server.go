package codec

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"slices"
	"strings"

	"go.temporal.io/sdk/converter"
)

// TokenPathPrefix starts the path form of authentication: POST /t/<token>/decode. It is for
// Web UIs that cannot add an Authorization header (the dev server's UI, Temporal Cloud's UI
// without SSO pass-through): the endpoint configured in the UI then carries the token.
const TokenPathPrefix = "/t/"

// maxRequestBody bounds one /encode or /decode request.
const maxRequestBody = 16 << 20

// ServerOptions configures the codec HTTP server.
type ServerOptions struct {
	// Tokens are the accepted bearer tokens (at least one); several allow rotating them.
	Tokens []string
	// AllowedOrigins are the Web UI origins (scheme://host:port) browsers may call from; a request
	// carrying any other Origin is refused.
	AllowedOrigins []string
}

// NewServer serves c at /encode and /decode as the Temporal Web UI and the temporal CLI
// (--codec-endpoint, --codec-auth) expect. Every request must present one of opts.Tokens, as
// `Authorization: Bearer <token>` or in the path (TokenPathPrefix); otherwise the answer is 401
// and no payload is decoded. CORS admits only opts.AllowedOrigins.
func NewServer(c *Codec, opts ServerOptions) (http.Handler, error) {
	var tokens [][]byte
	for _, t := range opts.Tokens {
		if t = strings.TrimSpace(t); t != "" {
			if len(t) < 16 {
				return nil, errors.New("codec server: a token is shorter than 16 characters: generate one with `starter codec-key --token`")
			}
			tokens = append(tokens, []byte(t))
		}
	}
	if len(tokens) == 0 {
		return nil, errors.New("codec server: no token configured: set CODEC_SERVER_TOKENS (or CODEC_SERVER_TOKENS_FILE)")
	}
	for _, o := range opts.AllowedOrigins {
		if o == "*" {
			return nil, errors.New("codec server: the allowed origin * would let any web page decode payloads: name the Web UI's origin")
		}
	}
	return &server{codec: converter.NewPayloadCodecHTTPHandler(c), tokens: tokens, origins: opts.AllowedOrigins}, nil
}

type server struct {
	codec   http.Handler
	tokens  [][]byte
	origins []string
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if origin := r.Header.Get("Origin"); origin != "" {
		if !slices.Contains(s.origins, origin) {
			http.Error(w, "origin not allowed", http.StatusForbidden)
			return
		}
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", origin)
		h.Add("Vary", "Origin")
		h.Set("Access-Control-Allow-Credentials", "true")
		h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
		h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Namespace")
		h.Set("Access-Control-Max-Age", "600")
		if r.Method == http.MethodOptions {
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	path, ok := s.authenticate(r)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="ordermanager-codec"`)
		http.Error(w, "unauthorized: present a codec server token", http.StatusUnauthorized)
		return
	}
	if r.Method != http.MethodPost || (path != "/encode" && path != "/decode") {
		http.NotFound(w, r)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
	r2 := r.Clone(r.Context())
	r2.URL.Path = path
	s.codec.ServeHTTP(w, r2)
}

// authenticate returns the route (/encode or /decode) once r presents a valid token.
func (s *server) authenticate(r *http.Request) (string, bool) {
	path := r.URL.Path
	if rest, ok := strings.CutPrefix(path, TokenPathPrefix); ok {
		tok, route, found := strings.Cut(rest, "/")
		return "/" + route, found && s.valid(tok)
	}
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	return path, ok && strings.EqualFold(scheme, "Bearer") && s.valid(strings.TrimSpace(tok))
}

func (s *server) valid(tok string) bool {
	ok := 0
	for _, t := range s.tokens {
		ok |= subtle.ConstantTimeCompare([]byte(tok), t)
	}
	return ok == 1
}
