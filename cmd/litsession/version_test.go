package main

import (
	"testing"

	"github.com/litgo/litsession/internal/version"
)

// --version prints the one version the npm package also carries.
func TestVersion(t *testing.T) {
	for _, arg := range []string{"--version", "version"} {
		out, errs, code := runCLI(t, "", arg)
		if code != exitOK || out != "litsession "+version.Version+"\n" || errs != "" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want litsession %s", arg, code, out, errs, version.Version)
		}
	}
}
