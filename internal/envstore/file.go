package envstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/litgo/litsession/core/storage"
)

const (
	fileRecordPref    = "envelope-"
	fileTombstonePref = "expired-"
)

// File is the store for one machine: one file per envelope in a private
// directory (core/storage's file store: 0700, 0600 files, atomic renames).
// Delete and Swap hold a lock on the directory (flock where the platform has
// it), so a rotation in another process never brings back a deleted
// envelope.
type File struct {
	fs *storage.File
	mu sync.Mutex
}

// NewFile opens (creating if needed) the store directory dir.
func NewFile(dir string) (*File, error) {
	fs, err := storage.NewFile(dir)
	if err != nil {
		return nil, err
	}
	return &File{fs: fs}, nil
}

// Dir is the store's absolute directory.
func (f *File) Dir() string { return f.fs.Dir() }

func (f *File) String() string { return f.fs.Dir() }

// Close implements Store.
func (f *File) Close() error { return nil }

// Ping implements Store: the directory must still be there.
func (f *File) Ping(ctx context.Context) error {
	fi, err := os.Stat(f.fs.Dir())
	if err == nil && !fi.IsDir() {
		err = fmt.Errorf("%s is not a directory", f.fs.Dir())
	}
	return err
}

// locked runs fn holding the process mutex and the directory lock.
func (f *File) locked(fn func() error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	unlock, err := lockDir(f.fs.Dir())
	if err != nil {
		return err
	}
	defer unlock()
	return fn()
}

// Create implements Store.
func (f *File) Create(ctx context.Context, id string, rec []byte, exp time.Time) error {
	return f.locked(func() error {
		if _, ok, err := f.fs.Get(ctx, fileRecordPref+id); err != nil || ok {
			if ok {
				return ErrExists
			}
			return err
		}
		return f.fs.Set(ctx, fileRecordPref+id, string(rec))
	})
}

// Get implements Store.
func (f *File) Get(ctx context.Context, id string) ([]byte, error) {
	v, ok, err := f.fs.Get(ctx, fileRecordPref+id)
	if err != nil || ok {
		return []byte(v), err
	}
	t, ok, err := f.fs.Get(ctx, fileTombstonePref+id)
	if err != nil {
		return nil, err
	}
	if ok {
		if at, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(t)); err == nil {
			return nil, &ExpiredError{At: at}
		}
	}
	return nil, ErrNotFound
}

// Delete implements Store.
func (f *File) Delete(ctx context.Context, id string) error {
	return f.locked(func() error {
		_, rec, err := f.fs.Get(ctx, fileRecordPref+id)
		if err != nil {
			return err
		}
		_, tomb, err := f.fs.Get(ctx, fileTombstonePref+id)
		if err != nil {
			return err
		}
		if !rec && !tomb {
			return ErrNotFound
		}
		if err := f.fs.Delete(ctx, fileRecordPref+id); err != nil {
			return err
		}
		return f.fs.Delete(ctx, fileTombstonePref+id)
	})
}

// Expire implements Store.
func (f *File) Expire(ctx context.Context, id string, exp time.Time) error {
	return f.locked(func() error {
		if err := f.fs.Set(ctx, fileTombstonePref+id, exp.UTC().Format(time.RFC3339Nano)); err != nil {
			return err
		}
		return f.fs.Delete(ctx, fileRecordPref+id)
	})
}

// Swap implements Store.
func (f *File) Swap(ctx context.Context, id string, old, rec []byte) (bool, error) {
	swapped := false
	err := f.locked(func() error {
		cur, ok, err := f.fs.Get(ctx, fileRecordPref+id)
		if err != nil || !ok || !bytes.Equal([]byte(cur), old) {
			return err
		}
		swapped = true
		return f.fs.Set(ctx, fileRecordPref+id, string(rec))
	})
	return swapped, err
}

// IDs implements Store.
func (f *File) IDs(ctx context.Context) ([]string, error) {
	entries, err := os.ReadDir(f.fs.Dir())
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, e := range entries {
		if id, ok := strings.CutPrefix(e.Name(), fileRecordPref); ok && IDPattern.MatchString(id) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// SweepTombstones removes tombstones older than a week after their
// envelope's expiry.
func (f *File) SweepTombstones(ctx context.Context) {
	entries, err := os.ReadDir(f.fs.Dir())
	if err != nil {
		return
	}
	for _, e := range entries {
		id, ok := strings.CutPrefix(e.Name(), fileTombstonePref)
		if !ok || !IDPattern.MatchString(id) {
			continue
		}
		var ee *ExpiredError
		if _, err := f.Get(ctx, id); errors.As(err, &ee) && time.Since(ee.At) > tombstoneFor {
			f.fs.Delete(ctx, fileTombstonePref+id)
		}
	}
}
