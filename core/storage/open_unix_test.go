//go:build unix

package storage

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Store files that are not what the store wrote are refused with a reason,
// without blocking and without reading without bound.
func TestFileRefusesForeignFiles(t *testing.T) {
	ctx := context.Background()
	for name, tc := range map[string]struct {
		make func(t *testing.T, p string)
		want string
	}{
		"readable by others": {func(t *testing.T, p string) {
			if err := os.WriteFile(p, []byte(`{"publicKey":"x"}`), 0o644); err != nil {
				t.Fatal(err)
			}
			os.Chmod(p, 0o644)
		}, "mode 0644"},
		"FIFO": {func(t *testing.T, p string) {
			if err := syscall.Mkfifo(p, 0o600); err != nil {
				t.Skip("mkfifo:", err)
			}
		}, "not a regular file"},
		"symlink to /dev/zero": {func(t *testing.T, p string) {
			if err := os.Symlink("/dev/zero", p); err != nil {
				t.Fatal(err)
			}
		}, "symbolic link"},
		"too large": {func(t *testing.T, p string) {
			if err := os.WriteFile(p, make([]byte, MaxValueBytes+1), 0o600); err != nil {
				t.Fatal(err)
			}
		}, "more than a stored value may"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "store")
			s, err := NewFile(dir)
			if err != nil {
				t.Fatal(err)
			}
			tc.make(t, filepath.Join(s.Dir(), "lit-session-key"))
			done := make(chan error, 1)
			go func() {
				_, _, err := s.Get(ctx, "lit-session-key")
				done <- err
			}()
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("Get: %v, want an error containing %q", err, tc.want)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Get blocked")
			}
		})
	}
}
