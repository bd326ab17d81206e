package config

import (
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/sethvargo/go-envconfig"
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

// secretLookuper lets the secret variable name also come from a file named by name_FILE (Docker
// and Kubernetes secrets mounted as files). It returns l unchanged when name_FILE is unset, or a
// problem line when both forms are set or the file cannot be read. Trailing line breaks of the
// file are dropped; its content is never part of a message.
func secretLookuper(l envconfig.Lookuper, name string) (envconfig.Lookuper, string) {
	path, fromFile := l.Lookup(name + "_FILE")
	if !fromFile || path == "" {
		return l, ""
	}
	if v, ok := l.Lookup(name); ok && v != "" {
		return nil, fmt.Sprintf("%s and %s_FILE are both set: set only one of them", name, name)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Sprintf("%s_FILE: cannot read %s (%v): set it to a readable file holding %s", name, path, errWithoutPath(err), name)
	}
	return &overlay{Lookuper: l, name: name, value: strings.TrimRight(string(b), "\r\n")}, ""
}

// overlay answers one variable itself and the others from the Lookuper it wraps.
type overlay struct {
	envconfig.Lookuper
	name, value string
}

func (o *overlay) Lookup(key string) (string, bool) {
	if key == o.name {
		return o.value, true
	}
	return o.Lookuper.Lookup(key)
}

// LookupSecret reads the secret variable name, or the file its name_FILE variable names, from l.
// Processes that take secrets outside Load (the starter's flags) share the rules of Load this way.
func LookupSecret(l envconfig.Lookuper, name string) (Secret, error) {
	fl, problem := secretLookuper(l, name)
	if problem != "" {
		return "", &Error{Problems: []string{problem}}
	}
	v, _ := fl.Lookup(name)
	return Secret(v), nil
}
