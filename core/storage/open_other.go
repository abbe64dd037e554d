//go:build !unix

package storage

import (
	"fmt"
	"os"
)

// readValue reads the file of a key: a regular file of at most
// MaxValueBytes (file modes are not checked where the platform has none).
func readValue(p string) ([]byte, error) {
	fi, err := os.Lstat(p)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (%s); the store holds only its own regular files: remove it", p, fi.Mode().Type())
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readCapped(f, fi.Size(), p)
}
