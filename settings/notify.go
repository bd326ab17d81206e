package settings

import (
	"fmt"
	"strings"
	"time"
)

// Notify defaults.
const (
	// DefaultUnreachableAfter is how long CB or CartRover may be unreachable before a message.
	DefaultUnreachableAfter = 5 * time.Minute
	// DefaultNotifyWindow bounds the messages: at most one per condition per window.
	DefaultNotifyWindow = time.Hour
)

// Notify says whom the worker tells, and when: a run ends with new held or failed orders, a run
// fails, CB or CartRover is unreachable for longer than UnreachableAfter, and back to normal.
// Where the messages go is secret and lives in the worker's environment: the webhook URL in
// NOTIFY_WEBHOOK_URL, the mail server and its credentials in NOTIFY_SMTP_*.
type Notify struct {
	// Webhook posts each message to NOTIFY_WEBHOOK_URL (Slack/Teams incoming-webhook JSON).
	Webhook bool `yaml:"webhook" json:"webhook,omitempty"`
	// Email sends each message to these addresses through NOTIFY_SMTP_ADDR.
	Email []string `yaml:"email" json:"email,omitempty"`
	// UnreachableAfter (Go duration, default 5m) is how long CB or CartRover may not answer before a message.
	UnreachableAfter string `yaml:"unreachable_after" json:"unreachable_after,omitempty"`
	// Window (Go duration, default 1h): at most one message per condition per window.
	Window string `yaml:"window" json:"window,omitempty"`
}

// UnreachableAfterDuration is UnreachableAfter parsed (the default when empty or invalid).
func (n Notify) UnreachableAfterDuration() time.Duration {
	return durationOr(n.UnreachableAfter, DefaultUnreachableAfter)
}

// WindowDuration is Window parsed (the default when empty or invalid).
func (n Notify) WindowDuration() time.Duration { return durationOr(n.Window, DefaultNotifyWindow) }

func durationOr(s string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return d
	}
	return def
}

func checkNotify(p *problems, n *Notify) {
	if n == nil {
		return
	}
	for _, f := range []struct{ key, v string }{{"notify.unreachable_after", n.UnreachableAfter}, {"notify.window", n.Window}} {
		if f.v == "" {
			continue
		}
		if d, err := time.ParseDuration(f.v); err != nil || d <= 0 {
			p.add(f.key, "must be a positive Go duration such as 5m or 1h, got %q", f.v)
		}
	}
	for i, e := range n.Email {
		key := fmt.Sprintf("notify.email[%d]", i)
		at := strings.Index(e, "@")
		if at < 1 || at == len(e)-1 || strings.ContainsAny(e, " <>,;") {
			p.add(key, "must be one e-mail address such as ops@example.com, got %q", e)
		}
		checkText(p, key, e)
	}
}
