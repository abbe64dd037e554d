package session

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/jsjson"
	"github.com/litgo/litsession/core/sessionkey"
	"github.com/litgo/litsession/core/siwe"
	"github.com/litgo/litsession/core/storage"
)

const otherWalletKeyHex = "0x4444444444444444444444444444444444444444444444444444444444444444"

// layoutCase is a cache layout under test and its keys for walletAddr.
type layoutCase struct {
	name           string
	layout         CacheLayout // nil: the default
	keyKey, sigKey string
}

func layoutCases() []layoutCase {
	return []layoutCase{
		{"v7", nil, "lit-session-key", "lit-wallet-sig"},
		{"naga", NagaCache{AppName: "my-app", NetworkName: "naga-dev"},
			"lit-auth:my-app:naga-dev:" + walletAddr, "lit-auth:my-app-inner-delegation:naga-dev:" + walletAddr},
	}
}

func (l layoutCase) encoder() CacheLayout {
	if l.layout == nil {
		return V7Cache{}
	}
	return l.layout
}

// signAs makes a wallet AuthSig for key's URI over all PKPs, signed by the
// wallet key keyHex, expiring at expiration.
func signAs(t testing.TB, keyHex string, key *sessionkey.KeyPair, expiration string) authsig.AuthSig {
	t.Helper()
	ks, err := authsig.NewKeySigner(keyHex)
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := ks.Address(context.Background())
	msg, err := siwe.CreateWithRecaps(siwe.Params{
		Address: addr, URI: key.URI(), Nonce: nonceHex,
		IssuedAt: "2025-12-31T00:00:00.000Z", Expiration: expiration, Resources: pkpAll(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	a, err := authsig.Sign(context.Background(), ks, msg)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func set(t testing.TB, s storage.Storage, k, v string) {
	t.Helper()
	if err := s.Set(context.Background(), k, v); err != nil {
		t.Fatal(err)
	}
}

func TestCacheLayouts(t *testing.T) {
	k33 := seedKey(t, 0x33)
	// seed stores a session key expiring at keyExp and, when sigExp is not
	// empty, a wallet AuthSig for it by signer keyHex, in l's form.
	seed := func(keyExp time.Time, keyHex, sigExp string) func(*testing.T, *rig, layoutCase) {
		return func(t *testing.T, r *rig, l layoutCase) {
			v, err := l.encoder().EncodeSessionKey(k33, keyExp)
			if err != nil {
				t.Fatal(err)
			}
			set(t, r.store, l.keyKey, v)
			if sigExp == "" {
				return
			}
			v, err = l.encoder().EncodeWalletSig(signAs(t, keyHex, k33, sigExp))
			if err != nil {
				t.Fatal(err)
			}
			set(t, r.store, l.sigKey, v)
		}
	}
	later := t2026.Add(48 * time.Hour)
	type want struct {
		asked, created, reused bool
		rule                   Rule
		warning                string // a substring of one warning
	}
	cases := []struct {
		name    string
		prepare func(*testing.T, *rig, layoutCase)
		v7      want
		naga    want // zero: as v7
	}{
		{name: "fresh", prepare: func(*testing.T, *rig, layoutCase) {},
			v7: want{asked: true, created: true, rule: RuleMissing}},
		{name: "reuse", prepare: func(t *testing.T, r *rig, _ layoutCase) { r.get(t, Params{ResourceAbilityRequests: pkpAll(t)}) },
			v7: want{reused: true}},
		{name: "stored key and signature", prepare: seed(later, walletKeyHex, exp2030),
			v7: want{reused: true}},
		{name: "expired key", prepare: seed(t2026.Add(-time.Hour), walletKeyHex, exp2030),
			// v7 keeps no expiry for the key.
			v7:   want{reused: true},
			naga: want{asked: true, created: true, rule: RuleSessionKey}},
		{name: "key expiring within RenewBefore", prepare: seed(t2026.Add(30*time.Second), walletKeyHex, exp2030),
			v7:   want{reused: true},
			naga: want{asked: true, created: true, rule: RuleSessionKey}},
		{name: "expired signature", prepare: seed(later, walletKeyHex, "2025-12-31T23:59:59.999Z"),
			v7: want{asked: true, rule: RuleExpired}},
		{name: "signature by another account", prepare: seed(later, otherWalletKeyHex, exp2030),
			v7: want{asked: true, rule: RuleOtherAccount}},
		{name: "other account's entries", prepare: func(t *testing.T, r *rig, l layoutCase) {
			// The entries another account left: v7 has one slot, so
			// they are the same keys.
			if l.layout != nil {
				l.keyKey = strings.Replace(l.keyKey, walletAddr, "0x7564105E977516C53bE337314c7E53838967bDaC", 1)
				l.sigKey = strings.Replace(l.sigKey, walletAddr, "0x7564105E977516C53bE337314c7E53838967bDaC", 1)
			}
			seed(later, otherWalletKeyHex, exp2030)(t, r, l)
		},
			v7:   want{asked: true, rule: RuleOtherAccount},
			naga: want{asked: true, created: true, rule: RuleMissing}},
		{name: "malformed key", prepare: func(t *testing.T, r *rig, l layoutCase) { set(t, r.store, l.keyKey, "{not json") },
			v7: want{asked: true, created: true, rule: RuleMissing, warning: "is unusable"}},
		{name: "key of the other layout", prepare: func(t *testing.T, r *rig, l layoutCase) {
			other := CacheLayout(NagaCache{AppName: "a", NetworkName: "n"})
			if l.layout != nil {
				other = V7Cache{}
			}
			v, _ := other.EncodeSessionKey(k33, later)
			set(t, r.store, l.keyKey, v)
		},
			v7:   want{asked: true, created: true, rule: RuleMissing, warning: "is unusable"},
			naga: want{asked: true, created: true, rule: RuleMissing, warning: "is unusable"}},
		{name: "naga key without expiresAt", prepare: func(t *testing.T, r *rig, l layoutCase) {
			set(t, r.store, l.keyKey, `{"sessionKey":{"keyPair":{"publicKey":"`+k33.PublicKeyHex()+`","secretKey":"`+k33.SecretKeyHex()[:64]+`"}},"authMethodType":1}`)
		},
			v7:   want{asked: true, created: true, rule: RuleMissing, warning: "is unusable"},
			naga: want{asked: true, created: true, rule: RuleMissing, warning: "sessionKey.expiresAt"}},
		{name: "naga key with a mismatched public key", prepare: func(t *testing.T, r *rig, l layoutCase) {
			set(t, r.store, l.keyKey, `{"sessionKey":{"keyPair":{"publicKey":"`+seedKey(t, 0x55).PublicKeyHex()+`","secretKey":"`+k33.SecretKeyHex()[:64]+`"},"expiresAt":"2030-01-01T00:00:00.000Z"},"authMethodType":1}`)
		},
			v7:   want{asked: true, created: true, rule: RuleMissing, warning: "is unusable"},
			naga: want{asked: true, created: true, rule: RuleMissing, warning: "does not belong"}},
		{name: "malformed signature", prepare: func(t *testing.T, r *rig, l layoutCase) {
			seed(later, walletKeyHex, "")(t, r, l)
			set(t, r.store, l.sigKey, `{"sig":`)
		},
			v7: want{asked: true, rule: RuleCorrupt}},
		{name: "signature of the other layout", prepare: func(t *testing.T, r *rig, l layoutCase) {
			seed(later, walletKeyHex, "")(t, r, l)
			other := CacheLayout(NagaCache{AppName: "a", NetworkName: "n"})
			if l.layout != nil {
				other = V7Cache{}
			}
			v, _ := other.EncodeWalletSig(signAs(t, walletKeyHex, k33, exp2030))
			set(t, r.store, l.sigKey, v)
		},
			// v7 reads the JSON string as JSON that is no AuthSig; v8
			// stores a string, so a bare object is not its form.
			v7:   want{asked: true, rule: RuleForeign},
			naga: want{asked: true, rule: RuleCorrupt}},
		{name: "naga signature string that is not an AuthSig", prepare: func(t *testing.T, r *rig, l layoutCase) {
			seed(later, walletKeyHex, "")(t, r, l)
			set(t, r.store, l.sigKey, `"{\"publicKey\":\"ab\"}"`)
		},
			v7: want{asked: true, rule: RuleForeign}},
	}
	for _, l := range layoutCases() {
		for _, c := range cases {
			t.Run(l.name+"/"+c.name, func(t *testing.T) {
				w := c.v7
				if l.layout != nil && c.naga != (want{}) {
					w = c.naga
				}
				r := newRig(t)
				r.eng.CacheLayout = l.layout
				c.prepare(t, r, l)
				before := r.wallet.n.Load()
				_, info := r.get(t, Params{ResourceAbilityRequests: pkpAll(t)})
				got := want{asked: info.WalletAsked, created: info.SessionKeyCreated, reused: info.CacheReused, rule: info.Rule}
				if w.warning != "" && !strings.Contains(strings.Join(info.Warnings, "\n"), w.warning) {
					t.Errorf("warnings %q, want one containing %q", info.Warnings, w.warning)
				}
				w.warning = ""
				if got != w {
					t.Fatalf("got %+v, want %+v (reason %q, warnings %q)", got, w, info.Reason, info.Warnings)
				}
				if asked := r.wallet.n.Load() - before; asked != map[bool]int32{true: 1, false: 0}[w.asked] {
					t.Fatalf("the wallet signed %d times", asked)
				}
				if !w.created && info.SessionPublicKey != k33.PublicKeyHex() && c.name != "reuse" {
					t.Fatalf("session key %s, want the stored %s", info.SessionPublicKey, k33.PublicKeyHex())
				}
				// Whatever was stored, the next call reuses what this one
				// left.
				_, again := r.get(t, Params{ResourceAbilityRequests: pkpAll(t)})
				if again.WalletAsked || again.SessionKeyCreated || again.SessionPublicKey != info.SessionPublicKey {
					t.Fatalf("the next call did not reuse the cache: %+v", again)
				}
			})
		}
	}
}

// The stored values are those of the official SDKs, byte for byte where
// the SDK's output is fixed.
func TestCacheLayoutValues(t *testing.T) {
	for _, l := range layoutCases() {
		t.Run(l.name, func(t *testing.T) {
			r := newRig(t)
			r.eng.CacheLayout = l.layout
			r.eng.Rand = strings.NewReader(strings.Repeat("\x33", 32))
			r.get(t, Params{ResourceAbilityRequests: pkpAll(t)})
			k33 := seedKey(t, 0x33)
			key, _, _ := r.store.Get(context.Background(), l.keyKey)
			sig, ok, _ := r.store.Get(context.Background(), l.sigKey)
			if !ok {
				t.Fatalf("nothing stored under %s", l.sigKey)
			}
			var wantKey, inner string
			if l.layout == nil {
				wantKey = `{"publicKey":"` + k33.PublicKeyHex() + `","secretKey":"` + k33.SecretKeyHex() + `"}`
				inner = sig
			} else {
				wantKey = `{"sessionKey":{"keyPair":{"publicKey":"` + k33.PublicKeyHex() + `","secretKey":"` + k33.SecretKeyHex()[:64] +
					`"},"expiresAt":"2026-01-02T00:00:00.000Z"},"authMethodType":1}`
				v, err := jsjson.Parse([]byte(sig))
				if err != nil {
					t.Fatal(err)
				}
				if inner, ok = v.Str(); !ok {
					t.Fatalf("the AuthSig is stored as %s, not as v8's JSON string", v.Kind())
				}
			}
			if key != wantKey {
				t.Fatalf("stored key\n%s\nwant\n%s", key, wantKey)
			}
			v, err := jsjson.Parse([]byte(inner))
			if err != nil {
				t.Fatal(err)
			}
			a, err := authsig.FromJSON(v)
			if err != nil || a.Address != walletAddr || !strings.Contains(a.SignedMessage, k33.URI()) {
				t.Fatalf("stored AuthSig %+v (%v)", a, err)
			}
		})
	}
}

// With an auth callback, NagaCache needs Params.WalletAddress; without it
// nothing is cached, and a callback signing as another account than the
// one named is refused.
func TestNagaCacheCallback(t *testing.T) {
	r := newRig(t)
	r.eng.CacheLayout = NagaCache{AppName: "my-app", NetworkName: "naga-dev"}
	var calls int
	cb := func(keyHex string) AuthNeededCallback {
		return func(ctx context.Context, p AuthNeededParams) (authsig.AuthSig, error) {
			calls++
			ks, _ := authsig.NewKeySigner(keyHex)
			addr, _ := ks.Address(ctx)
			msg, err := p.SIWEMessage(addr, t2026)
			if err != nil {
				return authsig.AuthSig{}, err
			}
			return authsig.Sign(ctx, ks, msg)
		}
	}
	p := Params{ResourceAbilityRequests: pkpAll(t), AuthNeededCallback: cb(walletKeyHex)}
	for range 2 {
		_, info := r.get(t, p)
		if !info.WalletAsked || !strings.Contains(strings.Join(info.Warnings, "\n"), "Params.WalletAddress") {
			t.Fatalf("without WalletAddress: %+v", info)
		}
	}
	if calls != 2 {
		t.Fatalf("callback called %d times, want 2 (nothing cached)", calls)
	}
	if _, ok, _ := r.store.Get(context.Background(), "lit-session-key"); ok {
		t.Fatal("NagaCache wrote the v7 key")
	}

	p.WalletAddress = strings.ToLower(walletAddr)
	r.get(t, p)
	_, info := r.get(t, p)
	if info.WalletAsked || !info.CacheReused || calls != 3 {
		t.Fatalf("with WalletAddress: %+v, %d calls", info, calls)
	}
	if _, ok, _ := r.store.Get(context.Background(), "lit-auth:my-app:naga-dev:"+walletAddr); !ok {
		t.Fatal("the key is not stored under the EIP-55 address")
	}

	r.store = storage.NewMemory()
	r.eng.Storage = r.store
	p.AuthNeededCallback = cb(otherWalletKeyHex)
	_, _, err := r.eng.GetSessionSigs(context.Background(), p)
	var ae *AuthSigError
	if !errors.As(err, &ae) || ae.Rule != RuleOtherAccount {
		t.Fatalf("a callback signing as another account: %v", err)
	}
	if _, ok, _ := r.store.Get(context.Background(), "lit-auth:my-app-inner-delegation:naga-dev:"+walletAddr); ok {
		t.Fatal("another account's AuthSig was cached")
	}
}

func TestCacheLayoutParams(t *testing.T) {
	r := newRig(t)
	r.eng.CacheLayout = NagaCache{NetworkName: "naga-dev"}
	_, _, err := r.eng.GetSessionSigs(context.Background(), Params{ResourceAbilityRequests: pkpAll(t)})
	if !errors.Is(err, ErrInvalidParams) || !strings.Contains(err.Error(), "AppName") {
		t.Fatalf("NagaCache without AppName: %v", err)
	}
	r.eng.CacheLayout = nil
	_, _, err = r.eng.GetSessionSigs(context.Background(), Params{ResourceAbilityRequests: pkpAll(t), WalletAddress: "0x1234"})
	if !errors.Is(err, ErrInvalidParams) || !strings.Contains(err.Error(), "WalletAddress") {
		t.Fatalf("a bad WalletAddress: %v", err)
	}
	// With the v7 layout, WalletAddress refuses another account's
	// cached AuthSig on the callback path too.
	r.get(t, Params{ResourceAbilityRequests: pkpAll(t)})
	r.eng.Wallet = nil
	_, _, err = r.eng.GetSessionSigs(context.Background(), Params{ResourceAbilityRequests: pkpAll(t),
		WalletAddress: "0x7564105E977516C53bE337314c7E53838967bDaC"})
	if !errors.Is(err, ErrNoSigner) || !strings.Contains(err.Error(), "0x7564105E977516C53bE337314c7E53838967bDaC") {
		t.Fatalf("v7 with another WalletAddress: %v", err)
	}
}
