// Package codec encrypts every Temporal payload the product writes (workflow and activity inputs
// and results, memos, signals, queries, updates, summaries, failure details) with AES-256-GCM before it leaves the
// process, so customer data is unreadable to anyone who can read the namespace but not the keys.
// Each encrypted payload names its key in its metadata; a Keyring holds several keys so keys can
// rotate (the first encrypts, all decrypt). Payloads written before encryption was on pass
// through Decode unchanged. The package also serves the codec over HTTP for the Temporal Web UI
// and CLI (see Server).
package codec

import (
	"bytes"
	"compress/zlib"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"fmt"
	"io"
	"sync"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/proto"
)

// Metadata of an encrypted payload (in clear: it says how to decrypt, never what is inside).
const (
	// EncodingEncrypted is the payload's "encoding" once encrypted.
	EncodingEncrypted = "binary/encrypted"
	// MetadataKeyID names the key that encrypted the payload.
	MetadataKeyID = "encryption-key-id"
	// MetadataCipher names the cipher.
	MetadataCipher = "encryption-cipher"
	// MetadataCompression is "zlib" when the plaintext was compressed before encryption.
	MetadataCompression = "encryption-compression"
	// CipherAES256GCM is the only cipher written and read.
	CipherAES256GCM = "AES256-GCM"
)

// Options adjusts a Codec.
type Options struct {
	// Compress compresses payloads with zlib before encrypting them when that makes them smaller.
	// Off in the product: it saved a quarter of an order's history (about 7.6 KB to 5.7 KB) but
	// cost several times the encryption's CPU inside workflow tasks, and compressing before
	// encrypting lets the ciphertext's length reveal how alike the parts of a payload are (the
	// shopper controls some of them). Decode reads compressed payloads either way.
	Compress bool
}

// Codec is the converter.PayloadCodec of the product: AES-256-GCM with the keys of a Keyring.
type Codec struct {
	ring     *Keyring
	aeads    map[string]cipher.AEAD
	compress bool
}

var _ converter.PayloadCodec = (*Codec)(nil)

// New returns the codec of ring.
func New(ring *Keyring, opts Options) (*Codec, error) {
	c := &Codec{ring: ring, aeads: map[string]cipher.AEAD{}, compress: opts.Compress}
	for _, k := range ring.keys {
		block, err := aes.NewCipher(k.material)
		if err != nil {
			return nil, fmt.Errorf("key %s: %w", k.ID, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("key %s: %w", k.ID, err)
		}
		c.aeads[k.ID] = aead
	}
	return c, nil
}

// Keyring returns the codec's keys.
func (c *Codec) Keyring() *Keyring { return c.ring }

// DataConverter is the SDK's default data converter with this codec applied to every payload.
func (c *Codec) DataConverter() converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), c)
}

// ClientOptions returns opts with the codec on every payload: the data converter, and the
// failure converter too (the SDK's default one would write error details in clear).
func (c *Codec) ClientOptions(opts client.Options) client.Options {
	dc := c.DataConverter()
	opts.DataConverter = dc
	opts.FailureConverter = temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{DataConverter: dc})
	return opts
}

// additionalData binds the clear metadata to the ciphertext, so that changing the key ID or the
// compression flag makes decryption fail instead of misreading the payload.
func additionalData(keyID, compression string) []byte {
	return []byte("ordermanager-payload/v1|" + CipherAES256GCM + "|" + keyID + "|" + compression)
}

// Encode encrypts each payload (its data and its metadata) with the current key.
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	id := c.ring.Current()
	aead := c.aeads[id]
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		plain, err := proto.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("payload codec: marshal payload: %w", err)
		}
		compression := ""
		if c.compress {
			if z, ok := deflate(plain); ok {
				plain, compression = z, "zlib"
			}
		}
		nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
		if _, err := rand.Read(nonce); err != nil {
			return nil, fmt.Errorf("payload codec: random nonce: %w", err)
		}
		md := map[string][]byte{
			converter.MetadataEncoding: []byte(EncodingEncrypted),
			MetadataKeyID:              []byte(id),
			MetadataCipher:             []byte(CipherAES256GCM),
		}
		if compression != "" {
			md[MetadataCompression] = []byte(compression)
		}
		out[i] = &commonpb.Payload{Metadata: md, Data: aead.Seal(nonce, nonce, plain, additionalData(id, compression))}
	}
	return out, nil
}

