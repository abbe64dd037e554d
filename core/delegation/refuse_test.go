package delegation_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/bls"
	"github.com/litgo/litsession/core/delegation"
	"github.com/litgo/litsession/core/envelope"
	"github.com/litgo/litsession/core/sessionkey"
	"github.com/litgo/litsession/core/siwe"
)

// sign has the whole network key sign a SIWE message, as the nodes would:
// a delegation with a valid signature over whatever text the test wants.
func (f *fixture) sign(t *testing.T, msg string) authsig.AuthSig {
	t.Helper()
	nsk := f.net.NetworkSecretKey()
	skb := nsk.Bytes()
	sk, err := bls.NewSecretKey(skb[:])
	if err != nil {
		t.Fatal(err)
	}
	d := bls.SessionDigest(msg)
	pop, err := bls.FormatProofOfPossession(bls.Sign(sk, d[:]))
	if err != nil {
		t.Fatal(err)
	}
	return authsig.AuthSig{Sig: pop, Algo: authsig.AlgoBLS, DerivedVia: authsig.DerivedViaBLS, SignedMessage: msg, Address: f.pkp.EthAddress}
}

func TestExpired(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	exp := time.Now().Add(2500 * time.Millisecond).Truncate(time.Millisecond)
	env, b := f.delegate(t, exp)
	ac := f.context(t, b)

	// Refused locally once expired (a clock after the expiry)...
	after := func() time.Time { return exp.Add(time.Millisecond) }
	_, err := delegation.ValidateDelegationAuthSig(env.DelegationAuthSig, delegation.Expect{
		PKPPublicKey: f.pkp.PublicKey, SessionKey: env.SessionKeyPair.PublicKeyHex(), NetworkPublicKey: f.client.NetworkPublicKey(), Now: after()})
	if !errors.Is(err, delegation.ErrDelegationExpired) || !delegation.IsReason(err, delegation.ReasonExpired) || !strings.Contains(err.Error(), "new delegation") {
		t.Fatalf("validate: %v", err)
	}
	if _, err := delegation.CreatePkpSessionSigs(ctx, f.client, ac, delegation.SessionSigsParams{Now: after}); !errors.Is(err, delegation.ErrDelegationExpired) {
		t.Fatalf("session sigs: %v", err)
	}
	// ... and less than MinRemaining before.
	if _, err := delegation.CreatePkpSessionSigs(ctx, f.client, ac, delegation.SessionSigsParams{Now: func() time.Time { return exp.Add(-delegation.MinRemaining / 2) }}); !errors.Is(err, delegation.ErrDelegationExpired) {
		t.Fatalf("about to expire: %v", err)
	}

	// The nodes' clock runs ahead of ours: they refuse session signatures
	// capped at the delegation's expiry, and the Signer reports the
	// delegation expired without retrying.
	time.Sleep(time.Until(exp.Add(300 * time.Millisecond)))
	skewed := delegation.NewSigner(f.client)
	skewed.Now = func() time.Time { return time.Now().Add(-1500 * time.Millisecond) }
	_, err = skewed.PkpSign(ctx, ac, randomDigest())
	if !errors.Is(err, delegation.ErrDelegationExpired) || !strings.Contains(err.Error(), "Lit nodes say") || skewed.Rotations() != 0 {
		t.Fatalf("skewed clock: rotations %d, %v", skewed.Rotations(), err)
	}

	// By real time it is simply expired.
	signer := delegation.NewSigner(f.client)
	_, err = signer.PkpSign(ctx, ac, randomDigest())
	if !errors.Is(err, delegation.ErrDelegationExpired) || signer.Rotations() != 0 {
		t.Fatalf("signer: %v", err)
	}
	if _, err := delegation.CreatePkpAuthContextFromPreGenerated(env, f.client.NetworkPublicKey(), time.Time{}); !errors.Is(err, delegation.ErrDelegationExpired) {
		t.Fatalf("context: %v", err)
	}
	// A node refuses it too.
	u := f.client.ConnectedNodes()[1]
	sigs, _ := delegation.CreatePkpSessionSigs(ctx, f.client, ac, delegation.SessionSigsParams{Now: func() time.Time { return exp.Add(-time.Minute) }, Expiration: exp.Add(time.Minute)})
	s, _ := sigs.Get(u)
	if code, reason := verifyAt(t, u, s, f.pkp.Resource().Key(), "pkp-signing"); code != 401 || reason != "expired" {
		t.Fatalf("node: %d %s", code, reason)
	}

	// Generating with a past or missing expiration is refused.
	for _, e := range []time.Time{{}, time.Now().Add(-time.Second)} {
		kp, _ := sessionkey.Generate(nil)
		_, err := delegation.GeneratePkpDelegationAuthSig(ctx, f.client, delegation.GenerateParams{PKPPublicKey: f.pkp.PublicKey,
			Owner: authsig.NewKeySignerFromECDSA(f.owner), SessionKeyPair: kp, Resources: f.scoped(), Expiration: e})
		if err == nil || !strings.Contains(err.Error(), "Expiration") {
			t.Fatalf("expiration %v: %v", e, err)
		}
	}
}

