package bls_test

import (
	"fmt"

	"github.com/litgo/litsession/core/bls"
)

// The PKP session flow: nodes sign the session digest with their shares of
// the network key, the client combines two of them into the LIT_BLS AuthSig
// sig field, and anyone verifies it with the network public key.
func Example() {
	networkKey, _ := bls.GenerateSecretKey(nil)
	nodeKeys, _ := bls.SplitSecret(networkKey, 2, 3, nil)

	siwe := "localhost wants you to sign in with your Ethereum account:\n…"
	m := bls.SessionDigest(siwe)
	shares := [][]byte{
		bls.SignShare(nodeKeys[2], m[:]),
		bls.SignShare(nodeKeys[0], m[:]),
	}
	sig, err := bls.CombineShares(shares)
	if err != nil {
		panic(err)
	}
	authSigSig, _ := bls.FormatProofOfPossession(sig)

	// Verifier side.
	parsed, err := bls.ParseProofOfPossession(authSigSig)
	if err != nil {
		panic(err)
	}
	pk := bls.PublicKeyFromSecret(networkKey)
	fmt.Println(bls.Verify(pk, m[:], parsed))
	// Output: <nil>
}
