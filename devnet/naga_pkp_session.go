package devnet

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/litgo/litsession/core/bls"
	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/core/pkp"
	"github.com/litgo/litsession/core/recap"
	"github.com/litgo/litsession/core/sessionkey"
	"github.com/litgo/litsession/core/siwe"
)

// Paths of the naga PKP endpoints (behind the E2EE layer).
const (
	NagaSignSessionKeyPath = "/web/sign_session_key/v2"
	NagaPKPSignPath        = "/web/pkp/sign/v2"
)

// NagaKeySetID is the one PKP key set of a naga devnet: the v8 client's
// default pkpKeySetId / keySetId.
const NagaKeySetID = "naga-keyset1"

// ResolvedAuthContextKey is the ReCap resource a naga node adds to the
// PKP's SIWE message in sign_session_key, with Auth/Auth and the
// auth_context it resolved from the auth methods.
const ResolvedAuthContextKey = "lit-resolvedauthcontext://*"

// nagaRefuse is a NagaError whose errorObject is the Lit error code.
func nagaRefuse(status int, code, format string, args ...any) *NagaError {
	return &NagaError{Status: status, Msg: fmt.Sprintf(format, args...), Details: code}
}

// nagaCheckEpoch refuses unless epoch is the current staking epoch or the
// one before.
func (n *Node) nagaCheckEpoch(epoch *uint64) *NagaError {
	cur := n.network.epoch
	switch {
	case epoch == nil:
		return nagaRefuse(http.StatusBadRequest, CodeInvalidParameter, "epoch is missing; send the staking epoch number")
	case !n.network.currentEpoch(*epoch):
		return nagaRefuse(http.StatusBadRequest, CodeInvalidEpoch, "epoch %d is not the current epoch %d; read the epoch from the staking contract again", *epoch, cur)
	}
	return nil
}

// nagaNode is one entry of a request's nodeSet.
type nagaNode struct {
	SocketAddress *string         `json:"socketAddress"`
	Value         json.RawMessage `json:"value"` // accepted, not used
}

// nagaNodeSet checks a request's nodeSet and returns this node's position
// in it. Every entry must name a different node of this network by its
// socket address (host:port of its URL), this node among them, and there
// must be at least max(Threshold, 2) of them, enough for the client to
// combine the shares.
func (n *Node) nagaNodeSet(set []nagaNode) (int, *NagaError) {
	if need := max(n.network.Threshold, 2); len(set) < need {
		return 0, nagaRefuse(http.StatusBadRequest, CodeInvalidParameter, "nodeSet has %d nodes; send at least %d (the threshold) so the shares can be combined", len(set), need)
	}
	validators := n.network.Validators()
	known := make(map[string]bool, len(validators))
	for _, nd := range validators {
		known[socketAddress(nd)] = true
	}
	me, pos := socketAddress(n), -1
	seen := make(map[string]bool, len(set))
	for i, e := range set {
		switch {
		case e.SocketAddress == nil:
			return 0, nagaRefuse(http.StatusBadRequest, CodeInvalidParameter, `nodeSet[%d] has no socketAddress; send {"socketAddress":"host:port","value":1}`, i)
		case !known[*e.SocketAddress]:
			return 0, nagaRefuse(http.StatusBadRequest, CodeInvalidParameter, "nodeSet[%d] %q is not a node of this network; take the node set from the staking contract", i, *e.SocketAddress)
		case seen[*e.SocketAddress]:
			return 0, nagaRefuse(http.StatusBadRequest, CodeInvalidParameter, "nodeSet[%d] %q is listed twice", i, *e.SocketAddress)
		}
		seen[*e.SocketAddress] = true
		if *e.SocketAddress == me {
			pos = i
		}
	}
	if pos < 0 {
		return 0, nagaRefuse(http.StatusBadRequest, CodeInvalidParameter, "this node (%s) is not in nodeSet; send the request only to the nodes of nodeSet", me)
	}
	return pos, nil
}

// socketAddress is the node's host:port as nodeSet names it.
func socketAddress(n *Node) string { return strings.TrimPrefix(n.URL, "http://") }

var hexPrice = regexp.MustCompile(`^0x[0-9a-fA-F]{1,64}$`)

