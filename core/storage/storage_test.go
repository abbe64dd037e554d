package storage

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var allKeys = []string{
	KeySessionKey, KeyWalletSig, KeyAuthSignature, KeyCommsKeypair,
	KeyWeb3Provider, KeyAuthSolSignature, KeyAuthCosmosSignature,
}

func stores(t *testing.T) map[string]Storage {
	f, err := NewFile(filepath.Join(t.TempDir(), "store"))
	if err != nil {
		t.Fatal(err)
	}
	return map[string]Storage{"memory": NewMemory(), "file": f}
}

func TestKeyNames(t *testing.T) {
	want := []string{"lit-session-key", "lit-wallet-sig", "lit-auth-signature", "lit-comms-keypair",
		"lit-web3-provider", "lit-auth-sol-signature", "lit-auth-cosmos-signature"}
	for i, k := range allKeys {
		if k != want[i] {
			t.Errorf("key %d = %q, want %q", i, k, want[i])
		}
	}
}

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			if _, ok, err := s.Get(ctx, KeyWalletSig); ok || err != nil {
				t.Fatalf("Get of an absent key = ok %v, err %v", ok, err)
			}
			values := []string{"", "x", `{"sig":"0x1","signedMessage":"a\nb"}`, "ünïcødé \u2028 \x00 bytes", strings.Repeat("v", 1<<16)}
			for _, key := range []string{KeySessionKey, "a/b", `a\b`, "..a", "with space", "lit-auth:app:net:0xAbC", "ключ"} {
				for _, v := range values {
					if err := s.Set(ctx, key, v); err != nil {
						t.Fatalf("Set(%q): %v", key, err)
					}
					got, ok, err := s.Get(ctx, key)
					if err != nil || !ok || got != v {
						t.Fatalf("Get(%q) = %.20q, %v, %v; want %.20q", key, got, ok, err, v)
					}
				}
				if err := s.Delete(ctx, key); err != nil {
					t.Fatal(err)
				}
				if _, ok, err := s.Get(ctx, key); ok || err != nil {
					t.Fatalf("after Delete, Get(%q) = ok %v, err %v", key, ok, err)
				}
				if err := s.Delete(ctx, key); err != nil {
					t.Fatalf("Delete of an absent key: %v", err)
				}
			}
		})
	}
}

func TestCanceledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for name, s := range stores(t) {
		if err := s.Set(ctx, "k", "v"); !errors.Is(err, context.Canceled) {
			t.Errorf("%s: Set with a canceled context = %v", name, err)
		}
	}
}

func TestDisconnectWeb3(t *testing.T) {
	ctx := context.Background()
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			for _, k := range allKeys {
				if err := s.Set(ctx, k, "v-"+k); err != nil {
					t.Fatal(err)
				}
			}
			s.Set(ctx, "unrelated", "keep")
			if err := DisconnectWeb3(ctx, s); err != nil {
				t.Fatal(err)
			}
			for _, k := range allKeys {
				_, ok, _ := s.Get(ctx, k)
				wantKept := k == KeyCommsKeypair
				if ok != wantKept {
					t.Errorf("after DisconnectWeb3, %s present = %v, want %v", k, ok, wantKept)
				}
			}
			if v, ok, _ := s.Get(ctx, "unrelated"); !ok || v != "keep" {
				t.Error("DisconnectWeb3 removed an unrelated key")
			}
			// Again, with nothing left to delete.
			if err := DisconnectWeb3(ctx, s); err != nil {
				t.Fatal(err)
			}
		})
	}
}

type failingDelete struct{ Storage }

func (failingDelete) Delete(context.Context, string) error { return errors.New("boom") }

func TestDisconnectWeb3ReportsErrors(t *testing.T) {
	err := DisconnectWeb3(context.Background(), failingDelete{NewMemory()})
	if err == nil || strings.Count(err.Error(), "boom") != 6 {
		t.Fatalf("DisconnectWeb3 = %v, want six joined errors", err)
	}
}

