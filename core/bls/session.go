package bls

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"

	"github.com/ethereum/go-ethereum/crypto"
)

// SessionDigest returns the 32-byte message m that Lit nodes sign for a PKP
// session (sign_session_key) and report as dataSigned:
//
//	m = SHA-256(UTF-8("lit_session:" + hex(keccak256(EIP-191(siweMessage)))))
//
// where EIP-191 is "\x19Ethereum Signed Message:\n" + decimal byte length +
// message, and hex is lowercase without "0x". The LIT_BLS AuthSig is a
// signature of m, not of the SIWE text.
func SessionDigest(siweMessage string) [32]byte {
	h := eip191Hash(siweMessage)
	return sha256.Sum256([]byte("lit_session:" + hex.EncodeToString(h)))
}

// eip191Hash is the personal_sign hash of msg, as go-ethereum's
// accounts.TextHash computes it. That package is not imported because it
// pulls in KZG code this module neither needs nor has in go.sum.
func eip191Hash(msg string) []byte {
	return crypto.Keccak256([]byte("\x19Ethereum Signed Message:\n" + strconv.Itoa(len(msg)) + msg))
}

// VerifySession checks the sig field of a LIT_BLS AuthSig,
// {"ProofOfPossession":"<192 hex>"}, over SessionDigest(signedMessage) with
// the network public key. A sig field that does not parse is an error from
// ParseProofOfPossession; a signature that does not verify wraps
// ErrVerification.
func VerifySession(networkKey *PublicKey, sigField, signedMessage string) error {
	sig, err := ParseProofOfPossession(sigField)
	if err != nil {
		return err
	}
	digest := SessionDigest(signedMessage)
	return Verify(networkKey, digest[:], sig)
}
