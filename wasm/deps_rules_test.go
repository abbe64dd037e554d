//go:build !js

package main

import (
	"fmt"
	"slices"
	"strings"
)

// The browser modules, by import path: lit-session.wasm and
// lit-session-pkp.wasm.
const (
	ourModule = "github.com/litgo/litsession"
	mainWasm  = ourModule + "/wasm"
	pkpWasm   = ourModule + "/wasm/pkp"
)

// depPkg is one package of `go list -deps -json`.
type depPkg struct {
	ImportPath string
	Dir        string
	Standard   bool
	GoFiles    []string
	Imports    []string
	Error      *struct{ Err string }
	DepsErrors []*struct{ Err string }
}

// depRule is one rule on what a browser module may link. bad returns what is
// wrong with p in module mod, or "" if p keeps the rule.
type depRule struct {
	name    string
	modules []string
	why     string
	bad     func(mod string, p depPkg) string
}

// gethAllowed is go-ethereum/crypto and what it imports: siwe-go needs it
// to recover the signer of a SIWE message.
var gethAllowed = []string{
	"github.com/ethereum/go-ethereum/crypto",
	"github.com/ethereum/go-ethereum/crypto/keccak",
	"github.com/ethereum/go-ethereum/common",
	"github.com/ethereum/go-ethereum/common/hexutil",
	"github.com/ethereum/go-ethereum/common/math",
	"github.com/ethereum/go-ethereum/rlp",
	"github.com/ethereum/go-ethereum/rlp/internal/rlpstruct",
}

// jsonAllowed lists, per module, our packages that may still import
// encoding/json there. The main module has none. In the PKP module these
// decode node responses and envelopes with encoding/json; each entry goes
// when its package moves to core/jsjson (TestDeps fails on an entry that is
// no longer needed).
var jsonAllowed = map[string][]string{
	pkpWasm: {
		ourModule + "/core/bls",
		ourModule + "/core/envelope",
		ourModule + "/core/jsjson/stdjson",
		ourModule + "/core/pkp",
	},
}

// depRules are the rules TestDeps enforces on each browser module.
var depRules = []depRule{
	{
		// Nodes are reached through the fetch transport; net/http adds
		// about 1 MB to a module.
		name:    "no net/http",
		modules: []string{mainWasm, pkpWasm},
		why:     "the browser build reaches nodes with the fetch transport, and net/http adds about 1 MB",
		bad: func(_ string, p depPkg) string {
			if p.ImportPath == "net/http" {
				return "net/http is linked"
			}
			return ""
		},
	},
	{
		// BLS12-381 is what the PKP module, loaded on the first PKP call,
		// is for; in the main module it would cost every page.
		name:    "no BLS12-381 in the main module",
		modules: []string{mainWasm},
		why:     "BLS12-381 (core/bls, gnark-crypto) belongs in ./wasm/pkp, which loads on the first PKP call",
		bad: func(_ string, p depPkg) string {
			if inTree(p.ImportPath, "github.com/consensys/gnark-crypto") || inTree(p.ImportPath, ourModule+"/core/bls") {
				return p.ImportPath + " is linked"
			}
			return ""
		},
	},
	{
		// siwe-go needs go-ethereum/crypto; every other go-ethereum
		// package is avoidable weight (accounts/abi alone is 62 KB gzip).
		name:    "go-ethereum/crypto only",
		modules: []string{mainWasm},
		why:     "only go-ethereum/crypto and what it imports may be linked (siwe-go needs it); accounts/abi costs 62 KB gzip, so decode by hand as core/node does",
		bad: func(_ string, p depPkg) string {
			if inTree(p.ImportPath, "github.com/ethereum/go-ethereum") && !slices.Contains(gethAllowed, p.ImportPath) {
				return p.ImportPath + " is linked"
			}
			return ""
		},
	},
	{
		// The verifier is for servers.
		name:    "no session verifier",
		modules: []string{mainWasm, pkpWasm},
		why:     "core/verify is server-side",
		bad: func(_ string, p depPkg) string {
			if inTree(p.ImportPath, ourModule+"/core/verify") {
				return p.ImportPath + " is linked"
			}
			return ""
		},
	},
	{
		// Our parsers check byte classes with loops: in a page, compiling
		// and matching a regular expression runs code that V8 then
		// re-compiles with TurboFan in the background, competing with the
		// page's first calls. (siwe-go links regexp, for its refusals.)
		name:    "no regexp in our packages",
		modules: []string{mainWasm, pkpWasm},
		why:     "our packages in the browser build check byte classes with loops; regexp's compiler and matcher are work V8 re-compiles on every page",
		bad: func(_ string, p depPkg) string {
			if inTree(p.ImportPath, ourModule) && slices.Contains(p.Imports, "regexp") {
				return p.ImportPath + " imports regexp"
			}
			return ""
		},
	},
	{
		// encoding/json's reflection-based code is large; our packages
		// use core/jsjson. go-ethereum/common and siwe-go import
		// encoding/json themselves, but the linker drops what they do
		// not use, so only our own imports are held to this.
		name:    "no encoding/json in our packages",
		modules: []string{mainWasm, pkpWasm},
		why:     "our packages in the browser build use core/jsjson, not encoding/json, whose reflection-based coder is large",
		bad: func(mod string, p depPkg) string {
			if inTree(p.ImportPath, ourModule) && slices.Contains(p.Imports, "encoding/json") &&
				!slices.Contains(jsonAllowed[mod], p.ImportPath) {
				return p.ImportPath + " imports encoding/json"
			}
			return ""
		},
	},
}

// checkDeps returns one line per package of module mod's dependencies that
// breaks a rule, naming the rule and its reason.
func checkDeps(mod string, deps []depPkg) []string {
	var out []string
	for _, r := range depRules {
		if !slices.Contains(r.modules, mod) {
			continue
		}
		for _, p := range deps {
			if msg := r.bad(mod, p); msg != "" {
				out = append(out, fmt.Sprintf("%s: %s (rule %q: %s)", mod, msg, r.name, r.why))
			}
		}
	}
	return out
}

// inTree reports whether path is root or a package under it.
func inTree(path, root string) bool {
	return path == root || strings.HasPrefix(path, root+"/")
}
