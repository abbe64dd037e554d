package e2ee

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"testing"
	"time"
)

// vectorFile is testdata/vectors.json, made by testdata/oracle-naga/gen-e2ee-vectors.mjs (from the repository root)
// with the official client's walletEncrypt and walletDecrypt.
type vectorFile struct {
	ProducedBy string `json:"producedBy"`
	Vectors    []struct {
		Name            string `json:"name"`
		SenderSecret    string `json:"senderSecret"`
		SenderPublic    string `json:"senderPublic"`
		RecipientSecret string `json:"recipientSecret"`
		RecipientPublic string `json:"recipientPublic"`
		Message         string `json:"message"`
		Random          string `json:"random"`
		NowMillis       int64  `json:"nowMillis"`
		Encrypted       string `json:"encrypted"`
		OfficialOpens   bool   `json:"officialOpens"`
	} `json:"vectors"`
}

func key32(t *testing.T, s string) [KeySize]byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != KeySize {
		t.Fatalf("bad key %q", s)
	}
	return [KeySize]byte(b)
}

// TestOfficialVectors: Go opens what walletEncrypt sealed, and Seal with
// the same inputs writes the same bytes (so walletDecrypt opens ours).
func TestOfficialVectors(t *testing.T) {
	raw, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var vf vectorFile
	if err := json.Unmarshal(raw, &vf); err != nil {
		t.Fatal(err)
	}
	if len(vf.Vectors) < 10 {
		t.Fatalf("only %d vectors", len(vf.Vectors))
	}
	opens, refuses := 0, 0
	for _, v := range vf.Vectors {
		t.Run(v.Name, func(t *testing.T) {
			sender := NewKeyPair(key32(t, v.SenderSecret))
			recipient := NewKeyPair(key32(t, v.RecipientSecret))
			if sender.PublicHex() != v.SenderPublic || recipient.PublicHex() != v.RecipientPublic {
				t.Fatalf("NewKeyPair does not derive nacl's public keys")
			}
			created := time.UnixMilli(v.NowMillis)
			fresh := Freshness{Now: func() time.Time { return created.Add(time.Second) }}

			// Theirs → ours.
			p, err := ParseResponse([]byte(v.Encrypted))
			if err != nil {
				t.Fatalf("ParseResponse: %v", err)
			}
			msg, err := Open(p, recipient, fresh)
			if err != nil || string(msg) != v.Message {
				t.Fatalf("Open: %q, %v; want %q", msg, err, v.Message)
			}

			// Ours → theirs: the same bytes.
			random := [RandomSize]byte(mustHex(t, v.Random))
			mine, err := Seal([]byte(v.Message), recipient.Public, sender, random, created)
			if !v.OfficialOpens {
				// walletDecrypt could not open it, so Seal refuses it.
				if !errors.Is(err, ErrShortMessage) || len(v.Message) >= MinMessageSize {
					t.Fatalf("Seal of a %d-byte message walletDecrypt cannot open: %v", len(v.Message), err)
				}
				refuses++
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := mine.ResponseJSON(); !bytes.Equal(got, []byte(v.Encrypted)) {
				t.Fatalf("Seal wrote\n%s\nwalletEncrypt wrote\n%s", got, v.Encrypted)
			}
			opens++
		})
	}
	if opens == 0 || refuses == 0 {
		t.Errorf("the vectors should hold both messages walletDecrypt opens (%d) and ones it cannot (%d)", opens, refuses)
	}
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
