package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var testVar = lazyVar{module: "example.com/m", version: "v1.2.3", pkg: "example.com/m/sub", file: "re.go", name: "re"}

const testPatternDecl = "var re = regexp.MustCompile(fmt.Sprintf(\"^%s$\", `a+`))\n"

// TestPatchLazyDecl: the declaration is rewritten, pattern unchanged, when
// it occurs once; a file with none or two is refused.
func TestPatchLazyDecl(t *testing.T) {
	body := "package sub\n\nimport (\n\t\"fmt\"\n\t\"regexp\"\n)\n\n" + testPatternDecl
	for _, tc := range []struct {
		name, src string
		ok        bool
	}{
		{"once", body, true},
		{"absent", "package sub\n\nvar re = regexp.MustCompilePOSIX(`a`)\n", false},
		{"other variable", "package sub\n\nvar re2 = regexp.MustCompile(`a`)\n", false},
		{"twice", body + testPatternDecl, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := patchLazyDecl(testVar, []byte(tc.src))
			if !tc.ok {
				if err == nil || !strings.Contains(err.Error(), "no longer fits example.com/m v1.2.3; compare them") {
					t.Errorf("patchLazyDecl gave %v, want an error saying lazyregexp.go no longer fits the module", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := strings.Replace(body, "var re = regexp.MustCompile(", "var re = lazyMustCompile(regexp.MustCompile, ", 1)
			if string(got) != want {
				t.Errorf("patched:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// TestCheckLazyVersion: another version in go.mod is refused with a message
// naming both versions and the file to review.
func TestCheckLazyVersion(t *testing.T) {
	if err := checkLazyVersion(testVar, "v1.2.3"); err != nil {
		t.Errorf("the pinned version: %v", err)
	}
	err := checkLazyVersion(testVar, "v1.3.0")
	if err == nil {
		t.Fatal("go.mod's v1.3.0 was accepted for an entry written for v1.2.3")
	}
	for _, want := range []string{"go.mod has example.com/m v1.3.0", "re.go of v1.2.3", "compare re.go of v1.3.0 with v1.2.3's", "set its version in lazyVars in internal/wasmwork/lazyregexp.go"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the version mismatch error %q does not say %q", err, want)
		}
	}
}

// TestLazyWrapper: the template takes the package's name; a template
// without its package clause, or with two, is refused.
func TestLazyWrapper(t *testing.T) {
	got, err := lazyWrapper([]byte("// doc\n\npackage lazyregexp\n\nfunc f() {}\n"), "common")
	if err != nil {
		t.Fatal(err)
	}
	if want := "// doc\n\npackage common\n\nfunc f() {}\n"; string(got) != want {
		t.Errorf("wrapper:\n%s\nwant:\n%s", got, want)
	}
	for _, bad := range []string{"package other\n", "// x\npackage lazyregexp\n\npackage lazyregexp\n"} {
		if _, err := lazyWrapper([]byte(bad), "common"); err == nil || !strings.Contains(err.Error(), "want once") {
			t.Errorf("lazyWrapper(%q) gave %v, want an error", bad, err)
		}
	}
}

// fakeModule writes a module directory with testVar's file in its package.
func fakeModule(t *testing.T) string {
	t.Helper()
	mod := t.TempDir()
	if err := os.MkdirAll(filepath.Join(mod, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{
		"go.mod":     "module example.com/m\n",
		"sub/re.go":  "package sub\n\nimport (\n\t\"fmt\"\n\t\"regexp\"\n)\n\n" + testPatternDecl,
		"sub/use.go": "package sub\n\nfunc Match(s string) []string { return re.FindStringSubmatch(s) }\n",
	} {
		if err := os.WriteFile(filepath.Join(mod, filepath.FromSlash(name)), []byte(text), 0o444); err != nil {
			t.Fatal(err)
		}
	}
	return mod
}

// TestWriteLazy: the module is linked, not copied, and replaced with the
// link; the overlay maps the file and the added wrapper, under the link, to
// their patched copies; the module's own files are untouched.
func TestWriteLazy(t *testing.T) {
	mod := fakeModule(t)
	dir := t.TempDir()
	tmpl := []byte("// doc\n\npackage lazyregexp\n")
	replaces, err := writeLazy(dir, tmpl, []lazySource{{lazyVar: testVar, pkgName: "sub", cacheDir: mod}})
	if err != nil {
		t.Fatal(err)
	}
	if len(replaces) != 1 || replaces[0] != "replace example.com/m v1.2.3 => ./mod/example.com/m" {
		t.Errorf("replace directives %q", replaces)
	}
	link := filepath.Join(dir, "mod", "example.com", "m")
	if target, err := os.Readlink(link); err != nil || target != mod {
		t.Errorf("%s links to %q (%v), want %s", link, target, err, mod)
	}
	b, err := os.ReadFile(filepath.Join(dir, "overlay.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ov overlay
	if err := json.Unmarshal(b, &ov); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, overlayDir, "example.com", "m", "sub")
	want := map[string]string{
		filepath.Join(link, "sub", "re.go"):                    filepath.Join(out, "re.go"),
		filepath.Join(link, "sub", "litsession_lazyregexp.go"): filepath.Join(out, "litsession_lazyregexp.go"),
	}
	if len(ov.Replace) != len(want) {
		t.Errorf("overlay %v, want %v", ov.Replace, want)
	}
	for from, to := range want {
		if ov.Replace[from] != to {
			t.Errorf("overlay maps %s to %q, want %s", from, ov.Replace[from], to)
		}
	}
	if got, _ := os.ReadFile(filepath.Join(out, "re.go")); !strings.Contains(string(got), "var re = lazyMustCompile(regexp.MustCompile, fmt.Sprintf(\"^%s$\", `a+`))\n") {
		t.Errorf("patched re.go:\n%s", got)
	}
	if got, _ := os.ReadFile(filepath.Join(out, "litsession_lazyregexp.go")); string(got) != "// doc\n\npackage sub\n" {
		t.Errorf("added wrapper:\n%s", got)
	}
	if got, _ := os.ReadFile(filepath.Join(mod, "sub", "re.go")); strings.Contains(string(got), "lazyMustCompile") {
		t.Error("the module's own re.go was changed")
	}
}

// TestWriteLazyRefusesExistingWrapper: a package that already has a file
// of the wrapper's name is refused, as the overlay would replace it.
func TestWriteLazyRefusesExistingWrapper(t *testing.T) {
	mod := fakeModule(t)
	if err := os.WriteFile(filepath.Join(mod, "sub", lazyFile), []byte("package sub\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := writeLazy(t.TempDir(), []byte("\npackage lazyregexp\n"), []lazySource{{lazyVar: testVar, pkgName: "sub", cacheDir: mod}})
	if err == nil || !strings.Contains(err.Error(), "rename lazyFile") {
		t.Errorf("writeLazy gave %v, want an error saying to rename lazyFile", err)
	}
}

// TestLazyTemplateCompilesOnFirstUse builds the repository's template into
// a package with a patched declaration and checks, in that package's own
// test, that nothing is compiled before the first method call, the pattern
// once after it (the same *regexp.Regexp every time), and that the
// methods give regexp's answers.
func TestLazyTemplateCompilesOnFirstUse(t *testing.T) {
	tmpl, err := os.ReadFile(filepath.Join("..", "..", filepath.FromSlash(lazyTemplate)))
	if err != nil {
		t.Fatal(err)
	}
	wrapper, err := lazyWrapper(tmpl, "p")
	if err != nil {
		t.Fatal(err)
	}
	v := lazyVar{module: "example.com/p", version: "v0.0.0", pkg: "example.com/p", file: "p.go", name: "re"}
	src, err := patchLazyDecl(v, []byte("package p\n\nimport \"regexp\"\n\n"+
		"var re = regexp.MustCompile(`(?P<word>[a-z]+)-([0-9]{2,})`)\n"))
	if err != nil {
		t.Fatal(err)
	}
	test := `package p

import (
	"slices"
	"testing"
)

func TestLazy(t *testing.T) {
	if re.re != nil {
		t.Fatal("compiled before the first use")
	}
	if got := re.get(); got == nil || got.String() != ` + "\"(?P<word>[a-z]+)-([0-9]{2,})\"" + ` {
		t.Fatalf("compiled %v", got)
	}
	first := re.re
	if got := re.FindStringSubmatch("x abc-123 y"); !slices.Equal(got, []string{"abc-123", "abc", "123"}) {
		t.Errorf("FindStringSubmatch gave %q", got)
	}
	if got := re.FindString("x abc-123 y"); got != "abc-123" {
		t.Errorf("FindString gave %q", got)
	}
	if got := re.SubexpNames(); !slices.Equal(got, []string{"", "word", ""}) {
		t.Errorf("SubexpNames gave %q", got)
	}
	if re.re != first {
		t.Error("compiled again after the first use")
	}
}
`
	dir := t.TempDir()
	for name, text := range map[string][]byte{
		"go.mod":    []byte("module example.com/p\n\ngo 1.21\n"),
		"p.go":      src,
		lazyFile:    wrapper,
		"p_test.go": []byte(test),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), text, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(goTool(), "test", "-count=1", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go test of the template in a package: %v\n%s", err, out)
	}
}
