package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/bls"
	"github.com/litgo/litsession/core/pkp"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/session"
	"github.com/litgo/litsession/core/sessionkey"
)

// loadMessage is what the pkp-sign kinds sign: its keccak256 digest, as
// chain.ethereum.pkpSign sends it.
const loadMessage = "hello from devnetload"

// pkpSession is a PKP session as a server holds one after createPkpSessionSigs:
// a session key, the PKP's LIT_BLS delegation to it (signed here with the
// in-process network's secret key, which is what the nodes' combined
// sign_session_key shares amount to) and one session signature per node.
type pkpSession struct {
	key  *sessionkey.KeyPair
	sigs map[string]authsig.AuthSig // by node URL
}

// newPKPSession makes nw's PKP session for lit-pkp://* pkp-signing, valid
// 24 h, through core/session with a LIT_BLS delegation.
func newPKPSession(ctx context.Context, nw Network) (*pkpSession, error) {
	if nw.NetworkSecret == nil || nw.PKP == nil {
		return nil, errors.New("the pkp-sign kinds need a PKP and the network's secret key: run them against the in-process devnet (no -url)")
	}
	key, err := sessionkey.Generate(rand.Reader)
	if err != nil {
		return nil, err
	}
	op, err := resource.NewRequest(resource.PKP, resource.Wildcard, resource.PKPSigning)
	if err != nil {
		return nil, err
	}
	address := nw.PKP.EthAddress
	delegate := func(ctx context.Context, p session.AuthNeededParams) (authsig.AuthSig, error) {
		msg, err := p.SIWEMessage(address, time.Now())
		if err != nil {
			return authsig.AuthSig{}, err
		}
		digest := bls.SessionDigest(msg)
		pop, err := bls.FormatProofOfPossession(bls.Sign(nw.NetworkSecret, digest[:]))
		if err != nil {
			return authsig.AuthSig{}, err
		}
		return authsig.AuthSig{Sig: pop, DerivedVia: authsig.DerivedViaBLS, SignedMessage: msg, Address: address, Algo: authsig.AlgoBLS}, nil
	}
	verifyBLS := func(a authsig.AuthSig, now time.Time) error {
		pub := bls.PublicKeyFromSecret(nw.NetworkSecret)
		return bls.VerifySession(pub, a.Sig, a.SignedMessage)
	}
	eng := &session.Engine{Network: fixedNodes{nw.NodeURLs, nw.Blockhash}, VerifyCapability: verifyBLS}
	sigs, _, err := eng.GetSessionSigs(ctx, session.Params{
		ResourceAbilityRequests: []resource.Request{op},
		SessionKey:              key,
		AuthNeededCallback:      delegate,
	})
	if err != nil {
		return nil, fmt.Errorf("making the PKP session signatures: %w", err)
	}
	s := &pkpSession{key: key, sigs: map[string]authsig.AuthSig{}}
	for _, u := range nw.NodeURLs {
		sig, ok := sigs.Get(u)
		if !ok {
			return nil, fmt.Errorf("no session signature for %s", u)
		}
		s.sigs[u] = sig
	}
	return s, nil
}

// withMaxPrice returns sig with maxPrice ("0x" + hex wei) added at the end
// of its template, where the v8 client puts it, signed again with key.
func withMaxPrice(sig authsig.AuthSig, key *sessionkey.KeyPair, maxPrice string) (authsig.AuthSig, error) {
	tpl := sig.SignedMessage
	if !strings.HasSuffix(tpl, "}") || strings.Contains(tpl, `"maxPrice"`) {
		return sig, fmt.Errorf("the session template is not a JSON object without maxPrice: %.80s…", tpl)
	}
	sig.SignedMessage = tpl[:len(tpl)-1] + `,"maxPrice":"` + maxPrice + `"}`
	sig.Sig = hex.EncodeToString(key.Sign([]byte(sig.SignedMessage)))
	return sig, nil
}

// loadDigest is toSign of the pkp-sign kinds: keccak256(loadMessage) as
// numbers 0–255, and as hex.
func loadDigest() ([]int, string) {
	d := crypto.Keccak256([]byte(loadMessage))
	out := make([]int, len(d))
	for i, b := range d {
		out[i] = int(b)
	}
	return out, hex.EncodeToString(d)
}

// newRequestID returns a fresh X-Request-Id as the SDK makes them,
// lit_<ms>_<random>.
func newRequestID() string {
	var b [8]byte
	rand.Read(b[:])
	return fmt.Sprintf("lit_%d_%x", time.Now().UnixMilli(), b)
}

// pkpSignRequests: POST /web/pkp/sign/v1 to each node, as the v7 client's
// pkpSign sends it, with that node's session signature of one PKP session
// (see newPKPSession) and a fresh X-Request-Id per request. The answer must
// be 200 with a signature share of the digest.
func pkpSignRequests(ctx context.Context, nw Network) ([]Request, error) {
	s, err := newPKPSession(ctx, nw)
	if err != nil {
		return nil, err
	}
	toSign, digest := loadDigest()
	var out []Request
	for _, u := range nw.NodeURLs {
		body, err := json.Marshal(struct {
			ToSign      []int           `json:"toSign"`
			Pubkey      string          `json:"pubkey"`
			AuthSig     authsig.AuthSig `json:"authSig"`
			AuthMethods []any           `json:"authMethods"`
			Epoch       uint64          `json:"epoch"`
		}{toSign, nw.PKP.PublicKey, s.sigs[u], []any{}, nw.Epoch})
		if err != nil {
			return nil, err
		}
		check := func(b []byte) error {
			var a struct {
				Success        bool `json:"success"`
				SignatureShare struct {
					Digest         string `json:"digest"`
					SignatureShare string `json:"signature_share"`
				} `json:"signatureShare"`
			}
			if err := json.Unmarshal(b, &a); err != nil {
				return fmt.Errorf("pkp/sign answer is not JSON: %v: %s", err, snippet(b))
			}
			return checkShare(a.Success, a.SignatureShare.Digest, a.SignatureShare.SignatureShare, digest)
		}
		out = append(out, Request{URL: u + pkp.PKPSignPath, Build: func() (Prepared, error) {
			return Prepared{Body: body, Header: http.Header{"X-Request-Id": {newRequestID()}}, Check: check}, nil
		}})
	}
	return out, nil
}

// checkShare checks a pkp/sign answer: success, a share, and the digest
// that was asked for (the answers write it with or without JSON quotes).
func checkShare(success bool, gotDigest, share, want string) error {
	switch {
	case !success:
		return errors.New("pkp/sign answered success=false")
	case share == "":
		return errors.New("pkp/sign answered no signature_share")
	case !strings.EqualFold(strings.Trim(gotDigest, `"`), want):
		return fmt.Errorf("pkp/sign signed digest %s, want %s", gotDigest, want)
	}
	return nil
}
