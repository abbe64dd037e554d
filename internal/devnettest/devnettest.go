// Package devnettest starts a local Lit network for end-to-end tests: a
// devnet on loopback, a PKP minted to a fresh owner key and a client
// connected to the network. Only tests import it.
package devnettest

import (
	"context"
	"crypto/ecdsa"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/core/node/httptransport"
	"github.com/litgo/litsession/devnet"
)

// Options shape the network and the client. The zero value is the devnet's
// defaults (three nodes, threshold two, the real clock) and a client with
// node's default timeout.
type Options struct {
	// Devnet configures the network. Its Now is the client's clock too.
	Devnet devnet.Config
	// Wrap, when set, wraps the client's HTTP transport, for tests that
	// play faulty or malicious nodes.
	Wrap func(node.Transport) node.Transport
	// Timeout bounds each round of node requests; 0 keeps
	// node.DefaultTimeout.
	Timeout time.Duration
}

// Fixture is a running network with one PKP and a connected client. The
// network and the client's connections close when the test ends.
type Fixture struct {
	Net    *devnet.Network
	Client *node.Client
	Owner  *ecdsa.PrivateKey // owns PKP
	PKP    devnet.PKP
}

// Start starts the network, mints the PKP and connects the client; it fails
// the test when any step fails.
func Start(t testing.TB, opt Options) *Fixture {
	t.Helper()
	ctx := context.Background()
	net, err := devnet.Start(ctx, opt.Devnet)
	if err != nil {
		t.Fatalf("start devnet: %v", err)
	}
	t.Cleanup(func() { net.Close() })
	owner, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	p, err := net.MintPKP(crypto.PubkeyToAddress(owner.PublicKey).Hex())
	if err != nil {
		t.Fatalf("mint PKP: %v", err)
	}
	ht := httptransport.New(nil)
	t.Cleanup(ht.CloseIdleConnections)
	var tr node.Transport = ht
	if opt.Wrap != nil {
		tr = opt.Wrap(ht)
	}
	cfg := node.Config{Transport: tr, RPCURL: net.RPCURL, Timeout: opt.Timeout, Now: opt.Devnet.Now}
	if opt.Devnet.Network == devnet.NetworkNaga {
		cfg.Generation = node.Naga
	}
	c, err := node.New(cfg)
	if err != nil {
		t.Fatalf("node client: %v", err)
	}
	if err := c.Connect(ctx); err != nil {
		t.Fatalf("connect to the devnet: %v", err)
	}
	return &Fixture{Net: net, Client: c, Owner: owner, PKP: p}
}
