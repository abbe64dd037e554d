package pkp

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/jsjson"
	"github.com/litgo/litsession/core/siwe"
)

// Auth method types (AUTH_METHOD_TYPE in the SDK). Only EthWallet is
// built by this package; others can be sent as AuthMethod values.
const (
	AuthMethodEthWallet = 1
)

// AuthMethodStatement is the statement of the SIWE message
// SignEthWalletAuthMethod signs.
const AuthMethodStatement = "Authenticate to the Lit network with this wallet."

// AuthMethod proves control of something a PKP permits, sent to the nodes
// with sign_session_key. Its JSON form is {"authMethodType":N,
// "accessToken":"…"}.
type AuthMethod struct {
	// AuthMethodType is e.g. AuthMethodEthWallet (1).
	AuthMethodType int `json:"authMethodType"`
	// AccessToken is the credential; for EthWallet the JSON text of a
	// wallet AuthSig.
	AccessToken string `json:"accessToken"`
}

// EthWalletAuthMethod wraps a wallet AuthSig (an EOA's personal_sign over
// a SIWE message) as an EthWallet auth method: the accessToken is the
// AuthSig's JSON, as JSON.stringify writes it. The nodes check the
// signature and expiry, and that the address is permitted for the PKP.
func EthWalletAuthMethod(a authsig.AuthSig) (AuthMethod, error) {
	if a.Algo != "" || a.DerivedVia != authsig.DerivedViaWallet {
		return AuthMethod{}, fmt.Errorf("pkp: an EthWallet auth method needs a wallet AuthSig (derivedVia %q, no algo), got derivedVia %q algo %q", authsig.DerivedViaWallet, a.DerivedVia, a.Algo)
	}
	b, err := jsjson.Marshal(a)
	if err != nil {
		return AuthMethod{}, err
	}
	return AuthMethod{AuthMethodType: AuthMethodEthWallet, AccessToken: string(b)}, nil
}

// EthWalletAuthSig returns the wallet AuthSig inside an EthWallet auth
// method.
func (m AuthMethod) EthWalletAuthSig() (authsig.AuthSig, error) {
	if m.AuthMethodType != AuthMethodEthWallet {
		return authsig.AuthSig{}, fmt.Errorf("pkp: auth method type %d is not EthWallet (%d)", m.AuthMethodType, AuthMethodEthWallet)
	}
	var a authsig.AuthSig
	if err := json.Unmarshal([]byte(m.AccessToken), &a); err != nil {
		return authsig.AuthSig{}, fmt.Errorf("pkp: the EthWallet accessToken is not an AuthSig JSON: %w", err)
	}
	return a, nil
}

// SignEthWalletAuthMethod has signer sign a plain SIWE message (domain
// localhost, URI https://localhost/login, statement AuthMethodStatement,
// the given nonce, issued now, expiring at expiration) and returns it as an
// EthWallet auth method. nonce should be the network's latest blockhash
// (Network.LatestBlockhash). now nil means time.Now.
func SignEthWalletAuthMethod(ctx context.Context, signer authsig.Signer, nonce string, expiration time.Time, now func() time.Time) (AuthMethod, error) {
	if now == nil {
		now = time.Now
	}
	addr, err := signer.Address(ctx)
	if err != nil {
		return AuthMethod{}, fmt.Errorf("pkp: getting the wallet's address: %w", err)
	}
	msg, err := siwe.Create(siwe.Params{
		Address:    addr,
		Nonce:      nonce,
		IssuedAt:   siwe.FormatTime(now()),
		Expiration: siwe.FormatTime(expiration),
	}, AuthMethodStatement, nil)
	if err != nil {
		return AuthMethod{}, fmt.Errorf("pkp: building the auth method's SIWE message: %w", err)
	}
	a, err := authsig.Sign(ctx, signer, msg)
	if err != nil {
		return AuthMethod{}, fmt.Errorf("pkp: the wallet did not sign the auth method: %w", err)
	}
	return EthWalletAuthMethod(a)
}
