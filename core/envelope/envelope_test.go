package envelope

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/errcode"
	"github.com/litgo/litsession/core/sessionkey"
)

// The fixed test inputs (docs/protocol.md#fixed-test-inputs): session seed 22×32, and a PKP key.
const (
	seedHex = "2222222222222222222222222222222222222222222222222222222222222222"
	pubHex  = "a09aa5f47a6759802ff955f8dc2d2a14a5c99d23be97f864127ff9383455a4f0"
	// pkpKey is the uncompressed public key of the secp256k1 secret 1 (G).
	pkpKey = "0x0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8"
)

func testEnvelope(t testing.TB) Envelope {
	t.Helper()
	seed, _ := hex.DecodeString(seedHex)
	kp, err := sessionkey.FromSeed(seed)
	if err != nil {
		t.Fatal(err)
	}
	return Envelope{
		PKPPublicKey:   pkpKey,
		SessionKeyPair: kp,
		DelegationAuthSig: authsig.AuthSig{
			Sig:           `{"ProofOfPossession":"` + strings.Repeat("ab", 96) + `"}`,
			Algo:          authsig.AlgoBLS,
			DerivedVia:    authsig.DerivedViaBLS,
			SignedMessage: "litprotocol.com wants you to sign in with your Ethereum account:\n0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf\n\nLit Protocol PKP session signature <&> \u2028\n\nURI: lit:session:" + pubHex,
			Address:       "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf",
		},
	}
}

func TestEncodeFormat(t *testing.T) {
	env := testEnvelope(t)
	out, err := Encode(env)
	if err != nil {
		t.Fatal(err)
	}
	prefix := `{"pkpPublicKey":"` + pkpKey + `","payload":"`
	if !bytes.HasPrefix(out, []byte(prefix)) || !bytes.HasSuffix(out, []byte(`"}`)) {
		t.Fatalf("envelope %s", out)
	}
	b64 := string(out[len(prefix) : len(out)-2])
	if strings.ContainsAny(b64, "=+/") {
		t.Fatalf("payload is not base64url without padding: %s", b64)
	}
	payload, err := base64.RawURLEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	// Exactly JSON.stringify of naga's object: keys in order, compact, the
	// 64-hex seed, <>& and U+2028 raw.
	want := `{"sessionKeyPair":{"publicKey":"` + pubHex + `","secretKey":"` + seedHex + `"},"delegationAuthSig":{"sig":"{\"ProofOfPossession\":\"` + strings.Repeat("ab", 96) +
		`\"}","algo":"LIT_BLS","derivedVia":"lit.bls","signedMessage":"litprotocol.com wants you to sign in with your Ethereum account:\n0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf\n\nLit Protocol PKP session signature <&> ` + "\u2028" + `\n\nURI: lit:session:` + pubHex +
		`","address":"0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf"}}`
	if string(payload) != want {
		t.Fatalf("payload\n got %s\nwant %s", payload, want)
	}

	back, err := Decode(out)
	if err != nil {
		t.Fatal(err)
	}
	if back.PKPPublicKey != pkpKey || !back.SessionKeyPair.Equal(env.SessionKeyPair) || back.DelegationAuthSig != env.DelegationAuthSig {
		t.Fatalf("round trip: %v", back)
	}
	// encoding/json uses the same format.
	j, err := json.Marshal(env)
	if err != nil || !bytes.Equal(j, out) {
		t.Fatalf("json.Marshal: %v\n%s", err, j)
	}
	var e2 Envelope
	if err := json.Unmarshal(out, &e2); err != nil || !e2.SessionKeyPair.Equal(env.SessionKeyPair) {
		t.Fatalf("json.Unmarshal: %v", err)
	}
}

// build returns an envelope with the payload JSON given as text.
func build(pkpPub, payload string) []byte {
	return []byte(`{"pkpPublicKey":"` + pkpPub + `","payload":"` + base64.RawURLEncoding.EncodeToString([]byte(payload)) + `"}`)
}

