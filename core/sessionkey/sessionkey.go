// Package sessionkey holds Lit session key pairs: Ed25519 keys in the Lit
// hex JSON form.
//
// The JSON form is {"publicKey":"<64 hex>","secretKey":"<128 hex>"}: the
// public key is 32 bytes and the secret key is the 32-byte seed followed by
// the public key (tweetnacl's layout, and Go's ed25519.PrivateKey). A 64-hex
// secret key, the bare seed as Lit's v8 SDK stores it, is accepted too.
//
// The secret key is a bearer credential. KeyPair never prints it from String
// or GoString; only MarshalJSON and SecretKeyHex reveal it.
package sessionkey

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/litgo/litsession/core/errcode"
	"github.com/litgo/litsession/core/jsjson"
)

// Error is a key pair, seed or key string that is not valid. Msg says
// what is wrong without the package prefix, so that a caller can name the
// member in its own terms.
type Error struct{ Msg string }

func (e *Error) Error() string { return "sessionkey: " + e.Msg }

// ErrorCode is errcode.InvalidParams: a key comes from the caller.
func (e *Error) ErrorCode() errcode.Code { return errcode.InvalidParams }

func bad(format string, args ...any) error {
	return &Error{Msg: fmt.Sprintf(format, args...)}
}

// URIPrefix starts every session key URI: "lit:session:" + public key hex.
const URIPrefix = "lit:session:"

// KeyPair is an Ed25519 session key pair.
type KeyPair struct {
	priv ed25519.PrivateKey
}

// Generate makes a new key pair from crypto/rand, or from r when r is not nil.
func Generate(r io.Reader) (*KeyPair, error) {
	if r == nil {
		r = rand.Reader
	}
	_, priv, err := ed25519.GenerateKey(r)
	if err != nil {
		return nil, fmt.Errorf("sessionkey: generating a key pair: %w", err)
	}
	return &KeyPair{priv: priv}, nil
}

// FromSeed returns the key pair for a 32-byte Ed25519 seed.
func FromSeed(seed []byte) (*KeyPair, error) {
	if len(seed) != ed25519.SeedSize {
		return nil, bad("a seed is %d bytes, got %d", ed25519.SeedSize, len(seed))
	}
	return &KeyPair{priv: ed25519.NewKeyFromSeed(seed)}, nil
}

// FromHex validates a key pair in Lit hex form. secretKey is 128 hex
// characters (seed‖public key) or 64 (seed only); publicKey is 64 hex
// characters and must be the secret key's public key. Hex is accepted in
// either case. publicKey may be empty, in which case it is derived.
func FromHex(publicKey, secretKey string) (*KeyPair, error) {
	sk, err := decodeHex("secretKey", secretKey)
	if err != nil {
		return nil, err
	}
	var kp *KeyPair
	switch len(sk) {
	case ed25519.SeedSize:
		kp = &KeyPair{priv: ed25519.NewKeyFromSeed(sk)}
	case ed25519.PrivateKeySize:
		kp = &KeyPair{priv: ed25519.NewKeyFromSeed(sk[:ed25519.SeedSize])}
		if subtle.ConstantTimeCompare(kp.priv[ed25519.SeedSize:], sk[ed25519.SeedSize:]) != 1 {
			return nil, &Error{Msg: "the last 32 bytes of secretKey are not the public key of its first 32 (the seed); the key pair is corrupt: generate a new one"}
		}
	default:
		return nil, bad("secretKey must be 128 hex characters (seed and public key) or 64 (seed), got %d", len(secretKey))
	}
	if publicKey != "" {
		pk, err := decodeHex("publicKey", publicKey)
		if err != nil {
			return nil, err
		}
		if len(pk) != ed25519.PublicKeySize {
			return nil, bad("publicKey must be 64 hex characters, got %d", len(publicKey))
		}
		if subtle.ConstantTimeCompare(pk, kp.priv.Public().(ed25519.PublicKey)) != 1 {
			return nil, &Error{Msg: "publicKey does not belong to secretKey; the key pair is corrupt or mixed up: generate a new one"}
		}
	}
	return kp, nil
}

func decodeHex(field, s string) ([]byte, error) {
	if s == "" {
		return nil, bad("%s is missing", field)
	}
	if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X") {
		return nil, bad("%s must be bare hex without 0x", field)
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, bad("%s is not hex: %v", field, err)
	}
	return b, nil
}

