package main

import (
	"time"

	"github.com/litgo/litsession/core/authsig"
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
	if help, err := parse(e, fs, args); help || err != nil {
		return err
	}
	if err := required(fs, "node", "resource"); err != nil {
		return err
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
	v := verify.New(verify.Config{NodeURL: *nodeURL, Now: func() time.Time { return at }, NetworkPublicKey: *netKey})
	r, err := v.Verify(sig, ops[0])
	if err != nil {
		return &rejectedError{err}
	}
	return writeJSON(e.stdout, struct {
		SessionKey    string `json:"sessionKey"`
		WalletAddress string `json:"walletAddress"`
		DelegatedVia  string `json:"delegatedVia"`
		Expiration    string `json:"expiration"`
	}{r.SessionKey, r.WalletAddress, r.DelegatedVia, siwe.FormatTime(r.Expiration)})
}
