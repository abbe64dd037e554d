package bls

import (
	"bytes"
	"encoding/hex"
	"testing"

	"github.com/litgo/litsession/internal/testvec"
)

func FuzzParseProofOfPossession(f *testing.F) {
	f.Add(`{"ProofOfPossession":"` + hex.EncodeToString(make([]byte, SignatureSize)) + `"}`)
	f.Add(`{"ProofOfPossession":{"identifier":1,"value":"00"}}`)
	f.Add(`{"ProofOfPossession":"\u0030"}`)
	f.Add(` [1, {"a":null}] `)
	f.Fuzz(func(t *testing.T, s string) {
		sig, err := ParseProofOfPossession(s)
		if err != nil {
			return
		}
		if len(sig) != SignatureSize {
			t.Fatalf("parsed %d bytes", len(sig))
		}
		pop, err := FormatProofOfPossession(sig)
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseProofOfPossession(pop)
		if err != nil || !bytes.Equal(again, sig) {
			t.Fatalf("round trip of %q: %x, %v", pop, again, err)
		}
	})
}

func FuzzCombineShares(f *testing.F) {
	var seeds [][]byte
	for _, s := range testvec.LoadBLS(f).Shares {
		seeds = append(seeds, testvec.Hex(f, s))
	}
	f.Add(seeds[0], seeds[1], seeds[2])
	f.Add(seeds[2], seeds[1], []byte{})
	f.Add(seeds[0], seeds[0], seeds[1])
	f.Add([]byte{1}, []byte{2}, []byte{})
	f.Fuzz(func(t *testing.T, a, b, c []byte) {
		in := [][]byte{a, b}
		if len(c) > 0 {
			in = append(in, c)
		}
		sig, err := CombineShares(in)
		if err != nil {
			return
		}
		if len(sig) != SignatureSize {
			t.Fatalf("combined %d bytes", len(sig))
		}
		if _, err := decodeG2("combined signature", sig); err != nil {
			t.Fatalf("combined signature does not decode: %v", err)
		}
	})
}
