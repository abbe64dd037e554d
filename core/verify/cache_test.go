package verify

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/bls"
	"github.com/litgo/litsession/core/capacity"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/siwe"
)

func TestCacheHitsAndRechecksTime(t *testing.T) {
	f := newFixture(t)
	cache := NewWalletSigCache(8)
	now := testNow
	v := f.verifier(func(c *Config) {
		c.Cache = cache
		c.Now = func() time.Time { return now }
	})
	cd := f.capacityDelegation(capacity.Params{Expiration: iso(testNow.Add(time.Hour))})
	sig := f.build(params{before: []authsig.AuthSig{cd}})
	op := req(t, resource.PKP, "*", resource.PKPSigning)
	for i := 0; i < 3; i++ {
		if _, err := v.Verify(sig, op); err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
	}
	if cache.Len() != 2 {
		t.Fatalf("cache holds %d entries, want the delegation and the capacity delegation", cache.Len())
	}

	// A hit still checks the address field, which the key does not cover.
	p := f.defaults(params{})
	d := f.delegation(p)
	d.Address = "0x" + strings.Repeat("55", 20)
	bad := f.sign(sessionTemplate{SessionKey: f.session.PublicKeyHex(), ResourceAbilityRequests: p.requests,
		Capabilities: []authsig.AuthSig{cd, d}, IssuedAt: p.issuedAt, Expiration: p.expiration, NodeAddress: testNode})
	_, err := v.Verify(bad, op)
	wantReason(t, err, ReasonCapabilityInvalid)

	// A hit still checks time: past the capacity delegation's expiry it is
	// rejected (and dropped), though the session itself is still valid.
	now = testNow.Add(2 * time.Hour)
	_, err = v.Verify(sig, op)
	wantReason(t, err, ReasonCapabilityExpired)
	if cache.Len() != 1 {
		t.Fatalf("expired entry not dropped: %d entries", cache.Len())
	}
	// And a cached delegation is still checked against its Issued At: the
	// same delegation, presented an hour before it was issued, in a session
	// whose own issuedAt is fine then.
	now = testNow
	if _, err := v.Verify(f.build(params{}), op); err != nil {
		t.Fatal(err)
	}
	now = testNow.Add(-time.Hour)
	_, err = v.Verify(f.build(params{issuedAt: iso(testNow.Add(-2 * time.Hour)), delegIssuedAt: iso(testNow.Add(-time.Minute))}), op)
	wantReason(t, err, ReasonCapabilityNotYetValid)
}

// TestCacheSkipsSignatureCheck shows a hit really skips the signature
// check: an entry planted for a bad signature is trusted (which is why only
// verified AuthSigs are ever added).
func TestCacheSkipsSignatureCheck(t *testing.T) {
	f := newFixture(t)
	p := f.defaults(params{})
	d := f.delegation(p)
	d.Sig = d.Sig[:10] + flip(d.Sig[10]) + d.Sig[11:]
	sig := f.sign(sessionTemplate{SessionKey: f.session.PublicKeyHex(), ResourceAbilityRequests: p.requests,
		Capabilities: []authsig.AuthSig{d}, IssuedAt: p.issuedAt, Expiration: p.expiration, NodeAddress: testNode})
	op := req(t, resource.PKP, "*", resource.PKPSigning)
	cache := NewWalletSigCache(4)
	v := f.verifier(func(c *Config) { c.Cache = cache })
	_, err := v.Verify(sig, op)
	wantReason(t, err, ReasonCapabilityInvalid)
	if cache.Len() != 0 {
		t.Fatal("a rejected AuthSig was cached")
	}
	msg, err := siwe.Parse(d.SignedMessage)
	if err != nil {
		t.Fatal(err)
	}
	info := newCapInfo(msg)
	cache.add(capDigest(kindWallet, &capability{sig: d.Sig, msg: jsonText{raw: d.SignedMessage}}), info)
	if _, err := v.Verify(sig, op); err != nil {
		t.Fatalf("planted entry not used: %v", err)
	}
}

func TestCacheLRU(t *testing.T) {
	f := newFixture(t)
	cache := NewWalletSigCache(2)
	v := f.verifier(func(c *Config) { c.Cache = cache })
	op := req(t, resource.PKP, "*", resource.PKPSigning)
	var sigs []authsig.AuthSig
	for i := 0; i < 3; i++ {
		s := f.build(params{expiration: iso(testNow.Add(time.Duration(i+1) * time.Hour))})
		sigs = append(sigs, s)
		if _, err := v.Verify(s, op); err != nil {
			t.Fatal(err)
		}
	}
	if cache.Len() != 2 {
		t.Fatalf("len %d, want the bound 2", cache.Len())
	}
	if NewWalletSigCache(0).size != DefaultCacheSize {
		t.Fatal("default size")
	}
	// Evicted entries are simply verified again.
	if _, err := v.Verify(sigs[0], op); err != nil {
		t.Fatal(err)
	}
}

func TestCacheKeyedByNetworkKeyForBLS(t *testing.T) {
	f := newFixture(t)
	cache := NewWalletSigCache(8)
	sk := blsNetwork(t)
	p := f.defaults(params{})
	sig := f.sign(sessionTemplate{SessionKey: f.session.PublicKeyHex(), ResourceAbilityRequests: p.requests,
		Capabilities: []authsig.AuthSig{f.pkpDelegation(sk, p)}, IssuedAt: p.issuedAt, Expiration: p.expiration, NodeAddress: testNode})
	op := req(t, resource.PKP, "*", resource.PKPSigning)
	good := f.verifier(func(c *Config) { c.Cache = cache; c.NetworkPublicKey = bls.PublicKeyFromSecret(sk).Hex() })
	if _, err := good.Verify(sig, op); err != nil {
		t.Fatal(err)
	}
	// Another network sharing the cache must not accept it from the cache.
	other := f.verifier(func(c *Config) { c.Cache = cache; c.NetworkPublicKey = bls.PublicKeyFromSecret(blsNetwork2(t)).Hex() })
	_, err := other.Verify(sig, op)
	wantReason(t, err, ReasonCapabilityInvalid)
}

func TestCacheConcurrent(t *testing.T) {
	f := newFixture(t)
	cache := NewWalletSigCache(4)
	v := f.verifier(func(c *Config) { c.Cache = cache })
	op := req(t, resource.PKP, "*", resource.PKPSigning)
	var sigs []authsig.AuthSig
	for i := 0; i < 6; i++ {
		sigs = append(sigs, f.build(params{expiration: iso(testNow.Add(time.Duration(i+1) * time.Hour))}))
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 12; i++ {
				if _, err := v.Verify(sigs[(g+i)%len(sigs)], op); err != nil {
					errs <- fmt.Errorf("goroutine %d: %w", g, err)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if cache.Len() > 4 {
		t.Fatalf("len %d exceeds the bound", cache.Len())
	}
}
