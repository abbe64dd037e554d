package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEditOnce: upstream's declaration is renamed when it occurs once, and
// a curve.go with none or two is refused and left as it was.
func TestEditOnce(t *testing.T) {
	body := "package secp256k1\n\n// doc\n" + baseMultDecl + "\n}\n\nfunc other() {}\n"
	for _, tc := range []struct {
		name, src string
		ok        bool
	}{
		{"once", body, true},
		{"absent", "package secp256k1\n", false},
		{"twice", body + baseMultDecl + "\n}\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "curve.go")
			if err := os.WriteFile(path, []byte(tc.src), 0o444); err != nil {
				t.Fatal(err)
			}
			err := editOnce(path, baseMultDecl, baseMultRenamed)
			got, rerr := os.ReadFile(path)
			if rerr != nil {
				t.Fatal(rerr)
			}
			if !tc.ok {
				if err == nil || !strings.Contains(err.Error(), "no longer fits") {
					t.Errorf("editOnce gave %v, want an error saying wasm/_secp256k1 no longer fits", err)
				}
				if string(got) != tc.src {
					t.Error("a refused curve.go was changed")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := strings.Replace(tc.src, baseMultDecl, baseMultRenamed, 1); string(got) != want {
				t.Errorf("curve.go after the rename:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}