// rewrap re-encodes an envelope after changing its payload JSON.
func rewrap(t *testing.T, b []byte, edit func(payload map[string]any)) []byte {
	t.Helper()
	var outer map[string]string
	json.Unmarshal(b, &outer)
	raw, _ := base64.RawURLEncoding.DecodeString(outer["payload"])
	var p map[string]any
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	edit(p)
	raw, _ = json.Marshal(p)
	outer["payload"] = base64.RawURLEncoding.EncodeToString(raw)
	out, _ := json.Marshal(outer)
	return out
}

func TestMismatchedEnvelopes(t *testing.T) {
	f := setup(t)
	exp := time.Now().Add(time.Hour)
	env, b := f.delegate(t, exp)
	netKey := f.client.NetworkPublicKey()
	other, err := f.net.MintPKP(f.pkp.Owner)
	if err != nil {
		t.Fatal(err)
	}
	kp2, _ := sessionkey.Generate(nil)
	eoa, _ := authsig.NewKeySigner(strings.Repeat("11", 32))
	eoaSig, err := authsig.Sign(context.Background(), eoa, "not a delegation")
	if err != nil {
		t.Fatal(err)
	}
	otherNet, _ := bls.GenerateSecretKey(nil)

	// Messages with a valid network signature but the wrong content.
	uri := env.SessionKeyPair.URI()
	base := siwe.Params{Address: f.pkp.EthAddress, Domain: "litprotocol.com", URI: uri, Nonce: "0x" + strings.Repeat("ab", 32),
		IssuedAt: siwe.FormatTime(time.Now()), Expiration: siwe.FormatTime(exp)}
	noRecap, err := siwe.Create(base, "Lit Protocol PKP session signature", nil)
	if err != nil {
		t.Fatal(err)
	}
	withRecap, err := siwe.CreateWithRecaps(func() siwe.Params { p := base; p.Resources = f.scoped(); return p }())
	if err != nil {
		t.Fatal(err)
	}
	noExpiry := strings.Replace(withRecap, "\nExpiration Time: "+base.Expiration, "", 1)

	for _, c := range []struct {
		name   string
		env    func() envelope.Envelope
		netKey string
		reason delegation.Reason
		say    string
	}{
		{"other session key", func() envelope.Envelope { e := env; e.SessionKeyPair = kp2; return e }, netKey, delegation.ReasonWrongSessionKey, "delegates to " + uri},
		{"other PKP", func() envelope.Envelope { e := env; e.PKPPublicKey = other.PublicKey; return e }, netKey, delegation.ReasonWrongPKP, other.EthAddress},
		{"other network", func() envelope.Envelope { return env }, bls.PublicKeyFromSecret(otherNet).Hex(), delegation.ReasonBadSignature, "another Lit network"},
		{"not connected", func() envelope.Envelope { return env }, "", delegation.ReasonUnverifiable, "connect"},
		{"EOA AuthSig", func() envelope.Envelope { e := env; e.DelegationAuthSig = eoaSig; return e }, netKey, delegation.ReasonMalformed, "LIT_BLS"},
		{"no ReCap", func() envelope.Envelope { e := env; e.DelegationAuthSig = f.sign(t, noRecap); return e }, netKey, delegation.ReasonNoRecap, "ReCap"},
		{"no expiry", func() envelope.Envelope { e := env; e.DelegationAuthSig = f.sign(t, noExpiry); return e }, netKey, delegation.ReasonNoExpiration, "never expire"},
	} {
		_, err := delegation.CreatePkpAuthContextFromPreGenerated(c.env(), c.netKey, time.Time{})
		if !delegation.IsReason(err, c.reason) || !strings.Contains(err.Error(), c.say) {
			t.Errorf("%s: want %s mentioning %q, got %v", c.name, c.reason, c.say, err)
		}
	}
	// The forged-but-correct message is accepted: the checks above are
	// about content, not about who ran the signing.
	good := env
	good.DelegationAuthSig = f.sign(t, withRecap)
	if _, err := delegation.CreatePkpAuthContextFromPreGenerated(good, netKey, time.Time{}); err != nil {
		t.Fatalf("a well-formed delegation: %v", err)
	}

	// Tampered payloads.
	secret := env.SessionKeyPair.SecretKeyHex()[:64]
	for _, c := range []struct {
		name string
		edit func(p map[string]any)
		want string
	}{
		{"later expiry", func(p map[string]any) {
			a := p["delegationAuthSig"].(map[string]any)
			a["signedMessage"] = strings.Replace(a["signedMessage"].(string), "Expiration Time: 20", "Expiration Time: 21", 1)
		}, "bad_signature"},
		{"address field", func(p map[string]any) {
			p["delegationAuthSig"].(map[string]any)["address"] = other.EthAddress
		}, "malformed"},
		{"sig bytes", func(p map[string]any) {
			a := p["delegationAuthSig"].(map[string]any)
			sig := []byte(a["sig"].(string))
			if sig[30] == '0' { // a hex digit of the proof of possession, always changed
				sig[30] = '1'
			} else {
				sig[30] = '0'
			}
			a["sig"] = string(sig)
		}, "delegation refused"},
		{"session public key", func(p map[string]any) {
			p["sessionKeyPair"].(map[string]any)["publicKey"] = kp2.PublicKeyHex()
		}, "does not belong to the public key"},
		{"extra field", func(p map[string]any) { p["note"] = "hi" }, `unknown key "note"`},
	} {
		tampered := rewrap(t, b, c.edit)
		e, err := envelope.Decode(tampered)
		if err == nil {
			_, err = delegation.CreatePkpAuthContextFromPreGenerated(*e, netKey, time.Time{})
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: want an error containing %q, got %v", c.name, c.want, err)
		} else if strings.Contains(err.Error(), secret) {
			t.Errorf("%s: the error quotes the secret", c.name)
		}
	}
	// Flipping characters of the base64 payload never yields an accepted
	// envelope.
	for i := len(`{"pkpPublicKey":"`) + 132 + len(`","payload":"`); i < len(b)-2; i += 97 {
		mod := append([]byte(nil), b...)
		mod[i] ^= 0x01
		e, err := envelope.Decode(mod)
		if err == nil {
			_, err = delegation.CreatePkpAuthContextFromPreGenerated(*e, netKey, time.Time{})
		}
		if err == nil && !e.SessionKeyPair.Equal(env.SessionKeyPair) {
			t.Fatalf("flip at %d accepted", i)
		}
	}
}

