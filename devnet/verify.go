package devnet

import (
	"errors"
	"net/http"
	"sync"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/siwe"
	"github.com/litgo/litsession/core/verify"
)

// SessionVerifyPath is the devnet's session-protected endpoint: a dApp
// POSTs one node's session signature and the operation it wants, and the
// node answers with the verdict of core/verify, the checks a Lit node makes.
//
// Request: {"authSig":<this node's session sig>,"resource":"lit-pkp://*",
// "ability":"pkp-signing"} ("sessionSig" is accepted for "authSig").
//
// Accepted: 200 {"ok":true,"nodeAddress","sessionKey","walletAddress",
// "delegatedVia","expiration","resource","ability"}.
// Rejected: 401 {"ok":false,"reason":<verify.Reason>,"errorKind":"Validation",
// "errorCode":"NodeInvalidSessionSig","status":401,"message","correlationId"}.
// Malformed requests get the usual 400 Lit errors.
const SessionVerifyPath = "/web/session/verify"

type sessionVerifyRequest struct {
	AuthSig    *authsig.AuthSig `json:"authSig"`
	SessionSig *authsig.AuthSig `json:"sessionSig"`
	Resource   *string          `json:"resource"`
	Ability    *string          `json:"ability"`
}

type sessionVerifyOK struct {
	OK            bool   `json:"ok"`
	NodeAddress   string `json:"nodeAddress"`
	SessionKey    string `json:"sessionKey"`
	WalletAddress string `json:"walletAddress"`
	DelegatedVia  string `json:"delegatedVia"`
	Expiration    string `json:"expiration"`
	Resource      string `json:"resource"`
	Ability       string `json:"ability"`
}

type sessionVerifyRejected struct {
	OK     bool   `json:"ok"`
	Reason string `json:"reason"`
	Error
}

// verifiers holds one verifier per node, sharing one wallet-signature
// cache. A verifier is built once per node: building one parses the
// network key.
type verifiers struct {
	mu     sync.Mutex
	cache  *verify.WalletSigCache
	byNode map[*Node]*verify.Verifier
}

func (n *Network) verifierFor(nd *Node) *verify.Verifier {
	vs := &n.verifiers
	vs.mu.Lock()
	defer vs.mu.Unlock()
	if v, ok := vs.byNode[nd]; ok {
		return v
	}
	if vs.byNode == nil {
		vs.cache = verify.NewWalletSigCache(0)
		vs.byNode = map[*Node]*verify.Verifier{}
	}
	v := verify.New(verify.Config{
		NodeURL:          nd.URL,
		Now:              n.Chain.now,
		NetworkPublicKey: n.NetworkPublicKey,
		RecentBlockhash:  n.RecentBlockhash,
		Cache:            vs.cache,
	})
	vs.byNode[nd] = v
	return v
}

// VerifySessionSig runs the node's checks on a session signature for op.
func (nd *Node) VerifySessionSig(sig authsig.AuthSig, op resource.Request) (*verify.Result, error) {
	return nd.network.verifierFor(nd).Verify(sig, op)
}

func (nd *Node) serveSessionVerify(w http.ResponseWriter, r *http.Request) {
	var req sessionVerifyRequest
	if !ReadJSON(w, r, &req) {
		return
	}
	sig := req.AuthSig
	if sig == nil {
		sig = req.SessionSig
	}
	switch {
	case sig == nil:
		WriteError(w, r, http.StatusBadRequest, KindValidation, "NodeInvalidParameter", "authSig is missing: send this node's entry of the session signatures map")
		return
	case req.Resource == nil || req.Ability == nil:
		WriteError(w, r, http.StatusBadRequest, KindValidation, "NodeInvalidParameter", `resource and ability are required, e.g. "resource":"lit-pkp://*","ability":"pkp-signing"`)
		return
	}
	res, err := resource.ParseKey(*req.Resource)
	if err != nil {
		WriteError(w, r, http.StatusBadRequest, KindValidation, "NodeInvalidParameter", err.Error())
		return
	}
	op := resource.Request{Resource: res, Ability: resource.Ability(*req.Ability)}
	if err := op.Check(); err != nil {
		WriteError(w, r, http.StatusBadRequest, KindValidation, "NodeInvalidParameter", err.Error())
		return
	}
	result, err := nd.VerifySessionSig(*sig, op)
	if err != nil {
		reason := "rejected"
		var ve *verify.Error
		if errors.As(err, &ve) {
			reason = string(ve.Reason)
		}
		WriteJSON(w, http.StatusUnauthorized, sessionVerifyRejected{
			Reason: reason,
			Error: Error{Kind: KindValidation, Code: "NodeInvalidSessionSig", Status: http.StatusUnauthorized,
				Message: err.Error(), CorrelationID: CorrelationID(r)},
		})
		return
	}
	WriteJSON(w, http.StatusOK, sessionVerifyOK{
		OK: true, NodeAddress: nd.URL, SessionKey: result.SessionKey, WalletAddress: result.WalletAddress,
		DelegatedVia: result.DelegatedVia, Expiration: siwe.FormatTime(result.Expiration),
		Resource: op.Resource.Key(), Ability: string(op.Ability),
	})
}
