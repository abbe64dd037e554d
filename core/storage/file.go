package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
	"unicode/utf8"
)

// tempPrefix starts the names of files being written. EncodeKey writes
// '~' as is, so it never produces "%7E" and no key maps to a temporary
// file's name. The name still decodes (to "~tmp-…"): node-localstorage,
// which the v8 SDK's localStorageNode uses, decodes every file name in its
// directory when it opens it and fails on one that does not decode, so a
// write in progress must not stop it from sharing the directory.
const tempPrefix = "%7Etmp-"

// oldTempPrefix starts the temporary files of earlier versions (a name
// node-localstorage cannot decode); stale ones are removed too.
const oldTempPrefix = "%tmp-"

// staleTemp is how old a leftover temporary file (from a process that died
// mid-write) must be before NewFile removes it.
const staleTemp = time.Hour

// MaxValueBytes is the largest value the file store reads back; a session
// key and a wallet signature take a few kilobytes.
const MaxValueBytes = 1 << 20

// maxNameLen is the longest file name most file systems allow.
const maxNameLen = 255

// File is a Storage for servers and CLIs: one file per key in a directory,
// the layout of node-localstorage (which naga's localStorageNode uses), so
// the file name is the key encoded like JavaScript's encodeURIComponent and
// the file content is the value's bytes.
//
// The directory is created with mode 0700 and files with mode 0600. Writes
// are atomic: the value goes to a temporary file in the same directory,
// which is synced and then renamed over the key's file, so readers, and
// other processes writing the same key, never see a torn value: the last
// rename wins. File names are case-sensitive only where the file system is;
// on macOS and Windows, keys that differ only in case share a file.
type File struct {
	dir string
}

// NewFile opens (creating if needed) a file store in dir. On Unix it
// refuses a directory that other users can access, because the session key
// stored there is a secret.
func NewFile(dir string) (*File, error) {
	if dir == "" {
		return nil, errors.New("storage: the file store needs a directory; pass one such as ~/.config/litsession")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("storage: %v", err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("storage: creating the store directory: %w", err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("storage: %s is not a directory; pass a directory for the store", abs)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("storage: directory %s has mode %04o, so other users can reach the session key stored there; run chmod 700 %s or use a private directory", abs, fi.Mode().Perm(), abs)
	}
	s := &File{dir: abs}
	s.removeStaleTemps()
	return s, nil
}

// Dir returns the store's absolute directory.
func (s *File) Dir() string { return s.dir }

func (s *File) removeStaleTemps() {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), tempPrefix) && !strings.HasPrefix(e.Name(), oldTempPrefix) {
			continue
		}
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > staleTemp {
			os.Remove(filepath.Join(s.dir, e.Name()))
		}
	}
}

// path returns the file of key, refusing keys that cannot be a file name in
// the store's directory.
func (s *File) path(key string) (string, error) {
	name, err := EncodeKey(key)
	if err != nil {
		return "", err
	}
	return filepath.Join(s.dir, name), nil
}

// Get implements Storage.
func (s *File) Get(ctx context.Context, key string) (string, bool, error) {
	if err := ctx.Err(); err != nil {
		return "", false, err
	}
	p, err := s.path(key)
	if err != nil {
		return "", false, err
	}
	b, err := readValue(p)
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("storage: reading %q: %w", key, err)
	}
	return string(b), true, nil
}

// Set implements Storage: it writes a temporary file, syncs it and renames
// it over the key's file.
func (s *File) Set(ctx context.Context, key, value string) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	p, err := s.path(key)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(s.dir, tempPrefix+"*")
	if err != nil {
		return fmt.Errorf("storage: writing %q: %w", key, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	// CreateTemp already uses 0600; Chmod makes it explicit where the
	// platform honours it.
	if err := f.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		return fmt.Errorf("storage: writing %q: %w", key, err)
	}
	if _, err := f.WriteString(value); err != nil {
		return fmt.Errorf("storage: writing %q: %w", key, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("storage: writing %q: syncing: %w", key, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("storage: writing %q: %w", key, err)
	}
	if err := os.Rename(tmp, p); err != nil {
		return fmt.Errorf("storage: writing %q: %w", key, err)
	}
	s.syncDir()
	return nil
}

// syncDir makes a rename durable where directories can be synced; where
// they cannot (Windows), the rename is still atomic.
func (s *File) syncDir() {
	d, err := os.Open(s.dir)
	if err != nil {
		return
	}
	d.Sync()
	d.Close()
}

// Delete implements Storage. Deleting an absent key is not an error.
func (s *File) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p, err := s.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("storage: deleting %q: %w", key, err)
	}
	return nil
}

// EncodeKey returns the file name of key: JavaScript's encodeURIComponent,
// which keeps A–Z a–z 0–9 - _ . ! ~ * ' ( ) and percent-encodes every other
// UTF-8 byte in upper-case hex, so '/' and '\' never reach the file system.
// The empty key, "." and "..", keys that are not valid UTF-8, and keys whose
// encoding is longer than 255 bytes are refused.
func EncodeKey(key string) (string, error) {
	switch key {
	case "":
		return "", errors.New("storage: the key is empty; use a name such as lit-session-key")
	case ".", "..":
		return "", fmt.Errorf("storage: the key %q would name a directory, not a file in the store; use another key", key)
	}
	if !utf8.ValidString(key) {
		return "", fmt.Errorf("storage: the key %q is not valid UTF-8", key)
	}
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(key); i++ {
		c := key[i]
		if unreserved(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	name := b.String()
	if len(name) > maxNameLen {
		return "", fmt.Errorf("storage: the key %.40q… encodes to a %d-byte file name, more than file systems allow (%d); use a shorter key", key, len(name), maxNameLen)
	}
	return name, nil
}

func unreserved(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-_.!~*'()", c) >= 0
}

// readCapped reads a value of at most MaxValueBytes from f, whose size
// the file system reports as size.
func readCapped(f io.Reader, size int64, p string) ([]byte, error) {
	if size > MaxValueBytes {
		return nil, fmt.Errorf("%s holds %d bytes, more than a stored value may (%d): remove it", p, size, MaxValueBytes)
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxValueBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxValueBytes {
		return nil, fmt.Errorf("%s holds more than a stored value may (%d bytes): remove it", p, MaxValueBytes)
	}
	return b, nil
}
