package delegation

import (
	"context"
	"fmt"
	"time"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/pkp"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/sessionkey"
	"github.com/litgo/litsession/core/siwe"
)

// AuthMethodValidity bounds the life of the EthWallet auth method
// GeneratePkpDelegationAuthSig has the owner sign: the nodes check it once,
// when they sign the delegation.
const AuthMethodValidity = 10 * time.Minute

// GenerateParams are the inputs of GeneratePkpDelegationAuthSig, those of
// naga's authManager.generatePkpDelegationAuthSig.
type GenerateParams struct {
	// PKPPublicKey is the delegating PKP (0x04 + 128 hex). Required.
	PKPPublicKey string
	// AuthMethods prove the right to use the PKP; sent to the nodes as
	// given.
	AuthMethods []pkp.AuthMethod
	// Owner, if set, signs an EthWallet auth method (a SIWE message valid
	// for at most AuthMethodValidity) that is sent after AuthMethods. It
	// must be a permitted address of the PKP, e.g. its owner. One of
	// AuthMethods and Owner is required.
	Owner authsig.Signer
	// SessionKeyPair is the session key to delegate to. Required; only the
	// public key is sent.
	SessionKeyPair *sessionkey.KeyPair
	// Resources are what the session may do; the delegation's ReCap grants
	// exactly these. Required. Scope them to the PKP
	// (pkp.PKP.Resource()) rather than lit-pkp://*.
	Resources []resource.Request
	// Expiration is when the delegation expires. Required and in the
	// future: until then the session key is a bearer credential for the
	// PKP, so keep it short.
	Expiration time.Time
	// Domain is the SIWE domain; default pkp.DefaultDomain.
	Domain string
	// Statement is appended to pkp.SIWEStatement in the SIWE statement.
	Statement string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// GeneratePkpDelegationAuthSig checks p (GenerateParams.Check: refusals
// are *ParamsError values) and has the network's nodes sign a delegation
// from the PKP to the session key, with a fresh sign_session_key round
// (pkp.SignSessionKey; nothing is cached), and returns the LIT_BLS AuthSig
// that goes into an envelope. The result is checked with
// ValidateDelegationAuthSig under nw's network key, and its ReCap must
// grant every requested resource, so a server that validates the envelope
// the same way will accept it.
func GeneratePkpDelegationAuthSig(ctx context.Context, nw pkp.Network, p GenerateParams) (authsig.AuthSig, error) {
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	t := now()
	k, err := p.Check(t)
	if err != nil {
		return authsig.AuthSig{}, err
	}
	methods := append([]pkp.AuthMethod(nil), p.AuthMethods...)
	if p.Owner != nil {
		nonce, err := nw.LatestBlockhash(ctx)
		if err != nil {
			return authsig.AuthSig{}, fmt.Errorf("delegation: getting the latest blockhash for the auth method: %w", err)
		}
		m, err := pkp.SignEthWalletAuthMethod(ctx, p.Owner, nonce, minTime(p.Expiration, t.Add(AuthMethodValidity)), now)
		if err != nil {
			return authsig.AuthSig{}, fmt.Errorf("delegation: %w", err)
		}
		methods = append(methods, m)
	}
	a, err := pkp.SignSessionKey(ctx, nw, pkp.SignSessionKeyParams{
		SessionKey:              p.SessionKeyPair.URI(),
		PKPPublicKey:            k.PublicKey,
		AuthMethods:             methods,
		ResourceAbilityRequests: p.Resources,
		Expiration:              siwe.FormatTime(p.Expiration),
		Domain:                  p.Domain,
		Statement:               p.Statement,
		Now:                     now,
	})
	if err != nil {
		return authsig.AuthSig{}, err
	}
	d, err := ValidateDelegationAuthSig(a, Expect{PKPPublicKey: k.PublicKey, SessionKey: p.SessionKeyPair.URI(), NetworkPublicKey: nw.NetworkPublicKey(), Now: now()})
	if err != nil {
		return authsig.AuthSig{}, fmt.Errorf("delegation: the nodes signed a delegation this package would refuse: %w", err)
	}
	if err := d.Recap.CoversAll(p.Resources); err != nil {
		return authsig.AuthSig{}, fmt.Errorf("delegation: the nodes signed a delegation that does not grant what was asked: %w", err)
	}
	return a, nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
