package session

import (
	"errors"
	"fmt"
	"time"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/jsjson"
	"github.com/litgo/litsession/core/sessionkey"
	"github.com/litgo/litsession/core/siwe"
	"github.com/litgo/litsession/core/storage"
)

// CacheLayout is where, and in what form, the Engine keeps the session key
// and the wallet AuthSig in Engine.Storage, so that another SDK sharing the
// storage (a browser's localStorage, a server's directory) finds them.
// Engine.CacheLayout nil is V7Cache; NagaCache is the official v8 SDK's
// layout.
//
// Stored values are never trusted: a value a layout cannot decode is
// replaced (with a warning in Info.Warnings), and a decoded wallet AuthSig
// still passes every re-sign rule (see Rule) before it is reused.
type CacheLayout interface {
	// Keys returns the storage keys of the session key and of the wallet
	// AuthSig for the wallet's account. address is the account's EIP-55
	// address, or "" when the Engine cannot know it (an auth callback and
	// no Params.WalletAddress). A layout that needs the address returns an
	// error wrapping ErrNoCacheAddress for "": the Engine then caches
	// nothing and says so in Info.Warnings. Any other error is a
	// misconfigured layout and fails the call.
	Keys(address string) (sessionKey, walletSig string, err error)
	// EncodeSessionKey returns the stored value of a new session key,
	// which the layout may reuse until expiresAt (the session's
	// expiration).
	EncodeSessionKey(key *sessionkey.KeyPair, expiresAt time.Time) (string, error)
	// DecodeSessionKey parses a stored session key. expiresAt is zero when
	// the layout stores no expiry; otherwise the Engine reuses the key only
	// while expiresAt is more than Engine.RenewBefore away.
	DecodeSessionKey(raw string) (key *sessionkey.KeyPair, expiresAt time.Time, err error)
	// EncodeWalletSig returns the stored value of a wallet AuthSig.
	EncodeWalletSig(a authsig.AuthSig) (string, error)
	// DecodeWalletSig parses a stored wallet AuthSig.
	DecodeWalletSig(raw string) (authsig.AuthSig, error)
}

// ErrNoCacheAddress is wrapped by CacheLayout.Keys when the layout keys
// its entries by the wallet's address and the address is unknown. Set
// Params.WalletAddress when an auth callback signs.
var ErrNoCacheAddress = errors.New("session: the cache layout keys entries by the wallet's address, which is unknown; set Params.WalletAddress to cache with an auth callback")

// V7Cache is the official JS SDK v7 layout, the Engine's default: one
// global slot per value, whatever the account,
//
//	lit-session-key  {"publicKey":"<64 hex>","secretKey":"<128 hex>"}
//	lit-wallet-sig   {"sig","derivedVia","signedMessage","address"[,"algo"]}
//
// with no expiry on the session key. Since the wallet signature's slot is
// shared by every account, the Engine refuses to reuse a signature by
// another account than the wallet's (or Params.WalletAddress).
type V7Cache struct{}

// Keys implements CacheLayout; the address is not used.
func (V7Cache) Keys(string) (string, string, error) {
	return storage.KeySessionKey, storage.KeyWalletSig, nil
}

// EncodeSessionKey implements CacheLayout; expiresAt is not stored.
func (V7Cache) EncodeSessionKey(key *sessionkey.KeyPair, _ time.Time) (string, error) {
	b, err := key.MarshalJSON()
	return string(b), err
}

// DecodeSessionKey implements CacheLayout; expiresAt is always zero.
func (V7Cache) DecodeSessionKey(raw string) (*sessionkey.KeyPair, time.Time, error) {
	key, err := sessionkey.Parse([]byte(raw))
	return key, time.Time{}, err
}

// EncodeWalletSig implements CacheLayout: the AuthSig's JSON.
func (V7Cache) EncodeWalletSig(a authsig.AuthSig) (string, error) {
	b, err := jsjson.Marshal(a)
	return string(b), err
}

// DecodeWalletSig implements CacheLayout.
func (V7Cache) DecodeWalletSig(raw string) (authsig.AuthSig, error) {
	a, rerr := decodeStored(raw)
	if rerr != nil {
		return a, rerr
	}
	return a, nil
}

// NagaCache is the layout of the official v8 SDK's storage plugins
// (storagePlugins.localStorage and localStorageNode with the same appName
// and networkName), as its EOA auth context (authManager.
// createEoaAuthContext) reads and writes it:
//
//	lit-auth:<AppName>:<NetworkName>:<address>
//	  {"sessionKey":{"keyPair":{"publicKey":"<64 hex>","secretKey":"<64 hex seed>"},
//	   "expiresAt":"<ISO>"},"authMethodType":1}
//	lit-auth:<AppName>-inner-delegation:<NetworkName>:<address>
//	  the wallet AuthSig's JSON, itself stored as a JSON string
//
// where <address> is the wallet's EIP-55 address, as viem gives it. v8
// reuses the session key while expiresAt is in the future and the AuthSig
// while its SIWE Expiration Time is; the Engine applies its own re-sign
// rules on top (the AuthSig must delegate to this session key, cover the
// requests, and so on). A page or server moving between the official v8
// SDK and this package keeps its session in both directions.
type NagaCache struct {
	// AppName and NetworkName are the storage plugin's appName and
	// networkName; both are required.
	AppName, NetworkName string
	// AuthMethodType is written as the entry's authMethodType; zero means
	// 1 (EthWallet), what v8 writes for a wallet. It is not checked on
	// read.
	AuthMethodType int
}

