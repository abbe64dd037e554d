package pkp

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/jsjson/stdjson"
	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/core/pkpsig"
	"github.com/litgo/litsession/core/session"
)

// pkpSignBody is the /web/pkp/sign/v1 request body, keys in the SDK's
// order; epoch is added by Network.Send.
type pkpSignBody struct {
	ToSign  []int           `json:"toSign"`
	Pubkey  string          `json:"pubkey"`
	AuthSig authsig.AuthSig `json:"authSig"`
}

// PkpSign has the nodes sign the 32-byte digest toSign (it is not hashed
// again) with the PKP whose public key is pubKey, authorized by sigs (from
// GetPkpSessionSigs, or EOA session signatures of a permitted address).
//
// Every connected node gets its own session signature as authSig, and
// every one must answer (the shares are additive): a node without a
// session signature in sigs is an error before anything is sent. Each
// answer's signatureShare is read as the SDK reads it (snake_case or
// camelCase keys, '"' stripped from strings) and must name sig_type K256,
// the digest and pubKey; all must carry the same big_r. The combined
// signature (pkpsig.Combine: low s, recovery id) must verify and recover to
// pubKey, else the error matches ErrBadShares.
func PkpSign(ctx context.Context, nw Network, sigs *session.SessionSigs, pubKey string, toSign [32]byte) (*pkpsig.Signature, error) {
	k, err := Parse(pubKey)
	if err != nil {
		return nil, err
	}
	if sigs == nil {
		return nil, errors.New("pkp: no session signatures; get them with GetPkpSessionSigs")
	}
	nodes := nw.ConnectedNodes()
	if len(nodes) == 0 {
		return nil, ErrNotConnected
	}
	digest := make([]int, len(toSign))
	for i, b := range toSign {
		digest[i] = int(b)
	}
	var (
		bodies map[string][]byte
		need   int
	)
	if pn, ok := nagaNetwork(nw); ok {
		bodies, need, err = pkpSignNaga(ctx, pn, sigs, k, digest)
	} else {
		bodies, need, err = pkpSignDatil(nodes, sigs, k, digest)
	}
	if err != nil {
		return nil, err
	}
	replies, err := nw.Send(ctx, node.EndpointPKPSign, bodies)
	if err != nil {
		return nil, fmt.Errorf("pkp: pkp sign: %w", err)
	}

	var (
		shares [][]byte
		bigR   []byte
		rFrom  string
		bad    = map[string]error{}
	)
	for _, r := range replies {
		if r.Err != nil {
			continue
		}
		s, err := parseECDSAShare(r.Body)
		if err == nil {
			switch {
			case !bytes.Equal(s.digest, toSign[:]):
				err = fmt.Errorf("signed digest %x, not the requested %x", s.digest, toSign)
			case !bytes.Equal(s.publicKey, k.Bytes()):
				err = fmt.Errorf("signed with public key %x, not the requested PKP", s.publicKey)
			}
		}
		if err != nil {
			bad[r.URL] = err
			continue
		}
		if bigR == nil {
			bigR, rFrom = s.bigR, r.URL
		} else if !bytes.Equal(bigR, s.bigR) {
			return nil, fmt.Errorf("%w: nodes %s and %s sent different big_r, so their shares belong to different signatures; retry", ErrBadShares, rFrom, r.URL)
		}
		shares = append(shares, s.share)
	}
	if err := checkReplies("pkp sign", replies, bad, need); err != nil {
		return nil, err
	}
	sig, err := pkpsig.Combine(bigR, shares, k.Bytes(), toSign[:])
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadShares, err)
	}
	return sig, nil
}

// pkpSignDatil returns the /web/pkp/sign/v1 body of every connected node,
// all of which must answer.
func pkpSignDatil(nodes []string, sigs *session.SessionSigs, k PKP, digest []int) (map[string][]byte, int, error) {
	bodies := make(map[string][]byte, len(nodes))
	for _, u := range nodes {
		a, ok := sigs.Get(u)
		if !ok {
			return nil, 0, fmt.Errorf("pkp: the session signatures have none for node %s (they were made for %s); get new ones after connecting", u, strings.Join(sigs.Nodes(), ", "))
		}
		b, err := stdjson.Marshal(pkpSignBody{ToSign: digest, Pubkey: k.PublicKey, AuthSig: a})
		if err != nil {
			return nil, 0, fmt.Errorf("pkp: encoding the pkp sign request: %w", err)
		}
		bodies[u] = b
	}
	return bodies, len(nodes), nil
}

