package sessionkey

import (
	"errors"
	"testing"

	"github.com/litgo/litsession/core/errcode"
)

func TestErrorsAreTyped(t *testing.T) {
	for _, tc := range []struct{ pub, secret, msg string }{
		{"", "", "secretKey is missing"},
		{"", "0x11", "secretKey must be bare hex without 0x"},
		{"", "11", "secretKey must be 128 hex characters (seed and public key) or 64 (seed), got 2"},
	} {
		_, err := FromHex(tc.pub, tc.secret)
		var e *Error
		if !errors.As(err, &e) || e.Msg != tc.msg || err.Error() != "sessionkey: "+tc.msg || errcode.Of(err) != errcode.InvalidParams {
			t.Errorf("FromHex(%q, %q): %v", tc.pub, tc.secret, err)
		}
	}
	if _, err := Parse([]byte(`[]`)); errcode.Of(err) != errcode.InvalidParams {
		t.Errorf("Parse: %v", err)
	}
}
