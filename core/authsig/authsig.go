// Package authsig holds Lit AuthSigs: a signed message and how it was signed.
//
// A wallet AuthSig is {"sig","derivedVia":"web3.eth.personal.sign",
// "signedMessage","address"}: sig is "0x" + r‖s‖v (65 bytes, v 27 or 28)
// over the EIP-191 personal_sign hash of signedMessage, normally a SIWE
// message, and address is the signer's EIP-55 address. A PKP AuthSig has
// "algo":"LIT_BLS" and "derivedVia":"lit.bls"; a session signature has
// "derivedVia":"litSessionSignViaNacl" and "algo":"ed25519". JSON keys are
// written in the order the official SDK writes them for each kind.
package authsig

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/litgo/litsession/core/errcode"
	"github.com/litgo/litsession/core/jsjson"
	"github.com/litgo/litsession/core/siwe"
)

// Values of DerivedVia and Algo.
const (
	DerivedViaWallet  = "web3.eth.personal.sign"
	DerivedViaSession = "litSessionSignViaNacl"
	DerivedViaBLS     = "lit.bls"
	AlgoBLS           = "LIT_BLS"
	AlgoEd25519       = "ed25519"
)

// AuthSig is a Lit authentication signature.
type AuthSig struct {
	Sig           string
	DerivedVia    string
	SignedMessage string
	Address       string
	Algo          string // empty for wallet AuthSigs
}

// MarshalJSON writes the keys in the official order for the AuthSig's kind:
// sig, algo, derivedVia, signedMessage, address for LIT_BLS; otherwise sig,
// derivedVia, signedMessage, address, then algo when set. Strings are quoted
// as JSON.stringify quotes them.
func (a AuthSig) MarshalJSON() ([]byte, error) {
	var o jsjson.Object
	o.String("sig", a.Sig)
	if a.Algo == AlgoBLS {
		o.String("algo", a.Algo)
	}
	o.String("derivedVia", a.DerivedVia)
	o.String("signedMessage", a.SignedMessage)
	o.String("address", a.Address)
	if a.Algo != "" && a.Algo != AlgoBLS {
		o.String("algo", a.Algo)
	}
	return o.Bytes()
}

// UnmarshalJSON requires sig, derivedVia, signedMessage and address as
// strings; algo is optional. See FromJSON.
func (a *AuthSig) UnmarshalJSON(b []byte) error {
	v, err := jsjson.Parse(b)
	if err != nil {
		return fmt.Errorf("authsig: want an object {sig, derivedVia, signedMessage, address}: %v", err)
	}
	got, err := FromJSON(v)
	if err != nil {
		return err
	}
	*a = got
	return nil
}

// FromJSON reads a parsed AuthSig object: sig, derivedVia, signedMessage
// and address must be strings, algo a string when present; null counts as
// absent and other members are ignored, as with encoding/json. Keys match
// exactly.
func FromJSON(v jsjson.Value) (AuthSig, error) {
	if _, ok := v.Members(); !ok {
		return AuthSig{}, fmt.Errorf("authsig: want an object {sig, derivedVia, signedMessage, address}, got %s", v.Kind())
	}
	var a AuthSig
	for _, f := range []struct {
		name     string
		dst      *string
		optional bool
	}{
		{"sig", &a.Sig, false},
		{"derivedVia", &a.DerivedVia, false},
		{"signedMessage", &a.SignedMessage, false},
		{"address", &a.Address, false},
		{"algo", &a.Algo, true},
	} {
		m := v.Get(f.name)
		if !m.Exists() || m.IsNull() {
			if f.optional {
				continue
			}
			return AuthSig{}, fmt.Errorf("authsig: field %q is missing", f.name)
		}
		s, ok := m.Str()
		if !ok {
			return AuthSig{}, fmt.Errorf("authsig: want an object {sig, derivedVia, signedMessage, address}: field %q is a %s, not a string (at byte offset %d)", f.name, m.Kind(), m.Offset())
		}
		*f.dst = s
	}
	return a, nil
}

// Signer signs like an Ethereum wallet's personal_sign. The browser module
// implements it with an EIP-1193 provider; KeySigner with a local key.
type Signer interface {
	// Address returns the account address (any case; it is checksummed).
	Address(ctx context.Context) (string, error)
	// SignMessage returns the 65-byte r‖s‖v personal_sign signature of message.
	SignMessage(ctx context.Context, message []byte) ([]byte, error)
}

// KeySigner signs with a secp256k1 private key held in memory.
type KeySigner struct{ key *ecdsa.PrivateKey }

// KeyError is a wallet private key that NewKeySigner refuses. Msg says
// what is wrong without the package prefix, so that a caller can name the
// key in its own terms.
type KeyError struct{ Msg string }

func (e *KeyError) Error() string { return "authsig: " + e.Msg }

// ErrorCode is errcode.InvalidParams: the key comes from the caller.
func (e *KeyError) ErrorCode() errcode.Code { return errcode.InvalidParams }

