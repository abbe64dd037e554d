package pkpsig

import (
	"bytes"
	"encoding/hex"
	"testing"

	"github.com/litgo/litsession/internal/testvec"
)

func TestVectorNodeSide(t *testing.T) {
	v := testvec.LoadECDSA(t)
	// The randomness is k, then shares 1 and 2; share 3 completes the sum.
	var r bytes.Buffer
	r.Write(testvec.Hex(t, v.NonceK))
	r.Write(testvec.Hex(t, v.Shares[0]))
	r.Write(testvec.Hex(t, v.Shares[1]))
	sess, err := NewSigningSession(testvec.Hex(t, v.PrivateKey), [32]byte(testvec.Hex(t, v.Digest)), 3, &r)
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(sess.BigR[:]); got != v.BigR {
		t.Errorf("bigR: got %s want %s", got, v.BigR)
	}
	for i, s := range sess.Shares {
		if got := hex.EncodeToString(s[:]); got != v.Shares[i] {
			t.Errorf("share %d: got %s want %s", i, got, v.Shares[i])
		}
	}
}

func TestVectorCombine(t *testing.T) {
	v := testvec.LoadECDSA(t)
	var shares [][]byte
	for _, s := range v.Shares {
		shares = append(shares, testvec.Hex(t, s))
	}
	pub := testvec.Hex(t, v.PublicKey)
	sig, err := Combine(testvec.Hex(t, v.BigR), shares, pub, testvec.Hex(t, v.Digest))
	if err != nil {
		t.Fatal(err)
	}
	want := Signature{
		R:          v.Combined.R,
		S:          v.Combined.S,
		Recid:      v.Combined.Recid,
		Signature:  v.Combined.Signature,
		PublicKey:  v.PublicKey,
		DataSigned: v.Digest,
	}
	if *sig != want {
		t.Errorf("Combine:\n got %+v\nwant %+v", *sig, want)
	}
	if sig.S != v.SFull {
		t.Errorf("s: got %s, want s_full %s", sig.S, v.SFull)
	}

	// Share order does not matter, and a compressed public key works too.
	compressed := append([]byte{0x02 | pub[64]&1}, pub[1:33]...)
	sig2, err := Combine(testvec.Hex(t, v.BigR), [][]byte{shares[2], shares[0], shares[1]}, compressed, testvec.Hex(t, v.Digest))
	if err != nil {
		t.Fatal(err)
	}
	if sig2.Signature != want.Signature {
		t.Errorf("reordered shares, compressed key: got %s", sig2.Signature)
	}
}
