package pkp

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/jsjson"
)

// EthWalletRules are what a node needs to check an EthWallet auth method.
type EthWalletRules struct {
	// Now is the time to check against.
	Now time.Time
	// Skew is how far in the future Issued At may be.
	Skew time.Duration
	// RecentBlockhash reports whether nonce is a blockhash this network
	// served recently (the nodes' rule for SIWE nonces). Required.
	RecentBlockhash func(nonce string) bool
}

// AuthMethodError is an auth method that proves nothing: malformed,
// forged, expired, or signed for something other than authenticating to
// the Lit network. Unauthorized is true when the AuthSig is well formed but
// must not be accepted (a node answers 401 rather than 400).
type AuthMethodError struct {
	Index        int // position in authMethods
	Unauthorized bool
	Msg          string
}

func (e *AuthMethodError) Error() string {
	return fmt.Sprintf("authMethods[%d]: %s", e.Index, e.Msg)
}

// CheckEthWalletAuthMethod checks the EthWallet auth method at index i
// and returns the wallet's EIP-55 address. An EthWallet auth method's
// accessToken must be the JSON of a wallet AuthSig that:
//
//  1. verifies now (authsig.Verify: EIP-191 signature by the SIWE address,
//     low s, times) and has an Expiration Time;
//  2. is fresh: its SIWE nonce is a blockhash the network served recently,
//     as the official v7 (createSiweMessage with getLatestBlockhash) and v8
//     (the default EthWallet SIWE with the indexer's blockhash) clients make
//     it. An ordinary Sign-In with Ethereum for a website carries the site's
//     random nonce and is refused;
//  3. was signed to authenticate, not to delegate: its URI is not a lit:
//     URI. lit:session:<key> is a session key's capability (a copy taken
//     from any session signature the wallet made, however narrow, would
//     otherwise authenticate as the wallet), lit:capability:delegation a
//     capacity-credit delegation.
//
// The domain and the other URIs are the dApp's choice and are not checked.
func CheckEthWalletAuthMethod(i int, m AuthMethod, r EthWalletRules) (string, error) {
	fail := func(unauthorized bool, format string, args ...any) (string, error) {
		return "", &AuthMethodError{Index: i, Unauthorized: unauthorized, Msg: fmt.Sprintf(format, args...)}
	}
	if m.AuthMethodType != AuthMethodEthWallet {
		return fail(false, "type %d is not EthWallet (%d)", m.AuthMethodType, AuthMethodEthWallet)
	}
	if r.RecentBlockhash == nil {
		return "", errors.New("pkp: EthWalletRules.RecentBlockhash is nil; a node must check the auth method's nonce")
	}
	v, err := jsjson.Parse([]byte(m.AccessToken))
	if err != nil {
		return fail(false, "accessToken is not a wallet AuthSig JSON: %v", err)
	}
	a, err := authsig.FromJSON(v)
	if err != nil {
		return fail(false, "accessToken is not a wallet AuthSig JSON: %v", err)
	}
	if a.Algo != "" || a.DerivedVia != authsig.DerivedViaWallet {
		return fail(true, "accessToken must be a wallet AuthSig (derivedVia %q), got derivedVia %q algo %q", authsig.DerivedViaWallet, a.DerivedVia, a.Algo)
	}
	ver, err := authsig.Verify(a, authsig.Options{Now: r.Now, Skew: r.Skew})
	if err != nil {
		return fail(true, "%v", err)
	}
	msg := ver.Message
	if _, ok := msg.Expiration(); !ok {
		return fail(true, "the AuthSig's SIWE message has no Expiration Time; an auth method must expire")
	}
	if uri := msg.URI(); strings.HasPrefix(strings.ToLower(uri), "lit:") {
		return fail(true, "the AuthSig was signed for %q, a delegation, not to authenticate; sign a fresh SIWE message (for example URI https://localhost/login) whose nonce is the network's latest blockhash", uri)
	}
	if !r.RecentBlockhash(msg.Nonce()) {
		return fail(true, "the AuthSig's nonce %q is not a recent blockhash of this network; sign a fresh SIWE message with the latestBlockhash of the handshake as its nonce", msg.Nonce())
	}
	return ver.Address, nil
}