// Parse validates a key pair in the Lit JSON form
// {"publicKey":"<64 hex>","secretKey":"<128 or 64 hex>"}. Other members
// are ignored; null counts as absent.
func Parse(data []byte) (*KeyPair, error) {
	v, err := jsjson.Parse(data)
	if err != nil {
		return nil, bad("not a key pair object {publicKey, secretKey}: %v", err)
	}
	if _, ok := v.Members(); !ok {
		return nil, bad("not a key pair object {publicKey, secretKey}: got %s", v.Kind())
	}
	var pub, secret string
	for _, f := range []struct {
		name string
		dst  *string
	}{{"publicKey", &pub}, {"secretKey", &secret}} {
		m := v.Get(f.name)
		if !m.Exists() || m.IsNull() {
			continue
		}
		s, ok := m.Str()
		if !ok {
			return nil, bad("not a key pair object {publicKey, secretKey}: %s is a %s, not a string", f.name, m.Kind())
		}
		*f.dst = s
	}
	if pub == "" {
		return nil, &Error{Msg: "publicKey is missing"}
	}
	return FromHex(pub, secret)
}

// UnmarshalJSON implements json.Unmarshaler with the checks of Parse.
func (k *KeyPair) UnmarshalJSON(data []byte) error {
	kp, err := Parse(data)
	if err != nil {
		return err
	}
	*k = *kp
	return nil
}

// MarshalJSON writes the Lit JSON form with the 128-hex secret key.
func (k *KeyPair) MarshalJSON() ([]byte, error) {
	var o jsjson.Object
	o.String("publicKey", k.PublicKeyHex())
	o.String("secretKey", k.SecretKeyHex())
	return o.Bytes()
}

// PublicKey returns the 32-byte public key.
func (k *KeyPair) PublicKey() ed25519.PublicKey { return k.priv.Public().(ed25519.PublicKey) }

// PublicKeyHex returns the public key as 64 lowercase hex characters.
func (k *KeyPair) PublicKeyHex() string { return hex.EncodeToString(k.PublicKey()) }

// SecretKeyHex returns seed‖public key as 128 lowercase hex characters.
// It is the secret: do not log it.
func (k *KeyPair) SecretKeyHex() string { return hex.EncodeToString(k.priv) }

// SeedHex returns the 32-byte seed as 64 lowercase hex characters: the
// secretKey of naga (v8) key pairs, whose signer needs exactly 32 bytes.
// It is the secret: do not log it.
func (k *KeyPair) SeedHex() string { return hex.EncodeToString(k.priv.Seed()) }

// URI returns "lit:session:" + the public key hex.
func (k *KeyPair) URI() string { return URIPrefix + k.PublicKeyHex() }

// Sign returns the 64-byte Ed25519 signature of msg (no prehash).
func (k *KeyPair) Sign(msg []byte) []byte { return ed25519.Sign(k.priv, msg) }

// Equal reports whether two key pairs hold the same key.
func (k *KeyPair) Equal(o *KeyPair) bool {
	return o != nil && subtle.ConstantTimeCompare(k.priv, o.priv) == 1
}

// String returns the session key URI; it never includes the secret.
func (k *KeyPair) String() string { return k.URI() }

// GoString keeps %#v from printing the secret.
func (k *KeyPair) GoString() string { return "sessionkey.KeyPair(" + k.URI() + ")" }

// Format keeps every fmt verb from printing the secret.
func (k *KeyPair) Format(f fmt.State, verb rune) { io.WriteString(f, k.URI()) }

// PublicKeyFromURI returns the public key hex of a "lit:session:<hex>" URI.
func PublicKeyFromURI(uri string) (string, error) {
	pk, ok := strings.CutPrefix(uri, URIPrefix)
	if !ok {
		return "", fmt.Errorf("sessionkey: %q is not a session key URI (want %s<64 hex>)", uri, URIPrefix)
	}
	if _, err := ParsePublicKey(pk); err != nil {
		return "", fmt.Errorf("sessionkey: %q does not end in a usable public key: %w", uri, err)
	}
	return pk, nil
}

// VerifyHex checks a hex Ed25519 signature of msg by a hex public key.
func VerifyHex(publicKeyHex, sigHex string, msg []byte) error {
	pk, err := ParsePublicKey(publicKeyHex)
	if err != nil {
		return err
	}
	sig, err := hex.DecodeString(sigHex)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return fmt.Errorf("sessionkey: signature must be 128 hex characters")
	}
	if !ed25519.Verify(pk, msg, sig) {
		return errors.New("sessionkey: Ed25519 signature does not verify")
	}
	return nil
}
