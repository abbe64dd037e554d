package envstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/litgo/litsession/internal/redistest"
)

func testKeyring(t *testing.T, ids ...string) *Keyring {
	t.Helper()
	var lines []string
	for _, id := range ids {
		l, err := NewKeyLine(id)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, l)
	}
	k, err := ParseKeyring("# test keys\n" + strings.Join(lines, "\n"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestKeyring(t *testing.T) {
	k := testKeyring(t, "k2", "k1")
	id := strings.Repeat("ab", 16)
	secret := []byte(`{"sessionKeyPair":{"secretKey":"5ecre7"}}`)
	rec, err := k.Seal(id, secret)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(rec, []byte("5ecre7")) || KeyID(rec) != "k2" || !strings.HasPrefix(string(rec), "lsenc1.k2.") {
		t.Fatalf("sealed record %q", rec)
	}
	if plain, err := k.Open(id, rec); err != nil || !bytes.Equal(plain, secret) {
		t.Fatalf("open: %q %v", plain, err)
	}
	if _, err := k.Open(strings.Repeat("cd", 16), rec); err == nil {
		t.Fatal("a record moved to another id opened")
	}
	tampered := bytes.Clone(rec)
	tampered[len(tampered)-3] ^= 1
	if _, err := k.Open(id, tampered); err == nil {
		t.Fatal("a tampered record opened")
	}
	relabelled := bytes.Replace(rec, []byte("lsenc1.k2."), []byte("lsenc1.k1."), 1)
	if _, err := k.Open(id, relabelled); err == nil {
		t.Fatal("a record relabelled with another key id opened")
	}
	if _, err := k.Open(id, secret); !errors.Is(err, ErrCleartext) {
		t.Fatalf("cleartext record: %v", err)
	}
	// Only the old key: records of the new key are refused by name.
	old := testKeyring(t, "k1")
	if _, err := old.Open(id, rec); err == nil || !strings.Contains(err.Error(), "key id k2") {
		t.Fatalf("unknown key: %v", err)
	}
	for _, bad := range []string{"", "# only a comment", "k1", "k1 notbase64!", "k1 " + strings.Repeat("A", 40), "bad/id AAAA", "k1 " + strings.Repeat("A", 43) + "=\nk1 " + strings.Repeat("A", 43) + "="} {
		if _, err := ParseKeyring(bad); err == nil {
			t.Errorf("ParseKeyring(%q) accepted", bad)
		} else if strings.Contains(err.Error(), strings.Repeat("A", 40)) {
			t.Errorf("the error repeats the key: %v", err)
		}
	}
}

// stores returns a file store and, when redis-server is installed, a Redis
// store.
func stores(t *testing.T) map[string]Store {
	t.Helper()
	f, err := NewFile(filepath.Join(t.TempDir(), "s"))
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]Store{"file": f}
	if os.Getenv("LITSESSION_SKIP_REDIS") == "" {
		srv := redistest.Start(t)
		r, err := NewRedis(srv.URL())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		m["redis"] = r
		tlsSrv := redistest.StartTLS(t)
		rs, err := NewRedisWith(tlsSrv.URL(), RedisConfig{CAFile: tlsSrv.CAFile()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { rs.Close() })
		m["rediss"] = rs
	}
	return m
}

func TestStores(t *testing.T) {
	ctx := context.Background()
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			if err := s.Ping(ctx); err != nil {
				t.Fatal(err)
			}
			id, id2 := strings.Repeat("1", 32), strings.Repeat("2", 32)
			exp := time.Now().Add(time.Hour)
			if err := s.Create(ctx, id, []byte("rec-1"), exp); err != nil {
				t.Fatal(err)
			}
			if err := s.Create(ctx, id, []byte("rec-x"), exp); !errors.Is(err, ErrExists) {
				t.Fatalf("second create: %v", err)
			}
			if got, err := s.Get(ctx, id); err != nil || string(got) != "rec-1" {
				t.Fatalf("get: %q %v", got, err)
			}
			if _, err := s.Get(ctx, id2); !errors.Is(err, ErrNotFound) {
				t.Fatalf("get absent: %v", err)
			}
			if ok, err := s.Swap(ctx, id, []byte("other"), []byte("rec-2")); ok || err != nil {
				t.Fatalf("swap of a changed record: %v %v", ok, err)
			}
			if ok, err := s.Swap(ctx, id, []byte("rec-1"), []byte("rec-2")); !ok || err != nil {
				t.Fatalf("swap: %v %v", ok, err)
			}
			if ids, err := s.IDs(ctx); err != nil || len(ids) != 1 || ids[0] != id {
				t.Fatalf("ids %v %v", ids, err)
			}
			if err := s.Delete(ctx, id); err != nil {
				t.Fatal(err)
			}
			if err := s.Delete(ctx, id); !errors.Is(err, ErrNotFound) {
				t.Fatalf("second delete: %v", err)
			}
			if ok, err := s.Swap(ctx, id, []byte("rec-2"), []byte("rec-3")); ok || err != nil {
				t.Fatalf("swap brought back a deleted record: %v %v", ok, err)
			}
			if _, err := s.Get(ctx, id); !errors.Is(err, ErrNotFound) {
				t.Fatalf("get deleted: %v", err)
			}
			// Expiry: Redis drops the record by itself; the worker calls
			// Expire for the file store. Either way a tombstone answers.
			short := time.Now().Add(1200 * time.Millisecond)
			if err := s.Create(ctx, id2, []byte("short"), short); err != nil {
				t.Fatal(err)
			}
			time.Sleep(1500 * time.Millisecond)
			if name == "file" {
				s.Expire(ctx, id2, short)
			}
			var ee *ExpiredError
			if _, err := s.Get(ctx, id2); !errors.As(err, &ee) || ee.At.UnixMilli() != short.UnixMilli() {
				t.Fatalf("get expired: %v", err)
			}
			if ids, _ := s.IDs(ctx); len(ids) != 0 {
				t.Fatalf("ids after expiry %v", ids)
			}
			if err := s.Delete(ctx, id2); err != nil {
				t.Fatalf("delete tombstone: %v", err)
			}
			if _, err := s.Get(ctx, id2); !errors.Is(err, ErrNotFound) {
				t.Fatalf("after deleting the tombstone: %v", err)
			}
		})
	}
}

// TestConcurrentWriters: many writers replace one id's record at once;
// the record left is exactly one writer's whole sealed record.
func TestConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	k := testKeyring(t, "k1")
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			id := strings.Repeat("3", 32)
			first, _ := k.Seal(id, []byte("v0"))
			if err := s.Create(ctx, id, first, time.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			written := map[string]bool{string(first): true}
			var mu sync.Mutex
			var wg sync.WaitGroup
			for w := range 16 {
				wg.Go(func() {
					for i := range 20 {
						plain := bytes.Repeat([]byte(fmt.Sprintf("writer %d value %d;", w, i)), 200)
						rec, _ := k.Seal(id, plain)
						mu.Lock()
						written[string(rec)] = true
						mu.Unlock()
						cur, err := s.Get(ctx, id)
						if err != nil {
							t.Error(err)
							return
						}
						if _, err := s.Swap(ctx, id, cur, rec); err != nil {
							t.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			got, err := s.Get(ctx, id)
			if err != nil || !written[string(got)] {
				t.Fatalf("the record left is no writer's record: %v", err)
			}
			if _, err := k.Open(id, got); err != nil {
				t.Fatal(err)
			}
		})
	}
}
