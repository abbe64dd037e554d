package devnet

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/litgo/litsession/core/bls"
	"github.com/litgo/litsession/core/pkp"
	"github.com/litgo/litsession/core/recap"
	"github.com/litgo/litsession/core/sessionkey"
	"github.com/litgo/litsession/core/siwe"
)

// Error codes of the PKP endpoints (errorCode in the Lit JSON error).
const (
	CodeInvalidParameter  = "NodeInvalidParameter"  // 400: a field is missing or malformed
	CodeInvalidEpoch      = "NodeInvalidEpoch"      // 400: epoch is neither the current nor the previous one
	CodePKPNotFound       = "NodePKPNotFound"       // 404: no PKP with that public key on this devnet
	CodeUnsupported       = "NodeUnsupported"       // 400: an auth method type or Lit Action the devnet does not run
	CodeInvalidAuthMethod = "NodeInvalidAuthMethod" // 401 (400 if not JSON): an auth method's AuthSig is malformed, forged or expired
	CodeNotAuthorized     = "NodeNotAuthorized"     // 401: the authority is not permitted to use the PKP
	CodeInvalidSIWE       = "NodeInvalidSIWE"       // 400: the PKP SIWE message is wrong (address, URI, times, ReCap)
	CodeStaleBlockhash    = "NodeInvalidBlockhash"  // 400: the SIWE nonce is not a recent blockhash
	CodeInvalidSessionSig = "NodeInvalidSessionSig" // 401: the session signature fails core/verify
	CodeMissingRequestID  = "NodeMissingRequestId"  // 400: pkp sign without a usable X-Request-Id
)

// clockSkew is how far in the future an Issued At (of the PKP SIWE or an
// auth method's AuthSig) may be.
const clockSkew = pkp.IssuedAtSkew

// currentEpoch reports whether epoch is the staking epoch or the one
// before: the epochs nodes accept in requests.
func (nw *Network) currentEpoch(epoch uint64) bool {
	return epoch == nw.epoch || epoch+1 == nw.epoch
}

// checkEpoch writes an error and returns false unless epoch is absent, 0,
// the current epoch or the one before (as for the handshake).
func (n *Node) checkEpoch(w http.ResponseWriter, r *http.Request, epoch *uint64) bool {
	cur := n.network.epoch
	if epoch != nil && *epoch != 0 && !n.network.currentEpoch(*epoch) {
		WriteError(w, r, http.StatusBadRequest, KindValidation, CodeInvalidEpoch,
			fmt.Sprintf("epoch %d is not the current epoch %d; read the epoch from the staking contract again", *epoch, cur))
		return false
	}
	return true
}

// signSessionKeyRequest is the body of /web/sign_session_key/v1
// (docs/protocol.md#delegation-request).
type signSessionKeyRequest struct {
	SessionKey      *string         `json:"sessionKey"`
	AuthMethods     *[]authMethod   `json:"authMethods"`
	PKPPublicKey    *string         `json:"pkpPublicKey"`
	SIWEMessage     *string         `json:"siweMessage"`
	CurveType       *string         `json:"curveType"`
	LitActionIPFSID *string         `json:"litActionIpfsId"`
	Code            *string         `json:"code"`
	JSParams        json.RawMessage `json:"jsParams"`
	Epoch           *uint64         `json:"epoch"`
}

type authMethod struct {
	AuthMethodType *int    `json:"authMethodType"`
	AccessToken    *string `json:"accessToken"`
}

// signSessionKeyResponse is a node's answer, keys in the real nodes' order.
type signSessionKeyResponse struct {
	Result         string `json:"result"`
	SignatureShare struct {
		ProofOfPossession string `json:"ProofOfPossession"`
	} `json:"signatureShare"`
	ShareIndex    int    `json:"shareIndex"`
	CurveType     string `json:"curveType"`
	SIWEMessage   string `json:"siweMessage"`
	DataSigned    string `json:"dataSigned"`
	BLSRootPubkey string `json:"blsRootPubkey"`
}

