//go:build !js

package delegation_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/delegation"
	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/session"
	"github.com/litgo/litsession/core/storage"
	"github.com/litgo/litsession/devnet"
	"github.com/litgo/litsession/internal/devnettest"
)

// cpuTime is the process's user + system CPU time.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkGeneration compares one operation on datil (v7) and naga (v8),
// each against an in-process 3-node devnet over loopback HTTP, in the same
// run (BENCHMARKS.md, "naga CPU cost"):
//
//   - GetSessionSigs: session.Engine with the wallet signature cached (one
//     Ed25519 signature per node; on naga also the PriceFeed eth_call that
//     picks the nodes and prices them);
//   - CreatePkpSessionSigs: the same from a pre-generated PKP delegation;
//   - PkpSign: delegation.Signer.PkpSign, fresh session signatures and the
//     pkp/sign round (v1 plain JSON, or v2 sealed to each node), combining
//     and verifying the shares.
//
// cpu-ns/op is the process's CPU time per operation: the client's and the
// three nodes' together, since the devnet runs in the same process.
func BenchmarkGeneration(b *testing.B) {
	for _, gen := range []string{devnet.NetworkDatil, devnet.NetworkNaga} {
		cfg := devnet.Config{Network: gen, Nodes: 3}
		if gen == devnet.NetworkDatil {
			cfg.Threshold = 2
		}
		d := devnettest.Start(b, devnettest.Options{Devnet: cfg})
		c := d.Client
		f := &fixture{net: d.Net, client: c, owner: d.Owner, pkp: d.PKP}
		env, _ := f.delegateB(b, time.Now().Add(time.Hour))
		ac, err := delegation.CreatePkpAuthContextFromPreGenerated(env, c.NetworkPublicKey(), time.Time{})
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		req, err := resource.NewRequest(resource.PKP, resource.Wildcard, resource.PKPSigning)
		if err != nil {
			b.Fatal(err)
		}
		eng := &session.Engine{Network: c, Wallet: authsig.NewKeySignerFromECDSA(d.Owner), Storage: storage.NewMemory()}
		sp := session.Params{ResourceAbilityRequests: []resource.Request{req}, Operation: string(node.EndpointPKPSign)}
		if _, _, err := eng.GetSessionSigs(ctx, sp); err != nil { // caches the wallet signature
			b.Fatal(err)
		}
		signer := delegation.NewSigner(c)
		digest := randomDigest()
		ops := []struct {
			name string
			run  func() error
		}{
			{"GetSessionSigs", func() error {
				_, info, err := eng.GetSessionSigs(ctx, sp)
				if err == nil && info.WalletAsked {
					b.Fatal("the wallet was asked again")
				}
				return err
			}},
			{"CreatePkpSessionSigs", func() error {
				_, err := delegation.CreatePkpSessionSigs(ctx, c, ac, delegation.SessionSigsParams{Operation: string(node.EndpointPKPSign)})
				return err
			}},
			{"PkpSign", func() error {
				_, err := signer.PkpSign(ctx, ac, digest)
				return err
			}},
		}
		for _, op := range ops {
			b.Run(gen+"/"+op.name, func(b *testing.B) {
				start := cpuTime(b)
				for b.Loop() {
					if err := op.run(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N), "cpu-ns/op")
			})
		}
	}
}