// parseNagaPrice reads a maxPrice in wei: decimal digits, as the v8 client
// sends it to sign_session_key, or "0x" + hex, as it sends it for custom
// auth and in session signatures.
func parseNagaPrice(s string) (*big.Int, bool) {
	if v, ok := node.ParseWei(s); ok {
		return v, true
	}
	if hexPrice.MatchString(s) {
		return new(big.Int).SetString(s[2:], 16)
	}
	return nil, false
}

// nagaSignSessionKeyRequest is the decrypted body of
// /web/sign_session_key/v2.
// It is the v1 body plus three members.
type nagaSignSessionKeyRequest struct {
	signSessionKeyRequest
	NodeSet     *[]nagaNode `json:"nodeSet"`
	MaxPrice    *string     `json:"maxPrice"`
	PKPKeySetID *string     `json:"pkpKeySetId"`
}

// nagaSignSessionKeyData is the answer's data, keys in the real nodes'
// order.
type nagaSignSessionKeyData struct {
	Result         string `json:"result"`
	SignatureShare struct {
		ProofOfPossession bls.NagaShare `json:"ProofOfPossession"`
	} `json:"signatureShare"`
	ShareID       string `json:"shareId"`
	CurveType     string `json:"curveType"`
	SIWEMessage   string `json:"siweMessage"`
	DataSigned    string `json:"dataSigned"`
	BLSRootPubkey string `json:"blsRootPubkey"`
}

// ServeNagaSignSessionKey is the NagaHandler of NagaSignSessionKeyPath.
func ServeNagaSignSessionKey(n *Node, r *http.Request, body []byte) (any, *NagaError) {
	return n.serveNagaSignSessionKey(r, body)
}

