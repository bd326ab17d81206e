package notify_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cartrover-cb/ordermanager/activities"
	"github.com/cartrover-cb/ordermanager/config"
	"github.com/cartrover-cb/ordermanager/connectedbusiness"
	"github.com/cartrover-cb/ordermanager/internal/mailtest"
	"github.com/cartrover-cb/ordermanager/notify"
	"github.com/cartrover-cb/ordermanager/settings"
	"github.com/cartrover-cb/ordermanager/telemetry"
	"github.com/cartrover-cb/ordermanager/telemetry/runmetrics"
	"github.com/cartrover-cb/ordermanager/workflows"
)

// webhook is a local incoming-webhook receiver that keeps the JSON bodies it got.
type webhook struct {
	*httptest.Server
	mu     sync.Mutex
	bodies []map[string]string
	got    chan struct{}
}

func newWebhook(t *testing.T) *webhook {
	w := &webhook{got: make(chan struct{}, 100)}
	w.Server = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var m map[string]string
		if r.Header.Get("Content-Type") != "application/json" || json.Unmarshal(b, &m) != nil || m["text"] == "" {
			t.Errorf("webhook got a body Slack/Teams would refuse: %s %s", r.Header.Get("Content-Type"), b)
		}
		w.mu.Lock()
		w.bodies = append(w.bodies, m)
		w.mu.Unlock()
		w.got <- struct{}{}
	}))
	t.Cleanup(w.Close)
	return w
}

func (w *webhook) texts() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for _, b := range w.bodies {
		out = append(out, b["text"])
	}
	return out
}

func wait(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(20 * time.Second):
		t.Fatalf("no %s arrived", what)
	}
}

func heldRun(runID string) runmetrics.RunEnd {
	return runmetrics.RunEnd{
		WorkflowID: "ordermanager:orders-2026-12-01T10:00:00Z", RunID: runID, Schedule: "orders",
		Input: workflows.OrderManagerInput{Settings: settings.Settings{Notify: &settings.Notify{Webhook: true, Email: []string{"ops@example.com"}, Window: "1h"}}},
		Summary: &workflows.RunSummary{Orders: &workflows.OrdersSummary{Downloaded: 5, Imported: 3, Held: 1, Failed: 1, Problems: []workflows.Problem{
			{Key: "WC5004", Type: "UnmappedShipCode", Reason: `WooCommerce #WC5004 (cust_ref WC5004): ship code "local_pickup" maps to no CB shipping method; ship to Jane Doe, 1 Main St, jane@example.com`},
			{Key: "SH1015", Type: activities.ErrTypeRetriesExhausted, Reason: "Shopify #SH1015 (cust_ref SH1015): CB timed out"},
		}}},
	}
}

func TestARunWithHeldAndFailedOrdersIsToldOnceByWebhookAndEmail(t *testing.T) {
	hook := newWebhook(t)
	smtpd := mailtest.Start(t)
	n := notify.New(config.Notify{WebhookURL: config.Secret(hook.URL), SMTPAddr: smtpd.Addr, SMTPUser: "bot", SMTPPassword: "mail-secret", SMTPFrom: "ordermanager@example.com"}, nil)
	n.RunEnded(heldRun("run-1"))
	wait(t, hook.got, "webhook message")
	wait(t, smtpd.Got(), "e-mail")
	text := hook.texts()[0]
	for _, want := range []string{"1 new held and 1 failed orders", "- WooCommerce WC5004: held (UnmappedShipCode)", "- Shopify SH1015: failed (RetriesExhausted)", "starter orders list --outcome held"} {
		if !strings.Contains(text, want) {
			t.Errorf("webhook text lacks %q:\n%s", want, text)
		}
	}
	mail := smtpd.Received()[0]
	if mail.From != "ordermanager@example.com" || len(mail.To) != 1 || mail.To[0] != "ops@example.com" || mail.Auth != "\x00bot\x00mail-secret" ||
		!strings.Contains(mail.Data, "Subject: Order Manager: 1 new held and 1 failed orders (orders)") || !strings.Contains(mail.Data, "WooCommerce WC5004") {
		t.Errorf("e-mail as received: %+v", mail)
	}
	for _, pii := range []string{"Jane", "Main St", "jane@example.com", "local_pickup"} {
		if strings.Contains(text+mail.Data, pii) {
			t.Errorf("a message carries %q: only cust_ref and order source may appear", pii)
		}
	}
	t.Logf("webhook received: %s", text)

	// The same condition again within the window (another run, or the same run's end seen twice): nothing.
	n.RunEnded(heldRun("run-2"))
	n.RunEnded(heldRun("run-1"))
	// A different condition in the same window is told.
	failed := heldRun("run-3")
	failed.Summary, failed.Err = nil, "activity error: CB sign-in refused\nmore"
	n.RunEnded(failed)
	wait(t, hook.got, "run-failed message")
	n.Wait()
	texts := hook.texts()
	if len(texts) != 2 || !strings.Contains(texts[1], "a run of orders failed") || !strings.Contains(texts[1], "CB sign-in refused") {
		t.Fatalf("webhook messages: %q (want the held one, then the failed run; the repeat suppressed)", texts)
	}
	if len(smtpd.Received()) != 2 {
		t.Errorf("%d e-mails, want 2", len(smtpd.Received()))
	}
}

func TestNoSettingsNoMessage(t *testing.T) {
	hook := newWebhook(t)
	n := notify.New(config.Notify{WebhookURL: config.Secret(hook.URL)}, nil)
	r := heldRun("run-x")
	r.Input.Settings.Notify = nil
	n.RunEnded(r)
	n.Wait()
	if len(hook.texts()) != 0 {
		t.Fatalf("sent without a notify section: %q", hook.texts())
	}
}

func TestAnOutageLongerThanTheSettingsAllowIsToldAndSoIsTheRecovery(t *testing.T) {
	hook := newWebhook(t)
	n := notify.New(config.Notify{WebhookURL: config.Secret(hook.URL)}, nil)
	stop := n.WatchDependencies()
	defer stop()
	r := heldRun("run-o")
	r.Summary.Orders.Held, r.Summary.Orders.Failed = 0, 0
	r.Input.Settings.Notify = &settings.Notify{Webhook: true, UnreachableAfter: "300ms"}
	n.RunEnded(r) // no held orders: no message, but the settings are now known
	ctx := context.Background()
	down := &connectedbusiness.TransportError{Op: "Transactions/orderlookup", Err: io.ErrUnexpectedEOF}
	telemetry.ObserveCBCall(ctx, "Transactions/orderlookup", down, time.Millisecond)
	wait(t, hook.got, "unreachable message")
	telemetry.ObserveCBCall(ctx, "Transactions/orderlookup", nil, time.Millisecond)
	wait(t, hook.got, "back-to-normal message")
	n.Wait()
	texts := hook.texts()
	if len(texts) != 2 || !strings.Contains(texts[0], "Connected Business unreachable for 300ms") || !strings.Contains(texts[1], "Back to normal") {
		t.Fatalf("messages: %q", texts)
	}
	// A blip shorter than unreachable_after tells nobody.
	telemetry.ObserveCBCall(ctx, "Transactions/orderlookup", down, time.Millisecond)
	telemetry.ObserveCBCall(ctx, "Transactions/orderlookup", nil, time.Millisecond)
	time.Sleep(500 * time.Millisecond)
	n.Wait()
	if len(hook.texts()) != 2 {
		t.Fatalf("a short blip was told: %q", hook.texts())
	}
	t.Logf("outage messages: %q", texts)
}