// NewKeySigner parses a 32-byte private key given as 64 hex characters,
// with or without 0x.
func NewKeySigner(hexKey string) (*KeySigner, error) {
	h := strings.TrimPrefix(strings.TrimPrefix(hexKey, "0x"), "0X")
	if len(h) != 64 {
		return nil, &KeyError{Msg: fmt.Sprintf("a wallet key is 32 bytes (64 hex characters), got %d characters", len(h))}
	}
	b, err := hex.DecodeString(h)
	if err != nil {
		return nil, &KeyError{Msg: fmt.Sprintf("wallet key is not hex: %v", err)}
	}
	k, err := crypto.ToECDSA(b)
	if err != nil {
		return nil, &KeyError{Msg: fmt.Sprintf("wallet key is not a valid secp256k1 private key: %v", err)}
	}
	return &KeySigner{key: k}, nil
}

// NewKeySignerFromECDSA wraps an existing key.
func NewKeySignerFromECDSA(k *ecdsa.PrivateKey) *KeySigner { return &KeySigner{key: k} }

// Address returns the EIP-55 address of the key.
func (s *KeySigner) Address(context.Context) (string, error) {
	return crypto.PubkeyToAddress(s.key.PublicKey).Hex(), nil
}

// SignMessage signs the EIP-191 hash of message; v is 27 or 28.
func (s *KeySigner) SignMessage(_ context.Context, message []byte) ([]byte, error) {
	sig, err := crypto.Sign(TextHash(message), s.key)
	if err != nil {
		return nil, err
	}
	sig[64] += 27
	return sig, nil
}

// TextHash is the EIP-191 personal_sign hash:
// keccak256("\x19Ethereum Signed Message:\n" + len(message) + message).
func TextHash(message []byte) []byte {
	prefix := "\x19Ethereum Signed Message:\n" + strconv.Itoa(len(message))
	return crypto.Keccak256([]byte(prefix), message)
}

// ErrHighS refuses a signature whose s is in the upper half of the curve
// order: the malleable twin of the low-s signature every Ethereum wallet
// makes (EIP-2). Accepting both would give one authorisation two encodings.
var ErrHighS = errors.New("authsig: the signature's s is in the upper half of the curve order (a malleable twin); Ethereum wallets sign with low s (EIP-2): sign again with a standard wallet")

// CanonicalSig returns the one encoding that every accepted encoding of a
// wallet signature maps to: "0x" + 130 lower-case hex digits with v 27 or
// 28. Anything keyed or counted on a wallet signature uses it. ok is false
// when sig is not "0x" + 65 bytes of hex with v 0, 1, 27 or 28.
func CanonicalSig(sig string) (canonical string, ok bool) {
	h, ok := strings.CutPrefix(sig, "0x")
	if !ok || len(h) != 130 {
		return "", false
	}
	b, err := hex.DecodeString(h)
	if err != nil {
		return "", false
	}
	switch b[64] {
	case 0, 1:
		b[64] += 27
	case 27, 28:
	default:
		return "", false
	}
	return "0x" + hex.EncodeToString(b), true
}

// Recover returns the address whose key made sig (65 bytes, v 0/1 or 27/28)
// over the EIP-191 hash of message.
func Recover(message []byte, sig []byte) (common.Address, error) {
	if len(sig) != 65 {
		return common.Address{}, fmt.Errorf("authsig: a wallet signature is 65 bytes, got %d", len(sig))
	}
	s := bytes.Clone(sig)
	if s[64] >= 27 {
		s[64] -= 27
	}
	if s[64] > 1 {
		return common.Address{}, fmt.Errorf("authsig: invalid recovery byte v=%d (want 27 or 28)", sig[64])
	}
	if !crypto.ValidateSignatureValues(s[64], new(big.Int).SetBytes(s[:32]), new(big.Int).SetBytes(s[32:64]), true) {
		return common.Address{}, ErrHighS
	}
	pub, err := crypto.SigToPub(TextHash(message), s)
	if err != nil {
		return common.Address{}, fmt.Errorf("authsig: signature does not recover a public key: %v", err)
	}
	return crypto.PubkeyToAddress(*pub), nil
}

// Sign asks signer to personal_sign message and returns the wallet AuthSig.
// The signature is checked to recover the signer's address, so a wallet that
// signs with another account or returns garbage is caught here.
func Sign(ctx context.Context, signer Signer, message string) (AuthSig, error) {
	addr, err := signer.Address(ctx)
	if err != nil {
		return AuthSig{}, err
	}
	addr, err = siwe.ChecksumAddress(addr)
	if err != nil {
		return AuthSig{}, fmt.Errorf("authsig: the wallet's address: %w", err)
	}
	sig, err := signer.SignMessage(ctx, []byte(message))
	if err != nil {
		return AuthSig{}, err
	}
	if len(sig) == 65 && sig[64] < 27 {
		sig = bytes.Clone(sig)
		sig[64] += 27
	}
	got, err := Recover([]byte(message), sig)
	if err != nil {
		return AuthSig{}, fmt.Errorf("authsig: the wallet returned an invalid signature: %w", err)
	}
	if got.Hex() != addr {
		return AuthSig{}, fmt.Errorf("authsig: the wallet signed with %s, not with the connected account %s", got.Hex(), addr)
	}
	return AuthSig{Sig: "0x" + hex.EncodeToString(sig), DerivedVia: DerivedViaWallet, SignedMessage: message, Address: addr}, nil
}

