package session

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/jsjson"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/sessionkey"
	"github.com/litgo/litsession/core/siwe"
	"github.com/litgo/litsession/core/storage"
)

// sessionURI is the URI of the 0x22 seed key used with Params.SessionKey.
const sessionURI = "lit:session:" + sessionPub

func params(t testing.TB) Params {
	return Params{SessionKey: seedKey(t, 0x22), ResourceAbilityRequests: pkpAll(t)}
}

func TestResignRules(t *testing.T) {
	good := sigSpec{uri: sessionURI, reqs: pkpAll(t), issuedAt: "2025-12-31T00:00:00.000Z", expiration: exp2030}
	mod := func(f func(*sigSpec)) sigSpec { s := good; f(&s); return s }
	sig := func(s sigSpec) string {
		b, _ := jsjson.Marshal(makeWalletSig(t, s))
		return string(b)
	}
	tampered := makeWalletSig(t, good)
	tampered.Sig = tampered.Sig[:10] + strings.Map(func(r rune) rune {
		if r == 'f' {
			return '0'
		}
		return 'f'
	}, tampered.Sig[10:12]) + tampered.Sig[12:]
	tamperedJSON, _ := jsjson.Marshal(tampered)
	sessionShaped, _ := jsjson.Marshal(authsig.AuthSig{Sig: "00", DerivedVia: authsig.DerivedViaSession, SignedMessage: "{}", Address: sessionPub, Algo: authsig.AlgoEd25519})
	notSIWE, _ := jsjson.Marshal(authsig.AuthSig{Sig: tampered.Sig, DerivedVia: authsig.DerivedViaWallet, SignedMessage: "hello", Address: walletAddr})
	otherAlgo, _ := jsjson.Marshal(authsig.AuthSig{Sig: tampered.Sig, DerivedVia: authsig.DerivedViaWallet, SignedMessage: "hello", Address: walletAddr, Algo: "secp256k1"})
	otherAddr := makeWalletSig(t, good)
	otherAddr.Address = "0x7564105E977516C53bE337314c7E53838967bDaC"
	otherAddrJSON, _ := jsjson.Marshal(otherAddr)

	cases := []struct {
		name   string
		stored string
		rule   Rule
	}{
		{"valid", sig(good), ""},
		{"expired", sig(mod(func(s *sigSpec) { s.expiration = "2025-12-31T23:59:59.999Z" })), RuleExpired},
		{"invalid signature", string(tamperedJSON), RuleSignature},
		{"address field of another account", string(otherAddrJSON), RuleSignature},
		{"other session key's URI", sig(mod(func(s *sigSpec) { s.uri = "lit:session:" + strings.Repeat("ab", 32) })), RuleSessionKey},
		{"not a session URI", sig(mod(func(s *sigSpec) { s.uri = "https://localhost/login" })), RuleSessionKey},
		{"no recap", sig(mod(func(s *sigSpec) { s.noRecap = true })), RuleNoRecap},
		{"under-scoped recap", sig(mod(func(s *sigSpec) {
			s.reqs = []resource.Request{req(t, resource.LitAction, "*", resource.LitActionExecution)}
		})), RuleScope},
		{"exact pkp does not cover *", sig(mod(func(s *sigSpec) {
			s.reqs = []resource.Request{req(t, resource.PKP, "1234", resource.PKPSigning)}
		})), RuleScope},
		{"issued in the future", sig(mod(func(s *sigSpec) { s.issuedAt = "2026-01-01T00:10:00.000Z" })), RuleNotYetValid},
		{"corrupt JSON", `{"sig":"0x12`, RuleCorrupt},
		{"empty string", ``, RuleCorrupt},
		{"foreign: key pair", `{"publicKey":"` + sessionPub + `","secretKey":"x"}`, RuleForeign},
		{"foreign: string", `"just a string"`, RuleForeign},
		{"foreign: array", `[1,2,3]`, RuleForeign},
		{"foreign: null", `null`, RuleForeign},
		{"foreign: a session signature", string(sessionShaped), RuleForeign},
		{"foreign: not SIWE", string(notSIWE), RuleForeign},
		{"foreign: unknown algo", string(otherAlgo), RuleForeign},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRig(t)
			r.store.Set(context.Background(), storage.KeyWalletSig, c.stored)
			_, info := r.get(t, params(t))
			if info.Rule != c.rule {
				t.Fatalf("rule = %q (%s), want %q", info.Rule, info.Reason, c.rule)
			}
			if c.rule == "" {
				if !info.CacheReused || info.WalletAsked || r.wallet.n.Load() != 0 {
					t.Fatalf("valid cached sig not reused: %+v", info)
				}
				return
			}
			if info.CacheReused || !info.WalletAsked || r.wallet.n.Load() != 1 || info.Reason == "" {
				t.Fatalf("info = %+v, wallet asked %d times", info, r.wallet.n.Load())
			}
			// The re-signed sig replaced the bad one and is reused next time.
			_, info = r.get(t, params(t))
			if !info.CacheReused || r.wallet.n.Load() != 1 {
				t.Fatalf("after re-signing, info = %+v", info)
			}
		})
	}
}

