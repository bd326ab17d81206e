package codec_test

import (
	"bytes"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"

	"github.com/cartrover-cb/ordermanager/codec"
)

type shopper struct {
	Email, Phone, Street, Name string
}

var alice = shopper{Email: "alice.shopper@example.com", Phone: "+1 555 0100", Street: "12 Elm Street", Name: "Alice Shopper"}

func keyring(t *testing.T, ids ...string) string {
	t.Helper()
	var lines []string
	for _, id := range ids {
		l, err := codec.NewKeyLine(id)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, l)
	}
	return strings.Join(lines, "\n")
}

func newCodec(t *testing.T, text string, opts codec.Options) *codec.Codec {
	t.Helper()
	ring, err := codec.ParseKeyring(text)
	if err != nil {
		t.Fatal(err)
	}
	c, err := codec.New(ring, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestEncryptedPayloadsHideTheDataAndComeBackIntact(t *testing.T) {
	for _, opts := range []codec.Options{{}, {Compress: true}} {
		c := newCodec(t, keyring(t, "k1"), opts)
		dc := c.DataConverter()
		p, err := dc.ToPayload(alice)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := p.Marshal()
		for _, s := range []string{alice.Email, alice.Phone, alice.Street, alice.Name, "json/plain"} {
			if bytes.Contains(raw, []byte(s)) {
				t.Errorf("encoded payload (compression: %v) contains %q", opts.Compress, s)
			}
		}
		if got := string(p.Metadata[codec.MetadataKeyID]); got != "k1" {
			t.Errorf("key ID metadata = %q, want k1", got)
		}
		var back shopper
		if err := dc.FromPayload(p, &back); err != nil || back != alice {
			t.Errorf("round trip = %+v, %v; want %+v", back, err, alice)
		}
	}
}

func TestTwoEncodingsOfTheSameValueDiffer(t *testing.T) {
	dc := newCodec(t, keyring(t, "k1"), codec.Options{}).DataConverter()
	a, _ := dc.ToPayload(alice)
	b, _ := dc.ToPayload(alice)
	if bytes.Equal(a.Data, b.Data) {
		t.Error("two encryptions of one value are identical: the nonce is not random")
	}
}

func TestPlainPayloadsOfOldHistoriesPassThroughDecode(t *testing.T) {
	plain, err := converter.GetDefaultDataConverter().ToPayload(alice)
	if err != nil {
		t.Fatal(err)
	}
	dc := newCodec(t, keyring(t, "k1"), codec.Options{}).DataConverter()
	var back shopper
	if err := dc.FromPayload(plain, &back); err != nil || back != alice {
		t.Errorf("plain payload decoded to %+v, %v", back, err)
	}
}

func TestKeyRotationKeepsOldPayloadsReadable(t *testing.T) {
	old := keyring(t, "2026-01")
	before := newCodec(t, old, codec.Options{}).DataConverter()
	p1, _ := before.ToPayload(alice)

	// Rotation: the new key goes first, the old one stays to decrypt.
	rotated := keyring(t, "2026-07") + "\n" + old
	after := newCodec(t, rotated, codec.Options{}).DataConverter()
	p2, _ := after.ToPayload(alice)
	if got := string(p2.Metadata[codec.MetadataKeyID]); got != "2026-07" {
		t.Errorf("new payloads use key %q, want the first key 2026-07", got)
	}
	for _, p := range []*commonpb.Payload{p1, p2} {
		var back shopper
		if err := after.FromPayload(p, &back); err != nil || back != alice {
			t.Errorf("after rotation, payload of key %s decoded to %+v, %v", p.Metadata[codec.MetadataKeyID], back, err)
		}
	}
	// A process that does not hold the old key says which key is missing.
	onlyNew := newCodec(t, keyring(t, "2026-08"), codec.Options{}).DataConverter()
	var back shopper
	err := onlyNew.FromPayload(p1, &back)
	if err == nil || !strings.Contains(err.Error(), `"2026-01"`) || !strings.Contains(err.Error(), "PAYLOAD_ENCRYPTION_KEYS") {
		t.Errorf("decoding with a missing key: %v, want an error naming key 2026-01 and the variable", err)
	}
}

func TestTamperedMetadataOrDataFailsToDecrypt(t *testing.T) {
	text := keyring(t, "a", "b")
	c := newCodec(t, text, codec.Options{})
	enc, err := c.Encode([]*commonpb.Payload{{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: []byte(`"x"`)}})
	if err != nil {
		t.Fatal(err)
	}
	flipped := &commonpb.Payload{Metadata: map[string][]byte{}, Data: append([]byte(nil), enc[0].Data...)}
	for k, v := range enc[0].Metadata {
		flipped.Metadata[k] = v
	}
	flipped.Data[len(flipped.Data)-1] ^= 1
	renamed := &commonpb.Payload{Metadata: map[string][]byte{}, Data: enc[0].Data}
	for k, v := range enc[0].Metadata {
		renamed.Metadata[k] = v
	}
	renamed.Metadata[codec.MetadataKeyID] = []byte("b")
	for name, p := range map[string]*commonpb.Payload{"flipped bit": flipped, "key ID changed": renamed} {
		if _, err := c.Decode([]*commonpb.Payload{p}); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
}

func TestParseKeyringNamesBadEntriesWithoutTheirMaterial(t *testing.T) {
	good := keyring(t, "good")
	for _, tc := range []struct{ text, want string }{
		{"", "no key given"},
		{"nokey", "key 1 is not id=base64key"},
		{"bad id!=" + strings.Repeat("A", 44), "key 1: the ID"},
		{"short=c2VjcmV0LW1hdGVyaWFs", "key 1 (short) is not 32 bytes"},
		{good + "\n" + good, "used twice"},
	} {
		_, err := codec.ParseKeyring(tc.text)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseKeyring(%q) = %v, want an error containing %q", tc.text, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "c2VjcmV0") {
			t.Errorf("error leaks key material: %v", err)
		}
	}
	ring, err := codec.ParseKeyring("# rotated 2026-07\n" + keyring(t, "new") + ", " + good + "\n")
	if err != nil {
		t.Fatal(err)
	}
	if ring.Current() != "new" || len(ring.IDs()) != 2 {
		t.Errorf("keyring = current %s, IDs %v; want current new and two keys", ring.Current(), ring.IDs())
	}
}

func TestCompressedPayloadsDecodeWithoutCompressionOn(t *testing.T) {
	text := keyring(t, "k1")
	many := []shopper{alice, alice, alice, alice, alice, alice, alice, alice}
	zipped, err := newCodec(t, text, codec.Options{Compress: true}).DataConverter().ToPayload(many)
	if err != nil {
		t.Fatal(err)
	}
	if string(zipped.Metadata[codec.MetadataCompression]) != "zlib" {
		t.Fatalf("a repetitive JSON payload was not compressed: %v", zipped.Metadata)
	}
	var back []shopper
	if err := newCodec(t, text, codec.Options{}).DataConverter().FromPayload(zipped, &back); err != nil || len(back) != len(many) || back[0] != alice {
		t.Errorf("compressed payload decoded to %+v, %v", back, err)
	}
}
