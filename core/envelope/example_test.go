package envelope_test

import (
	"context"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/delegation"
	"github.com/litgo/litsession/core/envelope"
	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/core/node/httptransport"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/sessionkey"
	"github.com/litgo/litsession/devnet"
)

// A client writes a pre-generated PKP session (a session key and the PKP's
// delegation to it, from a local Lit network) as an envelope; the server
// reads it back. Printing an envelope never shows the session secret.
func Example() {
	ctx := context.Background()
	net, err := devnet.Start(ctx, devnet.Config{})
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
	p, _ := net.MintPKP(ownerAddr)
	kp, _ := sessionkey.Generate(nil)
	a, err := delegation.GeneratePkpDelegationAuthSig(ctx, client, delegation.GenerateParams{
		PKPPublicKey: p.PublicKey, Owner: owner, SessionKeyPair: kp, Expiration: time.Now().Add(time.Hour),
		Resources: []resource.Request{{Resource: p.Resource(), Ability: resource.PKPSigning}},
	})
	if err != nil {
		log.Fatal(err)
	}

	data, err := envelope.Encode(envelope.Envelope{PKPPublicKey: p.PublicKey, SessionKeyPair: kp, DelegationAuthSig: a})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(data[:16]))

	env, err := envelope.Decode(data) // structure only; core/delegation checks the signature and expiry
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("same session key:", env.SessionKeyURI() == kp.URI())
	fmt.Println("secret printed:", strings.Contains(fmt.Sprintf("%v %+v %#v", env, env, env), kp.SecretKeyHex()[:64]))
	// Output:
	// {"pkpPublicKey":
	// same session key: true
	// secret printed: false
}

// Decode says what is wrong with an envelope that is not one.
func ExampleDecode() {
	_, err := envelope.Decode([]byte(`{"pkpPublicKey":"0x04","payload":"e30"}`))
	fmt.Println(err)
	// Output:
	// envelope: pkpPublicKey: must be the uncompressed key, 0x04 followed by 128 hex digits (132 characters), as the official client writes it; got 4 characters
}
