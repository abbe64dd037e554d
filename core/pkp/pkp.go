// Package pkp is the client side of Lit PKP delegation (docs/protocol.md#pkp-delegation,
// docs/protocol.md#pkp-signing): a PKP (a secp256k1 key held by the Lit network) signs a
// session key through the nodes, and the session then has the nodes sign
// with the PKP.
//
// The flow, and the function for each step:
//
//  1. SignSessionKey: send the PKP SIWE and the auth methods (for example
//     the owner wallet's AuthSig, see EthWalletAuthMethod) to every node's
//     /web/sign_session_key/v1, combine the nodes' BLS12-381 shares and
//     verify the result under the network public key. The result is the
//     LIT_BLS AuthSig that delegates from the PKP to the session key.
//  2. GetPkpSessionSigs: session signatures (core/session) whose wallet
//     capability is that LIT_BLS AuthSig, cached like EOA delegations.
//  3. PkpSign: send each node its own session signature at
//     /web/pkp/sign/v1, and combine the additive ECDSA shares (core/pkpsig)
//     into a signature verified against the PKP key.
//
// VerifyAuthSig (and CapabilityVerifier, for session.Engine) checks a
// LIT_BLS AuthSig locally.
//
// Nothing a node sends is trusted: BLS shares are only accepted once they
// combine to a signature that verifies under the network key (from the
// handshake), and ECDSA shares once the combined signature verifies under
// the PKP key. Where the official SDK is laxer it is noted on the function.
//
// The package is pure Go without net/http; it builds for GOOS=js
// GOARCH=wasm. All I/O goes through a Network (core/node's Client).
package pkp

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/core/resource"
)

// Node endpoints (v7 "datil").
const (
	SignSessionKeyPath = "/web/sign_session_key/v1"
	PKPSignPath        = "/web/pkp/sign/v1"
)

// Network is the connected Lit network as these flows use it; core/node's
// *Client implements it.
type Network interface {
	// ConnectedNodes returns the node URLs in validator order.
	ConnectedNodes() []string
	// MinNodeCount returns the network threshold.
	MinNodeCount() int
	// NetworkPublicKey returns the BLS12-381 network key (96 hex) from the
	// handshake, which verifies LIT_BLS signatures.
	NetworkPublicKey() string
	// LatestBlockhash returns a recent blockhash, the SIWE nonce.
	LatestBlockhash(ctx context.Context) (string, error)
	// Send POSTs a JSON object to each node in bodies at the network
	// generation's path for op, with one X-Request-Id, in the
	// generation's wrapping (v7: "epoch" added).
	Send(ctx context.Context, op node.Endpoint, bodies map[string][]byte) ([]node.Reply, error)
}

var _ Network = (*node.Client)(nil)

// PKP identifies a PKP by its public key, with the forms Lit derives from
// it. Its JSON form is {"tokenId","publicKey","ethAddress"}.
type PKP struct {
	// TokenID is the PKP NFT token id, keccak256 of the 65-byte
	// uncompressed public key (as Lit's PubkeyRouter computes it), written
	// as "0x" + 64 lowercase hex. The decimal form used on chain is the
	// same number.
	TokenID string `json:"tokenId"`
	// PublicKey is "0x04" + 128 lowercase hex: the uncompressed key.
	PublicKey string `json:"publicKey"`
	// EthAddress is the EIP-55 Ethereum address of the key (ethers'
	// computeAddress): the address of the PKP's SIWE messages.
	EthAddress string `json:"ethAddress"`
}

// Parse reads a PKP public key: 65 bytes uncompressed (04…) or 33 bytes
// compressed (02…/03…), as hex with or without "0x".
func Parse(publicKey string) (PKP, error) {
	b, err := decodePublicKey(publicKey)
	if err != nil {
		return PKP{}, err
	}
	k, _ := crypto.UnmarshalPubkey(b)
	return PKP{
		TokenID:    "0x" + hex.EncodeToString(crypto.Keccak256(b)),
		PublicKey:  "0x" + hex.EncodeToString(b),
		EthAddress: crypto.PubkeyToAddress(*k).Hex(),
	}, nil
}

// Bytes returns the 65-byte uncompressed public key.
func (p PKP) Bytes() []byte {
	b, _ := hex.DecodeString(strings.TrimPrefix(p.PublicKey, "0x"))
	return b
}

// Resource returns the PKP's resource, lit-pkp://<token id as 64 hex, no
// 0x>: the id recaps and nodes use for this PKP (resource.NormalizePKPID
// of TokenID).
func (p PKP) Resource() resource.Resource {
	r, _ := resource.New(resource.PKP, p.TokenID)
	return r
}

// decodePublicKey returns the 65-byte uncompressed form of a hex secp256k1
// public key.
func decodePublicKey(s string) ([]byte, error) {
	h := strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	b, err := hex.DecodeString(h)
	if err != nil {
		return nil, fmt.Errorf("pkp: public key %s is not hex; pass the PKP public key as 0x04 followed by 128 hex characters", short(s))
	}
	switch {
	case len(b) == 65 && b[0] == 0x04:
		if _, err := crypto.UnmarshalPubkey(b); err != nil {
			return nil, fmt.Errorf("pkp: public key %s is not a point on secp256k1; check that it is the PKP public key", short(s))
		}
		return b, nil
	case len(b) == 33 && (b[0] == 0x02 || b[0] == 0x03):
		k, err := crypto.DecompressPubkey(b)
		if err != nil {
			return nil, fmt.Errorf("pkp: public key %s is not a point on secp256k1; check that it is the PKP public key", short(s))
		}
		return crypto.FromECDSAPub(k), nil
	case len(b) == 0:
		return nil, errors.New("pkp: public key is empty; pass the PKP public key (0x04 followed by 128 hex characters)")
	}
	return nil, fmt.Errorf("pkp: public key is %d bytes; want 65 starting 04 (uncompressed) or 33 starting 02/03 (compressed)", len(b))
}

// short truncates a value for an error message.
func short(s string) string {
	if len(s) > 20 {
		s = s[:20] + "…"
	}
	return fmt.Sprintf("%q", s)
}
