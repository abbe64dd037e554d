package session_test

import (
	"context"
	"fmt"
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

// benchParams requests lit-pkp://* pkp-signing and lit-litaction://*
// lit-action-execution, with a callback that builds the message of
// AuthNeededParams.SIWEMessage and signs it with a KeySigner (wallet key
// 0x11…11), as the documented callback of the official SDK does.
func benchParams(b *testing.B) session.Params {
	b.Helper()
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
	return session.Params{
		ResourceAbilityRequests: requests,
		AuthNeededCallback: func(ctx context.Context, p session.AuthNeededParams) (authsig.AuthSig, error) {
			msg, err := p.SIWEMessage(address, time.Now())
			if err != nil {
				return authsig.AuthSig{}, err
			}
			return authsig.Sign(ctx, signer, msg)
		},
	}
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
	params := benchParams(b)
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

// nodesNetwork is a Network connected to the node URLs it holds.
type nodesNetwork []string

func (n nodesNetwork) ConnectedNodes() []string { return n }

func (nodesNetwork) LatestBlockhash(context.Context) (string, error) {
	return benchNetwork{}.LatestBlockhash(context.Background())
}

// BenchmarkEngineSign measures Engine.GetSessionSigs as the number of
// connected nodes grows (3, 30, 300), on one goroutine:
//
//   - cached: a Memory storage primed by one call, so each call re-checks the
//     cached session key and wallet signature (ecrecover, SIWE parse) and
//     makes N Ed25519 signatures, one per node;
//   - cold: no Storage, so each call also makes a new session key and asks
//     the callback, which signs at once with a KeySigner.
//
// Besides ns/op it reports sigs/s, the session signatures made per second
// (N per call).
func BenchmarkEngineSign(b *testing.B) {
	params := benchParams(b)
	for _, mode := range []struct {
		name  string
		store func() storage.Storage
		asked bool
	}{
		{"cached", func() storage.Storage { return storage.NewMemory() }, false},
		{"cold", func() storage.Storage { return nil }, true},
	} {
		for _, n := range []int{3, 30, 300} {
			b.Run(fmt.Sprintf("%s/nodes=%d", mode.name, n), func(b *testing.B) {
				nodes := make(nodesNetwork, n)
				for i := range nodes {
					nodes[i] = fmt.Sprintf("http://127.0.0.1:%d", 7470+i)
				}
				e := &session.Engine{Network: nodes, Storage: mode.store()}
				ctx := context.Background()
				// One untimed call primes the cache (cached) and checks the
				// work: N signatures, one per node, and the wallet asked only
				// when nothing is cached.
				if _, _, err := e.GetSessionSigs(ctx, params); err != nil {
					b.Fatal(err)
				}
				sigs, info, err := e.GetSessionSigs(ctx, params)
				if err != nil {
					b.Fatal(err)
				}
				if sigs.Len() != n || info.WalletAsked != mode.asked || info.SessionKeyCreated != mode.asked {
					b.Fatalf("%d sigs, wallet asked %v, new session key %v; want %d, %v, %v",
						sigs.Len(), info.WalletAsked, info.SessionKeyCreated, n, mode.asked, mode.asked)
				}
				for _, u := range nodes {
					if _, ok := sigs.Get(u); !ok {
						b.Fatalf("no session signature for %s", u)
					}
				}
				b.ReportAllocs()
				for b.Loop() {
					if _, _, err := e.GetSessionSigs(ctx, params); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "sigs/s")
			})
		}
	}
}