// serveSignSessionKey answers POST /web/sign_session_key/v1 with this
// node's BLS signature share of the PKP's SIWE message, after checking:
//
//  1. the body: every field present and well formed, curveType "BLS", no
//     Lit Action (litActionIpfsId, code), a known epoch;
//  2. pkpPublicKey is a PKP minted on this devnet;
//  3. the auth methods: at least one; each of type 1 (EthWallet) with an
//     accessToken that passes pkp.CheckEthWalletAuthMethod (a fresh wallet
//     AuthSig signed to authenticate, not a delegation; docs/security.md),
//     and at least one of them by a permitted address of the PKP;
//  4. the SIWE message: it parses; its address is the PKP's; its URI is
//     sessionKey ("lit:session:<64 hex>"); its nonce is a recent blockhash
//     of the devnet chain; it has an Expiration Time after now, an Issued
//     At not in the future (beyond a small skew) and no future Not Before;
//     its last resource is a valid ReCap that the statement states.
//
// The answer is {"result":"success","signatureShare":{"ProofOfPossession":
// "<hex id || G2 point>"},"shareIndex":i,"curveType":"BLS","siweMessage",
// "dataSigned":"<hex bls.SessionDigest>","blsRootPubkey":"<network key>"}.
// The message is signed as sent (real nodes may rewrite it).
func (n *Node) serveSignSessionKey(w http.ResponseWriter, r *http.Request) {
	nw := n.network
	var req signSessionKeyRequest
	if !ReadJSON(w, r, &req) {
		return
	}
	bad := func(status int, code, format string, args ...any) {
		WriteError(w, r, status, KindValidation, code, fmt.Sprintf(format, args...))
	}
	for _, f := range []struct {
		name    string
		missing bool
	}{
		{"sessionKey", req.SessionKey == nil}, {"authMethods", req.AuthMethods == nil}, {"pkpPublicKey", req.PKPPublicKey == nil},
		{"siweMessage", req.SIWEMessage == nil}, {"curveType", req.CurveType == nil},
	} {
		if f.missing {
			bad(http.StatusBadRequest, CodeInvalidParameter, "%s is missing; send sessionKey, authMethods, pkpPublicKey, siweMessage and curveType", f.name)
			return
		}
	}
	if !n.checkEpoch(w, r, req.Epoch) {
		return
	}
	if *req.CurveType != "BLS" {
		bad(http.StatusBadRequest, CodeInvalidParameter, `curveType must be "BLS"`)
		return
	}
	if req.LitActionIPFSID != nil || req.Code != nil {
		bad(http.StatusBadRequest, CodeUnsupported, "custom auth Lit Actions (litActionIpfsId, code) do not run on the devnet; authenticate with an EthWallet auth method")
		return
	}
	if _, err := sessionkey.PublicKeyFromURI(*req.SessionKey); err != nil {
		bad(http.StatusBadRequest, CodeInvalidParameter, "sessionKey must be %s followed by the 64-hex session public key", sessionkey.URIPrefix)
		return
	}
	key, err := pkp.Parse(*req.PKPPublicKey)
	if err != nil {
		bad(http.StatusBadRequest, CodeInvalidParameter, "pkpPublicKey: %v", err)
		return
	}
	entry, ok := nw.lookupPKP(key)
	if !ok {
		bad(http.StatusNotFound, CodePKPNotFound, "no PKP with public key %s on this devnet; mint one (POST %s on the RPC server, or litsession devnet --pkp-owner)", key.PublicKey, MintPath)
		return
	}
	now := nw.Chain.now()

	// 3. Auth methods, 4. the SIWE message.
	if _, e := n.checkAuthMethods(*req.AuthMethods, entry, now); e != nil {
		bad(e.Status, e.Details, "%s", e.Msg)
		return
	}
	if _, _, e := checkPKPSIWE(nw, *req.SIWEMessage, *req.SessionKey, key, now, "use the latestBlockhash of the handshake"); e != nil {
		bad(e.Status, e.Details, "%s", e.Msg)
		return
	}

	share := n.share
	digest := bls.SessionDigest(*req.SIWEMessage)
	resp := signSessionKeyResponse{
		Result:        "success",
		ShareIndex:    n.Index,
		CurveType:     "BLS",
		SIWEMessage:   *req.SIWEMessage,
		DataSigned:    hex.EncodeToString(digest[:]),
		BLSRootPubkey: nw.NetworkPublicKey,
	}
	resp.SignatureShare.ProofOfPossession = hex.EncodeToString(bls.SignShare(share, digest[:]))
	WriteJSON(w, http.StatusOK, resp)
}

