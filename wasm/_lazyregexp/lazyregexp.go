// This file is added, as litsession_lazyregexp.go, to each third-party
// package whose package-level regular expression the browser modules compile
// on first use (lazyVars in internal/wasmwork/lazyregexp.go): make wasm-work
// writes it with that package's name in place of lazyregexp, rewrites the
// variable's declaration from
//
//	var name = regexp.MustCompile(pattern)
//
// to
//
//	var name = lazyMustCompile(regexp.MustCompile, pattern)
//
// and lists both files in bin/wasmwork/overlay.json, which every browser build
// passes to go build -overlay (the package is read through the link in
// bin/wasmwork/mod that go.work replaces its module with, as the go command
// refuses overlays in the module cache). The pattern text is the package's
// own; native builds use the packages as published.
//
// Why: a browser module runs every package initializer before its API can be
// called, and compiling a large expression there (siwe-go's message grammar)
// costs start-up time and makes V8 optimize the regexp compiler in the
// background right after load. And a module that never matches one (ours
// parse SIWE with core/siwe's scanner) then links no regexp compiler at
// all: about 130 KB gzip. The type has the methods those packages call; a
// package that calls another one fails to build until it is added here.

package lazyregexp

import (
	"regexp"
	"sync"
)

// lazyRegexp is a regular expression compiled on its first use.
type lazyRegexp struct {
	once    sync.Once
	pattern string
	re      *regexp.Regexp
}

// lazyMustCompile returns pattern, compiled with regexp.MustCompile on the
// first call of a method. The declaration passes regexp.MustCompile, which
// keeps the package's import of regexp in use; it is not kept here, so
// that only a call of a method reaches the compiler.
func lazyMustCompile(_ func(string) *regexp.Regexp, pattern string) *lazyRegexp {
	return &lazyRegexp{pattern: pattern}
}

func (l *lazyRegexp) get() *regexp.Regexp {
	l.once.Do(func() { l.re = regexp.MustCompile(l.pattern) })
	return l.re
}

// FindString is regexp.Regexp's FindString.
func (l *lazyRegexp) FindString(s string) string { return l.get().FindString(s) }

// FindStringSubmatch is regexp.Regexp's FindStringSubmatch.
func (l *lazyRegexp) FindStringSubmatch(s string) []string {
	return l.get().FindStringSubmatch(s)
}

// SubexpNames is regexp.Regexp's SubexpNames.
func (l *lazyRegexp) SubexpNames() []string { return l.get().SubexpNames() }
