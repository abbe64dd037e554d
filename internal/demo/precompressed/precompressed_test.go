package precompressed

import "testing"

func TestAccepts(t *testing.T) {
	for _, c := range []struct {
		header, coding string
		want           bool
	}{
		{"gzip, deflate, br, zstd", "br", true},
		{"gzip, deflate, br, zstd", "gzip", true},
		{"gzip, deflate", "br", false},
		{"", "gzip", false},
		{"br;q=0, gzip", "br", false},
		{"BR ; Q=0.5", "br", true},
		{"*", "br", true},
		{"*;q=0, gzip", "br", false},
		{"*;q=0, gzip", "gzip", true},
		{"br;q=0, *", "br", false},
		{"identity", "gzip", false},
	} {
		if got := Accepts(c.header, c.coding); got != c.want {
			t.Errorf("Accepts(%q, %q) = %v, want %v", c.header, c.coding, got, c.want)
		}
	}
}
