package config

import "net"

// Notify is where the worker's notifications go; the settings' notify section says whether and
// when. The webhook URL and the SMTP credentials are secrets: they live only here.
type Notify struct {
	// WebhookURL is a Slack- or Teams-style incoming webhook (a JSON {"text": …} POST).
	WebhookURL Secret `env:"NOTIFY_WEBHOOK_URL" doc:"an https incoming-webhook URL (Slack, Teams)"`
	// SMTPAddr is the mail server host:port.
	SMTPAddr string `env:"NOTIFY_SMTP_ADDR" doc:"the SMTP server host:port"`
	// SMTPUser and SMTPPassword sign in to the mail server (PLAIN auth; empty = none).
	SMTPUser     string `env:"NOTIFY_SMTP_USER" doc:"the SMTP user"`
	SMTPPassword Secret `env:"NOTIFY_SMTP_PASSWORD" doc:"the SMTP password"`
	// SMTPFrom is the sender address.
	SMTPFrom string `env:"NOTIFY_SMTP_FROM, default=ordermanager@localhost" doc:"the sender e-mail address"`
}

func (c *Notify) validate() []string {
	var p []string
	if c.SMTPAddr != "" {
		if _, _, err := net.SplitHostPort(c.SMTPAddr); err != nil {
			p = append(p, "NOTIFY_SMTP_ADDR is not host:port: set it to the mail server, e.g. smtp.example.com:587")
		}
	}
	if c.SMTPUser != "" && !c.SMTPPassword.IsSet() {
		p = append(p, "NOTIFY_SMTP_PASSWORD is required when NOTIFY_SMTP_USER is set: set it to that user's password")
	}
	return p
}