// checkAuthMethods checks the auth methods of sign_session_key (v1 and v2)
// and returns the wallets (EIP-55) in order: at least one; each EthWallet with
// an accessToken that pkp.CheckEthWalletAuthMethod accepts (fresh, not a
// lit: delegation); at least one wallet permitted on the PKP.
func (n *Node) checkAuthMethods(methods []authMethod, entry mintedPKP, now time.Time) ([]string, *NagaError) {
	nw := n.network
	if len(methods) == 0 {
		return nil, nagaRefuse(http.StatusUnauthorized, CodeNotAuthorized, "authMethods is empty; send an EthWallet auth method (type 1) whose accessToken is a permitted wallet's AuthSig")
	}
	var wallets []string
	for i, m := range methods {
		if m.AuthMethodType == nil || m.AccessToken == nil {
			return nil, nagaRefuse(http.StatusBadRequest, CodeInvalidParameter, "authMethods[%d] must be {authMethodType, accessToken}", i)
		}
		if *m.AuthMethodType != pkp.AuthMethodEthWallet {
			return nil, nagaRefuse(http.StatusBadRequest, CodeUnsupported, "authMethods[%d] has type %d; the devnet only checks EthWallet (type 1) auth methods", i, *m.AuthMethodType)
		}
		addr, err := pkp.CheckEthWalletAuthMethod(i, pkp.AuthMethod{AuthMethodType: *m.AuthMethodType, AccessToken: *m.AccessToken},
			pkp.EthWalletRules{Now: now, Skew: clockSkew, RecentBlockhash: nw.RecentBlockhash})
		if err != nil {
			status := http.StatusBadRequest
			var ae *pkp.AuthMethodError
			if errors.As(err, &ae) && ae.Unauthorized {
				status = http.StatusUnauthorized
			}
			return nil, nagaRefuse(status, CodeInvalidAuthMethod, "%v", err)
		}
		wallets = append(wallets, addr)
	}
	for _, addr := range wallets {
		if entry.permitted[addr] {
			return wallets, nil
		}
	}
	return nil, nagaRefuse(http.StatusUnauthorized, CodeNotAuthorized, "none of the auth methods' wallets (%v) is a permitted address of PKP %s", wallets, entry.info.TokenID)
}

// checkPKPSIWE parses the PKP's SIWE message of sign_session_key (v1 and
// v2) and checks it: the PKP's address, URI = sessionKey, a recent
// blockhash as nonce (nonceHint says where to get one), an Expiration Time
// after now, no future Not Before, an Issued At not in the future, and a
// ReCap the statement states, which it returns with the message.
func checkPKPSIWE(nw *Network, text, sessionKey string, key pkp.PKP, now time.Time, nonceHint string) (*siwe.Message, *recap.Recap, *NagaError) {
	bad := func(code, format string, args ...any) (*siwe.Message, *recap.Recap, *NagaError) {
		return nil, nil, nagaRefuse(http.StatusBadRequest, code, format, args...)
	}
	msg, err := siwe.Parse(text)
	if err != nil {
		return bad(CodeInvalidSIWE, "siweMessage: %v", err)
	}
	if msg.Address() != key.EthAddress {
		return bad(CodeInvalidSIWE, "siweMessage is for %s, but the PKP's address is %s", msg.Address(), key.EthAddress)
	}
	if msg.URI() != sessionKey {
		return bad(CodeInvalidSIWE, "siweMessage URI %q is not the sessionKey %q", msg.URI(), sessionKey)
	}
	if !nw.RecentBlockhash(msg.Nonce()) {
		return bad(CodeStaleBlockhash, "siweMessage nonce %q is not a recent blockhash of this devnet; %s", msg.Nonce(), nonceHint)
	}
	exp, ok := msg.Expiration()
	switch {
	case !ok:
		return bad(CodeInvalidSIWE, "siweMessage has no Expiration Time; a delegation must expire")
	case !now.Before(exp):
		return bad(CodeInvalidSIWE, "siweMessage expired at %s (now %s)", siwe.FormatTime(exp), siwe.FormatTime(now))
	}
	if nb, ok := msg.NotBefore(); ok && now.Before(nb) {
		return bad(CodeInvalidSIWE, "siweMessage is not valid before %s (now %s)", siwe.FormatTime(nb), siwe.FormatTime(now))
	}
	if issued, err := msg.IssuedAt(); err != nil || now.Add(clockSkew).Before(issued) {
		return bad(CodeInvalidSIWE, "siweMessage Issued At is in the future (now %s); check the client's clock", siwe.FormatTime(now))
	}
	rc, err := msg.Recap()
	if err != nil {
		return bad(CodeInvalidSIWE, "siweMessage must carry the ReCap of the session's requests: %v", err)
	}
	return msg, rc, nil
}
