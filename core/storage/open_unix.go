//go:build unix

package storage

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// readValue reads the file of a key. It opens it without following a
// symbolic link and without blocking (a FIFO would hang a blocking open),
// then requires a regular file that only its owner can access, of at most
// MaxValueBytes.
func readValue(p string) ([]byte, error) {
	fd, err := syscall.Open(p, syscall.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if errors.Is(err, syscall.ELOOP) {
		return nil, fmt.Errorf("%s is a symbolic link; the store holds only its own regular files: remove it", p)
	}
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: p, Err: err}
	}
	f := os.NewFile(uintptr(fd), p)
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (%s); the store holds only its own regular files: remove it", p, fi.Mode().Type())
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("%s has mode %04o, so other users may have read the secret in it: delete it (a new session key is made) or, if no one else could reach it, run chmod 600 %s", p, perm, p)
	}
	return readCapped(f, fi.Size(), p)
}
