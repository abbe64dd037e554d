package pkp

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net/url"
	"strings"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/bls"
	"github.com/litgo/litsession/core/jsjson/stdjson"
	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/core/pkpsig"
	"github.com/litgo/litsession/core/session"
	"github.com/litgo/litsession/core/siwe"
)

// NagaKeySetID is the key set naga requests name (pkpKeySetId, keySetId).
const NagaKeySetID = "naga-keyset1"

// NagaSigningScheme is the signing scheme of pkp/sign/v2 for an Ethereum
// (secp256k1, prehashed) signature.
const NagaSigningScheme = "EcdsaK256Sha256"

// pricedNetwork is a Network that chooses and prices the nodes of each
// request: core/node's Client. On naga, requests go only to the nodes it
// chooses.
type pricedNetwork interface {
	Generation() node.Generation
	SessionNodes(ctx context.Context, operation string, budget *big.Int) ([]string, map[string]*big.Int, error)
}

// nagaNetwork returns nw as a pricedNetwork when it speaks naga.
func nagaNetwork(nw Network) (pricedNetwork, bool) {
	pn, ok := nw.(pricedNetwork)
	if !ok || pn.Generation() == nil || pn.Generation().Name() != "naga" {
		return nil, false
	}
	return pn, true
}

// nagaNode is one entry of nodeSet.
type nagaNode struct {
	SocketAddress string `json:"socketAddress"`
	Value         int    `json:"value"`
}

// nodeSet names the chosen nodes by host:port.
func nodeSet(urls []string) ([]nagaNode, error) {
	out := make([]nagaNode, len(urls))
	for i, u := range urls {
		p, err := url.Parse(u)
		if err != nil || p.Host == "" {
			return nil, fmt.Errorf("pkp: node URL %q has no host:port", u)
		}
		out[i] = nagaNode{SocketAddress: p.Host, Value: 1}
	}
	return out, nil
}

// AuthMethodID is the EthWallet auth method id of address as the v8
// client computes it: "0x" + hex(keccak256("<EIP-55 address>:lit")).
func AuthMethodID(address string) (string, error) {
	a, err := siwe.ChecksumAddress(address)
	if err != nil {
		return "", fmt.Errorf("pkp: %w", err)
	}
	return "0x" + hex.EncodeToString(crypto.Keccak256([]byte(a+":lit"))), nil
}

// nagaSignSessionKeyBody is the sign_session_key/v2 body in the v8
// client's member order; epoch is added by Network.Send.
type nagaSignSessionKeyBody struct {
	SessionKey   string       `json:"sessionKey"`
	AuthMethods  []AuthMethod `json:"authMethods"`
	PKPPublicKey string       `json:"pkpPublicKey"`
	SIWEMessage  string       `json:"siweMessage"`
	CurveType    string       `json:"curveType"`
	NodeSet      []nagaNode   `json:"nodeSet"`
	MaxPrice     string       `json:"maxPrice"`
	PKPKeySetID  string       `json:"pkpKeySetId"`
}

// signSessionKeyNaga is SignSessionKey on naga: the request goes to the
// threshold cheapest nodes for SIGN_SESSION_KEY, with their nodeSet, the
// budget as a decimal maxPrice and the key set; the shares are
// {identifier, value} pairs (bls.CombineNagaShares), and the combined
// signature must verify under the network key before it is returned.
func signSessionKeyNaga(ctx context.Context, nw Network, pn pricedNetwork, p SignSessionKeyParams, k PKP, uri, msg string) (authsig.AuthSig, error) {
	if p.LitActionIPFSID != "" || p.LitActionCode != "" || p.JSParams != nil {
		return authsig.AuthSig{}, fmt.Errorf("pkp: Lit Action auth is not supported on naga by this client; use EthWallet auth methods")
	}
	pk, err := bls.ParsePublicKey(nw.NetworkPublicKey())
	if err != nil {
		return authsig.AuthSig{}, fmt.Errorf("pkp: the network's BLS public key from the handshake is unusable, so the nodes' signature could not be verified: %w", err)
	}
	urls, _, err := pn.SessionNodes(ctx, string(node.EndpointSignSessionKey), p.MaxPrice)
	if err != nil {
		return authsig.AuthSig{}, fmt.Errorf("pkp: choosing the nodes for sign_session_key: %w", err)
	}
	set, err := nodeSet(urls)
	if err != nil {
		return authsig.AuthSig{}, err
	}
	budget := p.MaxPrice
	if budget == nil {
		budget = node.DefaultMaxPrice()
	}
	methods := p.AuthMethods
	if methods == nil {
		methods = []AuthMethod{}
	}
	body, err := stdjson.Marshal(nagaSignSessionKeyBody{
		SessionKey: uri, AuthMethods: methods, PKPPublicKey: k.PublicKey, SIWEMessage: msg, CurveType: "BLS",
		NodeSet: set, MaxPrice: budget.String(), PKPKeySetID: NagaKeySetID,
	})
	if err != nil {
		return authsig.AuthSig{}, fmt.Errorf("pkp: encoding the sign_session_key request: %w", err)
	}
	replies, err := sendSessionKeyRequest(ctx, nw, urls, body)
	if err != nil {
		return authsig.AuthSig{}, err
	}
	need := max(nw.MinNodeCount(), 2)
	var shares []siweShare[bls.NagaShare]
	bad := map[string]error{}
	for _, r := range replies {
		if r.Err != nil {
			continue
		}
		var a struct {
			SignatureShare struct {
				ProofOfPossession *bls.NagaShare `json:"ProofOfPossession"`
			} `json:"signatureShare"`
			SIWEMessage string `json:"siweMessage"`
		}
		if err := json.Unmarshal(r.Body, &a); err != nil || a.SignatureShare.ProofOfPossession == nil || a.SIWEMessage == "" {
			bad[r.URL] = fmt.Errorf("answer has no signatureShare.ProofOfPossession {identifier, value} and siweMessage")
			continue
		}
		shares = append(shares, siweShare[bls.NagaShare]{r.URL, *a.SignatureShare.ProofOfPossession, a.SIWEMessage})
	}
	if err := checkReplies("sign_session_key", replies, bad, need); err != nil {
		return authsig.AuthSig{}, err
	}
	signed, chosen, from, err := agreeingShares(shares, need, k, uri)
	if err != nil {
		return authsig.AuthSig{}, err
	}
	sig, err := bls.CombineNagaShares(chosen)
	if err != nil {
		return authsig.AuthSig{}, fmt.Errorf("%w (shares from %s): %v", ErrBadShares, strings.Join(from, ", "), err)
	}
	pop, err := bls.FormatProofOfPossession(sig)
	if err != nil {
		return authsig.AuthSig{}, err
	}
	if err := bls.VerifySession(pk, pop, signed); err != nil {
		return authsig.AuthSig{}, fmt.Errorf("%w (shares from %s): the combined signature does not verify under the network key: %v; report the faulty nodes", ErrBadShares, strings.Join(from, ", "), err)
	}
	return authsig.AuthSig{Sig: pop, Algo: authsig.AlgoBLS, DerivedVia: authsig.DerivedViaBLS, SignedMessage: signed, Address: k.EthAddress}, nil
}