func TestEncodeKey(t *testing.T) {
	for key, want := range map[string]string{
		"lit-session-key":             "lit-session-key",
		"a/b":                         "a%2Fb",
		`a\b`:                         "a%5Cb",
		"../x":                        "..%2Fx",
		"lit-auth:app:net:0xAb":       "lit-auth%3Aapp%3Anet%3A0xAb",
		"A-Z_a.z!~*'()":               "A-Z_a.z!~*'()",
		"é %":                         "%C3%A9%20%25",
		"lit-auth:x-inner-delegation": "lit-auth%3Ax-inner-delegation",
	} {
		got, err := EncodeKey(key)
		if err != nil || got != want {
			t.Errorf("EncodeKey(%q) = %q, %v; want %q", key, got, err, want)
		}
	}
	for _, bad := range []string{"", ".", "..", "\xff", strings.Repeat("/", 90)} {
		if _, err := EncodeKey(bad); err == nil {
			t.Errorf("EncodeKey(%q) succeeded, want an error", bad)
		}
	}
}

func TestFileRejectsEscapingKeys(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	s, err := NewFile(filepath.Join(root, "store"))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{".", "..", ""} {
		if err := s.Set(ctx, k, "x"); err == nil {
			t.Errorf("Set(%q) succeeded", k)
		}
		if _, _, err := s.Get(ctx, k); err == nil {
			t.Errorf("Get(%q) succeeded", k)
		}
		if err := s.Delete(ctx, k); err == nil {
			t.Errorf("Delete(%q) succeeded", k)
		}
	}
	if err := s.Set(ctx, "../escape", "x"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "escape")); err == nil {
		t.Fatal("a key with ../ wrote outside the store directory")
	}
	if _, err := os.Stat(filepath.Join(s.Dir(), "..%2Fescape")); err != nil {
		t.Fatalf("the key's file is not in the store: %v", err)
	}
}

func TestFilePermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permissions")
	}
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "a", "store")
	s, err := NewFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %04o, want 0700", fi.Mode().Perm())
	}
	if err := s.Set(ctx, KeySessionKey, "secret"); err != nil {
		t.Fatal(err)
	}
	fi, err = os.Stat(filepath.Join(dir, KeySessionKey))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode %04o, want 0600", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("store holds %d files after one Set, want 1 (no temporary files left)", len(entries))
	}

	open := filepath.Join(t.TempDir(), "open")
	if err := os.Mkdir(open, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chmod(open, 0o755)
	if _, err := NewFile(open); err == nil || !strings.Contains(err.Error(), "chmod 700") {
		t.Errorf("NewFile of a 0755 directory = %v, want a refusal that says to chmod 700", err)
	}
	notDir := filepath.Join(t.TempDir(), "file")
	os.WriteFile(notDir, nil, 0o600)
	if _, err := NewFile(notDir); err == nil {
		t.Error("NewFile of a regular file succeeded")
	}
	if _, err := NewFile(""); err == nil {
		t.Error("NewFile(\"\") succeeded")
	}
}

func TestFileRemovesStaleTemps(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	if _, err := NewFile(dir); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(dir, tempPrefix+"old")
	staleOld := filepath.Join(dir, oldTempPrefix+"old")
	fresh := filepath.Join(dir, tempPrefix+"new")
	os.WriteFile(stale, []byte("x"), 0o600)
	os.WriteFile(staleOld, []byte("x"), 0o600)
	os.WriteFile(fresh, []byte("x"), 0o600)
	old := time.Now().Add(-2 * staleTemp)
	os.Chtimes(stale, old, old)
	os.Chtimes(staleOld, old, old)
	if _, err := NewFile(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); err == nil {
		t.Error("stale temporary file was kept")
	}
	if _, err := os.Stat(staleOld); err == nil {
		t.Error("stale temporary file of the old prefix was kept")
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Error("recent temporary file (maybe another process's write in progress) was removed")
	}
}

// value is a distinctive, self-checking value: writer, sequence number and
// padding derived from both, so a torn or mixed file is detected.
func value(writer string, i int) string {
	head := writer + ":" + strconv.Itoa(i) + ":"
	return head + strings.Repeat(string('a'+byte(i%26)), 20000+i%1000) + ":" + head
}

