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
	"io"
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
