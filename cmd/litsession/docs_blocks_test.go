package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// docBlock is one fenced code block of a Markdown file and the
// <!-- docs-test: … --> comment on the line right above it, if any.
type docBlock struct {
	file   string // relative to the repository root
	line   int    // of the opening fence, 1-based
	lang   string // the fence's info string, first word
	body   string
	marker string // the comment's text after "docs-test:", trimmed
}

func (b docBlock) String() string { return fmt.Sprintf("%s:%d (%s)", b.file, b.line, b.lang) }

var (
	fenceRe  = regexp.MustCompile("^(\\s*)```\\s*([^\\s`]*)")
	markerRe = regexp.MustCompile(`^\s*<!--\s*docs-test:\s*(.*?)\s*-->\s*$`)
)

// readDocBlocks returns the fenced blocks of README.md and docs/*.md.
func readDocBlocks(t *testing.T, root string) []docBlock {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	files = append([]string{filepath.Join(root, "README.md")}, files...)
	var blocks []docBlock
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, f)
		lines := strings.Split(string(data), "\n")
		for i := 0; i < len(lines); i++ {
			m := fenceRe.FindStringSubmatch(lines[i])
			if m == nil {
				if markerRe.MatchString(lines[i]) && (i+1 >= len(lines) || !fenceRe.MatchString(lines[i+1])) {
					t.Errorf("%s:%d: a docs-test comment must be right above the block it marks", rel, i+1)
				}
				continue
			}
			b := docBlock{file: rel, line: i + 1, lang: m[2]}
			if i > 0 {
				if mm := markerRe.FindStringSubmatch(lines[i-1]); mm != nil {
					b.marker = mm[1]
				}
			}
			var body []string
			for i++; i < len(lines) && !fenceRe.MatchString(lines[i]); i++ {
				body = append(body, strings.TrimPrefix(lines[i], m[1]))
			}
			b.body = strings.Join(body, "\n") + "\n"
			blocks = append(blocks, b)
		}
	}
	return blocks
}

// TestDocBlocks enforces that every code block of README.md and docs/*.md
// that looks runnable runs as written. Per block:
//   - no language: an error (say `text`, `json`, … for what does not run);
//   - sh: the unmarked shell blocks of one file run in order in one bash
//     (set -eo pipefail), with the litsession under test first on PATH and
//     the worker's port 127.0.0.1:8787 swapped for a free one;
//   - go: a complete program (package main) is built; a fragment must be
//     marked "go fragment: func(<params>) <results>" and is compiled as the
//     body of such a function, imports added for the packages it names;
//   - js: checked by node --check, and must be marked, since no JS runs
//     here;
//   - any other language (text, json, …) is a sample and is not run.
//
// Markers: "run by TestX" (TestX must exist and read the same file), "not
// run: <why>", and "go fragment: …".
func TestDocBlocks(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	blocks := readDocBlocks(t, root)
	if len(blocks) == 0 {
		t.Fatal("no code blocks found in README.md and docs/")
	}
	shell := map[string][]docBlock{}
	for _, b := range blocks {
		switch {
		case b.lang == "":
			t.Errorf("%s: a block without a language; give it one (text or json for samples)", b)
			continue
		case strings.HasPrefix(b.marker, "run by "):
			checkRunBy(t, root, b)
			continue
		case strings.HasPrefix(b.marker, "not run:"):
			if strings.TrimSpace(strings.TrimPrefix(b.marker, "not run:")) == "" {
				t.Errorf("%s: \"not run:\" needs a reason", b)
			}
			if b.lang == "js" {
				nodeCheck(t, b)
			}
			continue
		case b.marker != "" && !strings.HasPrefix(b.marker, "go fragment: "):
			t.Errorf("%s: unknown docs-test marker %q; use \"run by TestX\", \"not run: why\" or \"go fragment: func(…) …\"", b, b.marker)
			continue
		}
		switch b.lang {
		case "sh", "bash", "shell":
			shell[b.file] = append(shell[b.file], b)
		case "go":
			t.Run(fmt.Sprintf("go/%s:%d", b.file, b.line), func(t *testing.T) { buildGoBlock(t, root, b) })
		case "js", "javascript", "mjs", "ts", "typescript":
			nodeCheck(t, b)
			t.Errorf("%s: JS blocks do not run here; mark it <!-- docs-test: run by TestX --> or <!-- docs-test: not run: why -->", b)
		}
	}
	if len(shell) == 0 {
		return
	}
	bin := buildBinary(t)
	files := make([]string, 0, len(shell))
	for f := range shell {
		files = append(files, f)
	}
	sort.Strings(files)
	for _, f := range files {
		t.Run("sh/"+f, func(t *testing.T) { runShellBlocks(t, bin, shell[f]) })
	}
}

// shellWants are output lines the shell blocks of a file must print.
var shellWants = map[string][]string{
	filepath.Join("docs", "server-reuse.md"): {
		`"dataSigned":"0303030303030303030303030303030303030303030303030303030303030303"`,
		`"dataSigned":"0404040404040404040404040404040404040404040404040404040404040404"`,
	},
}

