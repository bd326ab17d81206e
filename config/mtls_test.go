package config_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sethvargo/go-envconfig"
	"github.com/stretchr/testify/assert"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/cartrover-cb/ordermanager/config"
	"github.com/cartrover-cb/ordermanager/internal/temporaltest"
	"github.com/cartrover-cb/ordermanager/starter/command"
)

func TestMain(m *testing.M) { temporaltest.Main(m) }

// pki is a test CA with a server certificate for temporal.test and client certificates.
type pki struct {
	dir                  string
	caFile               string
	serverCert           tls.Certificate
	clientCert, roguePEM [2]string // cert file, key file
	caPool               *x509.CertPool
	otherCAFile          string
}

func newCA(t *testing.T, name string) (*x509.Certificate, *ecdsa.PrivateKey, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return cert, key, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func leaf(t *testing.T, ca *x509.Certificate, caKey *ecdsa.PrivateKey, cn string, server bool) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: n, Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if server {
		tmpl.DNSNames = []string{cn}
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	p := &pki{dir: t.TempDir()}
	write := func(name string, b []byte) string {
		path := filepath.Join(p.dir, name)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	ca, caKey, caPEM := newCA(t, "ordermanager test CA")
	p.caFile = write("ca.pem", caPEM)
	p.caPool = x509.NewCertPool()
	p.caPool.AddCert(ca)
	sc, sk := leaf(t, ca, caKey, "temporal.test", true)
	var err error
	if p.serverCert, err = tls.X509KeyPair(sc, sk); err != nil {
		t.Fatal(err)
	}
	cc, ck := leaf(t, ca, caKey, "ordermanager-worker", false)
	p.clientCert = [2]string{write("client.pem", cc), write("client.key", ck)}
	other, otherKey, otherPEM := newCA(t, "someone else's CA")
	p.otherCAFile = write("other-ca.pem", otherPEM)
	rc, rk := leaf(t, other, otherKey, "intruder", false)
	p.roguePEM = [2]string{write("rogue.pem", rc), write("rogue.key", rk)}
	return p
}

// mtlsFrontend terminates TLS in front of the dev server and REQUIRES a client certificate
// signed by the test CA (the dev server itself cannot serve TLS). Only connections that pass the
// handshake reach Temporal. It returns its address and how many handshakes it refused.
func mtlsFrontend(t *testing.T, p *pki, backend string) (string, func() int) {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{p.serverCert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    p.caPool,
		NextProtos:   []string{"h2"},
		MinVersion:   tls.VersionTLS12,
	})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	refused := 0
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				if err := c.(*tls.Conn).HandshakeContext(ctx); err != nil {
					mu.Lock()
					refused++
					mu.Unlock()
					return
				}
				b, err := net.Dial("tcp", backend)
				if err != nil {
					return
				}
				defer b.Close()
				done := make(chan struct{}, 2)
				go func() { _, _ = io.Copy(b, c); done <- struct{}{} }()
				go func() { _, _ = io.Copy(c, b); done <- struct{}{} }()
				<-done
			}()
		}
	}()
	return ln.Addr().String(), func() int { mu.Lock(); defer mu.Unlock(); return refused }
}

func TestMTLSReachesAFrontendThatRequiresClientCertificates(t *testing.T) {
	srv := temporaltest.Server(t)
	p := newPKI(t)
	addr, refused := mtlsFrontend(t, p, srv.HostPort)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	dialWith := func(env map[string]string) error {
		env["TEMPORAL_ADDRESS"] = addr
		env["TEMPORAL_NAMESPACE"] = srv.Namespace
		env["TEMPORAL_TLS_SERVER_NAME"] = "temporal.test"
		var tc config.Temporal
		if err := config.LoadFrom(ctx, envconfig.MapLookuper(env), &tc); err != nil {
			return err
		}
		opts, err := tc.ClientOptions()
		if err != nil {
			return err
		}
		opts.Logger = quietLog{}
		opts.ConnectionOptions.GetSystemInfoTimeout = 5 * time.Second
		c, err := client.DialContext(ctx, opts)
		if err != nil {
			return err
		}
		defer c.Close()
		_, err = c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: srv.Namespace})
		if err == nil {
			_, err = c.CheckHealth(ctx, &client.CheckHealthRequest{})
		}
		return err
	}

	// The worker's configuration: certificate and CA from files, the key from TEMPORAL_TLS_KEY_FILE.
	if err := dialWith(map[string]string{
		"TEMPORAL_TLS_CERT": p.clientCert[0], "TEMPORAL_TLS_KEY_FILE": p.clientCert[1], "TEMPORAL_TLS_CA": p.caFile,
	}); err != nil {
		t.Fatalf("mTLS with the CA's client certificate: %v", err)
	}
	if n := refused(); n != 0 {
		t.Fatalf("the frontend refused %d handshakes of the right client", n)
	}
	for name, env := range map[string]map[string]string{
		"no client certificate":               {"TEMPORAL_TLS_CA": p.caFile},
		"a certificate of another CA":         {"TEMPORAL_TLS_CERT": p.roguePEM[0], "TEMPORAL_TLS_KEY": p.roguePEM[1], "TEMPORAL_TLS_CA": p.caFile},
		"a server CA the client cannot trust": {"TEMPORAL_TLS_CERT": p.clientCert[0], "TEMPORAL_TLS_KEY": p.clientCert[1], "TEMPORAL_TLS_CA": p.otherCAFile},
	} {
		before := refused()
		if err := dialWith(env); err == nil {
			t.Errorf("%s: reached Temporal, want a failed handshake", name)
		}
		// The client sees the failed handshake before the frontend's side has counted it.
		if name != "a server CA the client cannot trust" && !assert.Eventually(t, func() bool { return refused() > before }, 5*time.Second, 10*time.Millisecond) {
			t.Errorf("%s: the frontend did not refuse a handshake", name)
		}
	}

	// The starter's connection flags reach it the same way.
	var out, errb bytes.Buffer
	err := command.Run(ctx, []string{"starter", "--address", addr, "--namespace", srv.Namespace,
		"--tls-cert", p.clientCert[0], "--tls-key", p.clientCert[1], "--tls-ca", p.caFile, "--tls-server-name", "temporal.test", "setup"},
		command.Env{Stdout: &out, Stderr: &errb})
	if err != nil || !strings.Contains(out.String(), "already registered") {
		t.Errorf("starter setup over mTLS: %v\n%s%s", err, out.String(), errb.String())
	}
}

type quietLog struct{}

func (quietLog) Debug(string, ...any) {}
func (quietLog) Info(string, ...any)  {}
func (quietLog) Warn(string, ...any)  {}
func (quietLog) Error(string, ...any) {}
