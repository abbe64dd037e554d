package session_test

import (
	"context"
	"testing"
	"time"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/session"
	"github.com/litgo/litsession/core/storage"
)

// benchNetwork is a Network connected to three nodes, as the official
// client stubbed by testdata/oracle/lib.mjs (stubbedClient).
type benchNetwork struct{}

func (benchNetwork) ConnectedNodes() []string {
	return []string{"https://192.0.2.1:443", "https://192.0.2.2:443", "https://192.0.2.3:443"}
}

func (benchNetwork) LatestBlockhash(context.Context) (string, error) {
	return "0xcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd", nil
}

// BenchmarkSideBySideGetSessionSigs is the Go half of the "getsessionsigs"
// rows of testdata/oracle/bench/run.sh (make bench): the official
// getSessionSigs in node on a stubbed 3-node client, with the documented
// callback (createSiweMessageWithRecaps + generateAuthSig, ethers Wallet),
// against Engine.GetSessionSigs with the same requests and a callback that
// builds the same message (AuthNeededParams.SIWEMessage) and signs it with a
// KeySigner.
//
//   - cold: no Storage, so every call makes a new session key and asks the
//     callback, as the official client always does in node (it has no
//     storage there);
//   - warm: a Memory storage, primed by one call; every call reuses the
//     cached session key and wallet signature after checking it.
func BenchmarkSideBySideGetSessionSigs(b *testing.B) {
	signer, err := authsig.NewKeySigner("0x1111111111111111111111111111111111111111111111111111111111111111")
	if err != nil {
		b.Fatal(err)
	}
	address, err := signer.Address(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	var requests []resource.Request
	for _, r := range []struct {
		p resource.Prefix
		a resource.Ability
	}{{resource.PKP, resource.PKPSigning}, {resource.LitAction, resource.LitActionExecution}} {
		q, err := resource.NewRequest(r.p, resource.Wildcard, r.a)
		if err != nil {
			b.Fatal(err)
		}
		requests = append(requests, q)
	}
	params := session.Params{
		ResourceAbilityRequests: requests,
		AuthNeededCallback: func(ctx context.Context, p session.AuthNeededParams) (authsig.AuthSig, error) {
			msg, err := p.SIWEMessage(address, time.Now())
			if err != nil {
				return authsig.AuthSig{}, err
			}
			return authsig.Sign(ctx, signer, msg)
		},
	}
	for _, c := range []struct {
		name    string
		storage storage.Storage
		asked   bool
	}{
		{"cold", nil, true},
		{"warm", storage.NewMemory(), false},
	} {
		b.Run(c.name, func(b *testing.B) {
			e := &session.Engine{Network: benchNetwork{}, Storage: c.storage}
			ctx := context.Background()
			call := func() {
				sigs, info, err := e.GetSessionSigs(ctx, params)
				if err != nil {
					b.Fatal(err)
				}
				if sigs.Len() != 3 || info.WalletAsked != c.asked {
					b.Fatalf("%d sigs, wallet asked %v; want 3 and %v", sigs.Len(), info.WalletAsked, c.asked)
				}
			}
			if c.storage != nil {
				if _, _, err := e.GetSessionSigs(ctx, params); err != nil { // prime the cache
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			for b.Loop() {
				call()
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
		})
	}
}
