package main

import (
	"math/big"
	"time"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/core/siwe"
	"github.com/litgo/litsession/core/verify"
)

func init() {
	register("verify-session-sig", "check one node's session sig (stdin) as that node would (exit 1 if rejected)", cmdVerifySessionSig)
}

func cmdVerifySessionSig(e *env, args []string) error {
	fs := newFlags("verify-session-sig")
	nodeURL := fs.String("node", "", "URL of the node the sig is for, exactly as in nodeAddress (required)")
	res := fs.String("resource", "", "the operation, PREFIX://ID=ABILITY (required)")
	now := nowFlag(fs)
	netKey := fs.String("network-public-key", "", "the network's BLS public key (hex), to check LIT_BLS (PKP) capabilities")
	network := addNetworkFlag(fs, "; on naga the sig must carry a maxPrice of at least --price")
	price := fs.String("price", "", "naga: the node's price for the operation in wei, decimal (default 0)")
	if help, err := parse(e, fs, args); help || err != nil {
		return err
	}
	if err := required(fs, "node", "resource"); err != nil {
		return err
	}
	var minPrice *big.Int
	switch {
	case network.Generation() == node.Naga:
		minPrice = new(big.Int)
		if *price != "" {
			if _, ok := minPrice.SetString(*price, 10); !ok || minPrice.Sign() < 0 || minPrice.BitLen() > 256 {
				return usagef("--price %q is not a price in wei: want a decimal number from 0 to 2^256-1", *price)
			}
		}
	case *price != "":
		return usagef("--price is for --network naga: datil session sigs carry no maxPrice")
	}
	ops, err := parseResources([]string{*res})
	if err != nil {
		return err
	}
	var sig authsig.AuthSig
	if err := readJSONStdin(e, "a session signature JSON (one node's entry of the map)", 4<<20, &sig); err != nil {
		return err
	}
	at := now.Or()
	v := verify.New(verify.Config{NodeURL: *nodeURL, Now: func() time.Time { return at }, NetworkPublicKey: *netKey, Price: minPrice})
	r, err := v.Verify(sig, ops[0])
	if err != nil {
		return &rejectedError{err}
	}
	return writeJSON(e.stdout, struct {
		SessionKey    string `json:"sessionKey"`
		WalletAddress string `json:"walletAddress"`
		DelegatedVia  string `json:"delegatedVia"`
		Expiration    string `json:"expiration"`
		MaxPrice      string `json:"maxPrice,omitempty"`
	}{r.SessionKey, r.WalletAddress, r.DelegatedVia, siwe.FormatTime(r.Expiration), maxPrice(r.MaxPrice)})
}

// maxPrice writes a session sig's maxPrice in decimal wei ("" if absent).
func maxPrice(p *big.Int) string {
	if p == nil {
		return ""
	}
	return p.String()
}