func payloadJSON(pub, sec, authSig string) string {
	return `{"sessionKeyPair":{"publicKey":"` + pub + `","secretKey":"` + sec + `"},"delegationAuthSig":` + authSig + `}`
}

const goodAuthSig = `{"sig":"s","algo":"LIT_BLS","derivedVia":"lit.bls","signedMessage":"m","address":"a"}`

func TestDecodeAcceptsBothSecretLengths(t *testing.T) {
	kpSeed, err := Decode(build(pkpKey, payloadJSON(pubHex, seedHex, goodAuthSig)))
	if err != nil {
		t.Fatal(err)
	}
	kpFull, err := Decode(build("0x04"+strings.ToUpper(pkpKey[4:]), payloadJSON(pubHex, seedHex+pubHex, goodAuthSig)))
	if err != nil {
		t.Fatal(err)
	}
	if !kpSeed.SessionKeyPair.Equal(kpFull.SessionKeyPair) || kpFull.PKPPublicKey != pkpKey {
		t.Fatalf("%v %v", kpSeed, kpFull)
	}
	// An AuthSig without algo is still an AuthSig (core/delegation refuses
	// it as a PKP delegation).
	if _, err := Decode(build(pkpKey, payloadJSON(pubHex, seedHex, `{"sig":"s","derivedVia":"d","signedMessage":"m","address":"a"}`))); err != nil {
		t.Fatal(err)
	}
}

func TestDecodeRefuses(t *testing.T) {
	otherPub := strings.Repeat("0", 64)
	secret := seedHex
	good := string(build(pkpKey, payloadJSON(pubHex, seedHex, goodAuthSig)))
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, c := range []struct {
		name, in, want string
	}{
		{"empty", "", "must be a JSON object"},
		{"array", "[]", "must be a JSON object"},
		{"trailing", good + "{}", "unexpected data after"},
		{"unknown key", `{"pkpPublicKey":"` + pkpKey + `","payload":"x","extra":1}`, `unknown key "extra"`},
		{"duplicate", `{"pkpPublicKey":"` + pkpKey + `","pkpPublicKey":"` + pkpKey + `","payload":""}`, "appears twice"},
		{"missing payload", `{"pkpPublicKey":"` + pkpKey + `"}`, `"payload" is missing`},
		{"payload not string", `{"pkpPublicKey":"` + pkpKey + `","payload":null}`, "payload: must be a string"},
		{"bad pkp", string(build("0x04abcd", payloadJSON(pubHex, seedHex, goodAuthSig))), "pkpPublicKey"},
		{"compressed pkp", string(build(compressed(t, pkpKey), payloadJSON(pubHex, seedHex, goodAuthSig))), "must be the uncompressed key"},
		{"pkp without 0x", string(build(pkpKey[2:], payloadJSON(pubHex, seedHex, goodAuthSig))), "must be the uncompressed key"},
		{"padding", `{"pkpPublicKey":"` + pkpKey + `","payload":"` + base64.URLEncoding.EncodeToString([]byte("{}")) + `"}`, "padding"},
		{"std alphabet", `{"pkpPublicKey":"` + pkpKey + `","payload":"a+b/"}`, "base64url"},
		{"payload not object", `{"pkpPublicKey":"` + pkpKey + `","payload":"` + b64(`"x"`) + `"}`, "payload: payload must be a JSON object"},
		{"payload extra key", string(build(pkpKey, `{"sessionKeyPair":{},"delegationAuthSig":{},"x":1}`)), `unknown key "x"`},
		{"payload missing key", string(build(pkpKey, `{"sessionKeyPair":{"publicKey":"`+pubHex+`","secretKey":"`+secret+`"}}`)), `"delegationAuthSig" is missing`},
		{"payload bad utf8", `{"pkpPublicKey":"` + pkpKey + `","payload":"` + base64.RawURLEncoding.EncodeToString([]byte{'"', 0xff, '"'}) + `"}`, "UTF-8"},
		{"pub short", string(build(pkpKey, payloadJSON("abcd", secret, goodAuthSig))), "publicKey: must be 64 hex"},
		{"secret 0x", string(build(pkpKey, payloadJSON(pubHex, "0x"+secret[2:], goodAuthSig))), "secretKey: must be 64 hex"},
		{"secret 96", string(build(pkpKey, payloadJSON(pubHex, secret+secret[:32], goodAuthSig))), "secretKey: must be 64 hex"},
		{"mismatch", string(build(pkpKey, payloadJSON(otherPub, secret, goodAuthSig))), "does not belong"},
		{"mismatch 128", string(build(pkpKey, payloadJSON(pubHex, secret+otherPub, goodAuthSig))), "does not belong"},
		{"authsig extra", string(build(pkpKey, payloadJSON(pubHex, secret, `{"sig":"s","derivedVia":"d","signedMessage":"m","address":"a","x":"y"}`))), `unknown key "x"`},
		{"authsig missing", string(build(pkpKey, payloadJSON(pubHex, secret, `{"sig":"s","derivedVia":"d","signedMessage":"m"}`))), `"address" is missing`},
		{"authsig number", string(build(pkpKey, payloadJSON(pubHex, secret, `{"sig":1,"derivedVia":"d","signedMessage":"m","address":"a"}`))), "sig: must be a string"},
		{"too big", `{"pkpPublicKey":"` + strings.Repeat(" ", MaxSize) + `"}`, "more than"},
		{"bad utf8", "{\"pkpPublicKey\":\"\xff\"}", "UTF-8"},
	} {
		_, err := Decode([]byte(c.in))
		var ee *Error
		if err == nil || !errors.As(err, &ee) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an *Error containing %q", c.name, err, c.want)
			continue
		}
		if strings.Contains(err.Error(), secret[:16]) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: the error quotes the secret or spans lines: %v", c.name, err)
		}
	}
}

