package delegation_test

import (
	"context"
	"testing"
	"time"

	"github.com/litgo/litsession/core/delegation"
	"github.com/litgo/litsession/core/envelope"
	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/devnet"
	"github.com/litgo/litsession/internal/devnettest"
)

// benchSetup is setup for benchmarks: a 3-node devnet, a PKP and a
// validated context.
func benchSetup(b *testing.B) (*node.Client, *delegation.AuthContext, []byte) {
	b.Helper()
	d := devnettest.Start(b, devnettest.Options{Devnet: devnet.Config{Nodes: 3, Threshold: 2}})
	c := d.Client
	f := &fixture{net: d.Net, client: c, owner: d.Owner, pkp: d.PKP}
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
