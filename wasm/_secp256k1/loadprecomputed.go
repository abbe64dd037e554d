// This file replaces loadprecomputed.go of github.com/decred/dcrd/dcrec/secp256k1/v4
// (secpVersion in internal/wasmwork/secp.go) in the browser builds only: make
// wasm-work copies that module into bin/wasmwork/secp256k1, with this file in
// place, compressedbytepoints.go renamed to a _test.go file, upstream's
// ScalarBaseMultNonConst in curve.go renamed to scalarBaseMultTable, and
// fromHex reading through hextobig.go (internal/wasmwork's secpEdits), and
// points bin/wasmwork/go.work at the copy. Native builds use the module as
// published.
//
// Why: upstream keeps the table of 32×256 precomputed points for scalar base
// multiplication as a 698 KB base64 string of zlib data, and a package
// initializer keeps it alive in every binary that imports the package (which
// go-ethereum/crypto, and through it siwe-go, do). The data is incompressible:
// it was about 530 KB of the browser module's gzip size. Here the same table
// is computed from the base point with the package's own arithmetic, and
// converted to affine coordinates with a single field inversion
// (Montgomery's batch trick), as genprecomps.go computes it.
//
// Computing the table takes about as long in wasm as some fifty scalar base
// multiplications without it, and a page makes a handful (a wallet
// signature's ecrecover, a dev wallet's key and signature). So
// ScalarBaseMultNonConst multiplies without the table (ScalarMultNonConst on
// the base point: endomorphism and NAF) until it has been called
// tableAfterCalls times, and only then computes the table and uses it: no
// page pays the table on its first wallet step, and a program that signs in
// bulk still gets the table's speed.
//
// wasm/_secp256k1/table_test.go, copied in beside it, checks every entry
// against the published table and both paths against each other; make
// secp256k1-test runs it and upstream's tests.

package secp256k1

import (
	"sync"
	"sync/atomic"
)

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

// tableAfterCalls is the number of scalar base multiplications made without
// the table before the table is computed (about its cost in wasm, measured
// by BenchmarkComputeBytePoints against BenchmarkScalarBaseMultNoTable).
const tableAfterCalls = 64

// baseMultCalls counts the multiplications made without the table (callers
// may multiply concurrently).
var baseMultCalls atomic.Int32

// generator is G in affine coordinates, as ScalarMultNonConst needs it.
var generator = func() JacobianPoint {
	var g JacobianPoint
	g.X.Set(hexToFieldVal("79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"))
	g.Y.Set(hexToFieldVal("483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8"))
	g.Z.SetInt(1)
	return g
}()

// ScalarBaseMultNonConst multiplies k*G where k is a scalar modulo the curve
// order and G is the base point of the group and stores the result in the
// provided Jacobian point: with the precomputed table once
// tableAfterCalls multiplications have been made without it, by
// ScalarMultNonConst on G before.
//
// NOTE: The resulting point will be normalized.
func ScalarBaseMultNonConst(k *ModNScalar, result *JacobianPoint) {
	if baseMultCalls.Load() >= tableAfterCalls {
		scalarBaseMultTable(k, result)
		return
	}
	baseMultCalls.Add(1)
	scalarBaseMultNoTable(k, result)
}

// scalarBaseMultNoTable is k*G without the table.
func scalarBaseMultNoTable(k *ModNScalar, result *JacobianPoint) {
	g := generator
	ScalarMultNonConst(k, &g, result)
}

// computeBytePoints returns the table: entry [w][i] is i·2^(8·(31−w))·G in
// affine form (Z = 1, X and Y normalized); entry [w][0], the point at
// infinity, is (0, 0, 1), as upstream deserializes it.
func computeBytePoints() *bytePointTable {
	t := new(bytePointTable)

	// base is 2^(8·(31−w))·G for window w, walking from the least
	// significant window (w = 31, base G) up.
	base := generator
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
