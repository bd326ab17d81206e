package command

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/cartrover-cb/ordermanager/codec"
	"github.com/cartrover-cb/ordermanager/config"
)

// codecServerCommand is `starter codec-server`: the payload codec over HTTP for the Temporal Web
// UI and CLI. It is a process of its own, not a route of the worker: it holds only the payload
// keys (no CartRover or CB credentials), it is the one piece browsers reach, and it can run where
// the people who may read orders are (next to the UI, or on an operator's machine).
func codecServerCommand(env *Env) *cli.Command {
	return &cli.Command{
		Name:  "codec-server",
		Usage: "serve /encode and /decode for the Temporal Web UI and CLI (keys from PAYLOAD_ENCRYPTION_KEYS, tokens from CODEC_SERVER_TOKENS)",
		Description: "Every request must carry a token of CODEC_SERVER_TOKENS, as `Authorization: Bearer <token>`\n" +
			"(temporal --codec-endpoint URL --codec-auth \"Bearer <token>\") or in the path (endpoint URL/t/<token>\n" +
			"for Web UIs that cannot send a header). Browsers may call it only from CODEC_SERVER_UI_ORIGINS.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "listen", Usage: "host:port to listen on (default: CODEC_SERVER_ADDR, 127.0.0.1:8234)"},
			&cli.StringSliceFlag{Name: "ui-origin", Usage: "Web UI origin allowed to call it, repeatable (default: CODEC_SERVER_UI_ORIGINS)"},
		},
		Action: func(c *cli.Context) error {
			var cs config.CodecServer
			if err := config.Load(c.Context, &cs); err != nil {
				return &UsageError{msg: err.Error()}
			}
			if c.IsSet("listen") {
				cs.Addr = c.String("listen")
			}
			origins := cs.OriginList()
			if c.IsSet("ui-origin") {
				origins = c.StringSlice("ui-origin")
			}
			cdc, err := payloadCodec(c)
			if err != nil {
				return err
			}
			if cdc == nil {
				return errNoPayloadKeys
			}
			h, err := codec.NewServer(cdc, codec.ServerOptions{Tokens: cs.TokenList(), AllowedOrigins: origins})
			if err != nil {
				return &UsageError{msg: err.Error()}
			}
			ln, err := net.Listen("tcp", cs.Addr)
			if err != nil {
				return fmt.Errorf("codec server: listen on %s: %w (set --listen or CODEC_SERVER_ADDR to a free host:port)", cs.Addr, err)
			}
			scheme := "http"
			if cs.TLSCert != "" {
				scheme = "https"
			}
			fmt.Fprintf(env.stderr(), "codec server on %s://%s (keys %v, current %s; UI origins %v)\n", scheme, ln.Addr(), cdc.Keyring().IDs(), cdc.Keyring().Current(), origins)
			return ServeCodec(c.Context, ln, h, cs.TLSCert, cs.TLSKey)
		},
	}
}

// ServeCodec serves h on ln until ctx ends (HTTPS when certFile is set), then shuts down.
func ServeCodec(ctx context.Context, ln net.Listener, h http.Handler, certFile string, keyFile config.Secret) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() {
		if certFile != "" {
			done <- srv.ServeTLS(ln, certFile, keyFile.Reveal())
			return
		}
		done <- srv.Serve(ln)
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-done; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}

// codecKeyCommand is `starter codec-key`: a fresh payload key line (or codec server token).
func codecKeyCommand(env *Env) *cli.Command {
	return &cli.Command{
		Name:  "codec-key",
		Usage: "print a new random payload encryption key as id=base64key (with --token: a codec server token)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "id", Usage: "the key's ID (default: k<date>); never reuse an ID"},
			&cli.BoolFlag{Name: "token", Usage: "print a random codec server token instead"},
		},
		Action: func(c *cli.Context) error {
			if c.Bool("token") {
				tok, err := NewToken()
				if err != nil {
					return err
				}
				fmt.Fprintln(env.stdout(), tok)
				return nil
			}
			id := c.String("id")
			if id == "" {
				id = "k" + env.now().UTC().Format("20060102")
			}
			line, err := codec.NewKeyLine(id)
			if err != nil {
				return &UsageError{msg: err.Error()}
			}
			fmt.Fprintln(env.stdout(), line)
			return nil
		},
	}
}

// NewToken returns a random codec server (or metrics) token.
func NewToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
