package delegation_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/litgo/litsession/core/delegation"
	"github.com/litgo/litsession/core/envelope"
	"github.com/litgo/litsession/core/errcode"
	"github.com/litgo/litsession/core/sessionkey"
)

// TestCheckEnvelope: the one check of a holder, and the offline part of
// it that EncodeEnvelope makes, refuse the same things the same way.
func TestCheckEnvelope(t *testing.T) {
	f := setup(t)
	exp := time.Now().Add(time.Hour).Truncate(time.Second)
	env, b := f.delegate(t, exp)
	key := f.client.NetworkPublicKey()

	d, err := delegation.CheckEnvelope(env, key, time.Time{})
	if err != nil || !d.Expiration.Equal(exp) || d.PKP.PublicKey != f.pkp.PublicKey {
		t.Fatalf("CheckEnvelope: %+v, %v", d, err)
	}
	if got, err := delegation.EncodeEnvelope(env); err != nil || string(got) != string(b) {
		t.Fatalf("EncodeEnvelope = %.60s…, %v; want envelope.Encode's bytes", got, err)
	}

	other, _ := sessionkey.Generate(nil)
	q, err := f.net.MintPKP("0x" + strings.Repeat("ab", 20))
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		edit   func(e *envelope.Envelope)
		reason delegation.Reason
	}{
		"other session key": {func(e *envelope.Envelope) { e.SessionKeyPair = other }, delegation.ReasonWrongSessionKey},
		"other PKP":         {func(e *envelope.Envelope) { e.PKPPublicKey = q.PublicKey }, delegation.ReasonWrongPKP},
	} {
		e := env
		tc.edit(&e)
		_, errCheck := delegation.CheckEnvelope(e, key, time.Time{})
		_, errEnc := delegation.EncodeEnvelope(e)
		for what, err := range map[string]error{"CheckEnvelope": errCheck, "EncodeEnvelope": errEnc} {
			if !delegation.IsReason(err, tc.reason) {
				t.Errorf("%s, %s: %v, want reason %s", name, what, err, tc.reason)
				continue
			}
			if c := errcode.Of(err); c != errcode.DelegationRefused {
				t.Errorf("%s, %s: code %s, want %s", name, what, c, errcode.DelegationRefused)
			}
			var det errcode.Detail
			if !errors.As(err, &det) {
				t.Errorf("%s, %s: no errcode.Detail", name, what)
			} else if k, v := det.ErrorDetail(); k != "reason" || v != string(tc.reason) {
				t.Errorf("%s, %s: detail (%s, %s), want (reason, %s)", name, what, k, v, tc.reason)
			}
		}
		if errCheck.Error() != errEnc.Error() {
			t.Errorf("%s: two messages for one check:\n%s\n%s", name, errCheck, errEnc)
		}
	}

	// Not a SIWE message: malformed for the holder, a bad envelope for the
	// client that builds it.
	e := env
	e.DelegationAuthSig.SignedMessage = "hello"
	if _, err := delegation.CheckEnvelope(e, key, time.Time{}); !delegation.IsReason(err, delegation.ReasonMalformed) {
		t.Errorf("CheckEnvelope of a non-SIWE delegation: %v", err)
	}
	var ee *envelope.Error
	if _, err := delegation.EncodeEnvelope(e); !errors.As(err, &ee) || errcode.Of(err) != errcode.InvalidParams {
		t.Errorf("EncodeEnvelope of a non-SIWE delegation: %v (code %s)", err, errcode.Of(err))
	}

	// Usable: the MinRemaining rule on a kept context.
	ac := f.context(t, b)
	if err := ac.Usable(time.Time{}); err != nil {
		t.Errorf("Usable now: %v", err)
	}
	if err := ac.Usable(exp.Add(-delegation.MinRemaining / 2)); !errors.Is(err, delegation.ErrDelegationExpired) {
		t.Errorf("Usable just before the expiry: %v", err)
	}
	if err := ac.Usable(exp.Add(time.Second)); !errors.Is(err, delegation.ErrDelegationExpired) {
		t.Errorf("Usable after the expiry: %v", err)
	}
}
