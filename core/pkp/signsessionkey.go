package pkp

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/bls"
	"github.com/litgo/litsession/core/jsjson/stdjson"
	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/sessionkey"
	"github.com/litgo/litsession/core/siwe"
)

// Defaults of SignSessionKeyParams.
const (
	// DefaultDomain is the SIWE domain of PKP delegations outside a browser
	// (the SDK uses location.host in one).
	DefaultDomain = "litprotocol.com"
	// DefaultValidity is the delegation's lifetime when Expiration is
	// empty, as in the SDK.
	DefaultValidity = 24 * time.Hour
	// SIWEStatement starts the statement of every PKP delegation.
	SIWEStatement = "Lit Protocol PKP session signature"
)

// maxCombinations bounds the subsets of shares SignSessionKey tries when
// the full set does not verify.
const maxCombinations = 512

// SignSessionKeyParams are the inputs of SignSessionKey, those of the SDK's
// signSessionKey.
type SignSessionKeyParams struct {
	// SessionKey is the session public key to delegate to: 64 hex
	// characters, or the URI "lit:session:<64 hex>". Required. (Only the
	// public key is needed; the secret never leaves the caller.)
	SessionKey string
	// PKPPublicKey is the PKP's public key, 0x04 + 128 hex (compressed keys
	// are accepted and sent uncompressed). Required.
	PKPPublicKey string
	// AuthMethods prove the right to use the PKP, e.g. EthWalletAuthMethod
	// of its owner. Sent as given ([] when nil, as the SDK sends).
	AuthMethods []AuthMethod
	// ResourceAbilityRequests are what the session may do; the SIWE
	// message carries their ReCap. Required.
	ResourceAbilityRequests []resource.Request
	// Expiration is the delegation's ISO-8601 Expiration Time; default now
	// + 24 h.
	Expiration string
	// Domain is the SIWE domain; default DefaultDomain.
	Domain string
	// Statement, if set, is appended to SIWEStatement after a space (before
	// the ReCap sentence).
	Statement string
	// LitActionIPFSID, LitActionCode (the source, base64) and JSParams
	// select a custom-auth Lit Action; each is sent only when set.
	LitActionIPFSID string
	LitActionCode   string
	JSParams        any
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MaxPrice is the budget in wei for the request on naga, sent as
	// maxPrice; nil means 2^128 − 1. Datil ignores it.
	MaxPrice *big.Int
}

// signSessionKeyBody is the request body, keys in the SDK's order; epoch
// is added by Network.Send.
type signSessionKeyBody struct {
	SessionKey      string       `json:"sessionKey"`
	AuthMethods     []AuthMethod `json:"authMethods"`
	PKPPublicKey    string       `json:"pkpPublicKey"`
	SIWEMessage     string       `json:"siweMessage"`
	CurveType       string       `json:"curveType"`
	LitActionIPFSID string       `json:"litActionIpfsId,omitempty"`
	Code            string       `json:"code,omitempty"`
	JSParams        any          `json:"jsParams,omitempty"`
}

// SIWEMessage returns the PKP SIWE message SignSessionKey sends (docs/protocol.md#pkp-siwe-message): domain, the PKP's address, SIWEStatement (+ " " +
// Statement) followed by the ReCap sentence, URI the session key URI,
// chain id 1, the nonce, issued at now, and the ReCap of
// ResourceAbilityRequests as the only resource.
func (p SignSessionKeyParams) SIWEMessage(nonce string) (string, error) {
	k, err := Parse(p.PKPPublicKey)
	if err != nil {
		return "", err
	}
	uri, err := sessionURI(p.SessionKey)
	if err != nil {
		return "", err
	}
	if len(p.ResourceAbilityRequests) == 0 {
		return "", fmt.Errorf("pkp: ResourceAbilityRequests is empty; ask for at least one ability, e.g. pkp-signing on lit-pkp://*")
	}
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	t := now()
	expiration := p.Expiration
	if expiration == "" {
		expiration = siwe.FormatTime(t.Add(DefaultValidity))
	}
	domain := p.Domain
	if domain == "" {
		domain = DefaultDomain
	}
	statement := SIWEStatement
	if p.Statement != "" {
		statement += " " + p.Statement
	}
	return siwe.CreateWithRecaps(siwe.Params{
		Address:    k.EthAddress,
		Domain:     domain,
		Statement:  &statement,
		URI:        uri,
		ChainID:    1,
		Nonce:      nonce,
		IssuedAt:   siwe.FormatTime(t),
		Expiration: expiration,
		Resources:  p.ResourceAbilityRequests,
	})
}

