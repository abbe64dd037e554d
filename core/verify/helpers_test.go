package verify

import (
	"context"
	"encoding/hex"
	"testing"
	"time"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/bls"
	"github.com/litgo/litsession/core/capacity"
	"github.com/litgo/litsession/core/jsjson/stdjson"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/sessionkey"
	"github.com/litgo/litsession/core/siwe"
)

const (
	testNode   = "https://192.0.2.1:443"
	testNode2  = "https://192.0.2.2:443"
	testNonce  = "0xcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
	walletHex  = "0x1111111111111111111111111111111111111111111111111111111111111111"
	ownerHex   = "0x4444444444444444444444444444444444444444444444444444444444444444"
	walletAddr = "0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A"
)

var testNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func iso(t time.Time) string { return siwe.FormatTime(t) }

// sessionTemplate is the official template in official key order.
type sessionTemplate struct {
	SessionKey              string             `json:"sessionKey"`
	ResourceAbilityRequests []resource.Request `json:"resourceAbilityRequests"`
	Capabilities            []authsig.AuthSig  `json:"capabilities"`
	IssuedAt                string             `json:"issuedAt"`
	Expiration              string             `json:"expiration"`
	NodeAddress             string             `json:"nodeAddress"`
	MaxPrice                string             `json:"maxPrice,omitempty"`
}

// params describe a session signature to build; zero fields take the
// defaults of build.
type params struct {
	requests      []resource.Request // resourceAbilityRequests
	granted       []resource.Request // the delegation's ReCap; default requests
	uri           string             // delegation SIWE URI; default the session URI
	delegIssuedAt string
	delegExp      string            // default expiration
	before        []authsig.AuthSig // capabilities before the delegation
	issuedAt      string
	expiration    string
	nodeAddress   string
	maxPrice      string
}

type fixture struct {
	t       testing.TB
	session *sessionkey.KeyPair
	wallet  *authsig.KeySigner
	owner   *authsig.KeySigner
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	seed := make([]byte, 32)
	for i := range seed {
		seed[i] = 0x22
	}
	kp, err := sessionkey.FromSeed(seed)
	if err != nil {
		t.Fatal(err)
	}
	w, err := authsig.NewKeySigner(walletHex)
	if err != nil {
		t.Fatal(err)
	}
	o, err := authsig.NewKeySigner(ownerHex)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, session: kp, wallet: w, owner: o}
}

func req(t testing.TB, p resource.Prefix, id string, a resource.Ability) resource.Request {
	t.Helper()
	q, err := resource.NewRequest(p, id, a)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func (f *fixture) defaults(p params) params {
	if p.requests == nil {
		p.requests = []resource.Request{req(f.t, resource.PKP, "*", resource.PKPSigning)}
	}
	if p.granted == nil {
		p.granted = p.requests
	}
	if p.uri == "" {
		p.uri = f.session.URI()
	}
	if p.issuedAt == "" {
		p.issuedAt = iso(testNow.Add(-time.Minute))
	}
	if p.expiration == "" {
		p.expiration = iso(testNow.Add(24 * time.Hour))
	}
	if p.delegIssuedAt == "" {
		p.delegIssuedAt = p.issuedAt
	}
	if p.delegExp == "" {
		p.delegExp = p.expiration
	}
	if p.nodeAddress == "" {
		p.nodeAddress = testNode
	}
	return p
}

// delegation is the wallet AuthSig the SDK's documented callback makes.
func (f *fixture) delegation(p params) authsig.AuthSig {
	f.t.Helper()
	msg, err := siwe.CreateWithRecaps(siwe.Params{
		Address: walletAddr, URI: p.uri, Nonce: testNonce,
		IssuedAt: p.delegIssuedAt, Expiration: p.delegExp, Resources: p.granted,
	})
	if err != nil {
		f.t.Fatal(err)
	}
	a, err := authsig.Sign(context.Background(), f.wallet, msg)
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

// build returns a session signature made as the official client makes it.
func (f *fixture) build(p params) authsig.AuthSig {
	f.t.Helper()
	p = f.defaults(p)
	caps := append(append([]authsig.AuthSig(nil), p.before...), f.delegation(p))
	return f.sign(sessionTemplate{
		SessionKey:              f.session.PublicKeyHex(),
		ResourceAbilityRequests: p.requests,
		Capabilities:            caps,
		IssuedAt:                p.issuedAt,
		Expiration:              p.expiration,
		NodeAddress:             p.nodeAddress,
		MaxPrice:                p.maxPrice,
	})
}

// sign serializes tmpl like JSON.stringify and signs it with the session key.
func (f *fixture) sign(tmpl any) authsig.AuthSig {
	f.t.Helper()
	b, err := stdjson.Marshal(tmpl)
	if err != nil {
		f.t.Fatal(err)
	}
	return f.signRaw(string(b))
}

func (f *fixture) signRaw(msg string) authsig.AuthSig {
	return authsig.AuthSig{
		Sig:           hex.EncodeToString(f.session.Sign([]byte(msg))),
		DerivedVia:    authsig.DerivedViaSession,
		SignedMessage: msg,
		Address:       f.session.PublicKeyHex(),
		Algo:          authsig.AlgoEd25519,
	}
}

// capacityDelegation is a capacity credit delegation by the owner key.
func (f *fixture) capacityDelegation(p capacity.Params) authsig.AuthSig {
	f.t.Helper()
	p.Owner = f.owner
	p.Nonce = testNonce
	p.Now = func() time.Time { return testNow.Add(-time.Hour) }
	a, err := capacity.CreateDelegationAuthSig(context.Background(), p)
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

// blsNetwork is a network BLS key for LIT_BLS tests.
func blsNetwork(t testing.TB) *bls.SecretKey {
	t.Helper()
	b := make([]byte, 32)
	b[31] = 0x2a
	sk, err := bls.NewSecretKey(b)
	if err != nil {
		t.Fatal(err)
	}
	return sk
}

// pkpDelegation is a LIT_BLS AuthSig as sign_session_key returns it.
func (f *fixture) pkpDelegation(sk *bls.SecretKey, p params) authsig.AuthSig {
	f.t.Helper()
	p = f.defaults(p)
	stmt := "Lit Protocol PKP session signature"
	const pkpAddr = "0x7564105E977516C53bE337314c7E53838967bDaC"
	msg, err := siwe.CreateWithRecaps(siwe.Params{
		Address: pkpAddr, Domain: "litprotocol.com", Statement: &stmt, URI: p.uri,
		Nonce: testNonce, IssuedAt: p.delegIssuedAt, Expiration: p.delegExp, Resources: p.granted,
	})
	if err != nil {
		f.t.Fatal(err)
	}
	d := bls.SessionDigest(msg)
	pop, err := bls.FormatProofOfPossession(bls.Sign(sk, d[:]))
	if err != nil {
		f.t.Fatal(err)
	}
	return authsig.AuthSig{Sig: pop, Algo: authsig.AlgoBLS, DerivedVia: authsig.DerivedViaBLS, SignedMessage: msg, Address: pkpAddr}
}

func (f *fixture) verifier(mod ...func(*Config)) *Verifier {
	cfg := Config{NodeURL: testNode, Now: func() time.Time { return testNow }}
	for _, m := range mod {
		m(&cfg)
	}
	return New(cfg)
}