func checkValue(v string) error {
	parts := strings.SplitN(v, ":", 3)
	if len(parts) != 3 {
		return fmt.Errorf("value %.30q… is torn", v)
	}
	i, err := strconv.Atoi(parts[1])
	if err != nil {
		return fmt.Errorf("value %.30q… is torn", v)
	}
	if v != value(parts[0], i) {
		return fmt.Errorf("value %.30q… (len %d) is torn", v, len(v))
	}
	return nil
}

func TestMemoryConcurrent(t *testing.T) {
	testConcurrent(t, NewMemory(), nil)
}

func TestFileConcurrentGoroutines(t *testing.T) {
	s, err := NewFile(filepath.Join(t.TempDir(), "store"))
	if err != nil {
		t.Fatal(err)
	}
	testConcurrent(t, s, nil)
}

// TestFileConcurrentProcesses has a child process (this test binary,
// re-executed) write the same key while this process writes and reads it.
func TestFileConcurrentProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a process")
	}
	dir := filepath.Join(t.TempDir(), "store")
	s, err := NewFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Skip("cannot find the test binary:", err)
	}
	var cmds []*exec.Cmd
	for i := range 2 {
		cmd := exec.Command(exe, "-test.run=^TestHelperWriter$")
		cmd.Env = append(os.Environ(), "STORAGE_HELPER_DIR="+dir, "STORAGE_HELPER_NAME=child"+strconv.Itoa(i))
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Skip("cannot start a child process:", err)
		}
		cmds = append(cmds, cmd)
	}
	testConcurrent(t, s, func() {
		for _, cmd := range cmds {
			if err := cmd.Wait(); err != nil {
				t.Errorf("child writer: %v", err)
			}
		}
	})
	v, ok, err := s.Get(context.Background(), "shared")
	if !ok || err != nil || checkValue(v) != nil {
		t.Fatalf("final value: ok %v, err %v, check %v", ok, err, checkValue(v))
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), tempPrefix) {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

// TestHelperWriter is the child process of TestFileConcurrentProcesses.
func TestHelperWriter(t *testing.T) {
	dir := os.Getenv("STORAGE_HELPER_DIR")
	if dir == "" {
		t.Skip("helper process only")
	}
	s, err := NewFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	name := os.Getenv("STORAGE_HELPER_NAME")
	for i := range 300 {
		if err := s.Set(ctx, "shared", value(name, i)); err != nil {
			t.Fatal(err)
		}
		if v, ok, err := s.Get(ctx, "shared"); err != nil || !ok {
			t.Fatalf("Get: %v %v", ok, err)
		} else if err := checkValue(v); err != nil {
			t.Fatal(err)
		}
	}
}

func testConcurrent(t *testing.T, s Storage, wait func()) {
	ctx := context.Background()
	if err := s.Set(ctx, "shared", value("init", 0)); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for w := range 4 {
		wg.Go(func() {
			for i := range 150 {
				if err := s.Set(ctx, "shared", value("w"+strconv.Itoa(w), i)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for range 4 {
		wg.Go(func() {
			for range 300 {
				v, ok, err := s.Get(ctx, "shared")
				if err != nil || !ok {
					errs <- fmt.Errorf("Get: ok %v, err %v", ok, err)
					return
				}
				if err := checkValue(v); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	if wait != nil {
		wait()
	}
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// A temporary file's name decodes as encodeURIComponent names do (so
// node-localstorage can open a directory while a write is in progress),
// and no key encodes to it.
func TestTempNameDecodes(t *testing.T) {
	name := tempPrefix + "123456"
	if _, err := url.PathUnescape(name); err != nil {
		t.Fatalf("%s does not decode: %v", name, err)
	}
	for _, k := range []string{"~tmp-123456", "%7Etmp-123456", "%tmp-1"} {
		enc, err := EncodeKey(k)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(enc, tempPrefix) {
			t.Errorf("key %q encodes to %q, a temporary file's name", k, enc)
		}
	}
}
