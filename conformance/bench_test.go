package conformance

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/session"
	"github.com/litgo/litsession/core/verify"
)

// benchSessionSigsEnv names a SessionSigsMap file (JSON, node URL → session
// sig) for BenchmarkSideBySideVerify. testdata/oracle/bench/run.sh (make
// bench) sets it to the map the official getSessionSigs made in the same
// run, so that both sides check the same three signatures.
const benchSessionSigsEnv = "LITSESSION_BENCH_SESSIONSIGS"

// benchSessionSigs reads the map named by benchSessionSigsEnv or, without
// it, makes an equivalent one (3 nodes, lit-pkp://* pkp-signing and
// lit-litaction://* lit-action-execution, wallet 0x11…11) with core/session.
func benchSessionSigs(b *testing.B) *session.SessionSigs {
	b.Helper()
	var sigs session.SessionSigs
	if path := os.Getenv(benchSessionSigsEnv); path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatalf("%s: %v", benchSessionSigsEnv, err)
		}
		if err := sigs.UnmarshalJSON(data); err != nil {
			b.Fatalf("%s=%s: %v", benchSessionSigsEnv, path, err)
		}
		return &sigs
	}
	signer, err := authsig.NewKeySigner("0x1111111111111111111111111111111111111111111111111111111111111111")
	if err != nil {
		b.Fatal(err)
	}
	e := &session.Engine{Network: benchNetwork{}, Wallet: signer}
	out, _, err := e.GetSessionSigs(context.Background(), session.Params{ResourceAbilityRequests: benchRequests(b)})
	if err != nil {
		b.Fatal(err)
	}
	return out
}

type benchNetwork struct{}

func (benchNetwork) ConnectedNodes() []string {
	return []string{"https://192.0.2.1:443", "https://192.0.2.2:443", "https://192.0.2.3:443"}
}

func (benchNetwork) LatestBlockhash(context.Context) (string, error) {
	return "0xcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd", nil
}

func benchRequests(b *testing.B) []resource.Request {
	b.Helper()
	var out []resource.Request
	for _, r := range []struct {
		p resource.Prefix
		a resource.Ability
	}{{resource.PKP, resource.PKPSigning}, {resource.LitAction, resource.LitActionExecution}} {
		q, err := resource.NewRequest(r.p, resource.Wildcard, r.a)
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, q)
	}
	return out
}

// BenchmarkSideBySideVerify is the Go half of the "validate-3" rows of
// testdata/oracle/bench/run.sh (make bench): one operation checks a whole
// 3-node SessionSigsMap, each node's signature with that node's Verifier
// (core/verify: Ed25519, template, ecrecover and SIWE of the delegation,
// ReCap coverage, times) for pkp-signing on lit-pkp://*. The official side
// is validateSessionSigs (@lit-protocol/misc), which only parses the JSON
// and compares expirations with now: it checks no signature.
//
//   - cold: no cache, every check is done every time;
//   - cached: each Verifier has a WalletSigCache, so the delegation's
//     ecrecover and SIWE parse are skipped after the first time.
func BenchmarkSideBySideVerify(b *testing.B) {
	sigs := benchSessionSigs(b)
	if sigs.Len() != 3 {
		b.Fatalf("the session sigs are for %d nodes, want 3", sigs.Len())
	}
	op, err := resource.NewRequest(resource.PKP, resource.Wildcard, resource.PKPSigning)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	for _, c := range []struct {
		name   string
		cached bool
	}{{"cold", false}, {"cached", true}} {
		b.Run(c.name, func(b *testing.B) {
			type check struct {
				v   *verify.Verifier
				sig authsig.AuthSig
			}
			var checks []check
			for url, sig := range sigs.All() {
				cfg := verify.Config{NodeURL: url, Now: func() time.Time { return now }}
				if c.cached {
					cfg.Cache = verify.NewWalletSigCache(0)
				}
				checks = append(checks, check{verify.New(cfg), sig})
			}
			verifyAll := func() {
				for _, ch := range checks {
					if _, err := ch.v.Verify(ch.sig, op); err != nil {
						b.Fatal(err)
					}
				}
			}
			verifyAll()
			b.ReportAllocs()
			for b.Loop() {
				verifyAll()
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
		})
	}
}
