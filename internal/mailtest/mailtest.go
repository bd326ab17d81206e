// Package mailtest is a tiny SMTP server for tests: it accepts every message (PLAIN auth, no TLS)
// on a loopback port and keeps what it received.
package mailtest

import (
	"bufio"
	"encoding/base64"
	"net"
	"strings"
	"sync"
	"testing"
)

// Mail is one received message.
type Mail struct {
	// From and To are the envelope addresses.
	From string
	To   []string
	// Auth is the decoded PLAIN credentials ("\x00user\x00password"), "" when none.
	Auth string
	// Data is the message (headers and body) as sent.
	Data string
}

// Server is a running test SMTP server.
type Server struct {
	// Addr is its host:port.
	Addr string

	ln   net.Listener
	mu   sync.Mutex
	mail []Mail
	got  chan struct{}
}

// Start starts a server on a free loopback port, stopped when t ends.
func Start(t testing.TB) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Addr: ln.Addr().String(), ln: ln, got: make(chan struct{}, 100)}
	go s.serve()
	t.Cleanup(func() { ln.Close() })
	return s
}

// Received returns the messages so far.
func (s *Server) Received() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mail...)
}

// Got is signalled once per received message.
func (s *Server) Got() <-chan struct{} { return s.got }

func (s *Server) serve() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		go s.session(c)
	}
}

func (s *Server) session(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(l string) { _, _ = c.Write([]byte(l + "\r\n")) }
	say("220 mailtest ready")
	var m Mail
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		switch verb {
		case "EHLO":
			say("250-mailtest")
			say("250 AUTH PLAIN")
		case "HELO":
			say("250 mailtest")
		case "AUTH":
			parts := strings.Fields(line)
			if len(parts) == 3 {
				b, _ := base64.StdEncoding.DecodeString(parts[2])
				m.Auth = string(b)
			}
			say("235 2.7.0 authenticated")
		case "MAIL":
			m.From = addr(line)
			say("250 ok")
		case "RCPT":
			m.To = append(m.To, addr(line))
			say("250 ok")
		case "DATA":
			say("354 go ahead")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(strings.TrimPrefix(l, "."))
			}
			m.Data = b.String()
			s.mu.Lock()
			s.mail = append(s.mail, m)
			s.mu.Unlock()
			select {
			case s.got <- struct{}{}:
			default:
			}
			m = Mail{Auth: m.Auth}
			say("250 queued")
		case "QUIT":
			say("221 bye")
			return
		default:
			say("250 ok")
		}
	}
}

func addr(line string) string {
	i, j := strings.Index(line, "<"), strings.LastIndex(line, ">")
	if i < 0 || j < i {
		return ""
	}
	return line[i+1 : j]
}
