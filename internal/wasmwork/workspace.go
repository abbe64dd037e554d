package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// module is the repository's main module as `go list -m -json` reports it.
type module struct {
	Path, Dir, GoVersion string
}

const ourModule = "github.com/litgo/litsession"

// mainModule returns the repository's module; the go version of go.work is
// its go.mod's.
func mainModule() (module, error) {
	var m module
	if err := goJSON(&m, "list", "-m", "-json"); err != nil {
		return m, err
	}
	if m.Path != ourModule {
		return m, fmt.Errorf("the current module is %q, not %s: run wasmwork from the litsession repository", m.Path, ourModule)
	}
	if m.GoVersion == "" {
		return m, fmt.Errorf("%s has no go directive", filepath.Join(m.Dir, "go.mod"))
	}
	return m, nil
}

// writeWorkspace replaces dir with the workspace: a writable copy of src
// (secpModule from the module cache) with our table code in place, the
// links and overlay of lazy (writeLazy), and go.work.
func writeWorkspace(dir string, repo module, src string, lazy []lazySource) error {
	if err := removeWorkspace(dir); err != nil {
		return err
	}
	secp := filepath.Join(dir, "secp256k1")
	if err := os.CopyFS(secp, os.DirFS(src)); err != nil {
		return fmt.Errorf("copying %s from the module cache: %v", secpModule, err)
	}
	// Upstream's compressed table stays for the tests only, which compare
	// the computed table with it.
	if err := os.Rename(filepath.Join(secp, "compressedbytepoints.go"), filepath.Join(secp, "compressedbytepoints_test.go")); err != nil {
		return err
	}
	for _, e := range secpEdits {
		if err := editOnce(filepath.Join(secp, e.file), e.old, e.new); err != nil {
			return err
		}
	}
	ours := filepath.Join(repo.Dir, "wasm", "_secp256k1")
	for from, to := range map[string]string{
		"loadprecomputed.go": "loadprecomputed.go",
		"hextobig.go":        "litsession_hextobig.go",
		"table_test.go":      "litsession_table_test.go",
	} {
		b, err := os.ReadFile(filepath.Join(ours, from))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(secp, to), b, 0o644); err != nil {
			return err
		}
	}
	tmpl, err := os.ReadFile(filepath.Join(repo.Dir, lazyTemplate))
	if err != nil {
		return err
	}
	replaces, err := writeLazy(dir, tmpl, lazy)
	if err != nil {
		return err
	}
	work := fmt.Sprintf("go %s\n\nuse %s\n\nreplace %s %s => ./secp256k1\n", repo.GoVersion, repo.Dir, secpModule, secpVersion)
	for _, r := range replaces {
		work += r + "\n"
	}
	return os.WriteFile(filepath.Join(dir, "go.work"), []byte(work), 0o644)
}

// removeWorkspace removes dir if it is a workspace this program made (it has a
// go.work) or empty, and refuses to remove anything else.
func removeWorkspace(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(dir, "go.work")); len(entries) > 0 && err != nil {
		return fmt.Errorf("%s is not empty and has no go.work: it is not a workspace made by wasmwork; remove it or pass another -o", dir)
	}
	return os.RemoveAll(dir)
}

// secpEdits are the changes made to upstream's files in the copy, each to
// text that must occur exactly once:
//
//   - ScalarBaseMultNonConst in curve.go is renamed scalarBaseMultTable:
//     wasm/_secp256k1/loadprecomputed.go declares ScalarBaseMultNonConst
//     itself and calls upstream's under that name.
//   - fromHex in ellipticadaptor.go, which the package's initializer calls
//     for the curve's five constants, decodes with hexToBig
//     (wasm/_secp256k1/hextobig.go) instead of big.Int.SetString, whose
//     digit loop would otherwise be the start-up's hottest function and be
//     re-compiled by V8 right after the page loads.
var secpEdits = []struct{ file, old, new string }{
	{"curve.go", baseMultDecl, baseMultRenamed},
	{"ellipticadaptor.go", "\tr, ok := new(big.Int).SetString(s, 16)\n", "\tr, ok := hexToBig(s)\n"},
}

const (
	baseMultDecl    = "func ScalarBaseMultNonConst(k *ModNScalar, result *JacobianPoint) {"
	baseMultRenamed = "func scalarBaseMultTable(k *ModNScalar, result *JacobianPoint) {"
)

// replaceOnce replaces old with new in src if src holds old exactly once;
// n is how many times it holds it (out is nil unless n is 1).
func replaceOnce(src []byte, old, new string) (out []byte, n int) {
	if n = bytes.Count(src, []byte(old)); n != 1 {
		return nil, n
	}
	return bytes.Replace(src, []byte(old), []byte(new), 1), 1
}

// editOnce replaces old with new in the file at path; old must occur there
// exactly once, or the file is left as it was and the copy refused.
func editOnce(path, old, new string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	b, n := replaceOnce(b, old, new)
	if n != 1 {
		return fmt.Errorf("%s has %q %d times, want once: wasm/_secp256k1 no longer fits %s %s; compare them", path, old, n, secpModule, secpVersion)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, fi.Mode().Perm()|0o200)
}