// Reason classifies why an AuthSig was rejected.
type Reason string

// Rejection reasons.
const (
	ReasonMalformed       Reason = "malformed"        // not a well-formed wallet AuthSig
	ReasonBadMessage      Reason = "bad_message"      // signedMessage is not a valid SIWE message
	ReasonBadSignature    Reason = "bad_signature"    // signature does not recover to the address
	ReasonAddressMismatch Reason = "address_mismatch" // address field differs from the SIWE address
	ReasonExpired         Reason = "expired"          // now is at or past Expiration Time
	ReasonNotYetValid     Reason = "not_yet_valid"    // now is before Not Before or Issued At
	ReasonUnsupported     Reason = "unsupported"      // an algo this verifier cannot check
)

// Error is a typed AuthSig rejection.
type Error struct {
	Reason Reason
	Detail string
}

func (e *Error) Error() string { return fmt.Sprintf("authsig rejected (%s): %s", e.Reason, e.Detail) }

// reject is not inlined: it has many callers, and each inlined copy of its
// formatting and allocation costs the browser module more than the call.
//
//go:noinline
func reject(r Reason, format string, args ...any) error {
	return &Error{Reason: r, Detail: fmt.Sprintf(format, args...)}
}

// Options tune Verify.
type Options struct {
	// Now is the time to check against; zero means time.Now().
	Now time.Time
	// Skew is how far in the future Issued At may be (clocks differ).
	Skew time.Duration
}

// Verified is what a successful Verify learned.
type Verified struct {
	Address    string // EIP-55
	Message    *siwe.Message
	Expiration time.Time // zero when the message has no expiry
}

// Verify checks a wallet AuthSig: derivedVia, a SIWE signedMessage, the
// signature recovering the SIWE address, the address field naming the same
// account (any case), and the message's times against opts.Now:
// expired at or after Expiration Time, not valid before Not Before or more
// than opts.Skew before Issued At.
func Verify(a AuthSig, opts Options) (*Verified, error) {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	if a.Algo != "" && a.Algo != AlgoEd25519 {
		return nil, reject(ReasonUnsupported, "algo %q needs the network key; use the session verifier", a.Algo)
	}
	if a.DerivedVia != DerivedViaWallet {
		return nil, reject(ReasonMalformed, "derivedVia is %q, want %q", a.DerivedVia, DerivedViaWallet)
	}
	sigHex, ok := strings.CutPrefix(a.Sig, "0x")
	if !ok {
		return nil, reject(ReasonMalformed, "sig must be 0x-prefixed hex")
	}
	sig, err := hex.DecodeString(sigHex)
	if err != nil || len(sig) != 65 {
		return nil, reject(ReasonMalformed, "sig must be 65 bytes of hex (r, s, v)")
	}
	msg, err := siwe.Parse(a.SignedMessage)
	if err != nil {
		return nil, reject(ReasonBadMessage, "%v", err)
	}
	got, err := Recover([]byte(a.SignedMessage), sig)
	if errors.Is(err, ErrHighS) {
		return nil, reject(ReasonMalformed, "%v", err)
	}
	if err != nil {
		return nil, reject(ReasonBadSignature, "%v", err)
	}
	// The message's address is EIP-55, so comparing the 20 bytes is
	// comparing got's EIP-55 form with it.
	addr := msg.Address()
	if got != common.HexToAddress(addr) {
		return nil, reject(ReasonBadSignature, "signature recovers %s, but the message is for %s", got.Hex(), addr)
	}
	if !strings.EqualFold(a.Address, addr) {
		return nil, reject(ReasonAddressMismatch, "address field %q is not the message's address %s", a.Address, addr)
	}
	v := &Verified{Address: addr, Message: msg}
	if exp, ok := msg.Expiration(); ok {
		v.Expiration = exp
		if !now.Before(exp) {
			return nil, reject(ReasonExpired, "expired at %s (now %s)", exp.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
		}
	}
	if nb, ok := msg.NotBefore(); ok && now.Before(nb) {
		return nil, reject(ReasonNotYetValid, "not valid before %s (now %s)", nb.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	issued, err := msg.IssuedAt()
	if err != nil {
		return nil, reject(ReasonBadMessage, "%v", err)
	}
	if now.Add(opts.Skew).Before(issued) {
		return nil, reject(ReasonNotYetValid, "issued at %s, in the future (now %s)", issued.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	return v, nil
}

// IsReason reports whether err is an *Error with reason r.
func IsReason(err error, r Reason) bool {
	var e *Error
	return errors.As(err, &e) && e.Reason == r
}
