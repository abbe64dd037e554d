package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/bls"
	"github.com/litgo/litsession/core/e2ee"
	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/session"
	"github.com/litgo/litsession/devnet"
)

// Kind names accepted by -mix. The naga- kinds go to a naga devnet, the
// others to a datil (v7) one.
const (
	KindHandshake     = "handshake"
	KindSessionVerify = "session-verify"
	KindPKPSign       = "pkp-sign"
	KindNagaHandshake = "naga-handshake"
	KindNagaPKPSign   = "naga-pkp-sign"
)

var kindNames = []string{KindHandshake, KindSessionVerify, KindPKPSign, KindNagaHandshake, KindNagaPKPSign}

// isNaga reports whether kind goes to a naga network.
func isNaga(kind string) bool { return strings.HasPrefix(kind, "naga-") }

// MixEntry is one kind of a -mix value and its weight.
type MixEntry struct {
	Name   string
	Weight int
}

// ParseMix parses "handshake,session-verify" or, with weights,
// "handshake=1,session-verify=3".
func ParseMix(s string) ([]MixEntry, error) {
	var out []MixEntry
	seen := map[string]bool{}
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, ws, hasWeight := strings.Cut(part, "=")
		w := 1
		if hasWeight {
			var err error
			if w, err = strconv.Atoi(ws); err != nil || w < 1 || w > 1000 {
				return nil, fmt.Errorf("-mix: weight %q of %s is not a whole number from 1 to 1000", ws, name)
			}
		}
		known := false
		for _, k := range kindNames {
			known = known || k == name
		}
		if !known {
			return nil, fmt.Errorf("-mix: unknown request kind %q; the kinds are %s", name, strings.Join(kindNames, ", "))
		}
		if seen[name] {
			return nil, fmt.Errorf("-mix: %s is listed twice", name)
		}
		seen[name] = true
		out = append(out, MixEntry{name, w})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("-mix is empty; name at least one of %s", strings.Join(kindNames, ", "))
	}
	return out, nil
}

// Network is what the request kinds need to know about the target nodes.
type Network struct {
	NodeURLs         []string // the targets, exactly as session sigs name them
	Epoch            uint64   // sent in handshakes; 0 = "not known"
	NetworkPublicKey string   // expected in handshake answers (hex, no 0x); "" = not checked
	// Blockhash returns a recent blockhash for session sigs.
	Blockhash func(ctx context.Context) (string, error)

	// The pkp-sign kinds need a PKP of the network and the network's BLS
	// secret key (to sign the PKP's delegation); only an in-process devnet
	// has them.
	PKP           *devnet.PKP
	NetworkSecret *bls.SecretKey

	// Naga networks: the nodes' nodeIdentityKeys, by NodeURLs index.
	Naga         bool
	IdentityKeys [][e2ee.KeySize]byte
}

// Networks are the targets of a mix: the datil (v7) network of the plain
// kinds and the naga network of the naga- kinds; either may be nil when no
// kind of the mix needs it.
type Networks struct {
	Datil, Naga *Network
}

// InProcess describes a devnet started by this process.
func InProcess(ctx context.Context, n *devnet.Network, transport node.Transport) (Network, error) {
	c, err := node.New(node.Config{Transport: transport, RPCURL: n.RPCURL})
	if err != nil {
		return Network{}, err
	}
	if err := c.Connect(ctx); err != nil {
		return Network{}, fmt.Errorf("connecting to the in-process devnet: %w", err)
	}
	return Network{NodeURLs: n.NodeURLs, Epoch: n.Epoch(), NetworkPublicKey: n.NetworkPublicKey, Blockhash: c.LatestBlockhash}, nil
}

// Remote describes the nodes at urls (a running devnet or other nodes that
// speak the same protocol): one handshake round with all of them gives the
// epoch, network key and blockhash. At least one must answer; the others
// stay targets, and their failures are counted during the run.
func Remote(ctx context.Context, urls []string, transport node.Transport) (Network, error) {
	c, err := node.New(node.Config{Transport: transport, BootstrapURLs: urls, MinNodeCount: 1})
	if err != nil {
		return Network{}, fmt.Errorf("-url: %w", err)
	}
	if err := c.Connect(ctx); err != nil {
		return Network{}, fmt.Errorf("no -url target answered the handshake: %w", err)
	}
	return Network{NodeURLs: c.ValidatorURLs(), Epoch: c.Epoch(), NetworkPublicKey: c.NetworkPublicKey(), Blockhash: c.LatestBlockhash}, nil
}

// Kinds builds the request kinds of mix for the networks' nodes.
func Kinds(ctx context.Context, nets Networks, mix []MixEntry) ([]Kind, error) {
	var out []Kind
	for _, m := range mix {
		nw := nets.Datil
		if isNaga(m.Name) {
			nw = nets.Naga
		}
		if nw == nil {
			return nil, fmt.Errorf("request kind %s has no network to go to", m.Name)
		}
		var reqs []Request
		var err error
		switch m.Name {
		case KindHandshake:
			reqs = handshakeRequests(*nw)
		case KindSessionVerify:
			reqs, err = sessionVerifyRequests(ctx, *nw)
		case KindPKPSign:
			reqs, err = pkpSignRequests(ctx, *nw)
		case KindNagaHandshake:
			reqs = nagaHandshakeRequests(*nw)
		case KindNagaPKPSign:
			reqs, err = nagaPKPSignRequests(ctx, *nw)
		default:
			err = fmt.Errorf("unknown request kind %q", m.Name)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, Kind{Name: m.Name, Weight: m.Weight, Requests: reqs})
	}
	return out, nil
}

