package verify

import (
	"context"
	"encoding/hex"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/litgo/litsession/core/authsig"
)

// sameAsAuthsig fails unless verifyWallet and authsig.Verify agree on a:
// the same *authsig.Error, or the same message, address and expiry.
func sameAsAuthsig(t testing.TB, a authsig.AuthSig, now time.Time, skew time.Duration) bool {
	t.Helper()
	if a.DerivedVia != authsig.DerivedViaWallet || a.Algo != "" && a.Algo != authsig.AlgoEd25519 {
		return false // verifyCapability refuses these before verifyWallet
	}
	want, wantErr := authsig.Verify(a, authsig.Options{Now: now, Skew: skew})
	got, gotErr := verifyWallet(a, now, skew)
	if wantErr != nil || gotErr != nil {
		var we, ge *authsig.Error
		if !errors.As(wantErr, &we) || !errors.As(gotErr, &ge) || *we != *ge {
			t.Fatalf("verifyWallet error %v, authsig.Verify %v, for %+v at %s", gotErr, wantErr, a, now)
		}
		return false
	}
	exp, _ := want.Message.Expiration()
	if got.Text != want.Message.String() || got.Address != want.Address || !got.ExpirationTime.Equal(exp) ||
		!want.Expiration.Equal(exp) || got.Nonce != want.Message.Nonce() || got.URI != want.Message.URI() {
		t.Fatalf("verifyWallet accepts %+v with other fields than authsig.Verify", a)
	}
	return true
}

// walletCases are wallet AuthSigs around each check of authsig.Verify.
func walletCases(t testing.TB) []authsig.AuthSig {
	f := newFixture(t)
	good := f.delegation(f.defaults(params{}))
	raw, err := hex.DecodeString(good.Sig[2:])
	if err != nil {
		t.Fatal(err)
	}
	withSig := func(b []byte) authsig.AuthSig {
		a := good
		a.Sig = "0x" + hex.EncodeToString(b)
		return a
	}
	v := func(x byte) authsig.AuthSig {
		b := append([]byte(nil), raw...)
		b[64] = x
		return withSig(b)
	}
	// The high-s twin: s' = n - s with the other recovery id.
	n := crypto.S256().Params().N
	hs := append([]byte(nil), raw...)
	new(big.Int).Sub(n, new(big.Int).SetBytes(raw[32:64])).FillBytes(hs[32:64])
	hs[64] ^= 1
	flipped := append([]byte(nil), raw...)
	flipped[5] ^= 1

	signed := func(msg string) authsig.AuthSig {
		a, err := authsig.Sign(context.Background(), f.wallet, msg)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	notBefore := strings.Replace(good.SignedMessage, "\nResources:", "\nNot Before: 2026-06-01T13:00:00.000Z\nResources:", 1)
	noExp := good.SignedMessage[:strings.Index(good.SignedMessage, "\nExpiration Time:")] +
		good.SignedMessage[strings.Index(good.SignedMessage, "\nResources:"):]
	other := good
	other.Address = "0x0000000000000000000000000000000000000001"
	lower := good
	lower.Address = strings.ToLower(good.Address)
	algo := good
	algo.Algo = authsig.AlgoEd25519
	cases := []authsig.AuthSig{
		good, lower, other, algo, v(0), v(1), v(27), v(28), v(29), v(2), withSig(hs), withSig(flipped), withSig(raw[:64]),
		withSig(append(raw, 0)), signed(notBefore), signed(noExp), signed(good.SignedMessage + "\n"),
	}
	for _, s := range []string{strings.ToUpper(good.Sig), "0X" + good.Sig[2:], good.Sig[2:], good.Sig + "zz", "", "0x"} {
		a := good
		a.Sig = s
		cases = append(cases, a)
	}
	for _, m := range []string{"", "not siwe", strings.Replace(good.SignedMessage, "Chain ID: 1", "Chain ID: 01", 1), strings.Replace(good.SignedMessage, "\n", "\r\n", -1)} {
		a := good
		a.SignedMessage = m
		cases = append(cases, a)
	}
	return cases
}

func TestVerifyWalletMatchesAuthsig(t *testing.T) {
	accepted := 0
	for _, a := range walletCases(t) {
		for _, now := range []time.Time{testNow, testNow.Add(-2 * time.Minute), testNow.Add(-10 * time.Minute), testNow.Add(2 * time.Hour), testNow.Add(48 * time.Hour)} {
			for _, skew := range []time.Duration{0, DefaultMaxSkew} {
				if sameAsAuthsig(t, a, now, skew) {
					accepted++
				}
			}
		}
	}
	if accepted == 0 {
		t.Fatal("no case is accepted; the comparison checks only errors")
	}
	t.Logf("%d accepted verifications agree", accepted)
}

// FuzzVerifyWallet holds verifyWallet to authsig.Verify for arbitrary
// messages and sigs.
func FuzzVerifyWallet(f *testing.F) {
	for _, a := range walletCases(f) {
		f.Add(a.SignedMessage, a.Sig, a.Address, int64(0))
	}
	f.Fuzz(func(t *testing.T, msg, sig, addr string, offset int64) {
		a := authsig.AuthSig{Sig: sig, DerivedVia: authsig.DerivedViaWallet, SignedMessage: msg, Address: addr}
		sameAsAuthsig(t, a, testNow.Add(time.Duration(offset%(1<<40))), DefaultMaxSkew)
	})
}