// sessionURI accepts a session public key or its URI and returns the URI.
func sessionURI(s string) (string, error) {
	if s == "" {
		return "", fmt.Errorf("pkp: SessionKey is empty; pass the session public key (64 hex) or its lit:session: URI")
	}
	if !strings.HasPrefix(s, sessionkey.URIPrefix) {
		s = sessionkey.URIPrefix + s
	}
	if _, err := sessionkey.PublicKeyFromURI(s); err != nil {
		return "", fmt.Errorf("pkp: SessionKey: %w", err)
	}
	return s, nil
}

// SignSessionKey has the network's nodes sign a delegation from the PKP to
// the session key and returns it as the LIT_BLS AuthSig
//
//	{"sig":"{\"ProofOfPossession\":\"<192 hex>\"}","algo":"LIT_BLS",
//	 "derivedVia":"lit.bls","signedMessage":"<SIWE>","address":"<PKP address>"}
//
// It POSTs the same body to every connected node's
// /web/sign_session_key/v1 (docs/protocol.md#delegation-request), drops incomplete answers as
// the SDK does, takes the SIWE message most nodes signed (nodes may rewrite
// it; ties go to the later node, as in the SDK), and combines the shares
// for it by Lagrange interpolation. It needs at least MinNodeCount, and at
// least 2, such shares.
//
// Unlike the SDK it verifies the combined signature under the network key
// from the handshake before returning it, and checks that the signed
// message is for this PKP and session key. If the full set of shares does
// not verify it tries subsets of MinNodeCount shares, so up to n − t
// faulty nodes are tolerated; if none verifies the error matches
// ErrBadShares. When too few nodes succeed, the error is a *RefusedError
// if nodes refused (e.g. the auth method is not permitted), else
// core/node's quorum error.
func SignSessionKey(ctx context.Context, nw Network, p SignSessionKeyParams) (authsig.AuthSig, error) {
	k, err := Parse(p.PKPPublicKey)
	if err != nil {
		return authsig.AuthSig{}, err
	}
	uri, err := sessionURI(p.SessionKey)
	if err != nil {
		return authsig.AuthSig{}, err
	}
	if p.Expiration != "" {
		if _, err := siwe.ParseTime("Expiration", p.Expiration); err != nil {
			return authsig.AuthSig{}, fmt.Errorf("pkp: %w", err)
		}
	}
	nodes := nw.ConnectedNodes()
	if len(nodes) == 0 {
		return authsig.AuthSig{}, ErrNotConnected
	}
	pk, err := bls.ParsePublicKey(nw.NetworkPublicKey())
	if err != nil {
		return authsig.AuthSig{}, fmt.Errorf("pkp: the network's BLS public key from the handshake is unusable, so the nodes' signature could not be verified: %w", err)
	}
	nonce, err := nw.LatestBlockhash(ctx)
	if err != nil {
		return authsig.AuthSig{}, fmt.Errorf("pkp: getting the latest blockhash for the SIWE nonce: %w", err)
	}
	msg, err := p.SIWEMessage(nonce)
	if err != nil {
		return authsig.AuthSig{}, err
	}
	if pn, ok := nagaNetwork(nw); ok {
		return signSessionKeyNaga(ctx, nw, pn, p, k, uri, msg)
	}
	methods := p.AuthMethods
	if methods == nil {
		methods = []AuthMethod{}
	}
	body, err := stdjson.Marshal(signSessionKeyBody{
		SessionKey:      uri,
		AuthMethods:     methods,
		PKPPublicKey:    k.PublicKey,
		SIWEMessage:     msg,
		CurveType:       "BLS",
		LitActionIPFSID: p.LitActionIPFSID,
		Code:            p.LitActionCode,
		JSParams:        p.JSParams,
	})
	if err != nil {
		return authsig.AuthSig{}, fmt.Errorf("pkp: encoding the sign_session_key request: %w", err)
	}
	replies, err := sendSessionKeyRequest(ctx, nw, nodes, body)
	if err != nil {
		return authsig.AuthSig{}, err
	}

	need := max(nw.MinNodeCount(), 2)
	var shares []blsShare
	bad := map[string]error{}
	for _, r := range replies {
		if r.Err != nil {
			continue
		}
		s, err := parseBLSShare(r.Body)
		if err != nil {
			bad[r.URL] = err
			continue
		}
		s.url = r.URL
		shares = append(shares, s)
	}
	if err := checkReplies("sign_session_key", replies, bad, need); err != nil {
		return authsig.AuthSig{}, err
	}

	signed, chosen, from, err := agreeingShares(shares, need, k, uri)
	if err != nil {
		return authsig.AuthSig{}, err
	}
	digest := bls.SessionDigest(signed)
	sig, err := combineVerified(pk, digest[:], chosen, need)
	if err != nil {
		return authsig.AuthSig{}, fmt.Errorf("%w (shares from %s): %v; check that the network public key is the nodes' and report the faulty nodes", ErrBadShares, strings.Join(from, ", "), err)
	}
	pop, err := bls.FormatProofOfPossession(sig)
	if err != nil {
		return authsig.AuthSig{}, err
	}
	return authsig.AuthSig{
		Sig:           pop,
		Algo:          authsig.AlgoBLS,
		DerivedVia:    authsig.DerivedViaBLS,
		SignedMessage: signed,
		Address:       k.EthAddress,
	}, nil
}