// Keys implements CacheLayout.
func (c NagaCache) Keys(address string) (string, string, error) {
	if c.AppName == "" || c.NetworkName == "" {
		return "", "", errors.New("session: NagaCache needs AppName and NetworkName, the appName and networkName given to the v8 storage plugin")
	}
	if address == "" {
		return "", "", ErrNoCacheAddress
	}
	return "lit-auth:" + c.AppName + ":" + c.NetworkName + ":" + address,
		"lit-auth:" + c.AppName + "-inner-delegation:" + c.NetworkName + ":" + address, nil
}

// EncodeSessionKey implements CacheLayout, with the 64-hex seed as the
// secret key (v8 signs with a 32-byte Ed25519 secret key).
func (c NagaCache) EncodeSessionKey(key *sessionkey.KeyPair, expiresAt time.Time) (string, error) {
	if key == nil {
		return "", errors.New("session: no session key to store")
	}
	if expiresAt.IsZero() {
		return "", errors.New("session: NagaCache stores a session key with its expiry; none given")
	}
	var kp, sk, o jsjson.Object
	kp.String("publicKey", key.PublicKeyHex())
	kp.String("secretKey", key.SecretKeyHex()[:2*32])
	kb, err := kp.Bytes()
	if err != nil {
		return "", err
	}
	sk.Raw("keyPair", kb)
	sk.String("expiresAt", siwe.FormatTime(expiresAt))
	sb, err := sk.Bytes()
	if err != nil {
		return "", err
	}
	o.Raw("sessionKey", sb)
	t := c.AuthMethodType
	if t == 0 {
		t = 1
	}
	o.Raw("authMethodType", fmt.Appendf(nil, "%d", t))
	b, err := o.Bytes()
	return string(b), err
}

// DecodeSessionKey implements CacheLayout. sessionKey.keyPair must be a
// valid key pair and sessionKey.expiresAt an ISO-8601 time.
func (NagaCache) DecodeSessionKey(raw string) (*sessionkey.KeyPair, time.Time, error) {
	v, err := jsjson.Parse([]byte(raw))
	if err != nil {
		return nil, time.Time{}, errors.New("it is not JSON")
	}
	sk := v.Get("sessionKey")
	if _, ok := sk.Members(); !ok {
		return nil, time.Time{}, errors.New("it has no sessionKey object")
	}
	kp := sk.Get("keyPair")
	if _, ok := kp.Members(); !ok {
		return nil, time.Time{}, errors.New("it has no sessionKey.keyPair object")
	}
	pub, _ := kp.Get("publicKey").Str()
	secret, _ := kp.Get("secretKey").Str()
	if pub == "" {
		return nil, time.Time{}, errors.New("sessionKey.keyPair.publicKey is missing or not a string")
	}
	key, err := sessionkey.FromHex(pub, secret)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("sessionKey.keyPair: %w", err)
	}
	s, ok := sk.Get("expiresAt").Str()
	if !ok {
		return nil, time.Time{}, errors.New("sessionKey.expiresAt is missing or not a string")
	}
	exp, err := siwe.ParseTime("sessionKey.expiresAt", s)
	if err != nil {
		return nil, time.Time{}, err
	}
	return key, exp, nil
}

// EncodeWalletSig implements CacheLayout: the AuthSig's JSON as a JSON
// string, as v8 writes it.
func (NagaCache) EncodeWalletSig(a authsig.AuthSig) (string, error) {
	b, err := jsjson.Marshal(a)
	if err != nil {
		return "", err
	}
	s, err := jsjson.Marshal(string(b))
	return string(s), err
}

// DecodeWalletSig implements CacheLayout: the value must be a JSON string
// holding an AuthSig's JSON.
func (NagaCache) DecodeWalletSig(raw string) (authsig.AuthSig, error) {
	v, err := jsjson.Parse([]byte(raw))
	if err != nil {
		return authsig.AuthSig{}, broke(RuleCorrupt, "the stored value is not JSON")
	}
	inner, ok := v.Str()
	if !ok {
		return authsig.AuthSig{}, broke(RuleCorrupt, "the stored value is a JSON %s, not the JSON string v8 stores", v.Kind())
	}
	w, err := jsjson.Parse([]byte(inner))
	if err != nil {
		return authsig.AuthSig{}, broke(RuleCorrupt, "the stored string is not JSON")
	}
	a, err := authsig.FromJSON(w)
	if err != nil {
		return a, broke(RuleForeign, "the stored value is not an AuthSig: %v", err)
	}
	return a, nil
}

func (e *ruleErr) Error() string { return e.detail }
