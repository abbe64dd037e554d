package devnet

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/pkp"
	"github.com/litgo/litsession/core/pkpsig"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/verify"
)

// NagaSigningScheme is the one signing scheme of the devnet's naga
// pkp/sign: ECDSA over secp256k1 of a digest the client already hashed.
const NagaSigningScheme = "EcdsaK256Sha256"

// nagaPKPSignRequest is the decrypted body of /web/pkp/sign/v2: the v1
// body plus three members.
type nagaPKPSignRequest struct {
	pkpSignRequest
	SigningScheme *string     `json:"signingScheme"`
	NodeSet       *[]nagaNode `json:"nodeSet"`
	KeySetID      *string     `json:"keySetId"`
}

// nagaECDSAShare is the EcdsaSignedMessageShare of the answer, in the real
// nodes' format: digest and peer_id plain hex; share_id, signature_share
// and big_r upper-case hex and compressed_public_key and public_key
// lower-case hex, each of those five a JSON string inside the string
// ("\"<hex>\""), which the SDK's combiner parses again.
type nagaECDSAShare struct {
	Digest              string `json:"digest"`
	Result              string `json:"result"`
	ShareID             string `json:"share_id"`
	PeerID              string `json:"peer_id"`
	SignatureShare      string `json:"signature_share"`
	BigR                string `json:"big_r"`
	CompressedPublicKey string `json:"compressed_public_key"`
	PublicKey           string `json:"public_key"`
	SigType             string `json:"sig_type"`
}

type nagaPKPSignData struct {
	Success        bool  `json:"success"`
	SignedData     []int `json:"signedData"`
	SignatureShare struct {
		EcdsaSignedMessageShare nagaECDSAShare `json:"EcdsaSignedMessageShare"`
	} `json:"signatureShare"`
}

// ServeNagaPKPSign is the NagaHandler of NagaPKPSignPath.
func ServeNagaPKPSign(n *Node, r *http.Request, body []byte) (any, *NagaError) {
	return n.serveNagaPKPSign(r, body)
}

