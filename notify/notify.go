// Package notify tells people what the job plan's e-mail told them: a run ended with new held or
// failed orders, a run failed, CB or CartRover has been unreachable for longer than the settings
// allow, and back to normal. Messages go to a Slack/Teams-style incoming webhook and/or by SMTP
// e-mail; where (URL, mail server, credentials) comes from the worker's environment, whether and
// when from the settings' notify section (the last run's). At most one message per condition per
// window. Messages name orders only by cust_ref and order source.
package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/smtp"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cartrover-cb/ordermanager/activities"
	"github.com/cartrover-cb/ordermanager/config"
	"github.com/cartrover-cb/ordermanager/settings"
	"github.com/cartrover-cb/ordermanager/telemetry"
	"github.com/cartrover-cb/ordermanager/telemetry/runmetrics"
)

// Message is one notification.
type Message struct {
	// Condition identifies what it is about (e.g. "run_failed:orders"); one per window.
	Condition string `json:"condition"`
	// Subject is the one-line title (the e-mail subject).
	Subject string `json:"subject"`
	// Text is the body.
	Text string `json:"text"`
}

// Notifier sends the messages. Its methods never block the caller on the network.
type Notifier struct {
	env  config.Notify
	log  *slog.Logger
	http *http.Client
	now  func() time.Time

	mu        sync.Mutex
	settings  *settings.Notify
	lastSent  map[string]time.Time
	seenRuns  map[string]bool
	downTimer map[string]*time.Timer
	downSent  map[string]bool
	wg        sync.WaitGroup
}

// New returns a Notifier sending through env's webhook and mail server.
func New(env config.Notify, log *slog.Logger) *Notifier {
	if log == nil {
		log = slog.Default()
	}
	return &Notifier{env: env, log: log, http: &http.Client{Timeout: 10 * time.Second}, now: time.Now,
		lastSent: map[string]time.Time{}, seenRuns: map[string]bool{}, downTimer: map[string]*time.Timer{}, downSent: map[string]bool{}}
}

// Wait waits for the messages being sent (call it on stop).
func (n *Notifier) Wait() { n.wg.Wait() }

// WatchDependencies subscribes to telemetry's reachability of CB and CartRover until stop is called.
func (n *Notifier) WatchDependencies() (stop func()) {
	return telemetry.OnDependencyChange(n.DependencyChanged)
}

var sourceOfReason = regexp.MustCompile(`^([A-Za-z0-9_.-]+) #`)

// RunEnded is the run interceptor's hook: it remembers the run's notify settings and sends a
// message when the run failed or left new held or failed orders.
func (n *Notifier) RunEnded(e runmetrics.RunEnd) {
	n.mu.Lock()
	if e.Input.Settings.Notify != nil {
		s := *e.Input.Settings.Notify
		n.settings = &s
	}
	seen := n.seenRuns[e.RunID]
	if len(n.seenRuns) > 10000 {
		n.seenRuns = map[string]bool{} // only a retried task's repeat matters: a short memory is enough
	}
	n.seenRuns[e.RunID] = true
	n.mu.Unlock()
	if seen {
		return // the same run's end seen again (a retried workflow task)
	}
	sched := e.Schedule
	if sched == "" {
		sched = "manual"
	}
	if e.Summary == nil {
		n.send(Message{
			Condition: "run_failed:" + sched,
			Subject:   fmt.Sprintf("Order Manager: a run of %s failed", sched),
			Text:      fmt.Sprintf("Run %s (schedule %s) failed: %s\nSee `starter schedule describe %s` or the run in the Temporal Web UI.", e.WorkflowID, sched, firstLine(e.Err), sched),
		})
		return
	}
	o := e.Summary.Orders
	if o == nil || o.Held+o.Failed == 0 {
		return
	}
	var lines []string
	for _, p := range o.Problems {
		src := ""
		if m := sourceOfReason.FindStringSubmatch(p.Reason); m != nil {
			src = m[1] + " "
		}
		kind := "failed"
		if activities.IsHeldType(p.Type) {
			kind = "held"
		}
		lines = append(lines, fmt.Sprintf("- %s%s: %s (%s)", src, p.Key, kind, p.Type))
	}
	sort.Strings(lines)
	n.send(Message{
		Condition: "orders_need_attention:" + sched,
		Subject:   fmt.Sprintf("Order Manager: %d new held and %d failed orders (%s)", o.Held, o.Failed, sched),
		Text: fmt.Sprintf("Run %s (schedule %s) ended with %d new held and %d failed orders:\n%s\n`starter orders list --outcome held` says why each is held and which settings key fixes it.",
			e.WorkflowID, sched, o.Held, o.Failed, strings.Join(lines, "\n")),
	})
}

