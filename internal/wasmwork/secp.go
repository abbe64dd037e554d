package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// secpModule is decred's secp256k1, imported by go-ethereum/crypto and so by
// siwe-go.
const secpModule = "github.com/decred/dcrd/dcrec/secp256k1/v4"

// secpVersion is the version of secpModule whose loadprecomputed.go
// wasm/_secp256k1/loadprecomputed.go replaces. go.mod must require exactly
// this version.
const secpVersion = "v4.1.0"

// secpSource returns the directory of secpModule at secpVersion in the
// module cache, downloading it if needed.
func secpSource() (string, error) {
	ver, err := goOutput("list", "-m", "-f", "{{.Version}}", secpModule)
	if err != nil {
		return "", err
	}
	if ver != secpVersion {
		return "", fmt.Errorf("go.mod has %s %s, but wasm/_secp256k1/loadprecomputed.go replaces the file of %s:\n"+
			"\tcompare it with upstream's loadprecomputed.go of %s, then set secpVersion in internal/wasmwork/secp.go",
			secpModule, ver, secpVersion, ver)
	}
	var m struct{ Version, Dir, Error string }
	if err := goJSON(&m, "mod", "download", "-json", secpModule); err != nil {
		return "", err
	}
	if m.Error != "" {
		return "", fmt.Errorf("go mod download %s: %s", secpModule, m.Error)
	}
	if m.Version != secpVersion || m.Dir == "" {
		return "", fmt.Errorf("go mod download %s gave version %q in %q, want %s: run go mod download", secpModule, m.Version, m.Dir, secpVersion)
	}
	for _, f := range []string{"loadprecomputed.go", "compressedbytepoints.go"} {
		if _, err := os.Stat(filepath.Join(m.Dir, f)); errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("%s %s has no %s: wasm/_secp256k1/loadprecomputed.go no longer fits it; compare them", secpModule, secpVersion, f)
		} else if err != nil {
			return "", err
		}
	}
	return m.Dir, nil
}