// handshakeRequests: POST /web/handshake/ to each node, as the v7 client
// sends it (a fixed challenge; the devnet does not use it). The answer must
// parse as a handshake, carry a blockhash and, when known, the network key.
func handshakeRequests(nw Network) []Request {
	body := node.HandshakeRequest{ClientPublicKey: "test", Challenge: strings.Repeat("ab", 32), Epoch: nw.Epoch}.JSON()
	check := func(b []byte) error {
		h, err := node.ParseHandshakeResponse(b)
		if err != nil {
			return err
		}
		if h.LatestBlockhash == "" {
			return errors.New("handshake answer without latestBlockhash")
		}
		if nw.NetworkPublicKey != "" && h.NetworkPublicKey != nw.NetworkPublicKey {
			return fmt.Errorf("handshake answer with networkPublicKey %q, want %q", h.NetworkPublicKey, nw.NetworkPublicKey)
		}
		return nil
	}
	var out []Request
	for _, u := range nw.NodeURLs {
		out = append(out, Request{URL: u + node.HandshakePath, Body: body, Check: check})
	}
	return out
}

// loadWalletKey is the well-known test key 0x11…11 of the conformance
// vectors (address 0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A): not a secret.
const loadWalletKey = "0x1111111111111111111111111111111111111111111111111111111111111111"

// loadWalletAddress is the address of loadWalletKey, the owner of the
// in-process devnets' PKPs.
func loadWalletAddress() (string, error) {
	w, err := authsig.NewKeySigner(loadWalletKey)
	if err != nil {
		return "", err
	}
	return w.Address(context.Background())
}

// fixedNodes is a session.Network with a fixed node list.
type fixedNodes struct {
	urls []string
	hash func(context.Context) (string, error)
}

func (f fixedNodes) ConnectedNodes() []string { return f.urls }

func (f fixedNodes) LatestBlockhash(ctx context.Context) (string, error) { return f.hash(ctx) }

// sessionVerifyRequests: POST /web/session/verify to each node with that
// node's entry of one SessionSigsMap made by core/session (wallet 0x11…11,
// lit-pkp://* pkp-signing, valid 24 h), for the operation lit-pkp://*
// pkp-signing. Every request is valid; the answer must be 200 with "ok":true
// for this node, this wallet and this operation. The same signature is sent
// each time, so the node's wallet-signature cache is warm after the first
// request, as it is for a dApp that reuses its session.
func sessionVerifyRequests(ctx context.Context, nw Network) ([]Request, error) {
	wallet, err := authsig.NewKeySigner(loadWalletKey)
	if err != nil {
		return nil, err
	}
	address, err := wallet.Address(ctx)
	if err != nil {
		return nil, err
	}
	op, err := resource.NewRequest(resource.PKP, resource.Wildcard, resource.PKPSigning)
	if err != nil {
		return nil, err
	}
	eng := &session.Engine{Network: fixedNodes{nw.NodeURLs, nw.Blockhash}, Wallet: wallet}
	sigs, _, err := eng.GetSessionSigs(ctx, session.Params{ResourceAbilityRequests: []resource.Request{op}})
	if err != nil {
		return nil, fmt.Errorf("making the session signatures for session-verify: %w", err)
	}
	resourceKey, ability := op.Resource.Key(), string(op.Ability)
	var out []Request
	for _, u := range nw.NodeURLs {
		sig, ok := sigs.Get(u)
		if !ok {
			return nil, fmt.Errorf("no session signature for %s", u)
		}
		body, err := json.Marshal(struct {
			AuthSig  authsig.AuthSig `json:"authSig"`
			Resource string          `json:"resource"`
			Ability  string          `json:"ability"`
		}{sig, resourceKey, ability})
		if err != nil {
			return nil, err
		}
		out = append(out, Request{URL: u + devnet.SessionVerifyPath, Body: body, Check: func(b []byte) error {
			var a struct {
				OK            bool   `json:"ok"`
				NodeAddress   string `json:"nodeAddress"`
				WalletAddress string `json:"walletAddress"`
				Resource      string `json:"resource"`
				Ability       string `json:"ability"`
			}
			if err := json.Unmarshal(b, &a); err != nil {
				return fmt.Errorf("session-verify answer is not JSON: %v: %s", err, snippet(b))
			}
			switch {
			case !a.OK:
				return fmt.Errorf("session-verify answered ok=false: %s", snippet(b))
			case a.NodeAddress != u:
				return fmt.Errorf("session-verify answered for node %q, want %q", a.NodeAddress, u)
			case !strings.EqualFold(a.WalletAddress, address):
				return fmt.Errorf("session-verify answered wallet %q, want %q", a.WalletAddress, address)
			case a.Resource != resourceKey || a.Ability != ability:
				return fmt.Errorf("session-verify answered %s %s, want %s %s", a.Resource, a.Ability, resourceKey, ability)
			}
			return nil
		}})
	}
	return out, nil
}
