package config

import (
	"fmt"
	"log/slog"
)

// Redacted is what a Secret prints as, wherever it is printed.
const Redacted = "[redacted]"

// Secret is a credential read from the environment. It never prints: fmt (every verb), slog,
// JSON, YAML and text encoders all see Redacted. Call Reveal only where the value is handed to
// the system that needs it.
type Secret string

// Reveal returns the secret value itself. Never log or store what it returns.
func (s Secret) Reveal() string { return string(s) }

// IsSet reports whether the secret has a value.
func (s Secret) IsSet() bool { return s != "" }

// String returns Redacted (or "" when the secret is unset, so "missing" stays visible).
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return Redacted
}

// GoString returns Redacted so %#v never shows the value either.
func (s Secret) GoString() string { return fmt.Sprintf("config.Secret(%q)", s.String()) }

// Format prints the redacted form for every fmt verb (%v, %s, %q, %x, %#v, …).
func (s Secret) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('#'):
		_, _ = fmt.Fprint(f, s.GoString())
	case verb == 'q':
		_, _ = fmt.Fprintf(f, "%q", s.String())
	default:
		_, _ = fmt.Fprint(f, s.String())
	}
}

// LogValue makes slog print the redacted form.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalText makes text encoders (YAML, slog's text handler) print the redacted form.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// MarshalJSON makes JSON encoders print the redacted form.
func (s Secret) MarshalJSON() ([]byte, error) { return fmt.Appendf(nil, "%q", s.String()), nil }