// serveNagaSignSessionKey answers a decrypted /web/sign_session_key/v2
// request with this node's BLS share of the PKP's SIWE message as the
// node rewrites it (docs/naga.md#sign_session_keyv2). It checks:
//
//  1. the body: every field present and well formed, curveType "BLS", no
//     Lit Action (litActionIpfsId, code, jsParams), epoch current or
//     previous, pkpKeySetId NagaKeySetID, an X-Request-Id header;
//  2. nodeSet names this node (nagaNodeSet), and maxPrice covers this
//     node's SIGN_SESSION_KEY price;
//  3. the PKP, the auth methods and the SIWE message as the v1 handler
//     does (serveSignSessionKey, checks 2–4), and the ReCap does not yet
//     name ResolvedAuthContextKey.
//
// The SIWE message is then rewritten (rewriteNagaSIWE) with an Issued At
// shared by every node for the request id, and the rewritten text is
// signed.
func (n *Node) serveNagaSignSessionKey(r *http.Request, body []byte) (any, *NagaError) {
	nw := n.network
	var req nagaSignSessionKeyRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, nagaRefuse(http.StatusBadRequest, CodeInvalidParameter, "the request body is not the JSON of a sign_session_key request: %v", err)
	}
	for _, f := range []struct {
		name    string
		missing bool
	}{
		{"sessionKey", req.SessionKey == nil}, {"authMethods", req.AuthMethods == nil}, {"pkpPublicKey", req.PKPPublicKey == nil},
		{"siweMessage", req.SIWEMessage == nil}, {"curveType", req.CurveType == nil}, {"nodeSet", req.NodeSet == nil},
		{"maxPrice", req.MaxPrice == nil}, {"pkpKeySetId", req.PKPKeySetID == nil},
	} {
		if f.missing {
			return nil, nagaRefuse(http.StatusBadRequest, CodeInvalidParameter, "%s is missing; send sessionKey, authMethods, pkpPublicKey, siweMessage, curveType, epoch, nodeSet, maxPrice and pkpKeySetId", f.name)
		}
	}
	if e := n.nagaCheckEpoch(req.Epoch); e != nil {
		return nil, e
	}
	if *req.CurveType != "BLS" {
		return nil, nagaRefuse(http.StatusBadRequest, CodeInvalidParameter, `curveType must be "BLS"`)
	}
	if req.LitActionIPFSID != nil || req.Code != nil || req.JSParams != nil {
		return nil, nagaRefuse(http.StatusBadRequest, CodeUnsupported, "custom auth Lit Actions (litActionIpfsId, code, jsParams) do not run on the devnet; authenticate with an EthWallet auth method")
	}
	if *req.PKPKeySetID != NagaKeySetID {
		return nil, nagaRefuse(http.StatusBadRequest, CodeInvalidParameter, "pkpKeySetId %q is not a key set of this network; use %q", *req.PKPKeySetID, NagaKeySetID)
	}
	requestID := r.Header.Get("X-Request-Id")
	if !requestIDPattern.MatchString(requestID) {
		return nil, nagaRefuse(http.StatusBadRequest, CodeMissingRequestID, "X-Request-Id is missing or not 1-128 characters of [A-Za-z0-9_-]; send the same id to every node of one request so they sign the same message")
	}
	if _, e := n.nagaNodeSet(*req.NodeSet); e != nil {
		return nil, e
	}
	maxPrice, ok := parseNagaPrice(*req.MaxPrice)
	if !ok {
		return nil, nagaRefuse(http.StatusBadRequest, CodeInvalidParameter, "maxPrice %q is not a price in wei (decimal digits, or 0x and hex digits)", *req.MaxPrice)
	}
	if price := n.Price(ProductSignSessionKey); maxPrice.Cmp(price) < 0 {
		return nil, nagaRefuse(http.StatusBadRequest, CodeInvalidParameter, "maxPrice %s wei is below this node's sign-session-key price %s wei; raise it or pick cheaper nodes", maxPrice, price)
	}
	if _, err := sessionkey.PublicKeyFromURI(*req.SessionKey); err != nil {
		return nil, nagaRefuse(http.StatusBadRequest, CodeInvalidParameter, "sessionKey must be %s followed by the 64-hex session public key", sessionkey.URIPrefix)
	}
	key, err := pkp.Parse(*req.PKPPublicKey)
	if err != nil {
		return nil, nagaRefuse(http.StatusBadRequest, CodeInvalidParameter, "pkpPublicKey: %v", err)
	}
	entry, ok := nw.lookupPKP(key)
	if !ok {
		return nil, nagaRefuse(http.StatusNotFound, CodePKPNotFound, "no PKP with public key %s on this devnet; mint one (POST %s on the RPC server, or litsession devnet --pkp-owner)", key.PublicKey, MintPath)
	}
	now := nw.Chain.now()

	wallets, e := n.checkAuthMethods(*req.AuthMethods, entry, now)
	if e != nil {
		return nil, e
	}
	msg, rc, e := checkPKPSIWE(nw, *req.SIWEMessage, *req.SessionKey, key, now, "use the latest blockhash (the block indexer's or the handshake's)")
	if e != nil {
		return nil, e
	}
	if _, ok := rc.Att[ResolvedAuthContextKey]; ok {
		return nil, nagaRefuse(http.StatusBadRequest, CodeInvalidSIWE, "siweMessage already grants %s; the nodes add the resolved auth context, so leave it out", ResolvedAuthContextKey)
	}
	signed, err := rewriteNagaSIWE(msg, nw.nagaStamps.issuedAt(requestID, now), wallets)
	if err != nil {
		return nil, nagaRefuse(http.StatusBadRequest, CodeInvalidSIWE, "siweMessage: %v", err)
	}

	share := n.share
	digest := bls.SessionDigest(signed)
	data := nagaSignSessionKeyData{
		Result:        "success",
		ShareID:       nagaShareID(share),
		CurveType:     "BLS12381G1",
		SIWEMessage:   signed,
		DataSigned:    hex.EncodeToString(digest[:]),
		BLSRootPubkey: nw.NetworkPublicKey,
	}
	data.SignatureShare.ProofOfPossession = bls.SignShareNaga(share, digest[:])
	return data, nil
}

// nagaShareID is the shareId of a node's BLS share: SHA-256 of its
// identifier, hex (real nodes send 64 hex characters; clients do not read
// it).
func nagaShareID(s bls.KeyShare) string {
	id := s.Identifier()
	h := sha256.Sum256(id[:])
	return hex.EncodeToString(h[:])
}

