package codec

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// KeySize is the length of an AES-256 key in bytes.
const KeySize = 32

// keyIDPattern is what a key ID may look like: it travels in clear in every payload's metadata.
var keyIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// Key is one named AES-256 key.
type Key struct {
	// ID names the key in the metadata of every payload it encrypts; never reuse an ID.
	ID string
	// material is the 32-byte AES key.
	material []byte
}

// Keyring is the set of keys a process holds: the first encrypts, all of them decrypt.
type Keyring struct {
	keys []Key
	byID map[string][]byte
}

// ParseKeyring reads keys written as `id=base64key`, separated by commas or new lines; blank lines
// and lines starting with # are ignored. The FIRST key is the current one (it encrypts new payloads);
// every key decrypts. Errors name the entry by position and ID, never its key material.
func ParseKeyring(text string) (*Keyring, error) {
	r := &Keyring{byID: map[string][]byte{}}
	var problems []string
	n := 0
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		for _, entry := range strings.Split(line, ",") {
			entry = strings.TrimSpace(entry)
			if entry == "" {
				continue
			}
			n++
			id, b64, ok := strings.Cut(entry, "=")
			id = strings.TrimSpace(id)
			switch {
			case !ok:
				problems = append(problems, fmt.Sprintf("key %d is not id=base64key", n))
				continue
			case !keyIDPattern.MatchString(id):
				problems = append(problems, fmt.Sprintf("key %d: the ID must be 1-64 letters, digits, '.', '_' or '-'", n))
				continue
			}
			material, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
			if err != nil || len(material) != KeySize {
				problems = append(problems, fmt.Sprintf("key %d (%s) is not %d bytes of standard base64 (generate one with `starter codec-key`)", n, id, KeySize))
				continue
			}
			if _, dup := r.byID[id]; dup {
				problems = append(problems, fmt.Sprintf("key %d: the ID %s is used twice (each key needs its own ID)", n, id))
				continue
			}
			r.byID[id] = material
			r.keys = append(r.keys, Key{ID: id, material: material})
		}
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "; "))
	}
	if len(r.keys) == 0 {
		return nil, errors.New("no key given: write one id=base64key per line (generate one with `starter codec-key`)")
	}
	return r, nil
}

// Current is the ID of the key that encrypts new payloads.
func (r *Keyring) Current() string { return r.keys[0].ID }

// IDs lists the key IDs, the current one first.
func (r *Keyring) IDs() []string {
	ids := make([]string, len(r.keys))
	for i, k := range r.keys {
		ids[i] = k.ID
	}
	return ids
}

// NewKeyLine returns a fresh random key as an `id=base64key` line for a keyring.
func NewKeyLine(id string) (string, error) {
	if !keyIDPattern.MatchString(id) {
		return "", fmt.Errorf("key ID %q: use 1-64 letters, digits, '.', '_' or '-'", id)
	}
	b := make([]byte, KeySize)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return id + "=" + base64.StdEncoding.EncodeToString(b), nil
}
