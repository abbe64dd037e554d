//go:build !js

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestDeps lists what each browser module links for GOOS=js GOARCH=wasm and
// fails on every package that breaks one of depRules. It runs natively (make
// wasm runs it before building, and go test ./... runs it too).
func TestDeps(t *testing.T) {
	for _, mod := range []string{mainWasm, pkpWasm} {
		t.Run(strings.TrimPrefix(mod, ourModule+"/"), func(t *testing.T) {
			deps := listWasmDeps(t, mod)
			for _, msg := range checkDeps(mod, deps) {
				t.Error(msg)
			}
			for _, path := range jsonAllowed[mod] {
				i := slices.IndexFunc(deps, func(p depPkg) bool { return p.ImportPath == path })
				if i < 0 || !slices.Contains(deps[i].Imports, "encoding/json") {
					t.Errorf("%s: %s is not linked there or no longer imports encoding/json: remove it from jsonAllowed in wasm/deps_rules_test.go", mod, path)
				}
			}
		})
	}
}

// listWasmDeps runs `go list -deps -json mod` for GOOS=js GOARCH=wasm. It
// fails the test if the listing lacks the module itself or syscall/js, so
// that a broken listing cannot pass as a clean one.
func listWasmDeps(t *testing.T, mod string) []depPkg {
	t.Helper()
	deps := goListDeps(t, mod, nil)
	for _, want := range []string{mod, "syscall/js"} {
		if !slices.ContainsFunc(deps, func(p depPkg) bool { return p.ImportPath == want }) {
			t.Fatalf("%s: go list -deps does not list %s; the listing is not the browser build's", mod, want)
		}
	}
	return deps
}

// goListDeps runs `go list -deps -json [flags] mod` for GOOS=js
// GOARCH=wasm with env added, and fails the test on any error in the
// listing.
func goListDeps(t *testing.T, mod string, env []string, flags ...string) []depPkg {
	t.Helper()
	args := append(append([]string{"list", "-deps", "-json"}, flags...), mod)
	cmd := exec.Command("go", args...)
	cmd.Env = append(append(os.Environ(), "GOOS=js", "GOARCH=wasm"), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s GOOS=js GOARCH=wasm go %s: %v\n%s", strings.Join(env, " "), strings.Join(args, " "), err, stderr.Bytes())
	}
	var deps []depPkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p depPkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("reading go list -json output for %s: %v", mod, err)
		}
		if p.Error != nil {
			t.Fatalf("%s: go list: %s: %s", mod, p.ImportPath, p.Error.Err)
		}
		for _, e := range p.DepsErrors {
			t.Fatalf("%s: go list: %s: %s", mod, p.ImportPath, e.Err)
		}
		deps = append(deps, p)
	}
	return deps
}

// TestDepRulesFire feeds checkDeps a dependency list that breaks each rule
// in turn, so that a rule that stopped matching cannot let TestDeps pass.
func TestDepRulesFire(t *testing.T) {
	clean := []depPkg{
		{ImportPath: "syscall/js"},
		{ImportPath: "encoding/json"},
		{ImportPath: "github.com/ethereum/go-ethereum/crypto", Imports: []string{"github.com/ethereum/go-ethereum/common"}},
		{ImportPath: "github.com/ethereum/go-ethereum/common", Imports: []string{"encoding/json"}},
		{ImportPath: "github.com/spruceid/siwe-go", Imports: []string{"encoding/json"}},
		{ImportPath: ourModule + "/core/jsjson"},
		{ImportPath: mainWasm, Imports: []string{"syscall/js", ourModule + "/core/jsjson"}},
	}
	for _, mod := range []string{mainWasm, pkpWasm} {
		if got := checkDeps(mod, clean); len(got) != 0 {
			t.Errorf("%s: a clean list breaks rules:\n%s", mod, strings.Join(got, "\n"))
		}
	}

	breaks := map[string]struct {
		mod string
		pkg depPkg
	}{
		"no net/http":                     {pkpWasm, depPkg{ImportPath: "net/http"}},
		"no BLS12-381 in the main module": {mainWasm, depPkg{ImportPath: "github.com/consensys/gnark-crypto/ecc/bls12-381"}},
		"go-ethereum/crypto only":         {mainWasm, depPkg{ImportPath: "github.com/ethereum/go-ethereum/accounts/abi"}},
		"no session verifier":             {pkpWasm, depPkg{ImportPath: ourModule + "/core/verify"}},
		"no regexp in our packages":       {mainWasm, depPkg{ImportPath: ourModule + "/core/recap", Imports: []string{"regexp"}}},
		"no encoding/json in our packages": {mainWasm, depPkg{
			ImportPath: ourModule + "/core/session",
			Imports:    []string{"encoding/json"},
		}},
	}
	for _, r := range depRules {
		b, ok := breaks[r.name]
		if !ok {
			t.Errorf("rule %q has no case in TestDepRulesFire: add a package that breaks it", r.name)
			continue
		}
		got := checkDeps(b.mod, append(slices.Clone(clean), b.pkg))
		if len(got) != 1 || !strings.Contains(got[0], r.name) || !strings.Contains(got[0], r.why) {
			t.Errorf("rule %q: %s linking %s gave %q, want one failure naming the rule and its reason", r.name, b.mod, b.pkg.ImportPath, got)
		}
	}
	if len(breaks) != len(depRules) {
		t.Errorf("TestDepRulesFire has %d cases for %d rules", len(breaks), len(depRules))
	}
}
