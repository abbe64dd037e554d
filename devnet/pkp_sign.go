package devnet

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/pkp"
	"github.com/litgo/litsession/core/pkpsig"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/verify"
)

// pkpSignRequest is the body of /web/pkp/sign/v1
// (docs/protocol.md#signing-request).
type pkpSignRequest struct {
	ToSign      []int           `json:"toSign"`
	Pubkey      *string         `json:"pubkey"`
	AuthSig     json.RawMessage `json:"authSig"`
	AuthMethods json.RawMessage `json:"authMethods"` // accepted, not used
	Epoch       *uint64         `json:"epoch"`
}

// pkpSignShare is the signatureShare of the answer. Like real nodes, the
// hex strings are JSON-quoted inside the string ("\"<hex>\""); clients
// strip the quotes (docs/protocol.md#signing-answer).
type pkpSignShare struct {
	Digest         string `json:"digest"`
	Result         string `json:"result"`
	ShareIndex     int    `json:"share_index"`
	SignatureShare string `json:"signature_share"`
	BigR           string `json:"big_r"`
	PublicKey      string `json:"public_key"`
	SigType        string `json:"sig_type"`
}

type pkpSignResponse struct {
	Success        bool         `json:"success"`
	SignedData     []int        `json:"signedData"`
	SignatureShare pkpSignShare `json:"signatureShare"`
}

func quoted(b []byte) string { return `"` + hex.EncodeToString(b) + `"` }

// servePKPSign answers POST /web/pkp/sign/v1 with this node's additive
// share of an ECDSA (K256) signature of toSign by the PKP, after checking:
//
//  1. the body: toSign is 32 numbers 0–255; pubkey is a PKP minted on this
//     devnet; authSig is present; a known epoch; the request has an
//     X-Request-Id (all nodes of one call get the same one);
//  2. authSig is a session signature for this node that core/verify
//     accepts for pkp-signing on lit-pkp://<token id> (signature, node
//     address, times, delegation signature and nonce recency, ReCap
//     coverage);
//  3. whoever delegated the session may use the PKP: the PKP itself
//     (a LIT_BLS delegation, address = the PKP's address), or a permitted
//     address (an EOA delegation by the owner, or one added with Permit).
//
// The nodes agree on the signature without talking to each other: each
// derives the same session with pkpsig.DeterministicSigningSession from the
// PKP key, the X-Request-Id and the digest, and returns its own share
// (share_index = node index) with the common big_r.
func (n *Node) servePKPSign(w http.ResponseWriter, r *http.Request) {
	nw := n.network
	var req pkpSignRequest
	if !ReadJSON(w, r, &req) {
		return
	}
	bad := func(status int, code, format string, args ...any) {
		WriteError(w, r, status, KindValidation, code, fmt.Sprintf(format, args...))
	}
	if !n.checkEpoch(w, r, req.Epoch) {
		return
	}
	if len(req.ToSign) != pkpsig.DigestSize {
		bad(http.StatusBadRequest, CodeInvalidParameter, "toSign must be an array of %d numbers (the digest to sign), got %d", pkpsig.DigestSize, len(req.ToSign))
		return
	}
	var digest [pkpsig.DigestSize]byte
	for i, v := range req.ToSign {
		if v < 0 || v > 255 {
			bad(http.StatusBadRequest, CodeInvalidParameter, "toSign[%d] is %d; each entry must be a byte, 0 to 255", i, v)
			return
		}
		digest[i] = byte(v)
	}
	if req.Pubkey == nil {
		bad(http.StatusBadRequest, CodeInvalidParameter, "pubkey is missing; send the PKP public key as 0x04…")
		return
	}
	key, err := pkp.Parse(*req.Pubkey)
	if err != nil {
		bad(http.StatusBadRequest, CodeInvalidParameter, "pubkey: %v", err)
		return
	}
	if len(req.AuthSig) == 0 || string(req.AuthSig) == "null" {
		bad(http.StatusUnauthorized, CodeInvalidSessionSig, "authSig is missing; send this node's session signature (from getPkpSessionSigs or getSessionSigs)")
		return
	}
	var sig authsig.AuthSig
	if err := json.Unmarshal(req.AuthSig, &sig); err != nil {
		bad(http.StatusBadRequest, CodeInvalidParameter, "authSig: %v", err)
		return
	}
	requestID := r.Header.Get("X-Request-Id")
	if !requestIDPattern.MatchString(requestID) {
		bad(http.StatusBadRequest, CodeMissingRequestID, "X-Request-Id is missing or not 1-128 characters of [A-Za-z0-9_-]; send the same id (lit_<hex>) to every node of one pkpSign call so they agree on the signature")
		return
	}
	entry, ok := nw.lookupPKP(key)
	if !ok {
		bad(http.StatusNotFound, CodePKPNotFound, "no PKP with public key %s on this devnet; mint one (POST %s on the RPC server, or litsession devnet --pkp-owner)", key.PublicKey, MintPath)
		return
	}

	// 2. The session signature.
	op := resource.Request{Resource: key.Resource(), Ability: resource.PKPSigning}
	res, err := n.VerifySessionSig(sig, op)
	if err != nil {
		var ve *verify.Error
		if errors.As(err, &ve) && (ve.Reason == verify.ReasonMisconfigured || ve.Reason == verify.ReasonBadOperation) {
			WriteError(w, r, http.StatusInternalServerError, KindUnexpected, "NodeUnknownError", "the devnet's session verifier is misconfigured: "+ve.Detail)
			return
		}
		bad(http.StatusUnauthorized, CodeInvalidSessionSig, "%v", err)
		return
	}

	// 3. Who may sign with the PKP.
	switch {
	case res.DelegatedVia == authsig.DerivedViaBLS && res.WalletAddress == key.EthAddress:
	case res.DelegatedVia == authsig.DerivedViaWallet && entry.permitted[res.WalletAddress]:
	default:
		bad(http.StatusUnauthorized, CodeNotAuthorized, "the session is delegated by %s, which may not sign with PKP %s; delegate from the PKP itself (getPkpSessionSigs) or from a permitted address", res.WalletAddress, key.TokenID)
		return
	}

	// Every validator signs; each returns its additive share at its
	// position in the validator set.
	validators := nw.Validators()
	pos := slices.Index(validators, n)
	if pos < 0 {
		bad(http.StatusServiceUnavailable, "NodeNotValidator", "this node (%s) is no longer a validator; read the validators from the staking contract again", n.URL)
		return
	}
	sess, err := pkpsig.DeterministicSigningSession(entry.priv, requestID, digest, len(validators))
	if err != nil {
		WriteError(w, r, http.StatusInternalServerError, KindUnexpected, "NodeUnknownError", "signing failed: "+err.Error())
		return
	}
	signed := make([]int, len(digest))
	for i, b := range digest {
		signed[i] = int(b)
	}
	WriteJSON(w, http.StatusOK, pkpSignResponse{
		Success:    true,
		SignedData: signed,
		SignatureShare: pkpSignShare{
			Digest:         quoted(digest[:]),
			Result:         "success",
			ShareIndex:     n.Index,
			SignatureShare: quoted(sess.Shares[pos][:]),
			BigR:           quoted(sess.BigR[:]),
			PublicKey:      quoted(key.Bytes()),
			SigType:        "K256",
		},
	})
}