// checkRunBy checks that the test a marker names exists in this repository
// and reads the block's file.
func checkRunBy(t *testing.T, root string, b docBlock) {
	t.Helper()
	name := strings.TrimSpace(strings.TrimPrefix(b.marker, "run by "))
	decl := regexp.MustCompile(`(?m)^func ` + regexp.QuoteMeta(name) + `\(t \*testing\.T\)`)
	found := false
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || found {
			return nil
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == "bin" || d.Name() == "dist" || strings.HasPrefix(d.Name(), ".")) && p != root {
			return filepath.SkipDir
		}
		if !strings.HasSuffix(p, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(p)
		if err == nil && decl.Match(src) && strings.Contains(string(src), filepath.Base(b.file)) {
			found = true
		}
		return nil
	})
	if !found {
		t.Errorf("%s: marked run by %s, but no test of that name reads %s", b, name, filepath.Base(b.file))
	}
}

// nodeCheck parses a JS block as an ES module.
func nodeCheck(t *testing.T, b docBlock) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Logf("%s: node not on PATH, syntax not checked", b)
		return
	}
	f := filepath.Join(t.TempDir(), "block.mjs")
	if err := os.WriteFile(f, []byte(b.body), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("node", "--check", f).CombinedOutput(); err != nil {
		t.Errorf("%s: not valid JavaScript: %v\n%s", b, err, out)
	}
}

// buildGoBlock compiles a Go block inside this module, so that its imports
// of the module's packages resolve.
func buildGoBlock(t *testing.T, root string, b docBlock) {
	src := b.body
	if !strings.HasPrefix(strings.TrimSpace(src), "package ") {
		sig, ok := strings.CutPrefix(b.marker, "go fragment: ")
		if !ok || !strings.HasPrefix(sig, "func(") {
			t.Fatalf("%s: a Go fragment; mark it <!-- docs-test: go fragment: func(<its free variables>) <results> -->", b)
		}
		body := src
		if strings.HasSuffix(strings.TrimSpace(sig), "error") {
			body += "return nil\n"
		}
		code := "var _ = " + sig + " {\n" + body + "}\n\nfunc main() {}\n"
		src = "package main\n\nimport (\n" + importsFor(t, root, code) + ")\n\n" + code
	}
	dir := filepath.Join(root, "bin", "docs-go-"+strings.NewReplacer("/", "_", ".", "_", ":", "_").Replace(fmt.Sprintf("%s_%d", b.file, b.line)))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "build", "-o", filepath.Join(t.TempDir(), "prog"), ".")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("%s does not compile: %v\n%s\n--- as compiled:\n%s", b, err, out, src)
	}
}

// importsFor lists the import lines for the packages code names as
// "name.": a few standard ones and every package of this module.
func importsFor(t *testing.T, root, code string) string {
	t.Helper()
	paths := map[string]string{}
	for _, std := range []string{"context", "errors", "fmt", "log", "os", "strings", "time", "math/big"} {
		paths[filepath.Base(std)] = std
	}
	mod := modulePath(t, root)
	filepath.WalkDir(filepath.Join(root, "core"), func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() && d.Name() != "testdata" {
			if gos, _ := filepath.Glob(filepath.Join(p, "*.go")); len(gos) > 0 {
				rel, _ := filepath.Rel(root, p)
				if _, dup := paths[d.Name()]; !dup {
					paths[d.Name()] = mod + "/" + filepath.ToSlash(rel)
				}
			}
		}
		return nil
	})
	var names []string
	for name := range paths {
		if regexp.MustCompile(`\b` + regexp.QuoteMeta(name) + `\.[A-Z]`).MatchString(code) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var out strings.Builder
	for _, n := range names {
		fmt.Fprintf(&out, "\t%q\n", paths[n])
	}
	return out.String()
}

func modulePath(t *testing.T, root string) string {
	t.Helper()
	f, err := os.Open(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m, ok := strings.CutPrefix(sc.Text(), "module "); ok {
			return strings.TrimSpace(m)
		}
	}
	t.Fatal("go.mod has no module line")
	return ""
}

// runShellBlocks runs one file's shell blocks in order in one bash, in a
// new directory, and kills what they left running.
func runShellBlocks(t *testing.T, bin string, blocks []docBlock) {
	for _, tool := range []string{"bash", "jq", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the docs' commands need %s", tool)
		}
	}
	if out, err := exec.Command("date", "-u", "-d", "+1 hour", "+%FT%TZ").Output(); err != nil || len(out) == 0 {
		t.Skip("the docs' date -d needs GNU date")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	var script strings.Builder
	script.WriteString("set -eo pipefail\n")
	for _, b := range blocks {
		fmt.Fprintf(&script, "# %s\n%s", b, b.body)
	}
	text := strings.ReplaceAll(script.String(), "127.0.0.1:8787", fmt.Sprintf("127.0.0.1:%d", port))

	out, err := runDocShell(t, bin, t.TempDir(), text, 3*time.Minute, "LITSESSION_WALLET_KEY=")
	if err != nil {
		t.Fatalf("the shell blocks of %s failed: %v\n%s", blocks[0].file, err, out)
	}
	for _, want := range shellWants[blocks[0].file] {
		if !strings.Contains(string(out), want) {
			t.Errorf("the shell blocks of %s did not print %s:\n%s", blocks[0].file, want, out)
		}
	}
}

// runDocShell runs script with bash in dir, the litsession binary bin first on
// PATH and extraEnv added, as its own process group so that every
// background process it starts (a devnet, a worker) is killed when it
// ends or times out. It returns the combined output.
func runDocShell(t *testing.T, bin, dir, script string, timeout time.Duration, extraEnv ...string) ([]byte, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", script)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH")), extraEnv...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	defer func() {
		if cmd.Process != nil {
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		}
	}()
	return cmd.CombinedOutput()
}
