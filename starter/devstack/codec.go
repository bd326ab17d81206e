package devstack

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/cartrover-cb/ordermanager/codec"
	"github.com/cartrover-cb/ordermanager/config"
	"github.com/cartrover-cb/ordermanager/starter/command"
)

// PayloadKeysFile and CodecTokenFile are the dev keyring and codec server token under StateDir:
// made on the first start, kept so a later `make run` reads the same histories.
const (
	PayloadKeysFile = "payload-keys"
	CodecTokenFile  = "codec-token"
)

// devSecrets returns the payload keyring file's path and the codec server token, making both on
// the first start (readable by the owner only).
func devSecrets(stateDir string) (keysFile, token string, err error) {
	keysFile = filepath.Join(stateDir, PayloadKeysFile)
	if _, err := os.Stat(keysFile); errors.Is(err, os.ErrNotExist) {
		line, err := codec.NewKeyLine("dev-1")
		if err != nil {
			return "", "", err
		}
		if err := os.WriteFile(keysFile, []byte("# make run's payload keys: the first encrypts, all decrypt\n"+line+"\n"), 0o600); err != nil {
			return "", "", err
		}
	}
	tokenFile := filepath.Join(stateDir, CodecTokenFile)
	if _, err := os.Stat(tokenFile); errors.Is(err, os.ErrNotExist) {
		tok, err := command.NewToken()
		if err != nil {
			return "", "", err
		}
		if err := os.WriteFile(tokenFile, []byte(tok+"\n"), 0o600); err != nil {
			return "", "", err
		}
	}
	b, err := os.ReadFile(tokenFile)
	if err != nil {
		return "", "", err
	}
	return keysFile, strings.TrimSpace(string(b)), nil
}

// startCodecServer serves the payload codec for the dev server's Web UI (and `temporal
// --codec-endpoint`), with the same keyring as the worker.
func (s *Stack) startCodecServer(ctx context.Context) error {
	o := s.opts
	keys, err := os.ReadFile(s.PayloadKeysFile)
	if err != nil {
		return err
	}
	cdc, err := config.Codec{Keys: config.Secret(keys)}.Codec()
	if err != nil {
		return fmt.Errorf("%s: %w", s.PayloadKeysFile, err)
	}
	origins := []string{fmt.Sprintf("http://127.0.0.1:%d", o.UIPort), fmt.Sprintf("http://localhost:%d", o.UIPort)}
	h, err := codec.NewServer(cdc, codec.ServerOptions{Tokens: []string{s.CodecToken}, AllowedOrigins: origins})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.CodecAddr)
	if err != nil {
		return fmt.Errorf("codec server: %w", err)
	}
	s.CodecURL = "http://" + ln.Addr().String()
	cctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	s.stopCodec, s.codecDone = stop, make(chan error, 1)
	go func() { s.codecDone <- command.ServeCodec(cctx, ln, h, "", "") }()
	return nil
}

// UICodecEndpoint is the codec endpoint the dev server's Web UI is given: the token travels in
// the path because that UI cannot add an Authorization header.
func (s *Stack) UICodecEndpoint() string { return s.CodecURL + codec.TokenPathPrefix + s.CodecToken }

// TemporalAddr is the dev server's gRPC address.
func (s *Stack) TemporalAddr() string { return s.opts.TemporalAddr }
