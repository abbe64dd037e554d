package envstore

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/litgo/litsession/internal/redistest"
)

// pingErr opens rawURL with cfg and returns Ping's error.
func pingErr(t *testing.T, rawURL string, cfg RedisConfig) error {
	t.Helper()
	r, err := NewRedisWith(rawURL, cfg)
	if err != nil {
		t.Fatalf("NewRedisWith(%s): %v", rawURL, err)
	}
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return r.Ping(ctx)
}

// TestRedissTrust: a rediss:// server is reached only when its certificate
// chains to a trusted CA; a wrong CA, the system pool and a plain-text
// server are refused with a *TLSError, and nothing falls back to clear.
func TestRedissTrust(t *testing.T) {
	if os.Getenv("LITSESSION_SKIP_REDIS") != "" {
		t.Skip("LITSESSION_SKIP_REDIS is set")
	}
	srv := redistest.StartTLS(t)
	dir := t.TempDir()
	withPass := strings.Replace(srv.URL(), "rediss://", "rediss://:hunter2-pass@", 1)

	if err := pingErr(t, srv.URL(), RedisConfig{CAFile: srv.CAFile()}); err != nil {
		t.Fatalf("the right CA: %v", err)
	}

	wrongCA := redistest.NewCA(t, "another CA").WriteFile(t, dir, "wrong.crt")
	for name, cfg := range map[string]RedisConfig{"wrong CA": {CAFile: wrongCA}, "system pool": {}} {
		err := pingErr(t, withPass, cfg)
		var te *TLSError
		if !errors.As(err, &te) || !strings.Contains(err.Error(), "certificate is not trusted") ||
			!strings.Contains(err.Error(), "unknown authority") || !strings.Contains(err.Error(), srv.Addr()) {
			t.Errorf("%s: got %v, want a *TLSError saying the certificate is not trusted", name, err)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: the error names the password: %v", name, err)
		}
	}

	// The TLS port does not answer in clear.
	plainURL := strings.Replace(srv.URL(), "rediss://", "redis://", 1)
	if err := pingErr(t, plainURL, RedisConfig{}); err == nil {
		t.Error("redis:// reached the TLS-only server in clear")
	}

	// rediss:// to a plain-text server fails; it does not fall back.
	plain := redistest.Start(t)
	tlsURL := strings.Replace(plain.URL(), "redis://", "rediss://", 1)
	err := pingErr(t, tlsURL, RedisConfig{CAFile: srv.CAFile()})
	if err == nil || !strings.Contains(err.Error(), "TLS handshake failed") || !strings.Contains(err.Error(), "speaking TLS") {
		t.Errorf("rediss:// to a plain-text server: got %v, want a TLS handshake failure asking whether it speaks TLS", err)
	}
}

// TestRedissConfigRefused: settings that would weaken or misplace TLS are
// refused before any connection.
func TestRedissConfigRefused(t *testing.T) {
	dir := t.TempDir()
	ca := redistest.NewCA(t, "ca").WriteFile(t, dir, "ca.crt")
	empty := filepath.Join(dir, "empty.crt")
	os.WriteFile(empty, []byte("not a certificate\n"), 0o644)
	cases := []struct {
		url  string
		cfg  RedisConfig
		want string
	}{
		{"rediss://127.0.0.1:1/0?skip_verify=true", RedisConfig{}, "skip_verify"},
		{"rediss://127.0.0.1:1/0?skip_verify=false", RedisConfig{CAFile: ca}, "skip_verify"},
		{"redis://127.0.0.1:1/0", RedisConfig{CAFile: ca}, "in clear"},
		{"rediss://127.0.0.1:1/0", RedisConfig{CAFile: empty}, "no PEM certificate"},
		{"rediss://127.0.0.1:1/0", RedisConfig{CAFile: filepath.Join(dir, "missing.crt")}, "reading the CA file"},
	}
	for _, c := range cases {
		r, err := NewRedisWith(c.url, c.cfg)
		if err == nil {
			r.Close()
			t.Errorf("%s %+v: accepted", c.url, c.cfg)
		} else if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %+v: %v, want it to mention %q", c.url, c.cfg, err, c.want)
		}
	}
}
