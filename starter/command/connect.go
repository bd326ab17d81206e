package command

import (
	"context"
	"fmt"
	"net"
	"os"

	"github.com/sethvargo/go-envconfig"
	"github.com/urfave/cli/v2"
	"go.temporal.io/sdk/client"

	"github.com/cartrover-cb/ordermanager/codec"
	"github.com/cartrover-cb/ordermanager/config"
	"github.com/cartrover-cb/ordermanager/workflows"
)

// Connection flag names; each is backed by the environment variable the worker reads too.
const (
	flagAddress       = "address"
	flagNamespace     = "namespace"
	flagAPIKey        = "api-key"
	flagTLSCert       = "tls-cert"
	flagTLSKey        = "tls-key"
	flagTLSCA         = "tls-ca"
	flagTLS           = "tls"
	flagTLSServerName = "tls-server-name"
	flagTaskQueue     = "task-queue"
	flagUIURL         = "ui-url"
	flagOutput        = "output"
	// flagPayloadKeysFile names the payload keyring file (PAYLOAD_ENCRYPTION_KEYS_FILE).
	flagPayloadKeysFile = "payload-keys-file"
	// flagAllowPlaintextAPIKey lets the API key go without TLS (local test servers only).
	flagAllowPlaintextAPIKey = "allow-plaintext-api-key"
)

// connectionFlags are the global flags: where Temporal is and how to reach it.
func connectionFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: flagAddress, Usage: "Temporal frontend host:port", Value: "127.0.0.1:7233", EnvVars: []string{"TEMPORAL_ADDRESS"}},
		&cli.StringFlag{Name: flagNamespace, Usage: "Temporal namespace", Value: "default", EnvVars: []string{"TEMPORAL_NAMESPACE"}},
		// The API key is a secret: its value is never printed, not even as a default in --help.
		&cli.StringFlag{Name: flagAPIKey, Usage: "Temporal Cloud API key (prefer the environment variable)", EnvVars: []string{"TEMPORAL_API_KEY"}, DefaultText: secretDefault("TEMPORAL_API_KEY")},
		&cli.StringFlag{Name: flagTLSCert, Usage: "client certificate file (mTLS)", EnvVars: []string{"TEMPORAL_TLS_CERT"}},
		&cli.StringFlag{Name: flagTLSKey, Usage: "client key file (mTLS)", EnvVars: []string{"TEMPORAL_TLS_KEY"}, DefaultText: secretDefault("TEMPORAL_TLS_KEY")},
		&cli.StringFlag{Name: flagTLSCA, Usage: "CA certificate file that signed the server's certificate", EnvVars: []string{"TEMPORAL_TLS_CA"}},
		&cli.BoolFlag{Name: flagTLS, Usage: "force TLS on or off", DefaultText: "on when an API key, certificate or CA is set", EnvVars: []string{"TEMPORAL_TLS"}},
		&cli.StringFlag{Name: flagTLSServerName, Usage: "server name expected in the server's certificate", EnvVars: []string{"TEMPORAL_TLS_SERVER_NAME"}},
		&cli.StringFlag{Name: flagTaskQueue, Usage: "task queue the worker polls", Value: workflows.DefaultTaskQueue, EnvVars: []string{"TASK_QUEUE"}},
		&cli.StringFlag{Name: flagUIURL, Usage: "Temporal Web UI base URL, for links", Value: "http://127.0.0.1:8233", EnvVars: []string{"TEMPORAL_UI_URL"}},
		&cli.StringFlag{Name: flagOutput, Aliases: []string{"o"}, Usage: "output format: table or json", Value: "table"},
		&cli.StringFlag{Name: flagPayloadKeysFile, Usage: "payload encryption keyring file (or PAYLOAD_ENCRYPTION_KEYS in the environment); the worker's keys", EnvVars: []string{"PAYLOAD_ENCRYPTION_KEYS_FILE"}},
		&cli.BoolFlag{Name: flagAllowPlaintextAPIKey, Usage: "send the API key even with TLS off (local test servers only)", EnvVars: []string{"TEMPORAL_API_KEY_ALLOW_PLAINTEXT"}},
	}
}

// secretDefault is the --help default of a secret flag: "set, not shown" when its variable is set
// (urfave/cli would otherwise print the value), nothing when it is not.
func secretDefault(envVar string) string {
	if os.Getenv(envVar) != "" {
		return "set, not shown"
	}
	return ""
}

