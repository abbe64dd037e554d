// This file is added to github.com/decred/dcrd/dcrec/secp256k1/v4 in the
// browser builds only (make wasm-work; internal/wasmwork's secpEdits).

package secp256k1

import (
	"encoding/hex"
	"math/big"
)

// hexToBig reads s, unsigned hex digits, as fromHex's
// big.Int.SetString(s, 16) does for the package's constants and tests:
// through encoding/hex and SetBytes, whose loops are short.
func hexToBig(s string) (*big.Int, bool) {
	if s == "" {
		return nil, false
	}
	if len(s)%2 == 1 {
		s = "0" + s
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, false
	}
	return new(big.Int).SetBytes(b), true
}
