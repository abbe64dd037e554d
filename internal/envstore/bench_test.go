package envstore

import (
	"context"
	"crypto/sha256"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/litgo/litsession/internal/redistest"
)

// envelopeSized is a plaintext the size of a real envelope (~2.3 kB).
var envelopeSized = []byte(strings.Repeat(`{"x":"0123456789abcdef"}`, 96))

// BenchmarkRequestPath is what the worker does with the store per sign
// when its cache hits: read the record and hash it.
func BenchmarkRequestPath(b *testing.B) {
	k, _ := ParseKeyring("k1 " + strings.Repeat("A", 43) + "=")
	id := strings.Repeat("7", 32)
	rec, _ := k.Seal(id, envelopeSized)
	ctx := context.Background()
	f, _ := NewFile(filepath.Join(b.TempDir(), "s"))
	run := func(b *testing.B, s Store) {
		if err := s.Create(ctx, id, rec, time.Now().Add(time.Hour)); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for b.Loop() {
			got, err := s.Get(ctx, id)
			if err != nil {
				b.Fatal(err)
			}
			sha256.Sum256(got)
		}
	}
	b.Run("file", func(b *testing.B) { run(b, f) })
	b.Run("redis", func(b *testing.B) {
		srv := redistest.StartB(b)
		r, _ := NewRedis(srv.URL())
		defer r.Close()
		run(b, r)
	})
}

// BenchmarkOpen is the cache-miss cost: opening a sealed envelope.
func BenchmarkOpen(b *testing.B) {
	k, _ := ParseKeyring("k1 " + strings.Repeat("A", 43) + "=")
	id := strings.Repeat("7", 32)
	rec, _ := k.Seal(id, envelopeSized)
	for b.Loop() {
		if _, err := k.Open(id, rec); err != nil {
			b.Fatal(err)
		}
	}
}
