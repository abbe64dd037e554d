package delegation_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/litgo/litsession/core/delegation"
)

// TestNagaServerReuse runs the server-reuse flow on a four-node naga
// devnet whose third node is the most expensive for every product.
func TestNagaServerReuse(t *testing.T) {
	f := setupNaga(t, "sign=2000,2001,2999,2002;signsessionkey=10,11,99,12;litaction=5,6,50,7")
	ctx := context.Background()
	expensive := f.client.ConnectedNodes()[2]

	_, b := f.delegate(t, time.Now().Add(time.Hour).Truncate(time.Millisecond))
	ac := f.context(t, b)
	sigs, err := delegation.CreatePkpSessionSigs(ctx, f.client, ac, delegation.SessionSigsParams{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := sigs.Get(expensive); ok || sigs.Len() != 3 {
		t.Fatalf("session sigs for %v; want the three cheapest lit action nodes", sigs.Nodes())
	}
	for _, s := range sigs.All() {
		if !strings.Contains(s.SignedMessage, `,"maxPrice":"0x`) {
			t.Fatalf("no maxPrice in %s", s.SignedMessage)
		}
	}
	signer := delegation.NewSigner(f.client)
	for range 2 {
		dg := randomDigest()
		sig, err := signer.PkpSign(ctx, ac, dg)
		if err != nil {
			t.Fatal(err)
		}
		f.checkSig(t, dg, sig.Signature)
	}
}
