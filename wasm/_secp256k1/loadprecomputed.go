// This file replaces loadprecomputed.go of github.com/decred/dcrd/dcrec/secp256k1/v4
// (secpVersion in internal/wasmwork/secp.go) in the browser builds only: make
// wasm-work copies that module into bin/wasmwork/secp256k1, with this file in
// place and compressedbytepoints.go renamed to a _test.go file, and points
// bin/wasmwork/go.work at the copy. Native builds use the module as published.
//
// Why: upstream keeps the table of 32×256 precomputed points for scalar base
// multiplication as a 698 KB base64 string of zlib data, and a package
// initializer keeps it alive in every binary that imports the package (which
// go-ethereum/crypto, and through it siwe-go, do). The data is incompressible:
// it was about 530 KB of the browser module's gzip size. Here the same table
// is computed on first use from the base point with the package's own
// arithmetic, and converted to affine coordinates with a single field
// inversion (Montgomery's batch trick), as genprecomps.go computes it.
//
// wasm/_secp256k1/table_test.go, copied in beside it, checks every entry
// against the published table; make secp256k1-test runs it and upstream's tests.

package secp256k1

import "sync"

// bytePointTable describes a table used to house pre-computed values for
// accelerating scalar base multiplication.
type bytePointTable [32][256]JacobianPoint

// compressedBytePointsFn is what upstream's compressedbytepoints.go sets. It
// is unused by this file; it is declared so that the tests, which build that
// file as compressedbytepoints_test.go, can read the published table.
var compressedBytePointsFn func() string

// s256BytePoints returns the table, computing it on first use.
var s256BytePoints = func() func() *bytePointTable {
	var data *bytePointTable
	var once sync.Once
	return func() *bytePointTable {
		once.Do(func() { data = computeBytePoints() })
		return data
	}
}()

// computeBytePoints returns the table: entry [w][i] is i·2^(8·(31−w))·G in
// affine form (Z = 1, X and Y normalized); entry [w][0], the point at
// infinity, is (0, 0, 1), as upstream deserializes it.
func computeBytePoints() *bytePointTable {
	t := new(bytePointTable)

	// base is 2^(8·(31−w))·G for window w, walking from the least
	// significant window (w = 31, base G) up.
	var base JacobianPoint
	base.X.Set(hexToFieldVal("79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"))
	base.Y.Set(hexToFieldVal("483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8"))
	base.Z.SetInt(1)
	for w := len(t) - 1; w >= 0; w-- {
		row := &t[w]
		row[0].Z.SetInt(1)
		row[1].Set(&base)
		for i := 2; i < len(row); i++ {
			AddNonConst(&row[i-1], &base, &row[i])
		}
		if w > 0 {
			// 256·base, made affine for the next window's additions.
			for j := 0; j < 8; j++ {
				DoubleNonConst(&base, &base)
			}
			base.ToAffine()
		}
	}

	// Batch inversion of every Z: prefix[k] = Z_0·…·Z_k, one inversion of
	// the whole product, then walk back to peel off each Z^-1.
	const per = len(t[0]) - 1 // entries 1..255 of each window
	const n = len(t) * per
	at := func(k int) *JacobianPoint { return &t[k/per][k%per+1] }
	prefix := make([]FieldVal, n)
	prefix[0].Set(&at(0).Z)
	for k := 1; k < n; k++ {
		prefix[k].Mul2(&prefix[k-1], &at(k).Z)
	}
	var inv FieldVal
	inv.Set(&prefix[n-1]).Inverse()
	for k := n - 1; k >= 0; k-- {
		p := at(k)
		var zInv FieldVal
		if k > 0 {
			zInv.Mul2(&inv, &prefix[k-1]) // Z_k^-1
			inv.Mul(&p.Z)                 // (Z_0·…·Z_{k-1})^-1
		} else {
			zInv.Set(&inv)
		}
		var zInv2 FieldVal
		zInv2.SquareVal(&zInv)
		p.X.Mul(&zInv2).Normalize()
		p.Y.Mul(zInv2.Mul(&zInv)).Normalize()
		p.Z.SetInt(1)
	}
	return t
}