// temporalConfig is the connection the flags (and their TEMPORAL_* variables) describe.
func temporalConfig(c *cli.Context) config.Temporal {
	t := config.Temporal{
		Address:       c.String(flagAddress),
		Namespace:     c.String(flagNamespace),
		APIKey:        config.Secret(c.String(flagAPIKey)),
		TLSCert:       c.String(flagTLSCert),
		TLSKey:        config.Secret(c.String(flagTLSKey)),
		TLSCA:         c.String(flagTLSCA),
		TLSServerName: c.String(flagTLSServerName),

		AllowPlaintextAPIKey: c.Bool(flagAllowPlaintextAPIKey),
	}
	if c.IsSet(flagTLS) {
		on := c.Bool(flagTLS)
		t.TLS = &on
	}
	return t
}

// clientOptions builds the Temporal client options from the connection flags (config owns the
// TLS and API-key rules, shared with the worker). Errors are configuration errors (exit status 2).
func clientOptions(c *cli.Context) (client.Options, error) {
	t := temporalConfig(c)
	if _, _, err := net.SplitHostPort(t.Address); err != nil {
		return client.Options{}, usageErrorf("--address (TEMPORAL_ADDRESS) %q is not host:port: set it to the Temporal frontend, e.g. 127.0.0.1:7233", t.Address)
	}
	// The secrets also come from <NAME>_FILE, as the worker's do.
	var err error
	if !c.IsSet(flagAPIKey) {
		if t.APIKey, err = config.LookupSecret(envconfig.OsLookuper(), "TEMPORAL_API_KEY"); err != nil {
			return client.Options{}, &UsageError{msg: err.Error()}
		}
	}
	if !c.IsSet(flagTLSKey) {
		if t.TLSKey, err = config.LookupSecret(envconfig.OsLookuper(), "TEMPORAL_TLS_KEY"); err != nil {
			return client.Options{}, &UsageError{msg: err.Error()}
		}
	}
	if (t.TLSCert == "") != !t.TLSKey.IsSet() {
		return client.Options{}, usageErrorf("--tls-cert (TEMPORAL_TLS_CERT) and --tls-key (TEMPORAL_TLS_KEY) go together: set both or neither")
	}
	opts, err := t.ClientOptions()
	if err != nil {
		return opts, &UsageError{msg: err.Error()}
	}
	cdc, err := payloadCodec(c)
	if err != nil {
		return opts, err
	}
	if cdc != nil {
		opts = cdc.ClientOptions(opts)
		setDescribedPayloadConverter(opts.DataConverter)
	}
	return opts, nil
}

// payloadCodec is the payload codec of the keyring in PAYLOAD_ENCRYPTION_KEYS or the file named
// by --payload-keys-file (PAYLOAD_ENCRYPTION_KEYS_FILE); nil when neither is set.
func payloadCodec(c *cli.Context) (*codec.Codec, error) {
	l := envconfig.OsLookuper()
	if f := c.String(flagPayloadKeysFile); f != "" {
		l = envconfig.MultiLookuper(envconfig.MapLookuper(map[string]string{"PAYLOAD_ENCRYPTION_KEYS_FILE": f}), l)
	}
	keys, err := config.LookupSecret(l, "PAYLOAD_ENCRYPTION_KEYS")
	if err != nil {
		return nil, &UsageError{msg: err.Error()}
	}
	if !keys.IsSet() {
		return nil, nil
	}
	cdc, err := config.Codec{Keys: keys}.Codec()
	if err != nil {
		return nil, &UsageError{msg: err.Error()}
	}
	return cdc, nil
}

// errNoPayloadKeys refuses to talk to Temporal without the payload keys: the starter would
// otherwise write settings in clear and could not read what the worker wrote.
var errNoPayloadKeys = usageErrorf("payload encryption keys missing: set PAYLOAD_ENCRYPTION_KEYS (or PAYLOAD_ENCRYPTION_KEYS_FILE, or --%s) to the worker's keyring; under `make run` use --%s .run/payload-keys", flagPayloadKeysFile, flagPayloadKeysFile)

// dial connects to Temporal with the connection flags (or the Env's Dial in tests).
func (e *Env) dial(c *cli.Context) (client.Client, error) {
	opts, err := clientOptions(c)
	if err != nil {
		return nil, err
	}
	ctx := c.Context
	if ctx == nil {
		ctx = context.Background()
	}
	if e.Dial != nil {
		return e.Dial(ctx, opts)
	}
	if opts.DataConverter == nil {
		return nil, errNoPayloadKeys
	}
	cl, err := client.DialContext(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("connect to Temporal at %s (namespace %s): %w; is the server running and TEMPORAL_ADDRESS right?", opts.HostPort, opts.Namespace, err)
	}
	return cl, nil
}
