package codec_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/cartrover-cb/ordermanager/codec"
)

const (
	token    = "codec-token-0123456789abcdef"
	uiOrigin = "http://127.0.0.1:8233"
)

func codecServer(t *testing.T) (*httptest.Server, *codec.Codec) {
	t.Helper()
	c := newCodec(t, keyring(t, "k1"), codec.Options{})
	h, err := codec.NewServer(c, codec.ServerOptions{Tokens: []string{token}, AllowedOrigins: []string{uiOrigin}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, c
}

func encrypted(t *testing.T, c *codec.Codec) *commonpb.Payload {
	t.Helper()
	p, err := c.DataConverter().ToPayload(alice)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// post sends payloads as the Web UI does (JSON of a Payloads message) and returns status and body.
func post(t *testing.T, url string, header http.Header, ps ...*commonpb.Payload) (int, string, http.Header) {
	t.Helper()
	body, err := json.Marshal(&commonpb.Payloads{Payloads: ps})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// plaintext returns the data of the payloads in a codec server answer ("" when it holds none).
func plaintext(body string) string {
	var ps commonpb.Payloads
	if protojson.Unmarshal([]byte(body), &ps) != nil {
		return ""
	}
	var b strings.Builder
	for _, p := range ps.Payloads {
		b.Write(p.Data)
	}
	return b.String()
}

func TestCodecServerDecodesOnlyForAValidToken(t *testing.T) {
	srv, c := codecServer(t)
	p := encrypted(t, c)
	for _, tc := range []struct {
		name   string
		url    string
		header http.Header
		want   int
	}{
		{"no credentials", srv.URL + "/decode", nil, http.StatusUnauthorized},
		{"wrong bearer", srv.URL + "/decode", http.Header{"Authorization": {"Bearer wrong-token-0123456789"}}, http.StatusUnauthorized},
		{"basic auth", srv.URL + "/decode", http.Header{"Authorization": {"Basic " + token}}, http.StatusUnauthorized},
		{"wrong path token", srv.URL + "/t/wrong-token-0123456789/decode", nil, http.StatusUnauthorized},
		{"token path without route", srv.URL + "/t/" + token, nil, http.StatusUnauthorized},
		{"bearer", srv.URL + "/decode", http.Header{"Authorization": {"Bearer " + token}}, http.StatusOK},
		{"path token", srv.URL + "/t/" + token + "/decode", nil, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body, _ := post(t, tc.url, tc.header, p)
			if status != tc.want {
				t.Fatalf("status %d, want %d: %s", status, tc.want, body)
			}
			if has := strings.Contains(plaintext(body), alice.Email); has != (tc.want == http.StatusOK) {
				t.Errorf("plaintext in the answer: %v, want %v: %s", has, tc.want == http.StatusOK, body)
			}
		})
	}
}

func TestCodecServerWorksAsTheTemporalCLIsRemoteCodec(t *testing.T) {
	srv, c := codecServer(t)
	remote := converter.NewRemotePayloadCodec(converter.RemotePayloadCodecOptions{
		Endpoint:      srv.URL,
		ModifyRequest: func(r *http.Request) error { r.Header.Set("Authorization", "Bearer "+token); return nil },
	})
	// Encoding through the server and decoding locally, and the other way round.
	plain, _ := converter.GetDefaultDataConverter().ToPayload(alice)
	enc, err := remote.Encode([]*commonpb.Payload{plain})
	if err != nil {
		t.Fatal(err)
	}
	var back shopper
	if err := c.DataConverter().FromPayload(enc[0], &back); err != nil || back != alice {
		t.Errorf("decoded locally: %+v, %v", back, err)
	}
	dec, err := remote.Decode([]*commonpb.Payload{encrypted(t, c)})
	if err != nil {
		t.Fatal(err)
	}
	if err := converter.GetDefaultDataConverter().FromPayload(dec[0], &back); err != nil || back != alice {
		t.Errorf("decoded by the server: %+v, %v", back, err)
	}
	noAuth := converter.NewRemotePayloadCodec(converter.RemotePayloadCodecOptions{Endpoint: srv.URL})
	if _, err := noAuth.Decode([]*commonpb.Payload{encrypted(t, c)}); err == nil || !strings.Contains(err.Error(), "Unauthorized") {
		t.Errorf("decode without a token: %v, want Unauthorized", err)
	}
}

func TestCodecServerCORSAdmitsOnlyTheUIOrigin(t *testing.T) {
	srv, c := codecServer(t)
	preflight := func(origin string) *http.Response {
		req, _ := http.NewRequest(http.MethodOptions, srv.URL+"/decode", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "content-type,x-namespace,authorization")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := preflight(uiOrigin); resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != uiOrigin ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "X-Namespace") {
		t.Errorf("preflight from the UI: %d %v", resp.StatusCode, resp.Header)
	}
	if resp := preflight("https://evil.example"); resp.StatusCode != http.StatusForbidden || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from another origin: %d %v", resp.StatusCode, resp.Header)
	}
	status, body, _ := post(t, srv.URL+"/decode", http.Header{"Origin": {"https://evil.example"}, "Authorization": {"Bearer " + token}}, encrypted(t, c))
	if status != http.StatusForbidden || strings.Contains(plaintext(body), alice.Email) {
		t.Errorf("decode from another origin, even with the token: %d %s", status, body)
	}
	status, body, h := post(t, srv.URL+"/t/"+token+"/decode", http.Header{"Origin": {uiOrigin}}, encrypted(t, c))
	if status != http.StatusOK || h.Get("Access-Control-Allow-Origin") != uiOrigin || !strings.Contains(plaintext(body), alice.Email) {
		t.Errorf("decode from the UI: %d %v %s", status, h, body)
	}
}

func TestNewServerRefusesNoTokenOrAnyOrigin(t *testing.T) {
	c := newCodec(t, keyring(t, "k1"), codec.Options{})
	for _, opts := range []codec.ServerOptions{
		{},
		{Tokens: []string{"short"}},
		{Tokens: []string{token}, AllowedOrigins: []string{"*"}},
	} {
		if _, err := codec.NewServer(c, opts); err == nil {
			t.Errorf("NewServer(%+v) succeeded", opts)
		}
	}
}
