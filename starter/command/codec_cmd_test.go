package command_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cartrover-cb/ordermanager/codec"
	"github.com/cartrover-cb/ordermanager/starter/command"
	"github.com/stretchr/testify/assert"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestCodecKeyMakesKeysAndTokens(t *testing.T) {
	var out bytes.Buffer
	if err := command.Run(context.Background(), []string{"starter", "codec-key", "--id", "k2026-07"}, command.Env{Stdout: &out}); err != nil {
		t.Fatal(err)
	}
	ring, err := codec.ParseKeyring(out.String())
	if err != nil || ring.Current() != "k2026-07" {
		t.Fatalf("codec-key printed %q: %v", out.String(), err)
	}
	out.Reset()
	if err := command.Run(context.Background(), []string{"starter", "codec-key", "--token"}, command.Env{Stdout: &out}); err != nil {
		t.Fatal(err)
	}
	if tok := strings.TrimSpace(out.String()); len(tok) < 32 {
		t.Errorf("codec-key --token printed %q, want a long random token", tok)
	}
	err = command.Run(context.Background(), []string{"starter", "codec-key", "--id", "bad id"}, command.Env{Stdout: &out})
	if command.ExitCode(err) != 2 {
		t.Errorf("codec-key with a bad ID: %v, want a usage error", err)
	}
}

// TestCodecServerCommandServesWithTheEnvironmentsKeysAndTokens runs `starter codec-server` as an
// operator would: keys and tokens from the environment, a free port.
func TestCodecServerCommandServesWithTheEnvironmentsKeysAndTokens(t *testing.T) {
	line, err := codec.NewKeyLine("k1")
	if err != nil {
		t.Fatal(err)
	}
	const token = "codec-cmd-token-0123456789abcdef"
	// As the README runs it: keys and tokens from files (mounted secrets).
	dir := t.TempDir()
	keysFile, tokensFile := filepath.Join(dir, "payload-keys"), filepath.Join(dir, "codec-tokens")
	if err := os.WriteFile(keysFile, []byte(line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tokensFile, []byte("old-token-0123456789abcdef,"+token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PAYLOAD_ENCRYPTION_KEYS", "")
	t.Setenv("PAYLOAD_ENCRYPTION_KEYS_FILE", keysFile)
	t.Setenv("CODEC_SERVER_TOKENS_FILE", tokensFile)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stderr := &lockedBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- command.Run(ctx, []string{"starter", "codec-server", "--listen", "127.0.0.1:0", "--ui-origin", "http://127.0.0.1:8233"}, command.Env{Stderr: stderr})
	}()
	re := regexp.MustCompile(`codec server on (http://[0-9.:]+)`)
	var url string
	listening := func() bool {
		if m := re.FindStringSubmatch(stderr.String()); m != nil {
			url = m[1]
		}
		return url != ""
	}
	if !assert.Eventually(t, listening, 30*time.Second, 20*time.Millisecond) {
		t.Fatalf("codec-server did not say where it listens: %s", stderr.String())
	}
	if strings.Contains(stderr.String(), line[3:]) {
		t.Errorf("codec-server printed key material: %s", stderr.String())
	}
	ring, _ := codec.ParseKeyring(line)
	c, _ := codec.New(ring, codec.Options{})
	p, _ := c.DataConverter().ToPayload("jordan.lee@example.com")
	body := `{"payloads":[{"metadata":{` + metadataJSON(p.Metadata) + `},"data":"` + b64(p.Data) + `"}]}`
	for auth, want := range map[string]int{"": http.StatusUnauthorized, "Bearer " + token: http.StatusOK, "Bearer nope-0123456789abcdef": http.StatusUnauthorized} {
		req, _ := http.NewRequest(http.MethodPost, url+"/decode", strings.NewReader(body))
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("decode with %q: %d %s, want %d", auth, resp.StatusCode, b, want)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("codec-server after cancel: %v", err)
	}
}

func TestCodecServerCommandNeedsKeysAndTokens(t *testing.T) {
	t.Setenv("PAYLOAD_ENCRYPTION_KEYS", "")
	t.Setenv("CODEC_SERVER_TOKENS", "")
	var errb bytes.Buffer
	err := command.Run(context.Background(), []string{"starter", "codec-server", "--listen", "127.0.0.1:0"}, command.Env{Stderr: &errb})
	if command.ExitCode(err) != 2 || !strings.Contains(err.Error(), "CODEC_SERVER_TOKENS") {
		t.Errorf("codec-server without tokens: %v, want a usage error naming CODEC_SERVER_TOKENS", err)
	}
}

func metadataJSON(md map[string][]byte) string {
	var parts []string
	for k, v := range md {
		parts = append(parts, `"`+k+`":"`+b64(v)+`"`)
	}
	return strings.Join(parts, ",")
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
