//go:build js && wasm

package jsbridge

import "syscall/js"

// Extension gives a module's own errors codes and extra Error properties
// (wasm/pkp: refused delegations get code delegation_refused and a
// reason).
type Extension struct {
	// Codes are the extra codes, so that a JS error thrown with one of them
	// keeps it (IsCode).
	Codes []string
	// Classify returns the code for err, or "" to leave it to the built-in
	// rules. It runs after *errcode.Error and before the rest.
	Classify func(err error) string
	// Decorate sets extra properties on the JS Error built for err.
	Decorate func(err error, e js.Value)
}

var extensions []Extension

// Extend registers x. Call it from main before the API is published.
func Extend(x Extension) { extensions = append(extensions, x) }

func classifyExtended(err error) string {
	for _, x := range extensions {
		if x.Classify != nil {
			if c := x.Classify(err); c != "" {
				return c
			}
		}
	}
	return ""
}

func isExtendedCode(c string) bool {
	for _, x := range extensions {
		for _, xc := range x.Codes {
			if xc == c {
				return true
			}
		}
	}
	return false
}

func decorate(err error, e js.Value) {
	for _, x := range extensions {
		if x.Decorate != nil {
			x.Decorate(err, e)
		}
	}
}
