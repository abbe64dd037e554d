package errcode

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestOf(t *testing.T) {
	coded := &Error{Code: NodeError, Msg: "node said no"}
	for _, c := range []struct {
		err  error
		want Code
	}{
		{nil, ""},
		{coded, NodeError},
		{fmt.Errorf("wrapped: %w", coded), NodeError},
		{fmt.Errorf("outer: %w", &Error{Code: InvalidParams, Msg: "x", Err: coded}), InvalidParams},
		{fmt.Errorf("call: %w", context.DeadlineExceeded), Timeout},
		{errors.New("plain"), Internal},
	} {
		if got := Of(c.err); got != c.want {
			t.Errorf("Of(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}

func TestTable(t *testing.T) {
	seen := map[Code]bool{}
	for _, i := range Table {
		if seen[i.Code] {
			t.Errorf("%s is listed twice", i.Code)
		}
		seen[i.Code] = true
		if got, ok := Lookup(i.Code); !ok || got != i {
			t.Errorf("Lookup(%s) = %v, %v", i.Code, got, ok)
		}
	}
	if _, ok := Lookup("nope"); ok {
		t.Error("Lookup accepted an unknown code")
	}
	for _, c := range []string{"4001", "ACTION_REJECTED", "wallet_rejected"} {
		if !WalletRejection(c) {
			t.Errorf("WalletRejection(%q) = false", c)
		}
	}
	if WalletRejection("4100") || WalletRejection("") {
		t.Error("WalletRejection matched an unrelated code")
	}
}

func TestErrorfAndReconnects(t *testing.T) {
	cause := errors.New("cause")
	err := Errorf(WalletError, cause, "the wallet failed %s", "personal_sign")
	if err.Error() != "the wallet failed personal_sign" || Of(err) != WalletError || !errors.Is(err, cause) {
		t.Errorf("Errorf: %v (%s)", err, Of(err))
	}
	want := []Code{NotConnected, NodesUnreachable, NotEnoughNodes, NodeError, Timeout}
	if got := Reconnects(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Reconnects() = %v, want %v", got, want)
	}
}