// ecdsaShare is one node's pkp sign answer, decoded.
type ecdsaShare struct {
	digest    []byte
	share     []byte
	bigR      []byte
	publicKey []byte // uncompressed
}

// parseECDSAShare reads the signatureShare of a node's answer
//
//	{"success":true,"signedData":[…],"signatureShare":{"digest":"\"<hex>\"",
//	 "result":"success","share_index":0,"signature_share":"\"<64 hex>\"",
//	 "big_r":"\"<66 hex>\"","public_key":"\"<hex>\"","sig_type":"K256"}}
//
// as the SDK does: keys in snake_case or camelCase, '"' removed from
// string values, "digest" or "dataSigned". success false, or result other
// than "success" when present, is a failure.
func parseECDSAShare(body []byte) (ecdsaShare, error) {
	var top struct {
		Success        *bool                      `json:"success"`
		SignatureShare map[string]json.RawMessage `json:"signatureShare"`
	}
	if err := json.Unmarshal(body, &top); err != nil {
		return ecdsaShare{}, fmt.Errorf("answer is not a JSON object with a signatureShare object")
	}
	if top.Success != nil && !*top.Success {
		return ecdsaShare{}, errors.New("the node reports success false")
	}
	if top.SignatureShare == nil {
		return ecdsaShare{}, errors.New("answer has no signatureShare")
	}
	if inner, ok := top.SignatureShare["EcdsaSignedMessageShare"]; ok {
		// naga wraps the share in its kind.
		top.SignatureShare = nil
		if err := json.Unmarshal(inner, &top.SignatureShare); err != nil || top.SignatureShare == nil {
			return ecdsaShare{}, errors.New("signatureShare.EcdsaSignedMessageShare is not an object")
		}
	}
	fields := map[string]string{}
	for key, raw := range top.SignatureShare {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			continue // share_index and other non-strings are not used
		}
		fields[snakeToCamel(key)] = strings.ReplaceAll(s, `"`, "")
	}
	if r, ok := fields["result"]; ok && r != "success" {
		return ecdsaShare{}, fmt.Errorf("signatureShare result is %q", r)
	}
	if t := fields["sigType"]; t != "K256" && t != "ECDSA_CAIT_SITH" && t != NagaSigningScheme {
		return ecdsaShare{}, fmt.Errorf("sig_type is %q, want K256 (secp256k1)", t)
	}
	if _, ok := fields["digest"]; !ok {
		fields["digest"] = fields["dataSigned"]
	}
	if _, ok := fields["bigR"]; !ok {
		fields["bigR"] = fields["bigr"]
	}
	var s ecdsaShare
	for _, f := range []struct {
		name string
		dst  *[]byte
		size []int
	}{
		{"digest", &s.digest, []int{pkpsig.DigestSize}},
		{"signatureShare", &s.share, []int{pkpsig.ScalarSize}},
		{"bigR", &s.bigR, []int{pkpsig.PointSize}},
		{"publicKey", &s.publicKey, []int{65, 33}},
	} {
		b, err := hex.DecodeString(strings.TrimPrefix(fields[f.name], "0x"))
		if err != nil || !slices.Contains(f.size, len(b)) {
			return ecdsaShare{}, fmt.Errorf("signatureShare.%s is not %v bytes of hex", f.name, f.size)
		}
		*f.dst = b
	}
	pub, err := decodePublicKey(hex.EncodeToString(s.publicKey))
	if err != nil {
		return ecdsaShare{}, fmt.Errorf("signatureShare.publicKey: %v", err)
	}
	s.publicKey = pub
	return s, nil
}

// snakeToCamel is the SDK's snakeToCamel: "_x" becomes "X".
func snakeToCamel(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '_' && i+1 < len(s) {
			b.WriteString(strings.ToUpper(s[i+1 : i+2]))
			i++
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
