package verify

import (
	"testing"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/capacity"
	"github.com/litgo/litsession/core/resource"
)

func benchmarkVerify(b *testing.B, cache *WalletSigCache, withCapacity bool) {
	f := newFixture(b)
	var before []authsig.AuthSig
	if withCapacity {
		before = append(before, f.capacityDelegation(capacity.Params{CapacityTokenID: "12345", Uses: "10"}))
	}
	sig := f.build(params{before: before})
	v := f.verifier(func(c *Config) { c.Cache = cache })
	op := req(b, resource.PKP, "0x1234", resource.PKPSigning)
	if _, err := v.Verify(sig, op); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if _, err := v.Verify(sig, op); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "verifications/s")
}

// BenchmarkVerify is the cold path: Ed25519, template parsing, ecrecover
// and SIWE parsing of the delegation, ReCap decoding, every time.
func BenchmarkVerify(b *testing.B) { benchmarkVerify(b, nil, false) }

// BenchmarkVerifyCached repeats the same session sig with a WalletSigCache:
// the delegation's ecrecover and SIWE parse are skipped.
func BenchmarkVerifyCached(b *testing.B) { benchmarkVerify(b, NewWalletSigCache(0), false) }

// BenchmarkVerifyCapacity adds a capacity delegation (two wallet sigs), cold.
func BenchmarkVerifyCapacity(b *testing.B) { benchmarkVerify(b, nil, true) }

// BenchmarkVerifyCapacityCached is BenchmarkVerifyCapacity with a cache.
func BenchmarkVerifyCapacityCached(b *testing.B) { benchmarkVerify(b, NewWalletSigCache(0), true) }