// otherKey is a node set whose network key is not the delegation's.
type otherKey struct {
	*fixtureNodes
	key string
}

type fixtureNodes struct{ nodes []string }

func (n *fixtureNodes) ConnectedNodes() []string { return n.nodes }
func (o otherKey) NetworkPublicKey() string      { return o.key }

// TestRevalidation checks that minting re-verifies the delegation when the
// network key or the context changed, and not otherwise.
func TestRevalidation(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	_, b := f.delegate(t, time.Now().Add(time.Hour))
	ac := f.context(t, b)
	sk, _ := bls.GenerateSecretKey(nil)
	moved := otherKey{&fixtureNodes{f.client.ConnectedNodes()}, bls.PublicKeyFromSecret(sk).Hex()}
	if _, err := delegation.CreatePkpSessionSigs(ctx, moved, ac, delegation.SessionSigsParams{}); !delegation.IsReason(err, delegation.ReasonBadSignature) {
		t.Fatalf("another network key: %v", err)
	}
	if _, err := delegation.CreatePkpSessionSigs(ctx, f.client, ac, delegation.SessionSigsParams{}); err != nil {
		t.Fatalf("back on the right network: %v", err)
	}
	ac.DelegationAuthSig.SignedMessage = strings.Replace(ac.DelegationAuthSig.SignedMessage, "Expiration Time: 20", "Expiration Time: 21", 1)
	if _, err := delegation.CreatePkpSessionSigs(ctx, f.client, ac, delegation.SessionSigsParams{}); !delegation.IsReason(err, delegation.ReasonBadSignature) {
		t.Fatalf("altered context: %v", err)
	}
}
