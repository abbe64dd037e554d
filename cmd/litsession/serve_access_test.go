package main

import (
	"net/http"
	"testing"
)

func tokenPolicy(t testing.TB) accessPolicy {
	t.Setenv(tokenEnv, "correct-horse-battery-staple-0123")
	p, _, err := accessConfig{listen: "127.0.0.1:0"}.build()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAuthorized(t *testing.T) {
	p := tokenPolicy(t)
	for auth, want := range map[string]bool{
		"Bearer correct-horse-battery-staple-0123": true,
		"":       false,
		"Bearer": false,
		"Bearer correct-horse-battery-staple-012":   false,
		"Bearer correct-horse-battery-staple-01234": false,
		"bearer correct-horse-battery-staple-0123":  false,
		"correct-horse-battery-staple-0123":         false,
	} {
		r, _ := http.NewRequest("GET", "/", nil)
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		if got := p.authorized(r); got != want {
			t.Errorf("Authorization %q: %v, want %v", auth, got, want)
		}
	}
	if !loopbackPolicy().authorized(&http.Request{Header: http.Header{}}) {
		t.Error("the loopback default without a token refused a request")
	}
}

// BenchmarkAuthorized: the right token, a wrong one of the same length, a
// short one and none take the same time (one SHA-256 and a constant-time
// compare of the digests).
func BenchmarkAuthorized(b *testing.B) {
	p := tokenPolicy(b)
	for _, c := range []struct{ name, auth string }{
		{"right", "Bearer correct-horse-battery-staple-0123"},
		{"wrong-same-length", "Bearer correct-horse-battery-staple-0124"},
		{"wrong-first-byte", "Bearer Xorrect-horse-battery-staple-0123"},
		{"short", "Bearer x"},
		{"missing", ""},
	} {
		r, _ := http.NewRequest("GET", "/", nil)
		if c.auth != "" {
			r.Header.Set("Authorization", c.auth)
		}
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				p.authorized(r)
			}
		})
	}
}
