package envelope

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
)

// FuzzDecodeEnvelope checks that Decode never panics, that whatever it
// accepts re-encodes to an envelope that decodes to the same thing (so the
// accepted language has one meaning), and that its errors never quote the
// secret key.
func FuzzDecodeEnvelope(f *testing.F) {
	good, _ := Encode(testEnvelope(f))
	f.Add(good)
	f.Add(build(pkpKey, payloadJSON(pubHex, seedHex+pubHex, goodAuthSig)))
	f.Add(build(pkpKey, payloadJSON(pubHex, seedHex, `{"sig":"s","derivedVia":"d","signedMessage":"m","address":"a"}`)))
	f.Add([]byte(`{"pkpPublicKey":"0x04","payload":""}`))
	f.Add([]byte(`{"pkpPublicKey":"` + pkpKey + `","payload":"e30"}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		env, err := Decode(data)
		if err != nil {
			if s := secretIn(data); len(s) >= 16 && strings.Contains(err.Error(), s) {
				t.Fatalf("error quotes the secret key: %v", err)
			}
			return
		}
		out, err := Encode(*env)
		if err != nil {
			t.Fatalf("a decoded envelope does not encode: %v", err)
		}
		again, err := Decode(out)
		if err != nil {
			t.Fatalf("a re-encoded envelope does not decode: %v\n%s", err, out)
		}
		if again.PKPPublicKey != env.PKPPublicKey || !again.SessionKeyPair.Equal(env.SessionKeyPair) || again.DelegationAuthSig != env.DelegationAuthSig {
			t.Fatalf("round trip changed the envelope")
		}
		if out2, _ := Encode(*again); !bytes.Equal(out, out2) {
			t.Fatalf("encoding is not stable")
		}
	})
}

// secretIn digs the secretKey string out of an envelope, leniently.
func secretIn(data []byte) string {
	var outer struct{ Payload string }
	if json.Unmarshal(data, &outer) != nil {
		return ""
	}
	p, err := base64.RawURLEncoding.DecodeString(outer.Payload)
	if err != nil {
		return ""
	}
	var inner struct {
		SessionKeyPair struct{ SecretKey string } `json:"sessionKeyPair"`
	}
	json.Unmarshal(p, &inner)
	return inner.SessionKeyPair.SecretKey
}