// nagaPKPSignBody is the pkp/sign/v2 body in the v8 client's member
// order; epoch is added by Network.Send.
type nagaPKPSignBody struct {
	ToSign        []int           `json:"toSign"`
	SigningScheme string          `json:"signingScheme"`
	Pubkey        string          `json:"pubkey"`
	AuthSig       authsig.AuthSig `json:"authSig"`
	NodeSet       []nagaNode      `json:"nodeSet"`
	AuthMethods   []AuthMethod    `json:"authMethods"`
	KeySetID      string          `json:"keySetId"`
}

// pkpSignNodes returns the nodes a pkp sign request goes to and the body
// for each: on naga the threshold cheapest by SIGN price, each with its
// session signature and the common nodeSet.
func pkpSignNaga(ctx context.Context, pn pricedNetwork, sigs *session.SessionSigs, k PKP, digest []int) (map[string][]byte, int, error) {
	urls, _, err := pn.SessionNodes(ctx, string(node.EndpointPKPSign), nil)
	if err != nil {
		return nil, 0, fmt.Errorf("pkp: choosing the nodes for pkp sign: %w", err)
	}
	set, err := nodeSet(urls)
	if err != nil {
		return nil, 0, err
	}
	bodies := make(map[string][]byte, len(urls))
	for _, u := range urls {
		a, ok := sigs.Get(u)
		if !ok {
			return nil, 0, fmt.Errorf("pkp: the session signatures have none for node %s, which pkp sign goes to (they were made for %s); make them for the pkp sign operation right before signing", u, strings.Join(sigs.Nodes(), ", "))
		}
		b, err := stdjson.Marshal(nagaPKPSignBody{ToSign: digest, SigningScheme: NagaSigningScheme, Pubkey: k.PublicKey, AuthSig: a,
			NodeSet: set, AuthMethods: []AuthMethod{}, KeySetID: NagaKeySetID})
		if err != nil {
			return nil, 0, fmt.Errorf("pkp: encoding the pkp sign request: %w", err)
		}
		bodies[u] = b
	}
	return bodies, len(urls), nil
}

// NagaSignature is the v8 client's pkpSign result.
type NagaSignature struct {
	Signature    string `json:"signature"`    // "0x" + r ‖ s, upper-case hex
	VerifyingKey string `json:"verifyingKey"` // "0x" + the SPKI DER of the public key
	SignedData   string `json:"signedData"`   // "0x" + the digest
	RecoveryID   int    `json:"recoveryId"`
	PublicKey    string `json:"publicKey"` // "0x04…"
	SigType      string `json:"sigType"`   // NagaSigningScheme
}

// spkiPrefix is the DER prefix of a SubjectPublicKeyInfo for an
// uncompressed secp256k1 key (id-ecPublicKey, secp256k1).
const spkiPrefix = "3056301006072a8648ce3d020106052b8104000a034200"

// Naga returns s in the v8 client's result shape.
func Naga(s *pkpsig.Signature) NagaSignature {
	pub := strings.TrimPrefix(s.PublicKey, "0x")
	if len(pub) == 66 {
		if b, err := hex.DecodeString(pub); err == nil {
			if k, err := crypto.DecompressPubkey(b); err == nil {
				pub = hex.EncodeToString(crypto.FromECDSAPub(k))
			}
		}
	}
	return NagaSignature{
		Signature:    "0x" + strings.ToUpper(s.R+s.S),
		VerifyingKey: "0x" + spkiPrefix + pub,
		SignedData:   "0x" + s.DataSigned,
		RecoveryID:   s.Recid,
		PublicKey:    "0x" + pub,
		SigType:      NagaSigningScheme,
	}
}