func TestNoStoredSig(t *testing.T) {
	r := newRig(t)
	_, info := r.get(t, params(t))
	if info.Rule != RuleMissing || !info.WalletAsked {
		t.Fatalf("info = %+v", info)
	}
	r.eng.Storage = nil
	_, info = r.get(t, params(t))
	if info.Rule != RuleMissing || !info.WalletAsked || !strings.Contains(info.Reason, "no storage") {
		t.Fatalf("without storage, info = %+v", info)
	}
}

func TestWalletAskedOnce(t *testing.T) {
	r := newRig(t)
	var first []byte
	for i := range 5 {
		r.clock.Add(time.Minute)
		sigs, info := r.get(t, Params{ResourceAbilityRequests: pkpAll(t)})
		if i == 0 && (!info.SessionKeyCreated || !info.WalletAsked) {
			t.Fatalf("first call: %+v", info)
		}
		if i > 0 && (info.SessionKeyCreated || info.WalletAsked || !info.CacheReused) {
			t.Fatalf("call %d: %+v", i+1, info)
		}
		a, _ := sigs.Get(node1)
		var tpl struct{ Capabilities []json.RawMessage }
		json.Unmarshal([]byte(a.SignedMessage), &tpl)
		if i == 0 {
			first = tpl.Capabilities[0]
		} else if !bytes.Equal(first, tpl.Capabilities[0]) {
			t.Fatalf("call %d used another wallet signature", i+1)
		}
	}
	if n := r.wallet.n.Load(); n != 1 {
		t.Fatalf("wallet asked %d times, want 1", n)
	}
	// The nonce is only fetched when the wallet signs.
	if n := r.net.hashCalls.Load(); n != 1 {
		t.Fatalf("LatestBlockhash called %d times, want 1", n)
	}
}

func TestWalletAskedOnceConcurrently(t *testing.T) {
	r := newRig(t)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			_, _, err := r.eng.GetSessionSigs(context.Background(), Params{ResourceAbilityRequests: pkpAll(t)})
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := r.wallet.n.Load(); n != 1 {
		t.Fatalf("wallet asked %d times by 20 concurrent calls, want 1", n)
	}
}

func TestSmallerScopeReuses(t *testing.T) {
	r := newRig(t)
	wide := []resource.Request{
		req(t, resource.PKP, "*", resource.PKPSigning),
		req(t, resource.LitAction, "*", resource.LitActionExecution),
	}
	r.get(t, Params{ResourceAbilityRequests: wide})
	_, info := r.get(t, Params{ResourceAbilityRequests: []resource.Request{req(t, resource.PKP, "abc", resource.PKPSigning)}})
	if !info.CacheReused {
		t.Fatalf("a narrower request re-signed: %+v", info)
	}
	_, info = r.get(t, Params{ResourceAbilityRequests: []resource.Request{req(t, resource.AccessControlCondition, "*", resource.AccessControlConditionDecryption)}})
	if info.Rule != RuleScope {
		t.Fatalf("a wider request: %+v", info)
	}
}

// TestShadowedScope: requests that mix an exact and a wildcard resource of
// one kind can never pass the SDK's coverage rule; the SDK asks the wallet
// twice per call, we once, with a warning.
func TestShadowedScope(t *testing.T) {
	r := newRig(t)
	reqs := []resource.Request{
		req(t, resource.AccessControlCondition, "abc/def", resource.AccessControlConditionDecryption),
		req(t, resource.AccessControlCondition, "*", resource.AccessControlConditionSigning),
	}
	_, info := r.get(t, Params{ResourceAbilityRequests: reqs})
	if !info.WalletAsked || len(info.Warnings) != 1 || !strings.Contains(info.Warnings[0], "lit-accesscontrolcondition://*") {
		t.Fatalf("info = %+v", info)
	}
	_, info = r.get(t, Params{ResourceAbilityRequests: reqs})
	if !info.CacheReused || r.wallet.n.Load() != 1 {
		t.Fatalf("second call: %+v", info)
	}
	// A cached sig whose wildcard entry shadows an exact grant is not
	// reused when a new signature would pass the official rule.
	r = newRig(t)
	storeSig(t, r.store, makeWalletSig(t, sigSpec{uri: sessionURI, reqs: reqs, issuedAt: "2026-01-01T00:00:00.000Z", expiration: exp2030}))
	p := params(t)
	p.ResourceAbilityRequests = reqs[:1]
	_, info = r.get(t, p)
	if info.Rule != RuleScope {
		t.Fatalf("shadowed cached sig for a request a new sig would cover: %+v", info)
	}
}