// siweShare is one node's sign_session_key share with the SIWE message it
// signed.
type siweShare[S any] struct {
	url   string
	share S
	siwe  string
}

// blsShare is a datil share: 97 bytes, identifier || compressed G2 point.
type blsShare = siweShare[[]byte]

// agreeingShares returns the SIWE message most shares were signed over,
// the shares over it and the nodes that sent them. It fails when fewer
// than need agree, or when the message is not SIWE for the PKP and the
// session key's URI.
func agreeingShares[S any](shares []siweShare[S], need int, k PKP, uri string) (string, []S, []string, error) {
	msgs := make([]string, len(shares))
	for i, s := range shares {
		msgs[i] = s.siwe
	}
	signed := mostCommonSIWE(msgs)
	var chosen []S
	var from []string
	for _, s := range shares {
		if s.siwe == signed {
			chosen, from = append(chosen, s.share), append(from, s.url)
		}
	}
	if len(chosen) < need {
		return "", nil, nil, fmt.Errorf("pkp: sign_session_key: the nodes signed different SIWE messages; at most %d agree, %d needed: retry, and if it persists the nodes disagree on the message", len(chosen), need)
	}
	if err := checkSignedSIWE(signed, k, uri); err != nil {
		return "", nil, nil, err
	}
	return signed, chosen, from, nil
}

