package verify

import (
	"crypto/ed25519"
	"encoding/hex"
	"strings"
	"testing"
	"time"

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
	start, _ := cpuTime(b)
	for b.Loop() {
		if _, err := v.Verify(sig, op); err != nil {
			b.Fatal(err)
		}
		n++
	}
	reportCPU(b, start, n)
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "verifications/s")
}

// reportCPU reports the process's CPU time per operation since start
// (cpu-ns/op): on a shared machine it is steadier than wall time.
func reportCPU(b *testing.B, start time.Duration, n int) {
	if end, ok := cpuTime(b); ok && n > 0 {
		b.ReportMetric(float64(end-start)/float64(n), "cpu-ns/op")
	}
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

// floorInputs returns the bytes the physical floor works on: the session
// signature's Ed25519 key, message and signature, and the delegation's
// SIWE text and 65-byte wallet signature.
func floorInputs(b *testing.B) (pub ed25519.PublicKey, msg, sig, walletMsg, walletSig []byte) {
	f := newFixture(b)
	s := f.build(params{})
	t, err := parseTemplate(s.SignedMessage)
	if err != nil {
		b.Fatal(err)
	}
	deleg := t.capabilities[len(t.capabilities)-1]
	pub = ed25519.PublicKey(mustHex(b, s.Address))
	sig = mustHex(b, s.Sig)
	walletSig = mustHex(b, strings.TrimPrefix(deleg.sig, "0x"))
	return pub, []byte(s.SignedMessage), sig, []byte(deleg.msg.String()), walletSig
}

func mustHex(b *testing.B, s string) []byte {
	out, err := hex.DecodeString(s)
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// BenchmarkFloorEd25519 is the session signature's Ed25519 verify alone:
// the floor of a cached verification.
func BenchmarkFloorEd25519(b *testing.B) {
	pub, msg, sig, _, _ := floorInputs(b)
	b.ReportAllocs()
	n := 0
	start, _ := cpuTime(b)
	for b.Loop() {
		if !ed25519.Verify(pub, msg, sig) {
			b.Fatal("Ed25519 signature does not verify")
		}
		n++
	}
	reportCPU(b, start, n)
}

// BenchmarkFloor is the physical floor of a cold verification: the
// session signature's Ed25519 verify plus the delegation's ecrecover
// (EIP-191 hash, secp256k1 public key recovery, address).
func BenchmarkFloor(b *testing.B) {
	pub, msg, sig, walletMsg, walletSig := floorInputs(b)
	want, err := authsig.Recover(walletMsg, walletSig)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	n := 0
	start, _ := cpuTime(b)
	for b.Loop() {
		if !ed25519.Verify(pub, msg, sig) {
			b.Fatal("Ed25519 signature does not verify")
		}
		if got, err := authsig.Recover(walletMsg, walletSig); err != nil || got != want {
			b.Fatal("ecrecover failed", err)
		}
		n++
	}
	reportCPU(b, start, n)
}
