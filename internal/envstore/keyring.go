package envstore

import (
	"bytes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"golang.org/x/crypto/chacha20poly1305"
)

// Keyring seals stored envelopes with XChaCha20-Poly1305
// (golang.org/x/crypto): a 32-byte key, a random 24-byte nonce per record,
// and the envelope id and key id as additional data, so a record moved to
// another id or relabelled with another key id fails to open.
//
// A key ring is text, one key a line: "<key id> <base64 of 32 bytes>".
// Blank lines and lines starting with '#' are ignored. The first key seals
// every new record; every key opens records sealed with it, so a new key is
// added at the top and the old ones stay below until --rotate-keys has
// re-sealed every record.
type Keyring struct {
	primary string
	aeads   map[string]cipher.AEAD
	order   []string
}

// recordPrefix starts every sealed record: "lsenc1.<key id>.<base64url>".
const recordPrefix = "lsenc1."

var keyIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// ParseKeyring reads a key ring (see Keyring).
func ParseKeyring(text string) (*Keyring, error) {
	k := &Keyring{aeads: map[string]cipher.AEAD{}}
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 2 {
			return nil, fmt.Errorf("key line %d: want \"<key id> <base64 of 32 bytes>\" (make one with litsession store-keygen)", n+1)
		}
		if !keyIDPattern.MatchString(f[0]) {
			return nil, fmt.Errorf("key line %d: the key id must be 1 to 32 characters of A-Z a-z 0-9 _ -", n+1)
		}
		raw, err := base64.StdEncoding.DecodeString(f[1])
		if err != nil || len(raw) != chacha20poly1305.KeySize {
			return nil, fmt.Errorf("key line %d (id %s): the key must be %d bytes in standard base64 (make one with litsession store-keygen)", n+1, f[0], chacha20poly1305.KeySize)
		}
		if _, dup := k.aeads[f[0]]; dup {
			return nil, fmt.Errorf("key line %d: key id %s appears twice; give each key its own id", n+1, f[0])
		}
		aead, err := chacha20poly1305.NewX(raw)
		if err != nil {
			return nil, err
		}
		k.aeads[f[0]] = aead
		k.order = append(k.order, f[0])
		if k.primary == "" {
			k.primary = f[0]
		}
	}
	if k.primary == "" {
		return nil, errors.New("the key ring holds no key (make one with litsession store-keygen)")
	}
	return k, nil
}

// NewKeyLine returns a fresh key ring line with key id id.
func NewKeyLine(id string) (string, error) {
	if !keyIDPattern.MatchString(id) {
		return "", fmt.Errorf("the key id %q must be 1 to 32 characters of A-Z a-z 0-9 _ -", id)
	}
	key := make([]byte, chacha20poly1305.KeySize)
	if _, err := rand.Read(key); err != nil {
		return "", err
	}
	return id + " " + base64.StdEncoding.EncodeToString(key), nil
}

// Primary is the id of the key that seals new records.
func (k *Keyring) Primary() string { return k.primary }

// IDs lists the key ids, primary first.
func (k *Keyring) IDs() []string { return append([]string(nil), k.order...) }

func additionalData(keyID, id string) []byte {
	return []byte("litsession envelope record v1\x00" + keyID + "\x00" + id)
}

// Seal encrypts the envelope plain stored under id with the primary key.
func (k *Keyring) Seal(id string, plain []byte) ([]byte, error) {
	aead := k.aeads[k.primary]
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	ct := aead.Seal(nonce, nonce, plain, additionalData(k.primary, id))
	return []byte(recordPrefix + k.primary + "." + base64.RawURLEncoding.EncodeToString(ct)), nil
}

// ErrCleartext is Open's error for a record stored before encryption.
var ErrCleartext = errors.New("the record is stored in clear; run litsession serve --rotate-keys to encrypt it")

// KeyID returns the id of the key that sealed rec, or "" for a record in
// clear.
func KeyID(rec []byte) string {
	rest, ok := bytes.CutPrefix(rec, []byte(recordPrefix))
	if !ok {
		return ""
	}
	kid, _, _ := bytes.Cut(rest, []byte("."))
	return string(kid)
}

// Open decrypts a record stored under id. A record in clear (a JSON
// object, from before encryption) gives ErrCleartext.
func (k *Keyring) Open(id string, rec []byte) ([]byte, error) {
	rest, ok := bytes.CutPrefix(rec, []byte(recordPrefix))
	if !ok {
		if t := bytes.TrimSpace(rec); len(t) > 0 && t[0] == '{' {
			return nil, ErrCleartext
		}
		return nil, errors.New("the record is not a sealed envelope (it does not start with " + recordPrefix + ")")
	}
	kid, b64, ok := bytes.Cut(rest, []byte("."))
	if !ok {
		return nil, errors.New("the sealed record has no key id")
	}
	aead, ok := k.aeads[string(kid)]
	if !ok {
		return nil, fmt.Errorf("the record is sealed with key id %s, which is not in the key ring; add that key below the primary one", kid)
	}
	ct, err := base64.RawURLEncoding.DecodeString(string(b64))
	if err != nil || len(ct) < aead.NonceSize()+aead.Overhead() {
		return nil, errors.New("the sealed record is truncated or not base64url")
	}
	plain, err := aead.Open(nil, ct[:aead.NonceSize()], ct[aead.NonceSize():], additionalData(string(kid), id))
	if err != nil {
		return nil, fmt.Errorf("the record does not open with key %s: it was altered, moved from another id, or sealed with another key of that id", kid)
	}
	return plain, nil
}
