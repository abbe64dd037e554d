package verify_test

import (
	"context"
	"fmt"
	"log"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/core/node/httptransport"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/session"
	"github.com/litgo/litsession/core/verify"
	"github.com/litgo/litsession/devnet"
)

// A backend checks a session signature the way the Lit node it was made for
// does, and learns which wallet delegated to the session key. The same
// signature is refused by any other node and for anything the session did
// not request.
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
	wallet, _ := authsig.NewKeySigner("0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
	req, _ := resource.NewRequest(resource.LitAction, "*", resource.LitActionExecution)
	eng := &session.Engine{Network: client, Wallet: wallet}
	sigs, _, err := eng.GetSessionSigs(ctx, session.Params{ResourceAbilityRequests: []resource.Request{req}})
	if err != nil {
		log.Fatal(err)
	}

	// The node side: its own URL, and the chain's recent blockhashes.
	nodeURL := client.ConnectedNodes()[0]
	v := verify.New(verify.Config{NodeURL: nodeURL, RecentBlockhash: net.RecentBlockhash})
	sig, _ := sigs.Get(nodeURL)
	res, err := v.Verify(sig, req)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("delegated by", res.WalletAddress, "via", res.DelegatedVia)

	other, _ := sigs.Get(client.ConnectedNodes()[1])
	_, err = v.Verify(other, req)
	fmt.Println("another node's signature:", verify.IsReason(err, verify.ReasonWrongNode))

	sign, _ := resource.NewRequest(resource.PKP, "*", resource.PKPSigning)
	_, err = v.Verify(sig, sign)
	fmt.Println("an operation it did not request:", err)
	// Output:
	// delegated by 0x2c7536E3605D9C16a7a3D7b1898e529396a65c23 via web3.eth.personal.sign
	// another node's signature: true
	// an operation it did not request: session signature rejected (not_authorized): capabilities[0] (the session delegation) does not grant pkp-signing on lit-pkp://*
}
