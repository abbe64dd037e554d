package devnet_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/core/pkp"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/devnet"
	"github.com/litgo/litsession/internal/devnettest"
)

// handshakeKey posts a naga handshake to url and returns the node's
// nodeIdentityKey, or the error of the request.
func handshakeKey(url string) (string, error) {
	var ch [32]byte
	rand.Read(ch[:])
	body, _ := json.Marshal(map[string]any{"clientPublicKey": "x", "challenge": hex.EncodeToString(ch[:]), "epoch": devnet.DefaultEpoch})
	// A connection of its own: a stopped node's kept-alive connections
	// are gone, and POST is not retried on them.
	cl := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := cl.Post(url+node.HandshakePath, "application/json", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct {
		Data struct {
			NodeIdentityKey string `json:"nodeIdentityKey"`
		} `json:"data"`
	}
	err = json.NewDecoder(resp.Body).Decode(&out)
	return out.Data.NodeIdentityKey, err
}

// TestNodeSetChangesAtRunTime stops, starts, restarts, adds and removes
// nodes of a running naga devnet and checks what clients see: the port,
// the staking validators, the PriceFeed, and that an added node's share of
// the network key combines with the others.
func TestNodeSetChangesAtRunTime(t *testing.T) {
	prices, err := devnet.ParsePrices("signsessionkey=10,11,12,13")
	if err != nil {
		t.Fatal(err)
	}
	d := devnettest.Start(t, devnettest.Options{Timeout: 5 * time.Second,
		Devnet: devnet.Config{Network: devnet.NetworkNaga, Nodes: 4, Prices: prices}})
	nw, c := d.Net, d.Client
	ctx := context.Background()

	// Stop and start: the port refuses, then answers with the same keys.
	n1 := nw.Node(1)
	if err := nw.StopNode(1); err != nil {
		t.Fatal(err)
	}
	if _, err := handshakeKey(n1.URL); err == nil {
		t.Fatal("a stopped node answered the handshake")
	}
	if !slices.Contains(nw.ValidatorURLs(), n1.URL) {
		t.Fatal("a stopped node left the validators")
	}
	if err := nw.StartNode(1); err != nil {
		t.Fatal(err)
	}
	if k, err := handshakeKey(n1.URL); err != nil || k != n1.IdentityKey {
		t.Fatalf("restarted node: identity key %q (%v), want %s", k, err, n1.IdentityKey)
	}
	if err := nw.RestartNode(2); err != nil {
		t.Fatal(err)
	}
	if _, err := handshakeKey(nw.Node(2).URL); err != nil {
		t.Fatalf("after RestartNode: %v", err)
	}

	// Add a node that is the cheapest for sign session key: the client
	// finds it in the staking contract and the PriceFeed.
	added, err := nw.AddNode(devnet.NodeOptions{Prices: map[devnet.Product]*big.Int{devnet.ProductSignSessionKey: big.NewInt(1)}})
	if err != nil {
		t.Fatal(err)
	}
	if added.Index != 4 || nw.Node(4) != added || len(nw.Validators()) != 5 || len(nw.NodeURLs) != 4 {
		t.Fatalf("added node %d; validators %v; NodeURLs %v", added.Index, nw.ValidatorURLs(), nw.NodeURLs)
	}
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	if got := c.ConnectedNodes(); !slices.Equal(got, nw.ValidatorURLs()) {
		t.Fatalf("client connected to %v, validators %v", got, nw.ValidatorURLs())
	}
	chosen, err := c.SelectNodes(ctx, node.EndpointSignSessionKey)
	if err != nil {
		t.Fatal(err)
	}
	if chosen[0].URL != added.URL || chosen[0].Price.Int64() != 1 {
		t.Fatalf("cheapest sign-session-key node %+v, want the added %s at 1 wei", chosen[0], added.URL)
	}

	// Its key share combines with two old ones into the network's
	// signature (pkp.SignSessionKey verifies it under the network key).
	nonce, err := c.LatestBlockhash(ctx)
	if err != nil {
		t.Fatal(err)
	}
	am, err := pkp.SignEthWalletAuthMethod(ctx, authsig.NewKeySignerFromECDSA(d.Owner), nonce, time.Now().Add(time.Hour), nil)
	if err != nil {
		t.Fatal(err)
	}
	var sk [32]byte
	rand.Read(sk[:])
	if _, err := pkp.SignSessionKey(ctx, c, pkp.SignSessionKeyParams{
		SessionKey: "lit:session:" + hex.EncodeToString(sk[:]), PKPPublicKey: d.PKP.PublicKey, AuthMethods: []pkp.AuthMethod{am},
		ResourceAbilityRequests: []resource.Request{{Resource: resource.Resource{Prefix: resource.PKP, ID: "*"}, Ability: resource.PKPSigning}},
	}); err != nil {
		t.Fatalf("sign_session_key with the added node: %v", err)
	}

	// Remove node 0: it leaves the validators, stops, and cannot start.
	n0 := nw.Node(0)
	if err := nw.RemoveNode(0); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(nw.ValidatorURLs(), n0.URL) {
		t.Fatal("a removed node is still a validator")
	}
	if _, err := handshakeKey(n0.URL); err == nil {
		t.Fatal("a removed node answered the handshake")
	}
	if err := nw.StartNode(0); err == nil {
		t.Fatal("StartNode started a removed node")
	}
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	if got := c.ConnectedNodes(); slices.Contains(got, n0.URL) || len(got) != 4 {
		t.Fatalf("client connected to %v after node 0 left", got)
	}

	// A naga network keeps at least three validators.
	if err := nw.RemoveNode(1); err != nil {
		t.Fatal(err)
	}
	if err := nw.RemoveNode(2); err == nil {
		t.Fatal("RemoveNode left two validators on naga")
	}
	if err := nw.StopNode(9); err == nil {
		t.Fatal("StopNode of a node that does not exist")
	}

	// After Close nothing starts again.
	nw.Close()
	if _, err := nw.AddNode(devnet.NodeOptions{}); err == nil {
		t.Fatal("AddNode after Close")
	}
}

// On datil, every validator signs pkp/sign/v1 with its share at its
// position among the validators: an added node takes part, and the
// signature still recovers to the PKP.
func TestDatilAddNodeSigns(t *testing.T) {
	d := devnettest.Start(t, devnettest.Options{Timeout: 5 * time.Second, Devnet: devnet.Config{Nodes: 3, Threshold: 2}})
	nw, c := d.Net, d.Client
	ctx := context.Background()
	if _, err := nw.AddNode(devnet.NodeOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := nw.RemoveNode(1); err != nil {
		t.Fatal(err)
	}
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	if got := c.ConnectedNodes(); !slices.Equal(got, nw.ValidatorURLs()) || len(got) != 3 {
		t.Fatalf("connected to %v, validators %v", got, nw.ValidatorURLs())
	}
	nonce, err := c.LatestBlockhash(ctx)
	if err != nil {
		t.Fatal(err)
	}
	am, err := pkp.SignEthWalletAuthMethod(ctx, authsig.NewKeySignerFromECDSA(d.Owner), nonce, time.Now().Add(time.Hour), nil)
	if err != nil {
		t.Fatal(err)
	}
	reqs := []resource.Request{{Resource: resource.Resource{Prefix: resource.PKP, ID: "*"}, Ability: resource.PKPSigning}}
	sigs, _, err := pkp.GetPkpSessionSigs(ctx, c, nil, pkp.SessionSigsParams{PKPPublicKey: d.PKP.PublicKey, AuthMethods: []pkp.AuthMethod{am}, ResourceAbilityRequests: reqs})
	if err != nil {
		t.Fatal(err)
	}
	var digest [32]byte
	rand.Read(digest[:])
	if _, err := pkp.PkpSign(ctx, c, sigs, d.PKP.PublicKey, digest); err != nil {
		t.Fatalf("pkp sign with an added node: %v", err)
	}
}
