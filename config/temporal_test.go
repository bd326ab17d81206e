package config_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sethvargo/go-envconfig"

	"github.com/cartrover-cb/ordermanager/config"
)

// selfSigned returns a certificate and its key, PEM-encoded.
func selfSigned(t *testing.T) (certPEM, keyPEM string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "worker"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}))
}

func TestTemporalClientOptionsLoadMTLSFromFilesOrPEMText(t *testing.T) {
	certPEM, keyPEM := selfSigned(t)
	dir := t.TempDir()
	for name, body := range map[string]string{"cert.pem": certPEM, "key.pem": keyPEM} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct{ name, cert, key, ca string }{
		{"files", filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), filepath.Join(dir, "cert.pem")},
		{"PEM text", certPEM, keyPEM, certPEM},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c config.Temporal
			err := config.LoadFrom(context.Background(), envconfig.MapLookuper(map[string]string{
				"TEMPORAL_ADDRESS":         "temporal.example:7233",
				"TEMPORAL_TLS_CERT":        tc.cert,
				"TEMPORAL_TLS_KEY":         tc.key,
				"TEMPORAL_TLS_CA":          tc.ca,
				"TEMPORAL_TLS_SERVER_NAME": "temporal.example",
			}), &c)
			if err != nil {
				t.Fatal(err)
			}
			opts, err := c.ClientOptions()
			if err != nil {
				t.Fatalf("ClientOptions: %v", err)
			}
			tlsCfg := opts.ConnectionOptions.TLS
			if tlsCfg == nil || len(tlsCfg.Certificates) != 1 || tlsCfg.RootCAs == nil || tlsCfg.ServerName != "temporal.example" {
				t.Errorf("TLS config = %+v, want the client certificate, the CA and the server name", tlsCfg)
			}
			if opts.Credentials != nil {
				t.Error("mTLS without an API key must not set API key credentials")
			}
		})
	}
}

func TestTemporalClientOptionsNeverEchoTheKey(t *testing.T) {
	certPEM, _ := selfSigned(t)
	_, otherKey := selfSigned(t) // a key that does not match the certificate
	c := config.Temporal{Address: "127.0.0.1:7233", Namespace: "default", TLSCert: certPEM, TLSKey: config.Secret(otherKey)}
	_, err := c.ClientOptions()
	if err == nil {
		t.Fatal("ClientOptions accepted a key that does not match the certificate")
	}
	if !strings.Contains(err.Error(), "TEMPORAL_TLS_KEY") || strings.Contains(err.Error(), "PRIVATE KEY") {
		t.Errorf("error = %v, want one naming TEMPORAL_TLS_KEY without the key", err)
	}
}

func TestTemporalAPIKeyOverPlainTextNeedsTheExplicitFlag(t *testing.T) {
	var c config.Temporal
	err := config.LoadFrom(context.Background(), envconfig.MapLookuper(map[string]string{
		"TEMPORAL_API_KEY": "k", "TEMPORAL_TLS": "false",
	}), &c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ClientOptions(); err == nil || !strings.Contains(err.Error(), "TEMPORAL_API_KEY_ALLOW_PLAINTEXT") {
		t.Fatalf("API key with TLS off: error = %v, want a refusal naming TEMPORAL_API_KEY_ALLOW_PLAINTEXT", err)
	}

	err = config.LoadFrom(context.Background(), envconfig.MapLookuper(map[string]string{
		"TEMPORAL_API_KEY": "k", "TEMPORAL_TLS": "false", "TEMPORAL_API_KEY_ALLOW_PLAINTEXT": "true",
	}), &c)
	if err != nil {
		t.Fatal(err)
	}
	opts, err := c.ClientOptions()
	if err != nil {
		t.Fatal(err)
	}
	if opts.ConnectionOptions.TLS != nil || !opts.ConnectionOptions.TLSDisabled || opts.Credentials == nil {
		t.Errorf("connection options = %+v, want API key credentials with TLS explicitly off", opts.ConnectionOptions)
	}
}
