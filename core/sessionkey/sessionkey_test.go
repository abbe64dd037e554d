package sessionkey

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
)

const (
	seed22 = "2222222222222222222222222222222222222222222222222222222222222222"
	pub22  = "a09aa5f47a6759802ff955f8dc2d2a14a5c99d23be97f864127ff9383455a4f0"
)

func TestFromSeedMatchesReference(t *testing.T) {
	seed, _ := hex.DecodeString(seed22)
	kp, err := FromSeed(seed)
	if err != nil {
		t.Fatal(err)
	}
	if kp.PublicKeyHex() != pub22 {
		t.Fatalf("public key %s, want %s", kp.PublicKeyHex(), pub22)
	}
	if kp.SecretKeyHex() != seed22+pub22 {
		t.Fatalf("secret key layout is not seed‖pub")
	}
	if kp.URI() != "lit:session:"+pub22 {
		t.Fatalf("URI %s", kp.URI())
	}
}

func TestParseRoundTripAndBothLengths(t *testing.T) {
	kp, err := Generate(nil)
	if err != nil {
		t.Fatal(err)
	}
	js, err := kp.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(js)
	if err != nil || !back.Equal(kp) {
		t.Fatalf("round trip: %v", err)
	}
	short, err := FromHex(kp.PublicKeyHex(), kp.SecretKeyHex()[:64])
	if err != nil || !short.Equal(kp) {
		t.Fatalf("64-hex secret: %v", err)
	}
	upper, err := FromHex(strings.ToUpper(kp.PublicKeyHex()), strings.ToUpper(kp.SecretKeyHex()))
	if err != nil || !upper.Equal(kp) {
		t.Fatalf("upper-case hex: %v", err)
	}
	msg := []byte("hello")
	if err := VerifyHex(kp.PublicKeyHex(), hex.EncodeToString(kp.Sign(msg)), msg); err != nil {
		t.Fatal(err)
	}
	if err := VerifyHex(kp.PublicKeyHex(), hex.EncodeToString(kp.Sign(msg)), []byte("hellO")); err == nil {
		t.Fatal("tampered message verified")
	}
}

func TestParseErrors(t *testing.T) {
	other, _ := Generate(nil)
	good, _ := FromHex("", seed22)
	mixed := seed22 + other.PublicKeyHex()
	cases := []struct {
		name, in, want string
	}{
		{"not json", `nope`, "not a key pair object"},
		{"array", `[]`, "not a key pair object"},
		{"missing public", `{"secretKey":"` + good.SecretKeyHex() + `"}`, "publicKey is missing"},
		{"missing secret", `{"publicKey":"` + pub22 + `"}`, "secretKey is missing"},
		{"0x prefix", `{"publicKey":"` + pub22 + `","secretKey":"0x` + seed22 + `"}`, "without 0x"},
		{"not hex", `{"publicKey":"` + pub22 + `","secretKey":"zz"}`, "not hex"},
		{"short secret", `{"publicKey":"` + pub22 + `","secretKey":"abcd"}`, "128 hex characters"},
		{"short public", `{"publicKey":"abcd","secretKey":"` + seed22 + `"}`, "publicKey must be 64"},
		{"wrong public", `{"publicKey":"` + other.PublicKeyHex() + `","secretKey":"` + seed22 + `"}`, "does not belong"},
		{"corrupt tail", `{"publicKey":"` + pub22 + `","secretKey":"` + mixed + `"}`, "last 32 bytes"},
		{"wrong type", `{"publicKey":1,"secretKey":"` + seed22 + `"}`, "not a key pair object"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.in))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestNeverPrintsSecret(t *testing.T) {
	kp, _ := Generate(nil)
	for _, s := range []string{fmt.Sprint(kp), fmt.Sprintf("%v %+v %#v %s %x", kp, kp, kp, kp, kp), kp.String()} {
		if strings.Contains(s, kp.SecretKeyHex()[:64]) {
			t.Fatalf("formatted key pair leaks the secret: %s", s)
		}
	}
}

func TestPublicKeyFromURI(t *testing.T) {
	if pk, err := PublicKeyFromURI("lit:session:" + pub22); err != nil || pk != pub22 {
		t.Fatal(pk, err)
	}
	for _, bad := range []string{"lit:session:", "lit:session:zz", "session:" + pub22, "lit:session:" + pub22 + "00"} {
		if _, err := PublicKeyFromURI(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"publicKey":"` + pub22 + `","secretKey":"` + seed22 + pub22 + `"}`))
	f.Add([]byte(`{"publicKey":"` + pub22 + `","secretKey":"` + seed22 + `"}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		kp, err := Parse(data)
		if err != nil {
			return
		}
		js, err := kp.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		again, err := Parse(js)
		if err != nil || !again.Equal(kp) {
			t.Fatalf("accepted key does not round-trip: %v", err)
		}
		if !bytes.Equal(kp.PublicKey(), again.PublicKey()) {
			t.Fatal("public key changed")
		}
	})
}
