package ascii

import "testing"

func TestIsHex(t *testing.T) {
	for s, want := range map[string]bool{
		"0123456789abcdefABCDEF": true, "a": true, "": false, "g": false, "0x1": false, " 1": false,
		"1\x00": false, "\xff": false, "/": false, ":": false, "@": false, "G": false, "`": false,
	} {
		if got := IsHex(s); got != want {
			t.Errorf("IsHex(%q) = %v, want %v", s, got, want)
		}
	}
	for c := 0; c < 256; c++ {
		s := string([]byte{byte(c)})
		want := '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
		if IsHex(s) != want {
			t.Errorf("IsHex(%q) = %v", s, !want)
		}
	}
}
