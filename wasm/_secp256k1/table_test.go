// Copied into the workspace copy of github.com/decred/dcrd/dcrec/secp256k1/v4
// (bin/wasmwork/secp256k1, made by make wasm-work) as
// litsession_table_test.go, beside wasm/_secp256k1/loadprecomputed.go and
// upstream's compressedbytepoints.go renamed to a _test.go file, so that the
// published table is available to compare against. make secp256k1-test runs
// it.

package secp256k1

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/hex"
	"io"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestComputedBytePointsMatchPublished checks all 32×256 entries of the
// computed table against upstream's compressed table, coordinate by
// coordinate, in upstream's serialization (X‖Y, 32 bytes each).
func TestComputedBytePointsMatchPublished(t *testing.T) {
	if compressedBytePointsFn == nil {
		t.Fatal("the published table is missing: run this test through make secp256k1-test")
	}
	r, err := zlib.NewReader(base64.NewDecoder(base64.StdEncoding, strings.NewReader(compressedBytePointsFn())))
	if err != nil {
		t.Fatal(err)
	}
	want, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	table := s256BytePoints()
	got := make([]byte, 0, len(want))
	for w := range table {
		for i := range table[w] {
			p := &table[w][i]
			if !p.Z.IsOne() {
				t.Fatalf("entry [%d][%d]: Z is not 1", w, i)
			}
			var x, y [32]byte
			p.X.PutBytes(&x)
			p.Y.PutBytes(&y)
			got = append(got, x[:]...)
			got = append(got, y[:]...)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("table is %d bytes serialized, published %d", len(got), len(want))
	}
	if !bytes.Equal(got, want) {
		for k := 0; k < len(got); k += 32 {
			if !bytes.Equal(got[k:k+32], want[k:k+32]) {
				e := k / 64
				t.Fatalf("entry [%d][%d] coordinate %d differs: got %x, published %x",
					e/256, e%256, k/32%2, got[k:k+32], want[k:k+32])
			}
		}
	}
}

func BenchmarkComputeBytePoints(b *testing.B) {
	for i := 0; i < b.N; i++ {
		computeBytePoints()
	}
}

// BenchmarkDecompressPublished is what upstream's loader does on first use
// instead (base64, zlib, deserialize), for comparison with
// BenchmarkComputeBytePoints.
func BenchmarkDecompressPublished(b *testing.B) {
	if compressedBytePointsFn == nil {
		b.Skip("the published table is missing: run this in bin/wasmwork/secp256k1 (make wasm-work) with GOWORK=off go test -run XXX -bench .")
	}
	for i := 0; i < b.N; i++ {
		r, err := zlib.NewReader(base64.NewDecoder(base64.StdEncoding, strings.NewReader(compressedBytePointsFn())))
		if err != nil {
			b.Fatal(err)
		}
		serialized, err := io.ReadAll(r)
		if err != nil {
			b.Fatal(err)
		}
		var t bytePointTable
		offset := 0
		for w := range t {
			for j := range t[w] {
				p := &t[w][j]
				p.X.SetByteSlice(serialized[offset:])
				p.Y.SetByteSlice(serialized[offset+32:])
				p.Z.SetInt(1)
				offset += 64
			}
		}
	}
}

// Upstream's TestScalarBaseMultJacobian checks the exact Jacobian
// coordinates the table's additions give; without the table the point is
// the same with another Z. So upstream's tests in this package run with the
// table in use from the first call, and TestScalarBaseMultPathsAgree and
// TestScalarBaseMultSwitch check the path without it (ecdsa's and schnorr's
// tests, in their own binaries, start without it).
func init() {
	baseMultCalls.Store(tableAfterCalls)
}

// TestScalarBaseMultSwitch checks that ScalarBaseMultNonConst goes without
// the table for tableAfterCalls calls, then with it.
func TestScalarBaseMultSwitch(t *testing.T) {
	saved := baseMultCalls.Load()
	defer baseMultCalls.Store(saved)
	baseMultCalls.Store(0)
	k := benchScalar()
	var want, got JacobianPoint
	scalarBaseMultNoTable(&k, &want)
	want.ToAffine()
	for i := 1; i <= tableAfterCalls+2; i++ {
		ScalarBaseMultNonConst(&k, &got)
		got.ToAffine()
		if !got.X.Equals(&want.X) || !got.Y.Equals(&want.Y) {
			t.Fatalf("call %d: ScalarBaseMultNonConst gave another point", i)
		}
		w := int32(i)
		if w > tableAfterCalls {
			w = tableAfterCalls
		}
		if n := baseMultCalls.Load(); n != w {
			t.Fatalf("after %d calls, %d were counted as made without the table, want %d", i, n, w)
		}
	}
}

// TestScalarBaseMultPathsAgree checks k·G without the table against k·G
// with it, for edge scalars and random ones, and that
// ScalarBaseMultNonConst gives the same point on both sides of the switch.
func TestScalarBaseMultPathsAgree(t *testing.T) {
	var scalars []ModNScalar
	for _, h := range []string{"0", "1", "2", "ff", "100",
		"fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140", // n-1
		"7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0", // (n-1)/2
	} {
		var k ModNScalar
		if k.SetByteSlice(hexBytes(t, h)) {
			t.Fatalf("scalar %s overflows", h)
		}
		scalars = append(scalars, k)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200; i++ {
		var b [32]byte
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		var k ModNScalar
		k.SetBytes(&b)
		scalars = append(scalars, k)
	}
	for _, k := range scalars {
		var a, b JacobianPoint
		scalarBaseMultNoTable(&k, &a)
		scalarBaseMultTable(&k, &b)
		a.ToAffine()
		b.ToAffine()
		if !a.X.Equals(&b.X) || !a.Y.Equals(&b.Y) {
			t.Fatalf("k = %x: without the table (%v, %v), with it (%v, %v)", k.Bytes(), a.X, a.Y, b.X, b.Y)
		}
	}
}

func hexBytes(t *testing.T, h string) []byte {
	t.Helper()
	if len(h)%2 == 1 {
		h = "0" + h
	}
	b, err := hex.DecodeString(h)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// BenchmarkScalarBaseMultNoTable and BenchmarkScalarBaseMultTable are one
// k·G without and with the table (its computation excluded):
// tableAfterCalls is about BenchmarkComputeBytePoints over their difference.
func BenchmarkScalarBaseMultNoTable(b *testing.B) {
	k := benchScalar()
	var r JacobianPoint
	for i := 0; i < b.N; i++ {
		scalarBaseMultNoTable(&k, &r)
	}
}

func BenchmarkScalarBaseMultTable(b *testing.B) {
	k := benchScalar()
	var r JacobianPoint
	s256BytePoints()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		scalarBaseMultTable(&k, &r)
	}
}

func benchScalar() ModNScalar {
	var k ModNScalar
	k.SetHex("d74bf844b0862475103d96a611cf2d898447e288d34b360bc885cb8ce7c00575")
	return k
}

// TestHexToBig: hexToBig reads the curve's constants as SetString does,
// and refuses what is not hex.
func TestHexToBig(t *testing.T) {
	for _, s := range []string{
		"fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f",
		"fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141",
		"0000000000000000000000000000000000000000000000000000000000000007",
		"00", "ABcd", "0", "7", "abc",
	} {
		want, _ := new(big.Int).SetString(s, 16)
		got, ok := hexToBig(s)
		if !ok || got.Cmp(want) != 0 {
			t.Errorf("hexToBig(%q) = %v, %v; want %v", s, got, ok, want)
		}
	}
	for _, s := range []string{"x0", "0x00", "-1", "", "a b"} {
		if _, ok := hexToBig(s); ok {
			t.Errorf("hexToBig(%q) accepted it", s)
		}
	}
	if S256().P.Cmp(fromHex("fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f")) != 0 {
		t.Error("the curve's P differs from its constant")
	}
}
