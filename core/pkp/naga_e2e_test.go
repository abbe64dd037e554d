package pkp_test

import (
	"context"
	"encoding/hex"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/core/pkp"
	"github.com/litgo/litsession/core/session"
	"github.com/litgo/litsession/devnet"
	"github.com/litgo/litsession/internal/devnettest"
)

// setupNaga starts a naga devnet of four nodes whose SIGN prices make the
// third node the most expensive, so that every request leaves it out.
func setupNaga(t *testing.T) *fixture {
	t.Helper()
	prices, err := devnet.ParsePrices("sign=2000,2001,2999,2002;signsessionkey=10,11,99,12;litaction=5,6,50,7")
	if err != nil {
		t.Fatal(err)
	}
	tt := &tamperTransport{}
	d := devnettest.Start(t, devnettest.Options{Devnet: devnet.Config{Network: devnet.NetworkNaga, Nodes: 4, Prices: prices},
		Wrap: func(inner node.Transport) node.Transport { tt.inner = inner; return tt }})
	return &fixture{net: d.Net, client: d.Client, tamper: tt, owner: d.Owner, pkp: d.PKP}
}

func recoverTo(t *testing.T, digest [32]byte, sig string, want string) {
	t.Helper()
	raw, _ := hex.DecodeString(strings.TrimPrefix(sig, "0x"))
	raw[64] -= 27
	pub, err := crypto.Ecrecover(digest[:], raw)
	if err != nil || "0x"+hex.EncodeToString(pub) != want {
		t.Fatalf("recovered %x (%v), want %s", pub, err, want)
	}
}

func TestNagaEndToEnd(t *testing.T) {
	f := setupNaga(t)
	ctx := context.Background()
	if f.client.Generation() != node.Naga || f.client.MinNodeCount() != 3 {
		t.Fatalf("generation %s, threshold %d", f.client.Generation().Name(), f.client.MinNodeCount())
	}
	expensive := f.client.ConnectedNodes()[2]
	am := f.authMethod(t, f.owner)

	// PKP delegation: sign_session_key/v2 to the three cheapest nodes.
	a, err := pkp.SignSessionKey(ctx, f.client, pkp.SignSessionKeyParams{
		SessionKey: sessionURI(), PKPPublicKey: f.pkp.PublicKey, AuthMethods: []pkp.AuthMethod{am}, ResourceAbilityRequests: pkpSigning,
	})
	if err != nil {
		t.Fatal(err)
	}
	if a.Algo != "LIT_BLS" || a.Address != f.pkp.EthAddress || !strings.Contains(a.SignedMessage, "lit-resolvedauthcontext") {
		t.Fatalf("AuthSig %+v", a)
	}
	if _, err := pkp.VerifyAuthSig(a, f.client.NetworkPublicKey(), time.Now()); err != nil {
		t.Fatal(err)
	}

	// Session signatures for pkp sign: the three cheapest SIGN nodes, each
	// with its maxPrice.
	sigs, _, err := pkp.GetPkpSessionSigs(ctx, f.client, nil, pkp.SessionSigsParams{PKPPublicKey: f.pkp.PublicKey,
		AuthMethods: []pkp.AuthMethod{am}, ResourceAbilityRequests: pkpSigning, Operation: string(node.EndpointPKPSign)})
	if err != nil {
		t.Fatal(err)
	}
	if sigs.Len() != 3 {
		t.Fatalf("%d session sigs, want 3", sigs.Len())
	}
	if _, ok := sigs.Get(expensive); ok {
		t.Fatalf("a session signature for the most expensive node %s", expensive)
	}
	for u, s := range sigs.All() {
		if !strings.Contains(s.SignedMessage, `"nodeAddress":"`+u+`","maxPrice":"0x5555555555555555555555555555`) {
			t.Fatalf("%s: template %s", u, s.SignedMessage)
		}
	}

	// pkpSign recovers to the PKP; the v8 shape agrees.
	var digest [32]byte
	copy(digest[:], crypto.Keccak256([]byte("hello from naga")))
	sig, err := pkp.PkpSign(ctx, f.client, sigs, f.pkp.PublicKey, digest)
	if err != nil {
		t.Fatal(err)
	}
	recoverTo(t, digest, sig.Signature, f.pkp.PublicKey)
	v8 := pkp.Naga(sig)
	if v8.SignedData != "0x"+hex.EncodeToString(digest[:]) || v8.PublicKey != f.pkp.PublicKey || v8.SigType != "EcdsaK256Sha256" ||
		!strings.HasPrefix(v8.VerifyingKey, "0x3056") || len(v8.Signature) != 130 {
		t.Fatalf("v8 result %+v", v8)
	}

	// EOA session signatures of the owner (a permitted wallet) also sign.
	eng := &session.Engine{Network: f.client, Wallet: authsig.NewKeySignerFromECDSA(f.owner)}
	eoa, _, err := eng.GetSessionSigs(ctx, session.Params{ResourceAbilityRequests: pkpSigning, Operation: string(node.EndpointPKPSign)})
	if err != nil {
		t.Fatal(err)
	}
	sig, err = pkp.PkpSign(ctx, f.client, eoa, f.pkp.PublicKey, digest)
	if err != nil {
		t.Fatal(err)
	}
	recoverTo(t, digest, sig.Signature, f.pkp.PublicKey)

	// A budget below the chosen nodes' prices is refused before sending.
	if _, _, err := pkp.GetPkpSessionSigs(ctx, f.client, nil, pkp.SessionSigsParams{PKPPublicKey: f.pkp.PublicKey,
		AuthMethods: []pkp.AuthMethod{am}, ResourceAbilityRequests: pkpSigning, Operation: string(node.EndpointPKPSign), MaxPrice: big.NewInt(100)}); err == nil {
		t.Fatal("a budget of 100 wei was accepted")
	}
}

func TestNagaNodeRefusesMidFlow(t *testing.T) {
	f := setupNaga(t)
	ctx := context.Background()
	am := f.authMethod(t, f.owner)
	sigs, _, err := pkp.GetPkpSessionSigs(ctx, f.client, nil, pkp.SessionSigsParams{PKPPublicKey: f.pkp.PublicKey,
		AuthMethods: []pkp.AuthMethod{am}, ResourceAbilityRequests: pkpSigning, Operation: string(node.EndpointPKPSign)})
	if err != nil {
		t.Fatal(err)
	}
	// Node 0 gets a session signature made for another node: it refuses,
	// and pkp sign fails naming it, with the node's message.
	n0, n1 := f.client.ConnectedNodes()[0], f.client.ConnectedNodes()[1]
	other, _ := sigs.Get(n1)
	var swapped session.SessionSigs
	j, _ := sigs.MarshalJSON()
	if err := swapped.UnmarshalJSON([]byte(strings.Replace(string(j), `"`+n0+`":`, `"x":`, 1))); err != nil {
		t.Fatal(err)
	}
	b, _ := other.MarshalJSON()
	j2, _ := swapped.MarshalJSON()
	if err := swapped.UnmarshalJSON([]byte(strings.Replace(string(j2), `"x":`, `"`+n0+`":`+string(b)+`,"y":`, 1))); err != nil {
		t.Fatal(err)
	}
	var digest [32]byte
	_, err = pkp.PkpSign(ctx, f.client, &swapped, f.pkp.PublicKey, digest)
	var ne *node.NodeError
	if err == nil || !errors.As(err, &ne) || ne.URL != n0 || ne.Message == "" {
		t.Fatalf("err %v", err)
	}
	t.Log(err)
}