// DependencyChanged is telemetry's reachability hook: a message when a system stays unreachable
// longer than the settings' unreachable_after, and one when it answers again after that.
func (n *Notifier) DependencyChanged(system string, unreachable bool, since time.Time) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if t := n.downTimer[system]; t != nil {
		t.Stop()
		delete(n.downTimer, system)
	}
	after := settings.DefaultUnreachableAfter
	if n.settings != nil {
		after = n.settings.UnreachableAfterDuration()
	}
	if unreachable {
		wait := max(after-n.now().Sub(since), 0)
		n.downTimer[system] = time.AfterFunc(wait, func() {
			n.mu.Lock()
			_, still := telemetryDown(system)
			n.downSent[system] = still
			n.mu.Unlock()
			if still {
				n.send(Message{
					Condition: "unreachable:" + system,
					Subject:   fmt.Sprintf("Order Manager: %s unreachable for %s", systemName(system), after),
					Text:      fmt.Sprintf("%s has not answered the worker's calls since %s. Runs retry and continue once it answers.", systemName(system), since.UTC().Format(time.RFC3339)),
				})
			}
		})
		return
	}
	if n.downSent[system] {
		n.downSent[system] = false
		go n.send(Message{
			Condition: "recovered:" + system,
			Subject:   fmt.Sprintf("Order Manager: %s answers again", systemName(system)),
			Text:      fmt.Sprintf("%s answers the worker's calls again (unreachable from %s to %s). Back to normal.", systemName(system), since.UTC().Format(time.RFC3339), n.now().UTC().Format(time.RFC3339)),
		})
	}
}

// telemetryDown reports whether telemetry still sees system unreachable.
func telemetryDown(system string) (time.Time, bool) {
	for _, d := range telemetry.Unreachable() {
		if d.System == system {
			return d.Since, true
		}
	}
	return time.Time{}, false
}

func systemName(s string) string {
	switch s {
	case telemetry.SystemCB:
		return "Connected Business"
	case telemetry.SystemCartRover:
		return "CartRover"
	}
	return s
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// send delivers m to the configured destinations unless its condition was sent within the window.
func (n *Notifier) send(m Message) {
	n.mu.Lock()
	s := n.settings
	if s == nil || (!s.Webhook && len(s.Email) == 0) {
		n.mu.Unlock()
		return // no run has said whom to tell yet
	}
	now := n.now()
	if last, ok := n.lastSent[m.Condition]; ok && now.Sub(last) < s.WindowDuration() {
		n.mu.Unlock()
		n.log.Info("notification suppressed: one was sent for this condition within the window", "condition", m.Condition)
		return
	}
	n.lastSent[m.Condition] = now
	dest := *s
	n.mu.Unlock()
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if dest.Webhook {
			if err := n.postWebhook(ctx, m); err != nil {
				n.log.Warn("notification webhook failed", "condition", m.Condition, "error", err)
			}
		}
		if len(dest.Email) > 0 {
			if err := n.mail(dest.Email, m); err != nil {
				n.log.Warn("notification e-mail failed", "condition", m.Condition, "error", err)
			}
		}
	}()
}

// postWebhook posts {"text": …} — what Slack and Teams incoming webhooks accept.
func (n *Notifier) postWebhook(ctx context.Context, m Message) error {
	if !n.env.WebhookURL.IsSet() {
		return fmt.Errorf("the settings ask for a webhook but NOTIFY_WEBHOOK_URL is not set")
	}
	body, _ := json.Marshal(map[string]string{"text": "*" + m.Subject + "*\n" + m.Text})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.env.WebhookURL.Reveal(), bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("NOTIFY_WEBHOOK_URL is not a URL")
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := n.http.Do(req)
	if err != nil {
		return fmt.Errorf("post to the webhook: %v", redactURL(err, n.env.WebhookURL.Reveal()))
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("the webhook answered HTTP %d", resp.StatusCode)
	}
	return nil
}

// redactURL keeps the secret webhook URL out of an error text.
func redactURL(err error, url string) string {
	return strings.ReplaceAll(err.Error(), url, "NOTIFY_WEBHOOK_URL")
}

// mail sends m by SMTP (PLAIN auth when NOTIFY_SMTP_USER is set; net/smtp refuses it without TLS
// except on localhost).
func (n *Notifier) mail(to []string, m Message) error {
	if n.env.SMTPAddr == "" {
		return fmt.Errorf("the settings ask for e-mail but NOTIFY_SMTP_ADDR is not set")
	}
	host, _, _ := net.SplitHostPort(n.env.SMTPAddr)
	var auth smtp.Auth
	if n.env.SMTPUser != "" {
		auth = smtp.PlainAuth("", n.env.SMTPUser, n.env.SMTPPassword.Reveal(), host)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n", n.env.SMTPFrom, strings.Join(to, ", "), m.Subject)
	b.WriteString(strings.ReplaceAll(m.Text, "\n", "\r\n"))
	b.WriteString("\r\n")
	return smtp.SendMail(n.env.SMTPAddr, auth, n.env.SMTPFrom, to, []byte(b.String()))
}