// Decode decrypts each encrypted payload; a payload that was not encrypted by this codec (written
// before encryption was turned on) is returned unchanged.
func (c *Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if string(p.GetMetadata()[converter.MetadataEncoding]) != EncodingEncrypted {
			out[i] = p
			continue
		}
		d, err := c.decodeOne(p)
		if err != nil {
			return nil, err
		}
		out[i] = d
	}
	return out, nil
}

func (c *Codec) decodeOne(p *commonpb.Payload) (*commonpb.Payload, error) {
	md := p.GetMetadata()
	if cph := string(md[MetadataCipher]); cph != CipherAES256GCM {
		return nil, fmt.Errorf("payload codec: cipher %q is not supported (want %s)", cph, CipherAES256GCM)
	}
	id := string(md[MetadataKeyID])
	aead, ok := c.aeads[id]
	if !ok {
		return nil, fmt.Errorf("payload codec: the payload is encrypted with key %q, which this process does not hold: add that key to PAYLOAD_ENCRYPTION_KEYS (loaded: %v)", id, c.ring.IDs())
	}
	compression := string(md[MetadataCompression])
	data := p.GetData()
	if len(data) < aead.NonceSize()+aead.Overhead() {
		return nil, fmt.Errorf("payload codec: an encrypted payload (key %s) is truncated", id)
	}
	plain, err := aead.Open(nil, data[:aead.NonceSize()], data[aead.NonceSize():], additionalData(id, compression))
	if err != nil {
		return nil, fmt.Errorf("payload codec: a payload does not decrypt with key %s (tampered with, or a different key under the same ID)", id)
	}
	switch compression {
	case "":
	case "zlib":
		if plain, err = inflate(plain); err != nil {
			return nil, fmt.Errorf("payload codec: a payload (key %s) does not decompress: %w", id, err)
		}
	default:
		return nil, fmt.Errorf("payload codec: compression %q is not supported", compression)
	}
	var dec commonpb.Payload
	if err := proto.Unmarshal(plain, &dec); err != nil {
		return nil, fmt.Errorf("payload codec: a decrypted payload (key %s) is not a payload: %w", id, err)
	}
	return &dec, nil
}

// zlibWriters are reused: a new zlib writer allocates most of a megabyte, which made encoding
// an order cost milliseconds (and payloads are encoded inside workflow tasks).
var zlibWriters = sync.Pool{New: func() any {
	w, _ := zlib.NewWriterLevel(nil, zlib.BestSpeed)
	return w
}}

// deflate returns b compressed when that makes it smaller.
func deflate(b []byte) ([]byte, bool) {
	var buf bytes.Buffer
	w := zlibWriters.Get().(*zlib.Writer)
	defer zlibWriters.Put(w)
	w.Reset(&buf)
	if _, err := w.Write(b); err != nil {
		return nil, false
	}
	if err := w.Close(); err != nil {
		return nil, false
	}
	if buf.Len() >= len(b) {
		return nil, false
	}
	return buf.Bytes(), true
}

// maxPlaintext bounds a decompressed payload (Temporal's own payload limit is far below it).
const maxPlaintext = 64 << 20

func inflate(b []byte) ([]byte, error) {
	r, err := zlib.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	defer r.Close()
	out, err := io.ReadAll(io.LimitReader(r, maxPlaintext+1))
	if err != nil {
		return nil, err
	}
	if len(out) > maxPlaintext {
		return nil, fmt.Errorf("more than %d bytes", maxPlaintext)
	}
	return out, nil
}
