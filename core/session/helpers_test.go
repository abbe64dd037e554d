package session

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/jsjson"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/sessionkey"
	"github.com/litgo/litsession/core/siwe"
	"github.com/litgo/litsession/core/storage"
)

const (
	walletKeyHex = "0x1111111111111111111111111111111111111111111111111111111111111111"
	walletAddr   = "0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A"
	nonceHex     = "0xcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
	node1        = "https://192.0.2.1:443"
	node2        = "https://192.0.2.2:443"
	exp2030      = "2030-01-01T00:00:00.000Z"
	sessionPub   = "a09aa5f47a6759802ff955f8dc2d2a14a5c99d23be97f864127ff9383455a4f0"
)

var t2026 = mustTime("2026-01-01T00:00:00.000Z")

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

// fakeNetwork is an in-memory Network.
type fakeNetwork struct {
	nodes     []string
	hash      string
	err       error
	hashCalls atomic.Int32
}

func (n *fakeNetwork) ConnectedNodes() []string { return n.nodes }

func (n *fakeNetwork) LatestBlockhash(context.Context) (string, error) {
	n.hashCalls.Add(1)
	return n.hash, n.err
}

func newNetwork() *fakeNetwork {
	return &fakeNetwork{nodes: []string{node1, node2}, hash: nonceHex}
}

// countingSigner counts the wallet prompts.
type countingSigner struct {
	authsig.Signer
	n atomic.Int32
}

func (s *countingSigner) SignMessage(ctx context.Context, msg []byte) ([]byte, error) {
	s.n.Add(1)
	return s.Signer.SignMessage(ctx, msg)
}

func walletSigner(t testing.TB) *countingSigner {
	ks, err := authsig.NewKeySigner(walletKeyHex)
	if err != nil {
		t.Fatal(err)
	}
	return &countingSigner{Signer: ks}
}

func seedKey(t testing.TB, b byte) *sessionkey.KeyPair {
	k, err := sessionkey.FromSeed(bytes.Repeat([]byte{b}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func req(t testing.TB, p resource.Prefix, id string, a resource.Ability) resource.Request {
	q, err := resource.NewRequest(p, id, a)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func pkpAll(t testing.TB) []resource.Request {
	return []resource.Request{req(t, resource.PKP, "*", resource.PKPSigning)}
}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time)     { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type rig struct {
	eng    *Engine
	store  *storage.Memory
	net    *fakeNetwork
	wallet *countingSigner
	clock  *clock
}

func newRig(t testing.TB) *rig {
	r := &rig{store: storage.NewMemory(), net: newNetwork(), wallet: walletSigner(t), clock: &clock{t: t2026}}
	r.eng = &Engine{Storage: r.store, Network: r.net, Wallet: r.wallet, Now: r.clock.Now}
	return r
}

func (r *rig) get(t testing.TB, p Params) (*SessionSigs, Info) {
	t.Helper()
	sigs, info, err := r.eng.GetSessionSigs(context.Background(), p)
	if err != nil {
		t.Fatalf("GetSessionSigs: %v", err)
	}
	checkSigs(t, sigs)
	return sigs, info
}

// checkSigs verifies every entry's Ed25519 signature and shape.
func checkSigs(t testing.TB, sigs *SessionSigs) {
	t.Helper()
	for node, a := range sigs.All() {
		if a.DerivedVia != authsig.DerivedViaSession || a.Algo != authsig.AlgoEd25519 {
			t.Fatalf("%s: derivedVia %q algo %q", node, a.DerivedVia, a.Algo)
		}
		if err := sessionkey.VerifyHex(a.Address, a.Sig, []byte(a.SignedMessage)); err != nil {
			t.Fatalf("%s: %v", node, err)
		}
		if !strings.Contains(a.SignedMessage, `"nodeAddress":`+quote(node)+`}`) {
			t.Fatalf("%s: signedMessage does not end with its node address", node)
		}
	}
}

func quote(s string) string {
	b, _ := jsjson.Marshal(s)
	return string(b)
}

// walletSig makes a wallet AuthSig with the test wallet key.
type sigSpec struct {
	uri        string
	reqs       []resource.Request
	issuedAt   string
	expiration string
	noRecap    bool
}

func makeWalletSig(t testing.TB, s sigSpec) authsig.AuthSig {
	t.Helper()
	p := siwe.Params{
		Address:    walletAddr,
		URI:        s.uri,
		Nonce:      nonceHex,
		IssuedAt:   s.issuedAt,
		Expiration: s.expiration,
		Resources:  s.reqs,
	}
	var msg string
	var err error
	if s.noRecap {
		msg, err = siwe.Create(p, siwe.DefaultStatement, nil)
	} else {
		msg, err = siwe.CreateWithRecaps(p)
	}
	if err != nil {
		t.Fatal(err)
	}
	ks, _ := authsig.NewKeySigner(walletKeyHex)
	a, err := authsig.Sign(context.Background(), ks, msg)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func storeSig(t testing.TB, s storage.Storage, a authsig.AuthSig) {
	t.Helper()
	b, err := jsjson.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Set(context.Background(), storage.KeyWalletSig, string(b)); err != nil {
		t.Fatal(err)
	}
}

func storedSig(t testing.TB, s storage.Storage) (authsig.AuthSig, bool) {
	t.Helper()
	raw, ok, err := s.Get(context.Background(), storage.KeyWalletSig)
	if err != nil || !ok {
		return authsig.AuthSig{}, false
	}
	var a authsig.AuthSig
	if err := a.UnmarshalJSON([]byte(raw)); err != nil {
		t.Fatalf("stored wallet sig: %v", err)
	}
	return a, true
}

// failingStore fails the operations it is told to.
type failingStore struct {
	storage.Storage
	failGet, failSet bool
}

var errDisk = errors.New("disk on fire")

func (f *failingStore) Get(ctx context.Context, k string) (string, bool, error) {
	if f.failGet {
		return "", false, errDisk
	}
	return f.Storage.Get(ctx, k)
}

func (f *failingStore) Set(ctx context.Context, k, v string) error {
	if f.failSet {
		return errDisk
	}
	return f.Storage.Set(ctx, k, v)
}
