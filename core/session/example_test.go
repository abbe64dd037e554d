package session_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/core/node/httptransport"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/session"
	"github.com/litgo/litsession/core/storage"
	"github.com/litgo/litsession/core/verify"
)

// A server gets session signatures for a Lit Action, caching the session
// key and the wallet signature on disk, and a node-side service checks one.
func Example() {
	ctx := context.Background()
	client, err := node.New(node.Config{Transport: httptransport.New(nil), RPCURL: "http://127.0.0.1:8545"})
	if err != nil {
		log.Fatal(err)
	}
	if err := client.Connect(ctx); err != nil {
		log.Fatal(err)
	}
	wallet, err := authsig.NewKeySigner(os.Getenv("WALLET_KEY"))
	if err != nil {
		log.Fatal(err)
	}
	store, err := storage.NewFile(os.ExpandEnv("$HOME/.cache/myapp-lit"))
	if err != nil {
		log.Fatal(err)
	}
	eng := &session.Engine{Storage: store, Network: client, Wallet: wallet}
	req, _ := resource.NewRequest(resource.LitAction, "*", resource.LitActionExecution)
	sigs, info, err := eng.GetSessionSigs(ctx, session.Params{ResourceAbilityRequests: []resource.Request{req}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("wallet asked:", info.WalletAsked)

	nodeURL := client.ConnectedNodes()[0]
	sig, _ := sigs.Get(nodeURL)
	res, err := verify.New(verify.Config{NodeURL: nodeURL}).Verify(sig, req)
	if err != nil {
		log.Fatal(err) // a typed *verify.Error with a Reason
	}
	fmt.Println("delegated by", res.WalletAddress)
}