// rewriteNagaSIWE returns the SIWE message a naga node signs for a PKP
// delegation: msg with
//
//   - its ReCap (the last resource) gaining ResolvedAuthContextKey with
//     Auth/Auth and one nota bene {"auth_context":{"actionIpfsIdStack":[],
//     "authMethodContexts":[{"appId":"lit","authMethodType":1,
//     "usedForSignSessionKeyRequest":true,"userId":<wallet>}, one per
//     wallet],"authSigAddress":null,"customAuthResource":"","resources":[]}},
//     re-encoded canonically;
//   - the statement gaining " " + the new ReCap's statement;
//   - Issued At replaced by issuedAt.
//
// Every other field is kept as written. A message with fields the rewrite
// cannot carry over (Not Before, Request ID) is refused rather than
// shortened.
func rewriteNagaSIWE(msg *siwe.Message, issuedAt string, wallets []string) (string, error) {
	text := msg.String()
	p := siwe.Params{
		Address:    msg.Address(),
		Domain:     msg.Domain(),
		URI:        msg.URI(),
		ChainID:    msg.ChainID(),
		Nonce:      msg.Nonce(),
		IssuedAt:   lastField(text, "Issued At"),
		Expiration: lastField(text, "Expiration Time"),
	}
	resources := msg.Resources()
	if again, err := siwe.Create(p, msg.Statement(), resources); err != nil || again != text {
		return "", errors.New("the message has fields the node cannot carry into its rewrite (Not Before, Request ID, or a missing Expiration Time); send the message createPKPSiweMessage makes")
	}
	rc, err := msg.Recap()
	if err != nil {
		return "", err
	}
	contexts := make([]any, len(wallets))
	for i, w := range wallets {
		contexts[i] = map[string]any{
			"appId":                        "lit",
			"authMethodType":               pkp.AuthMethodEthWallet,
			"usedForSignSessionKeyRequest": true,
			"userId":                       w,
		}
	}
	authContext := map[string]any{
		"actionIpfsIdStack":  []any{},
		"authMethodContexts": contexts,
		"authSigAddress":     nil,
		"customAuthResource": "",
		"resources":          []any{},
	}
	if err := rc.AddAttenuation(ResolvedAuthContextKey, "Auth", "Auth", recap.NotaBene{"auth_context": authContext}); err != nil {
		return "", err
	}
	urn, err := rc.Encode()
	if err != nil {
		return "", err
	}
	resources[len(resources)-1] = urn
	p.IssuedAt = issuedAt
	return siwe.Create(p, msg.Statement()+" "+rc.Statement(), resources)
}

// lastField returns the value of the last "\n<name>: " line of a SIWE
// text, or "". The last one is the field: the statement line comes before
// the fields and resource lines start with "- ".
func lastField(text, name string) string {
	i := strings.LastIndex(text, "\n"+name+": ")
	if i < 0 {
		return ""
	}
	v := text[i+len(name)+3:]
	if j := strings.IndexByte(v, '\n'); j >= 0 {
		v = v[:j]
	}
	return v
}

// The Issued At of a rewritten message is the node time of the request's
// first arrival, in whole seconds. All nodes of the devnet share it by
// X-Request-Id, so they sign the identical message.
const (
	maxIssuedAtStamps = 4096             // request ids remembered; the oldest is forgotten first
	issuedAtStampTTL  = 30 * time.Second // a remembered stamp older than this is replaced
)

// issuedAtStamps remembers the Issued At of recent sign_session_key
// request ids. The zero value is ready.
type issuedAtStamps struct {
	mu    sync.Mutex
	at    map[string]issuedAtStamp
	order [maxIssuedAtStamps]string // ring of the ids in at, oldest at next
	next  int
}

type issuedAtStamp struct {
	text string
	when time.Time
}

// issuedAt returns the Issued At for requestID: the one stamped for it
// within issuedAtStampTTL either side of now, or now without its fraction
// of a second. Either side: the nodes read the clock before they take the
// lock, so a node may come with a now a little earlier than the stamp.
func (s *issuedAtStamps) issuedAt(requestID string, now time.Time) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.at == nil {
		s.at = make(map[string]issuedAtStamp, maxIssuedAtStamps)
	}
	if st, ok := s.at[requestID]; ok {
		if age := now.Sub(st.when); age > -issuedAtStampTTL && age < issuedAtStampTTL {
			return st.text
		}
	} else {
		if old := s.order[s.next]; old != "" {
			delete(s.at, old)
		}
		s.order[s.next] = requestID
		s.next = (s.next + 1) % maxIssuedAtStamps
	}
	st := issuedAtStamp{text: now.UTC().Truncate(time.Second).Format(time.RFC3339), when: now}
	s.at[requestID] = st
	return st.text
}
