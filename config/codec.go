package config

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/cartrover-cb/ordermanager/codec"
)

// Codec holds the keys that encrypt every Temporal payload (order data is customer data).
type Codec struct {
	// Keys is the keyring: `id=base64key` entries, one per line or comma-separated; the first
	// encrypts, all decrypt. Generate a key with `starter codec-key`.
	Keys Secret `env:"PAYLOAD_ENCRYPTION_KEYS, required" doc:"the payload encryption keyring, id=base64key entries with the current key first (generate one with starter codec-key)"`
}

// Codec returns the payload codec of the keyring.
func (c Codec) Codec() (*codec.Codec, error) {
	ring, err := codec.ParseKeyring(c.Keys.Reveal())
	if err != nil {
		return nil, fmt.Errorf("PAYLOAD_ENCRYPTION_KEYS: %w", err)
	}
	return codec.New(ring, codec.Options{})
}

func (c *Codec) validate() []string {
	if !c.Keys.IsSet() {
		return nil // reported as required
	}
	if _, err := codec.ParseKeyring(c.Keys.Reveal()); err != nil {
		return []string{fmt.Sprintf("PAYLOAD_ENCRYPTION_KEYS is malformed (%v)", err)}
	}
	return nil
}

// CodecServer is the codec HTTP server the Temporal Web UI and CLI decode payloads through.
type CodecServer struct {
	// Addr is where it listens.
	Addr string `env:"CODEC_SERVER_ADDR, default=127.0.0.1:8234" doc:"the host:port the codec server listens on"`
	// Tokens are the accepted bearer tokens, comma-separated (several while rotating).
	Tokens Secret `env:"CODEC_SERVER_TOKENS, required" doc:"the bearer tokens the codec server accepts, comma-separated, at least 16 characters each (generate one with starter codec-key --token)"`
	// UIOrigins are the Web UI origins browsers may call it from, comma-separated.
	UIOrigins string `env:"CODEC_SERVER_UI_ORIGINS, default=http://127.0.0.1:8233" doc:"the Temporal Web UI origins, comma-separated (e.g. https://cloud.temporal.io)"`
	// TLSCert and TLSKey serve HTTPS (required by browsers when the UI itself is HTTPS and the
	// codec server is not on localhost).
	TLSCert string `env:"CODEC_SERVER_TLS_CERT" doc:"the server certificate file for HTTPS"`
	TLSKey  Secret `env:"CODEC_SERVER_TLS_KEY" doc:"the server key file for HTTPS"`
}

// TokenList is Tokens split at commas.
func (c CodecServer) TokenList() []string { return splitList(c.Tokens.Reveal()) }

// OriginList is UIOrigins split at commas.
func (c CodecServer) OriginList() []string { return splitList(c.UIOrigins) }

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func (c *CodecServer) validate() []string {
	var p []string
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		p = append(p, fmt.Sprintf("CODEC_SERVER_ADDR %q is not host:port: set it to e.g. 127.0.0.1:8234", c.Addr))
	}
	for _, t := range c.TokenList() {
		if len(t) < 16 {
			p = append(p, "CODEC_SERVER_TOKENS holds a token shorter than 16 characters: generate one with starter codec-key --token")
			break
		}
	}
	for _, o := range c.OriginList() {
		u, err := url.Parse(o)
		if o == "*" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			p = append(p, fmt.Sprintf("CODEC_SERVER_UI_ORIGINS entry %q is not an origin: set it to scheme://host[:port] of the Web UI", o))
		}
	}
	if (c.TLSCert == "") != !c.TLSKey.IsSet() {
		p = append(p, "CODEC_SERVER_TLS_CERT and CODEC_SERVER_TLS_KEY go together: set both for HTTPS, or neither")
	}
	return p
}
