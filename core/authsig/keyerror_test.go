package authsig

import (
	"errors"
	"testing"

	"github.com/litgo/litsession/core/errcode"
)

func TestNewKeySignerErrorsAreTyped(t *testing.T) {
	for key, msg := range map[string]string{
		"0x12": "a wallet key is 32 bytes (64 hex characters), got 2 characters",
		"0xzz00000000000000000000000000000000000000000000000000000000000000": "wallet key is not hex: encoding/hex: invalid byte: U+007A 'z'",
	} {
		_, err := NewKeySigner(key)
		var ke *KeyError
		if !errors.As(err, &ke) || ke.Msg != msg || err.Error() != "authsig: "+msg || errcode.Of(err) != errcode.InvalidParams {
			t.Errorf("NewKeySigner(%q): %v", key, err)
		}
	}
}