func TestRestartWithFileStore(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	wallet := walletSigner(t)
	clk := &clock{t: t2026}
	newEngine := func() *Engine {
		fs, err := storage.NewFile(dir)
		if err != nil {
			t.Fatal(err)
		}
		return &Engine{Storage: fs, Network: newNetwork(), Wallet: wallet, Now: clk.Now}
	}
	p := Params{ResourceAbilityRequests: pkpAll(t)}
	s1, info1, err := newEngine().GetSessionSigs(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if !info1.SessionKeyCreated || !info1.WalletAsked {
		t.Fatalf("first run: %+v", info1)
	}
	clk.Add(3 * time.Hour)
	s2, info2, err := newEngine().GetSessionSigs(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if info2.SessionKeyCreated || info2.WalletAsked || !info2.CacheReused {
		t.Fatalf("after restart: %+v", info2)
	}
	a1, _ := s1.Get(node1)
	a2, _ := s2.Get(node1)
	if a1.Address != a2.Address {
		t.Fatal("the session key changed across the restart")
	}
	// Default expiration after reuse: capped at the wallet sig's expiry
	// (first call + 24 h), not 24 h from now.
	if want := siwe.FormatTime(t2026.Add(24 * time.Hour)); info2.Expiration != want {
		t.Fatalf("expiration = %s, want %s (capped)", info2.Expiration, want)
	}
	if wallet.n.Load() != 1 {
		t.Fatalf("wallet asked %d times", wallet.n.Load())
	}
}

func TestExpirationRules(t *testing.T) {
	r := newRig(t)
	p := params(t)
	p.Expiration = "2027-01-01T00:00:00.000Z"
	_, info := r.get(t, p)
	if !info.WalletAsked || info.Expiration != p.Expiration {
		t.Fatalf("first: %+v", info)
	}
	// Earlier explicit expiration: reuse, session expires as asked.
	p.Expiration = "2026-06-01T00:00:00.000Z"
	sigs, info := r.get(t, p)
	if !info.CacheReused || info.Expiration != p.Expiration {
		t.Fatalf("earlier explicit: %+v", info)
	}
	a, _ := sigs.Get(node1)
	if !strings.Contains(a.SignedMessage, `"expiration":"2026-06-01T00:00:00.000Z"`) {
		t.Fatal("session sig does not carry the requested expiration")
	}
	// Later explicit expiration: re-sign to honour it.
	p.Expiration = "2028-01-01T00:00:00.000Z"
	_, info = r.get(t, p)
	if info.Rule != RuleExpiration || !info.WalletAsked || info.Expiration != p.Expiration {
		t.Fatalf("later explicit: %+v", info)
	}
	// Default: reuse; now+24h is before the cached expiry, so it is used.
	p.Expiration = ""
	_, info = r.get(t, p)
	if !info.CacheReused || info.Expiration != siwe.FormatTime(t2026.Add(DefaultValidity)) {
		t.Fatalf("default: %+v", info)
	}
	// Default with a cached sig expiring in an hour: reuse, capped.
	r = newRig(t)
	p.Expiration = "2026-01-01T01:00:00.000Z"
	r.get(t, p)
	p.Expiration = ""
	r.clock.Add(10 * time.Minute)
	_, info = r.get(t, p)
	if !info.CacheReused || info.Expiration != "2026-01-01T01:00:00.000Z" {
		t.Fatalf("default capped: %+v", info)
	}
	if r.wallet.n.Load() != 1 {
		t.Fatalf("wallet asked %d times", r.wallet.n.Load())
	}
}

func TestExpirationParams(t *testing.T) {
	r := newRig(t)
	for _, exp := range []string{"tomorrow", "2026-01-01T00:00:00.000Z", "2025-01-01T00:00:00Z"} {
		p := params(t)
		p.Expiration = exp
		_, _, err := r.eng.GetSessionSigs(context.Background(), p)
		var pe *ParamsError
		if !errors.Is(err, ErrInvalidParams) || !errors.As(err, &pe) || pe.Field != "Expiration" {
			t.Errorf("Expiration %q: err = %v", exp, err)
		}
	}
	if r.wallet.n.Load() != 0 {
		t.Fatal("the wallet was asked despite bad params")
	}
}

func TestClockEdges(t *testing.T) {
	exp := mustTime("2026-01-02T00:00:00.000Z")
	for _, c := range []struct {
		name   string
		margin time.Duration
		now    time.Time
		reuse  bool
	}{
		{"no margin, 1ns before expiry", -1, exp.Add(-time.Nanosecond), true},
		{"no margin, exactly at expiry", -1, exp, false},
		{"no margin, after expiry", -1, exp.Add(time.Nanosecond), false},
		{"default margin, 1ns before the margin", 0, exp.Add(-DefaultRenewBefore - time.Nanosecond), true},
		{"default margin, exactly at the margin", 0, exp.Add(-DefaultRenewBefore), false},
		{"10s margin, 1ns before the margin", 10 * time.Second, exp.Add(-10*time.Second - time.Nanosecond), true},
		{"10s margin, at the margin", 10 * time.Second, exp.Add(-10 * time.Second), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newRig(t)
			r.eng.RenewBefore = c.margin
			storeSig(t, r.store, makeWalletSig(t, sigSpec{uri: sessionURI, reqs: pkpAll(t), issuedAt: "2026-01-01T00:00:00.000Z", expiration: siwe.FormatTime(exp)}))
			r.clock.Set(c.now)
			_, info := r.get(t, params(t))
			if info.CacheReused != c.reuse {
				t.Fatalf("reused = %v, want %v (%+v)", info.CacheReused, c.reuse, info)
			}
			if !c.reuse && info.Rule != RuleExpired {
				t.Fatalf("rule = %q", info.Rule)
			}
			if c.reuse && info.Expiration != siwe.FormatTime(exp) {
				t.Fatalf("expiration %s not capped at the wallet sig's %s", info.Expiration, siwe.FormatTime(exp))
			}
		})
	}
}

var errRejected = errors.New("user rejected the request")

type providerError struct{ Code int }

func (e *providerError) Error() string { return fmt.Sprintf("provider error %d", e.Code) }

func TestCallbackErrorsNotCached(t *testing.T) {
	r := newRig(t)
	p := params(t)
	p.AuthNeededCallback = func(context.Context, AuthNeededParams) (authsig.AuthSig, error) {
		return authsig.AuthSig{}, fmt.Errorf("wallet: %w", &providerError{Code: 4001})
	}
	_, info, err := r.eng.GetSessionSigs(context.Background(), p)
	var pe *providerError
	if !errors.As(err, &pe) || pe.Code != 4001 {
		t.Fatalf("err = %v, want the provider's error reachable with errors.As", err)
	}
	if !info.WalletAsked {
		t.Fatal("info.WalletAsked is false")
	}
	if _, ok := storedSig(t, r.store); ok {
		t.Fatal("something was cached after a failed callback")
	}

	// A callback returning an unusable AuthSig: an error naming the rule,
	// not cached, and the callback is not asked a second time.
	bad := map[Rule]func(AuthNeededParams) authsig.AuthSig{
		RuleSessionKey: func(ap AuthNeededParams) authsig.AuthSig {
			return makeWalletSig(t, sigSpec{uri: "lit:session:" + strings.Repeat("ab", 32), reqs: ap.ResourceAbilityRequests, issuedAt: "2026-01-01T00:00:00.000Z", expiration: ap.Expiration})
		},
		RuleNoRecap: func(ap AuthNeededParams) authsig.AuthSig {
			return makeWalletSig(t, sigSpec{uri: ap.URI, reqs: ap.ResourceAbilityRequests, issuedAt: "2026-01-01T00:00:00.000Z", expiration: ap.Expiration, noRecap: true})
		},
		RuleScope: func(ap AuthNeededParams) authsig.AuthSig {
			return makeWalletSig(t, sigSpec{uri: ap.URI, reqs: []resource.Request{req(t, resource.LitAction, "*", resource.LitActionExecution)}, issuedAt: "2026-01-01T00:00:00.000Z", expiration: ap.Expiration})
		},
		RuleExpired: func(ap AuthNeededParams) authsig.AuthSig {
			return makeWalletSig(t, sigSpec{uri: ap.URI, reqs: ap.ResourceAbilityRequests, issuedAt: "2025-01-01T00:00:00.000Z", expiration: "2025-06-01T00:00:00.000Z"})
		},
		RuleExpiration: func(ap AuthNeededParams) authsig.AuthSig {
			return makeWalletSig(t, sigSpec{uri: ap.URI, reqs: ap.ResourceAbilityRequests, issuedAt: "2026-01-01T00:00:00.000Z", expiration: "2026-06-01T00:00:00.000Z"})
		},
		RuleSignature: func(ap AuthNeededParams) authsig.AuthSig {
			a := makeWalletSig(t, sigSpec{uri: ap.URI, reqs: ap.ResourceAbilityRequests, issuedAt: "2026-01-01T00:00:00.000Z", expiration: ap.Expiration})
			a.SignedMessage = strings.Replace(a.SignedMessage, "test statement", "best statement", 1)
			return a
		},
		RuleForeign: func(AuthNeededParams) authsig.AuthSig { return authsig.AuthSig{} },
	}
	for rule, mk := range bad {
		t.Run(string(rule), func(t *testing.T) {
			r := newRig(t)
			calls := 0
			p := params(t)
			p.Expiration = exp2030
			p.AuthNeededCallback = func(_ context.Context, ap AuthNeededParams) (authsig.AuthSig, error) {
				calls++
				return mk(ap), nil
			}
			_, _, err := r.eng.GetSessionSigs(context.Background(), p)
			var ae *AuthSigError
			if !errors.As(err, &ae) || ae.Rule != rule || ae.Source != "auth callback" {
				t.Fatalf("err = %v, want an AuthSigError for %s", err, rule)
			}
			if calls != 1 {
				t.Fatalf("callback called %d times", calls)
			}
			if _, ok := storedSig(t, r.store); ok {
				t.Fatal("the unusable AuthSig was cached")
			}
		})
	}
}

type rejectingSigner struct{ authsig.Signer }

func (rejectingSigner) SignMessage(context.Context, []byte) ([]byte, error) { return nil, errRejected }

func TestWalletRejection(t *testing.T) {
	r := newRig(t)
	r.eng.Wallet = rejectingSigner{r.wallet}
	_, _, err := r.eng.GetSessionSigs(context.Background(), params(t))
	if !errors.Is(err, errRejected) {
		t.Fatalf("err = %v, want the wallet's rejection", err)
	}
	if _, ok := storedSig(t, r.store); ok {
		t.Fatal("cached after a rejection")
	}
}

func TestCallbackParams(t *testing.T) {
	r := newRig(t)
	r.eng.Wallet = nil
	var got AuthNeededParams
	p := params(t)
	p.Domain = "app.example.com"
	p.AuthNeededCallback = func(ctx context.Context, ap AuthNeededParams) (authsig.AuthSig, error) {
		got = ap
		msg, err := ap.SIWEMessage(walletAddr, t2026)
		if err != nil {
			return authsig.AuthSig{}, err
		}
		return authsig.Sign(ctx, r.wallet, msg)
	}
	_, info := r.get(t, p)
	if got.Chain != "ethereum" || got.URI != sessionURI || got.Nonce != nonceHex || got.Domain != "app.example.com" ||
		got.Expiration != siwe.FormatTime(t2026.Add(24*time.Hour)) || !got.SessionKey.Equal(p.SessionKey) ||
		len(got.ResourceAbilityRequests) != 1 {
		t.Fatalf("callback params = %+v", got)
	}
	if got.Statement != "I further authorize the stated URI to perform the following actions on my behalf: (1) 'Threshold': 'Signing' for 'lit-pkp://*'." ||
		len(got.Resources) != 1 || got.Resources[0] != "urn:recap:eyJhdHQiOnsibGl0LXBrcDovLyoiOnsiVGhyZXNob2xkL1NpZ25pbmciOlt7fV19fSwicHJmIjpbXX0" {
		t.Fatalf("statement/resources = %q %q", got.Statement, got.Resources)
	}
	if info.WalletAddress != walletAddr {
		t.Fatalf("info = %+v", info)
	}
	a, _ := storedSig(t, r.store)
	if !strings.HasPrefix(a.SignedMessage, "app.example.com wants you") {
		t.Fatal("domain not used")
	}
}

func TestNoSigner(t *testing.T) {
	r := newRig(t)
	r.eng.Wallet = nil
	_, _, err := r.eng.GetSessionSigs(context.Background(), params(t))
	if !errors.Is(err, ErrNoSigner) {
		t.Fatalf("err = %v", err)
	}
	// With a valid cached signature, no signer is needed.
	storeSig(t, r.store, makeWalletSig(t, sigSpec{uri: sessionURI, reqs: pkpAll(t), issuedAt: "2026-01-01T00:00:00.000Z", expiration: exp2030}))
	_, info := r.get(t, params(t))
	if !info.CacheReused {
		t.Fatalf("info = %+v", info)
	}
}

func TestBadParams(t *testing.T) {
	r := newRig(t)
	for name, p := range map[string]Params{
		"no requests":  {},
		"invalid pair": {ResourceAbilityRequests: []resource.Request{{Resource: resource.Resource{ID: "*", Prefix: resource.PKP}, Ability: resource.LitActionExecution}}},
		"unknown kind": {ResourceAbilityRequests: []resource.Request{{Resource: resource.Resource{ID: "*", Prefix: "lit-foo"}, Ability: resource.PKPSigning}}},
		"empty id":     {ResourceAbilityRequests: []resource.Request{{Resource: resource.Resource{Prefix: resource.PKP}, Ability: resource.PKPSigning}}},
	} {
		_, _, err := r.eng.GetSessionSigs(context.Background(), p)
		var pe *ParamsError
		if !errors.As(err, &pe) || !errors.Is(err, ErrInvalidParams) || pe.Field != "ResourceAbilityRequests" {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	r.net.nodes = nil
	if _, _, err := r.eng.GetSessionSigs(context.Background(), params(t)); !errors.Is(err, ErrNotConnected) {
		t.Errorf("no nodes: err = %v", err)
	}
	r.eng.Network = nil
	if _, _, err := r.eng.GetSessionSigs(context.Background(), params(t)); !errors.Is(err, ErrInvalidParams) {
		t.Errorf("no network: err = %v", err)
	}
	if r.wallet.n.Load() != 0 {
		t.Fatal("wallet asked")
	}
}

func TestBlockhashError(t *testing.T) {
	r := newRig(t)
	r.net.err = errDisk
	_, _, err := r.eng.GetSessionSigs(context.Background(), params(t))
	if !errors.Is(err, errDisk) || !strings.Contains(err.Error(), "blockhash") {
		t.Fatalf("err = %v", err)
	}
}

func TestStorageFailures(t *testing.T) {
	fs := &failingStore{Storage: storage.NewMemory(), failSet: true}
	r := newRig(t)
	r.eng.Storage = fs
	sigs, info := r.get(t, Params{ResourceAbilityRequests: pkpAll(t)})
	if sigs.Len() != 2 || len(info.Warnings) != 2 || !strings.Contains(info.Warnings[0], storage.KeySessionKey) ||
		!strings.Contains(info.Warnings[1], storage.KeyWalletSig) || !strings.Contains(info.Warnings[1], errDisk.Error()) {
		t.Fatalf("info = %+v", info)
	}
	fs.failSet, fs.failGet = false, true
	sigs, info = r.get(t, Params{ResourceAbilityRequests: pkpAll(t)})
	if sigs.Len() != 2 || !info.WalletAsked || !info.SessionKeyCreated || len(info.Warnings) != 2 {
		t.Fatalf("read failure: %+v", info)
	}
}

func TestStoredSessionKey(t *testing.T) {
	ctx := context.Background()
	key := seedKey(t, 0x22)
	for name, raw := range map[string]string{
		"128 hex": `{"publicKey":"` + sessionPub + `","secretKey":"` + key.SecretKeyHex() + `"}`,
		"64 hex":  `{"publicKey":"` + sessionPub + `","secretKey":"` + key.SecretKeyHex()[:64] + `"}`,
	} {
		r := newRig(t)
		r.store.Set(ctx, storage.KeySessionKey, raw)
		sigs, info := r.get(t, Params{ResourceAbilityRequests: pkpAll(t)})
		a, _ := sigs.Get(node1)
		if info.SessionKeyCreated || a.Address != sessionPub {
			t.Errorf("%s: info %+v, address %s", name, info, a.Address)
		}
	}
	for name, raw := range map[string]string{
		"corrupt":      `{"publicKey":`,
		"mismatched":   `{"publicKey":"` + strings.Repeat("ab", 32) + `","secretKey":"` + key.SecretKeyHex() + `"}`,
		"wrong length": `{"publicKey":"` + sessionPub + `","secretKey":"abcd"}`,
	} {
		r := newRig(t)
		r.store.Set(ctx, storage.KeySessionKey, raw)
		_, info := r.get(t, Params{ResourceAbilityRequests: pkpAll(t)})
		if !info.SessionKeyCreated || len(info.Warnings) != 1 {
			t.Errorf("%s: info %+v", name, info)
		}
		stored, _, _ := r.store.Get(ctx, storage.KeySessionKey)
		if _, err := sessionkey.Parse([]byte(stored)); err != nil {
			t.Errorf("%s: the replacement key was not stored: %v", name, err)
		}
		if strings.Contains(fmt.Sprint(info), key.SecretKeyHex()) {
			t.Errorf("%s: the secret key leaked into Info", name)
		}
	}
}

func TestSessionKeyNotLeaked(t *testing.T) {
	r := newRig(t)
	sigs, info := r.get(t, Params{ResourceAbilityRequests: pkpAll(t)})
	raw, _, _ := r.store.Get(context.Background(), storage.KeySessionKey)
	key, err := sessionkey.Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	secret := key.SecretKeyHex()
	js, _ := json.Marshal(sigs)
	for what, s := range map[string]string{"info": fmt.Sprintf("%+v %#v", info, info), "sigs": string(js)} {
		if strings.Contains(s, secret) || strings.Contains(s, secret[:64]) {
			t.Errorf("the session secret appears in %s", what)
		}
	}
}

// TestCapabilitiesOrder: [capabilityAuthSigs..., capacity, wallet].
func TestCapabilitiesOrder(t *testing.T) {
	r := newRig(t)
	capA := authsig.AuthSig{Sig: "0xaa", DerivedVia: authsig.DerivedViaWallet, SignedMessage: "a", Address: "0xA"}
	capB := authsig.AuthSig{Sig: "0xbb", DerivedVia: authsig.DerivedViaWallet, SignedMessage: "b", Address: "0xB"}
	capacity := authsig.AuthSig{Sig: "0xcc", DerivedVia: authsig.DerivedViaWallet, SignedMessage: "c", Address: "0xC"}
	p := params(t)
	p.CapabilityAuthSigs = []authsig.AuthSig{capA, capB}
	p.CapacityDelegationAuthSig = &capacity
	sigs, _ := r.get(t, p)
	a, _ := sigs.Get(node2)
	var tpl struct{ Capabilities []authsig.AuthSig }
	if err := json.Unmarshal([]byte(a.SignedMessage), &tpl); err != nil {
		t.Fatal(err)
	}
	if len(tpl.Capabilities) != 4 || tpl.Capabilities[0].Sig != "0xaa" || tpl.Capabilities[1].Sig != "0xbb" ||
		tpl.Capabilities[2].Sig != "0xcc" || tpl.Capabilities[3].Address != walletAddr {
		t.Fatalf("capabilities = %+v", tpl.Capabilities)
	}
}

func TestBLSCapability(t *testing.T) {
	// A PKP delegation: LIT_BLS, signed by the network (not checkable here).
	msg, err := siwe.CreateWithRecaps(siwe.Params{
		Address: "0x7564105E977516C53bE337314c7E53838967bDaC", Domain: "litprotocol.com", URI: sessionURI,
		Nonce: nonceHex, IssuedAt: "2026-01-01T00:00:00Z", Expiration: exp2030, Resources: pkpAll(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	bls := authsig.AuthSig{Sig: `{"ProofOfPossession":"00"}`, Algo: authsig.AlgoBLS, DerivedVia: authsig.DerivedViaBLS, SignedMessage: msg, Address: "0x7564105E977516C53bE337314c7E53838967bDaC"}
	cb := func(context.Context, AuthNeededParams) (authsig.AuthSig, error) { return bls, nil }

	r := newRig(t)
	p := params(t)
	p.AuthNeededCallback = cb
	_, info := r.get(t, p)
	if !info.WalletAsked || len(info.Warnings) != 1 || info.WalletAddress != bls.Address {
		t.Fatalf("new unverified BLS sig: %+v", info)
	}
	_, info = r.get(t, p)
	if info.Rule != RuleUnverifiable {
		t.Fatalf("cached BLS sig without a verifier: %+v", info)
	}

	var verified int
	r.eng.VerifyCapability = func(a authsig.AuthSig, now time.Time) error {
		verified++
		if a.Sig != bls.Sig || !now.Equal(t2026) {
			return errors.New("unexpected")
		}
		return nil
	}
	_, info = r.get(t, p)
	if !info.CacheReused || verified != 1 {
		t.Fatalf("cached BLS sig with a verifier: %+v", info)
	}
	r.eng.VerifyCapability = func(authsig.AuthSig, time.Time) error {
		return &authsig.Error{Reason: authsig.ReasonBadSignature, Detail: "BLS signature does not verify"}
	}
	// The cached one fails the verifier, so the callback is asked; it
	// returns the same signature, which fails too: an error.
	_, info, err = r.eng.GetSessionSigs(context.Background(), p)
	var ae *AuthSigError
	if info.Rule != RuleSignature || !info.WalletAsked || !errors.As(err, &ae) || ae.Rule != RuleSignature {
		t.Fatalf("BLS sig failing the verifier: info %+v, err %v", info, err)
	}
}

func TestSessionSigsJSON(t *testing.T) {
	key := seedKey(t, 0x22)
	nodes := []string{"https://z:443", "https://a:443", "http://m:7470", "https://a:443"}
	sigs, err := Sign(key, Template{ResourceAbilityRequests: pkpAll(t), IssuedAt: "x", Expiration: "y"}, nodes)
	if err != nil {
		t.Fatal(err)
	}
	if got := sigs.Nodes(); len(got) != 3 || got[0] != nodes[0] || got[1] != nodes[1] || got[2] != nodes[2] {
		t.Fatalf("nodes = %v (want connected order, duplicates once)", got)
	}
	b, err := json.Marshal(sigs)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), `{"https://z:443":{"sig":`) {
		t.Fatalf("JSON = %.60s", b)
	}
	var back SessionSigs
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	b2, _ := json.Marshal(back)
	if !bytes.Equal(b, b2) {
		t.Fatal("round trip changed the JSON")
	}
	if _, ok := back.Get("https://nowhere"); ok {
		t.Fatal("Get of an unknown node succeeded")
	}
	a, _ := back.Get("http://m:7470")
	if !strings.Contains(a.SignedMessage, `"capabilities":[]`) {
		t.Fatalf("nil capabilities not written as []: %s", a.SignedMessage)
	}
	for _, bad := range []string{`[]`, `{"a":1}`, `{"a":{}}`, `{`} {
		if err := json.Unmarshal([]byte(bad), &back); err == nil {
			t.Errorf("Unmarshal(%s) succeeded", bad)
		}
	}
}

// TestTemplateEscaping: '<', '>', '&' and U+2028 stay raw, as in
// JSON.stringify.
func TestTemplateEscaping(t *testing.T) {
	tpl := Template{
		ResourceAbilityRequests: []resource.Request{{Resource: resource.Resource{ID: "a<b>&c\u2028", Prefix: resource.LitAction}, Ability: resource.LitActionExecution}},
		IssuedAt:                "2026-01-01T00:00:00.000Z", Expiration: exp2030,
	}
	msg, err := tpl.Message(sessionPub, node1)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(msg, []byte("a<b>&c\u2028")) {
		t.Fatalf("message = %s", msg)
	}
}

// A cached signature by another account is not reused after the user
// switches accounts in the wallet.
func TestSwitchedAccountResigns(t *testing.T) {
	r := newRig(t)
	r.get(t, Params{ResourceAbilityRequests: pkpAll(t)})
	other, err := authsig.NewKeySigner("0x" + strings.Repeat("44", 32))
	if err != nil {
		t.Fatal(err)
	}
	switched := &countingSigner{Signer: other}
	r.eng.Wallet = switched
	_, info := r.get(t, Params{ResourceAbilityRequests: pkpAll(t)})
	if !info.WalletAsked || info.Rule != RuleOtherAccount || switched.n.Load() != 1 {
		t.Fatalf("after switching accounts: %+v (asked %d)", info, switched.n.Load())
	}
	addr, _ := other.Address(context.Background())
	if info.WalletAddress != addr {
		t.Fatalf("session delegated by %s, want %s", info.WalletAddress, addr)
	}
}

// A page that asks for "now + 24 h" on every call reuses the signature while
// it covers more than half of that, with the session capped at its expiry.
func TestSlidingExplicitExpirationReuses(t *testing.T) {
	r := newRig(t)
	p := params(t)
	ask := func() Info {
		p.Expiration = siwe.FormatTime(r.clock.Now().Add(24 * time.Hour))
		_, info := r.get(t, p)
		return info
	}
	first := ask()
	if !first.WalletAsked {
		t.Fatalf("first: %+v", first)
	}
	r.clock.Add(11 * time.Hour)
	info := ask()
	if !info.CacheReused || info.Expiration != first.Expiration || len(info.Warnings) == 0 {
		t.Fatalf("after 11 h: %+v", info)
	}
	r.clock.Add(2 * time.Hour) // 13 h: 11 h left of the 24 h asked for
	info = ask()
	if !info.WalletAsked || info.Rule != RuleExpiration || info.Expiration != p.Expiration {
		t.Fatalf("after 13 h: %+v", info)
	}
	if r.wallet.n.Load() != 2 {
		t.Fatalf("wallet asked %d times, want 2", r.wallet.n.Load())
	}
}
