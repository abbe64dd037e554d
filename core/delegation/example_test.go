package delegation_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/delegation"
	"github.com/litgo/litsession/core/envelope"
	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/core/node/httptransport"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/sessionkey"
	"github.com/litgo/litsession/devnet"
)

// A client delegates a PKP to a fresh session key for one hour and hands
// the envelope to a server; the server checks it once and then signs with
// the PKP on every request, with session signatures minted just before.
func Example() {
	ctx := context.Background()
	net, err := devnet.Start(ctx, devnet.Config{}) // a local Lit network
	if err != nil {
		log.Fatal(err)
	}
	defer net.Close()
	client, _ := node.New(node.Config{Transport: httptransport.New(nil), RPCURL: net.RPCURL})
	if err := client.Connect(ctx); err != nil {
		log.Fatal(err)
	}
	owner, _ := authsig.NewKeySigner("0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
	ownerAddr, _ := owner.Address(ctx)
	p, err := net.MintPKP(ownerAddr)
	if err != nil {
		log.Fatal(err)
	}

	// Client: the PKP's owner delegates pkp-signing on this PKP only.
	kp, _ := sessionkey.Generate(nil)
	delegationSig, err := delegation.GeneratePkpDelegationAuthSig(ctx, client, delegation.GenerateParams{
		PKPPublicKey:   p.PublicKey,
		Owner:          owner,
		SessionKeyPair: kp,
		Resources:      []resource.Request{{Resource: p.Resource(), Ability: resource.PKPSigning}},
		Expiration:     time.Now().Add(time.Hour),
	})
	if err != nil {
		log.Fatal(err)
	}
	sent, _ := delegation.EncodeEnvelope(envelope.Envelope{PKPPublicKey: p.PublicKey, SessionKeyPair: kp, DelegationAuthSig: delegationSig})

	// Server: check the envelope against the network once, keep the context.
	env, err := envelope.Decode(sent)
	if err != nil {
		log.Fatal(err)
	}
	ac, err := delegation.CreatePkpAuthContextFromPreGenerated(*env, client.NetworkPublicKey(), time.Time{})
	if err != nil {
		log.Fatal(err) // a *delegation.DelegationError whose Reason says which check failed
	}
	signer := delegation.NewSigner(client)
	digest := sha256.Sum256([]byte("hello"))
	sig, err := signer.PkpSign(ctx, ac, digest)
	if err != nil {
		log.Fatal(err)
	}
	pub, _ := hex.DecodeString(strings.TrimPrefix(p.PublicKey, "0x"))
	rs, _ := hex.DecodeString(sig.R + sig.S)
	fmt.Println("signed by the PKP:", crypto.VerifySignature(pub, digest[:], rs))
	// Output:
	// signed by the PKP: true
}
