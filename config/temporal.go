package config

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"strings"

	"go.temporal.io/sdk/client"
)

// ClientOptions returns the Temporal client options for this connection: address, namespace,
// API key credentials and TLS/mTLS. Telemetry (logger, interceptors, metrics) is added by the
// telemetry package.
func (c Temporal) ClientOptions() (client.Options, error) {
	opts := client.Options{HostPort: c.Address, Namespace: c.Namespace}
	if c.APIKey.IsSet() {
		opts.Credentials = client.NewAPIKeyStaticCredentials(c.APIKey.Reveal())
	}
	useTLS := c.APIKey.IsSet() || c.TLSCert != "" || c.TLSCA != ""
	if c.TLS != nil {
		useTLS = *c.TLS
	}
	if !useTLS {
		if c.APIKey.IsSet() && !c.AllowPlaintextAPIKey {
			return client.Options{}, fmt.Errorf("TEMPORAL_API_KEY would travel in clear text because TEMPORAL_TLS=false: turn TLS on, or set TEMPORAL_API_KEY_ALLOW_PLAINTEXT=true for a local test server")
		}
		// Explicitly off: an API key must not switch it back on.
		opts.ConnectionOptions.TLSDisabled = c.APIKey.IsSet()
		return opts, nil
	}
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: c.TLSServerName}
	if c.TLSCert != "" {
		certPEM, err := pemOrFile(c.TLSCert, "TEMPORAL_TLS_CERT")
		if err != nil {
			return client.Options{}, err
		}
		keyPEM, err := pemOrFile(c.TLSKey.Reveal(), "TEMPORAL_TLS_KEY")
		if err != nil {
			return client.Options{}, err
		}
		cert, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return client.Options{}, fmt.Errorf("TEMPORAL_TLS_CERT/TEMPORAL_TLS_KEY: not a matching certificate and key pair (%v): set them to the client certificate and its key", err)
		}
		tlsCfg.Certificates = []tls.Certificate{cert}
	}
	if c.TLSCA != "" {
		caPEM, err := pemOrFile(c.TLSCA, "TEMPORAL_TLS_CA")
		if err != nil {
			return client.Options{}, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(caPEM) {
			return client.Options{}, fmt.Errorf("TEMPORAL_TLS_CA holds no PEM certificate: set it to the CA bundle that signs the Temporal server certificate")
		}
		tlsCfg.RootCAs = pool
	}
	opts.ConnectionOptions.TLS = tlsCfg
	return opts, nil
}

// pemOrFile returns v itself when it is PEM text, else the contents of the file it names.
// Errors never include v (it may be a private key).
func pemOrFile(v, name string) ([]byte, error) {
	if strings.HasPrefix(strings.TrimSpace(v), "-----BEGIN") {
		return []byte(v), nil
	}
	b, err := os.ReadFile(v)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot read the file it names (%v): set it to a readable PEM file or the PEM text", name, errWithoutPath(err))
	}
	return b, nil
}

// errWithoutPath drops the path from an *os.PathError (the path could be a mangled secret).
func errWithoutPath(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