func TestEncodeRefuses(t *testing.T) {
	env := testEnvelope(t)
	for name, mod := range map[string]func(*Envelope){
		"no key pair": func(e *Envelope) { e.SessionKeyPair = nil },
		"bad pkp":     func(e *Envelope) { e.PKPPublicKey = "0x05" },
		"no sig":      func(e *Envelope) { e.DelegationAuthSig.Sig = "" },
		"too big":     func(e *Envelope) { e.DelegationAuthSig.SignedMessage = strings.Repeat("x", MaxSize) },
	} {
		e := env
		mod(&e)
		if _, err := Encode(e); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestNoSecretInFormatting(t *testing.T) {
	env := testEnvelope(t)
	for _, s := range []string{fmt.Sprint(env), fmt.Sprintf("%v %+v %#v %s %q", env, env, env, env, env), fmt.Sprintf("%+v", &env), env.String()} {
		if strings.Contains(s, seedHex) || strings.Contains(s, "payload") {
			t.Fatalf("formatting leaks the secret: %s", s)
		}
		if !strings.Contains(s, env.SessionKeyURI()) {
			t.Fatalf("formatting should name the session key: %s", s)
		}
	}
}

func TestErrorCode(t *testing.T) {
	_, err := Decode([]byte(`{}`))
	if errcode.Of(err) != errcode.InvalidParams {
		t.Errorf("errcode.Of(%v) = %s, want %s", err, errcode.Of(err), errcode.InvalidParams)
	}
}

// compressed is the 33-byte compressed form of an uncompressed 0x04 key.
func compressed(t *testing.T, key string) string {
	t.Helper()
	raw, err := hex.DecodeString(strings.TrimPrefix(key, "0x"))
	if err != nil {
		t.Fatal(err)
	}
	k, err := crypto.UnmarshalPubkey(raw)
	if err != nil {
		t.Fatal(err)
	}
	return "0x" + hex.EncodeToString(crypto.CompressPubkey(k))
}