// serveNagaPKPSign answers a decrypted /web/pkp/sign/v2 request with this
// node's additive share of an ECDSA (K256) signature of toSign by the PKP
// (docs/naga.md#pkpsignv2), after checking:
//
//  1. the body: toSign is 32 numbers 0–255 (the client hashed the
//     message); signingScheme NagaSigningScheme; pubkey is a PKP of this
//     devnet; keySetId NagaKeySetID; epoch current or previous; nodeSet
//     names this node (nagaNodeSet); an X-Request-Id header;
//  2. authSig is this node's session signature and core/verify accepts it
//     for pkp-signing on lit-pkp://<token id> (ed25519, nodeAddress,
//     times, the LIT_BLS or wallet delegation and its nonce, ReCap
//     coverage), and it carries a maxPrice that covers this node's SIGN
//     price;
//  3. whoever delegated the session may use the PKP, as in v1.
//
// The s of the signature is split additively over the nodes of nodeSet:
// each node derives the same session (pkpsig.DeterministicSigningSession
// from the PKP key, the X-Request-Id and the digest, len(nodeSet) shares)
// and returns the share at its position in nodeSet.
func (n *Node) serveNagaPKPSign(r *http.Request, body []byte) (any, *NagaError) {
	nw := n.network
	var req nagaPKPSignRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, nagaRefuse(http.StatusBadRequest, CodeInvalidParameter, "the request body is not the JSON of a pkp/sign request: %v", err)
	}
	for _, f := range []struct {
		name    string
		missing bool
	}{
		{"toSign", req.ToSign == nil}, {"signingScheme", req.SigningScheme == nil}, {"pubkey", req.Pubkey == nil},
		{"nodeSet", req.NodeSet == nil}, {"keySetId", req.KeySetID == nil},
	} {
		if f.missing {
			return nil, nagaRefuse(http.StatusBadRequest, CodeInvalidParameter, "%s is missing; send toSign, signingScheme, pubkey, authSig, nodeSet, epoch, authMethods and keySetId", f.name)
		}
	}
	if e := n.nagaCheckEpoch(req.Epoch); e != nil {
		return nil, e
	}
	if *req.SigningScheme != NagaSigningScheme {
		return nil, nagaRefuse(http.StatusBadRequest, CodeUnsupported, "signingScheme %q is not supported by the devnet; use %q", *req.SigningScheme, NagaSigningScheme)
	}
	if *req.KeySetID != NagaKeySetID {
		return nil, nagaRefuse(http.StatusBadRequest, CodeInvalidParameter, "keySetId %q is not a key set of this network; use %q", *req.KeySetID, NagaKeySetID)
	}
	if len(req.ToSign) != pkpsig.DigestSize {
		return nil, nagaRefuse(http.StatusBadRequest, CodeInvalidParameter, "toSign must be an array of %d numbers (the hashed message), got %d", pkpsig.DigestSize, len(req.ToSign))
	}
	var digest [pkpsig.DigestSize]byte
	for i, v := range req.ToSign {
		if v < 0 || v > 255 {
			return nil, nagaRefuse(http.StatusBadRequest, CodeInvalidParameter, "toSign[%d] is %d; each entry must be a byte, 0 to 255", i, v)
		}
		digest[i] = byte(v)
	}
	key, err := pkp.Parse(*req.Pubkey)
	if err != nil {
		return nil, nagaRefuse(http.StatusBadRequest, CodeInvalidParameter, "pubkey: %v", err)
	}
	if len(req.AuthSig) == 0 || string(req.AuthSig) == "null" {
		return nil, nagaRefuse(http.StatusUnauthorized, CodeInvalidSessionSig, "authSig is missing; send this node's session signature (createPkpSessionSigs)")
	}
	var sig authsig.AuthSig
	if err := json.Unmarshal(req.AuthSig, &sig); err != nil {
		return nil, nagaRefuse(http.StatusBadRequest, CodeInvalidParameter, "authSig: %v", err)
	}
	requestID := r.Header.Get("X-Request-Id")
	if !requestIDPattern.MatchString(requestID) {
		return nil, nagaRefuse(http.StatusBadRequest, CodeMissingRequestID, "X-Request-Id is missing or not 1-128 characters of [A-Za-z0-9_-]; send the same id to every node of one pkpSign call so they agree on the signature")
	}
	pos, e := n.nagaNodeSet(*req.NodeSet)
	if e != nil {
		return nil, e
	}
	entry, ok := nw.lookupPKP(key)
	if !ok {
		return nil, nagaRefuse(http.StatusNotFound, CodePKPNotFound, "no PKP with public key %s on this devnet; mint one (POST %s on the RPC server, or litsession devnet --pkp-owner)", key.PublicKey, MintPath)
	}

	// 2. The session signature and its price.
	op := resource.Request{Resource: key.Resource(), Ability: resource.PKPSigning}
	res, err := n.VerifySessionSig(sig, op)
	if err != nil {
		var ve *verify.Error
		if errors.As(err, &ve) && (ve.Reason == verify.ReasonMisconfigured || ve.Reason == verify.ReasonBadOperation) {
			return nil, nagaRefuse(http.StatusInternalServerError, "NodeUnknownError", "the devnet's session verifier is misconfigured: %s", ve.Detail)
		}
		return nil, nagaRefuse(http.StatusUnauthorized, CodeInvalidSessionSig, "%v", err)
	}
	price := n.Price(ProductSign)
	switch {
	case res.MaxPrice == nil:
		return nil, nagaRefuse(http.StatusUnauthorized, CodeInvalidSessionSig, "the session signature has no maxPrice; a naga session signature names the most this node may charge (0x + hex wei)")
	case res.MaxPrice.Cmp(price) < 0:
		return nil, nagaRefuse(http.StatusUnauthorized, CodeInvalidSessionSig, "the session signature's maxPrice %s wei is below this node's sign price %s wei; sign the session for the nodes' current prices", res.MaxPrice, price)
	}

	// 3. Who may sign with the PKP.
	switch {
	case res.DelegatedVia == authsig.DerivedViaBLS && res.WalletAddress == key.EthAddress:
	case res.DelegatedVia == authsig.DerivedViaWallet && entry.permitted[res.WalletAddress]:
	default:
		return nil, nagaRefuse(http.StatusUnauthorized, CodeNotAuthorized, "the session is delegated by %s, which may not sign with PKP %s; delegate from the PKP itself (createPkpSessionSigs) or from a permitted address", res.WalletAddress, key.TokenID)
	}

	sess, err := pkpsig.DeterministicSigningSession(entry.priv, requestID, digest, len(*req.NodeSet))
	if err != nil {
		return nil, nagaRefuse(http.StatusInternalServerError, "NodeUnknownError", "signing failed: %v", err)
	}
	signed := make([]int, len(digest))
	for i, b := range digest {
		signed[i] = int(b)
	}
	pub := key.Bytes()
	ecPub, err := crypto.UnmarshalPubkey(pub)
	if err != nil {
		return nil, nagaRefuse(http.StatusInternalServerError, "NodeUnknownError", "the PKP's public key does not decode: %v", err)
	}
	var shareID [pkpsig.ScalarSize]byte // the node's position in nodeSet + 1, a big-endian scalar
	binary.BigEndian.PutUint64(shareID[pkpsig.ScalarSize-8:], uint64(pos+1))
	peer := sha256.Sum256(n.Address.Bytes())
	var data nagaPKPSignData
	data.Success = true
	data.SignedData = signed
	data.SignatureShare.EcdsaSignedMessageShare = nagaECDSAShare{
		Digest:              hex.EncodeToString(digest[:]),
		Result:              "success",
		ShareID:             quotedUpper(shareID[:]),
		PeerID:              hex.EncodeToString(peer[:]),
		SignatureShare:      quotedUpper(sess.Shares[pos][:]),
		BigR:                quotedUpper(sess.BigR[:]),
		CompressedPublicKey: quoted(crypto.CompressPubkey(ecPub)),
		PublicKey:           quoted(pub),
		SigType:             NagaSigningScheme,
	}
	return data, nil
}

// quotedUpper is quoted with upper-case hex, as real nodes write scalars
// and points.
func quotedUpper(b []byte) string { return strings.ToUpper(quoted(b)) }