// parseBLSShare reads a node's answer
//
//	{"result":"success","signatureShare":{"ProofOfPossession":"<194 hex>"},
//	 "shareIndex":N,"curveType":"BLS","siweMessage":"…","dataSigned":"<64 hex>",
//	 "blsRootPubkey":"<96 hex>"}
//
// Like the SDK it refuses an answer where any of these fields is missing,
// null or ""; it also requires result "success", curveType "BLS" and a
// 97-byte share.
func parseBLSShare(body []byte) (blsShare, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return blsShare{}, fmt.Errorf("answer is not a JSON object")
	}
	for _, f := range []string{"signatureShare", "curveType", "shareIndex", "siweMessage", "dataSigned", "blsRootPubkey", "result"} {
		v := bytes.TrimSpace(raw[f])
		if len(v) == 0 || string(v) == "null" || string(v) == `""` {
			return blsShare{}, fmt.Errorf("incomplete answer: %s is missing", f)
		}
	}
	var r struct {
		Result         any `json:"result"`
		SignatureShare struct {
			ProofOfPossession *string `json:"ProofOfPossession"`
		} `json:"signatureShare"`
		CurveType   any    `json:"curveType"`
		SIWEMessage string `json:"siweMessage"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return blsShare{}, fmt.Errorf("malformed answer: %v", err)
	}
	if r.Result != "success" {
		return blsShare{}, fmt.Errorf("result is %v, not \"success\"", r.Result)
	}
	switch r.CurveType {
	case "BLS":
	case "ECDSA":
		return blsShare{}, fmt.Errorf("curveType is ECDSA: the node speaks the v6 protocol, which this client does not")
	default:
		return blsShare{}, fmt.Errorf("curveType is %v, want \"BLS\"", r.CurveType)
	}
	if r.SignatureShare.ProofOfPossession == nil {
		return blsShare{}, fmt.Errorf("signatureShare has no ProofOfPossession")
	}
	h := strings.TrimPrefix(*r.SignatureShare.ProofOfPossession, "0x")
	share, err := hex.DecodeString(h)
	if err != nil || len(share) != bls.SignatureShareSize {
		return blsShare{}, fmt.Errorf("ProofOfPossession is not %d bytes of hex (1-byte identifier and a compressed G2 point)", bls.SignatureShareSize)
	}
	return blsShare{share: share, siwe: r.SIWEMessage}, nil
}

// mostCommonSIWE returns the siweMessage most shares carry; ties go to the
// one listed last, as the SDK's mostCommonString does.
func mostCommonSIWE(msgs []string) string {
	count := map[string]int{}
	best, bestN := "", 0
	for _, m := range msgs {
		count[m]++
	}
	for _, m := range msgs {
		if n := count[m]; n >= bestN {
			best, bestN = m, n
		}
	}
	return best
}

// sendSessionKeyRequest posts one sign_session_key body to every node in
// urls.
func sendSessionKeyRequest(ctx context.Context, nw Network, urls []string, body []byte) ([]node.Reply, error) {
	bodies := make(map[string][]byte, len(urls))
	for _, u := range urls {
		bodies[u] = body
	}
	replies, err := nw.Send(ctx, node.EndpointSignSessionKey, bodies)
	if err != nil {
		return nil, fmt.Errorf("pkp: sign_session_key: %w", err)
	}
	return replies, nil
}

// checkSignedSIWE refuses a message the nodes signed unless it is SIWE for
// the PKP's address and the session key's URI.
func checkSignedSIWE(signed string, k PKP, uri string) error {
	sm, err := siwe.Parse(signed)
	if err != nil {
		return fmt.Errorf("pkp: sign_session_key: the nodes signed a message that is not SIWE: %w", err)
	}
	if sm.Address() != k.EthAddress || sm.URI() != uri {
		return fmt.Errorf("pkp: sign_session_key: the nodes signed a SIWE message for %s and %s, not for the PKP %s and %s; refusing it", sm.Address(), sm.URI(), k.EthAddress, uri)
	}
	return nil
}

// combineVerified combines all shares and verifies the result under pk;
// failing that, it tries subsets of size need (at most maxCombinations) and
// returns the first that verifies.
func combineVerified(pk *bls.PublicKey, digest []byte, shares [][]byte, need int) ([]byte, error) {
	sig, err := bls.CombineShares(shares)
	if err == nil {
		if err = bls.Verify(pk, digest, sig); err == nil {
			return sig, nil
		}
	}
	firstErr := err
	if len(shares) <= need {
		return nil, firstErr
	}
	idx := make([]int, need)
	for i := range idx {
		idx[i] = i
	}
	subset := make([][]byte, need)
	for tries := 0; tries < maxCombinations; tries++ {
		for i, j := range idx {
			subset[i] = shares[j]
		}
		if sig, err := bls.CombineShares(subset); err == nil && bls.Verify(pk, digest, sig) == nil {
			return sig, nil
		}
		// Next combination in lexicographic order.
		i := need - 1
		for i >= 0 && idx[i] == len(shares)-need+i {
			i--
		}
		if i < 0 {
			break
		}
		idx[i]++
		for j := i + 1; j < need; j++ {
			idx[j] = idx[j-1] + 1
		}
	}
	return nil, fmt.Errorf("no %d of the %d shares combine to a valid signature (%v)", need, len(shares), firstErr)
}
