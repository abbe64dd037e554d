package siwe_test

import (
	"context"
	"testing"
	"time"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/siwe"
)

// BenchmarkSideBySideSIWEAuthSig is the Go half of the "siwe-authsig" row
// of testdata/oracle/bench/run.sh (make bench): createSiweMessageWithRecaps
// + generateAuthSig with an ethers Wallet there, CreateWithRecaps +
// authsig.Sign with a KeySigner here, on the same inputs. authsig.Sign also
// recovers the signature to check the signer, which generateAuthSig does
// not.
func BenchmarkSideBySideSIWEAuthSig(b *testing.B) {
	signer, err := authsig.NewKeySigner("0x1111111111111111111111111111111111111111111111111111111111111111")
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	address, err := signer.Address(ctx)
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
	p := siwe.Params{
		Address:    address,
		URI:        "lit:session:a09aa5f47a6759802ff955f8dc2d2a14a5c99d23be97f864127ff9383455a4f0",
		Nonce:      "0xcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
		Expiration: siwe.FormatTime(time.Now().Add(24 * time.Hour)),
		Resources:  requests,
	}
	b.ReportAllocs()
	for b.Loop() {
		msg, err := siwe.CreateWithRecaps(p)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := authsig.Sign(ctx, signer, msg); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}
