package delegation_test

import (
	"context"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/litgo/litsession/core/delegation"
	"github.com/litgo/litsession/core/envelope"
	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/core/node/httptransport"
	"github.com/litgo/litsession/devnet"
)

// benchSetup is setup for benchmarks: a 3-node devnet, a PKP and a
// validated context.
func benchSetup(b *testing.B) (*node.Client, *delegation.AuthContext, []byte) {
	b.Helper()
	net, err := devnet.Start(context.Background(), devnet.Config{Nodes: 3, Threshold: 2})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { net.Close() })
	owner, _ := crypto.GenerateKey()
	p, err := net.MintPKP(crypto.PubkeyToAddress(owner.PublicKey).Hex())
	if err != nil {
		b.Fatal(err)
	}
	c, err := node.New(node.Config{Transport: httptransport.New(nil), RPCURL: net.RPCURL})
	if err != nil {
		b.Fatal(err)
	}
	if err := c.Connect(context.Background()); err != nil {
		b.Fatal(err)
	}
	f := &fixture{net: net, client: c, owner: owner, pkp: p}
	env, raw := f.delegateB(b, time.Now().Add(time.Hour))
	ac, err := delegation.CreatePkpAuthContextFromPreGenerated(env, c.NetworkPublicKey(), time.Time{})
	if err != nil {
		b.Fatal(err)
	}
	return c, ac, raw
}

func BenchmarkDecodeAndValidate(b *testing.B) {
	c, _, raw := benchSetup(b)
	key := c.NetworkPublicKey()
	for b.Loop() {
		env, err := envelope.Decode(raw)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := delegation.CreatePkpAuthContextFromPreGenerated(*env, key, time.Time{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCreatePkpSessionSigs(b *testing.B) {
	c, ac, _ := benchSetup(b)
	ctx := context.Background()
	for b.Loop() {
		if _, err := delegation.CreatePkpSessionSigs(ctx, c, ac, delegation.SessionSigsParams{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignerPkpSign is a whole server-side signature: fresh session
// sigs for 3 nodes, the pkp/sign round over loopback HTTP, combining and
// verifying the shares.
func BenchmarkSignerPkpSign(b *testing.B) {
	c, ac, _ := benchSetup(b)
	s := delegation.NewSigner(c)
	ctx := context.Background()
	d := randomDigest()
	for b.Loop() {
		if _, err := s.PkpSign(ctx, ac, d); err != nil {
			b.Fatal(err)
		}
	}
}
