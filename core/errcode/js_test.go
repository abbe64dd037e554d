package errcode

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The JS face lists the codes too: js/lit-session.d.ts's
// LitSessionErrorCode union, and js/lit-session.js's codeError calls and
// RECONNECT_CODES set. They must agree with Table.
func TestJSAgreesWithTable(t *testing.T) {
	var table, reconnect, fromJS []string
	for _, i := range Table {
		table = append(table, string(i.Code))
		if i.Reconnect {
			reconnect = append(reconnect, string(i.Code))
		}
		if i.FromJS {
			fromJS = append(fromJS, string(i.Code))
		}
	}
	quoted := regexp.MustCompile(`'([a-z0-9_]+)'`)
	quotedIn := func(s string) []string {
		var out []string
		for _, m := range quoted.FindAllStringSubmatch(s, -1) {
			out = append(out, m[1])
		}
		return out
	}

	dts := read(t, "../../js/lit-session.d.ts")
	_, union, ok := strings.Cut(dts, "export type LitSessionErrorCode =")
	if !ok {
		t.Fatal("js/lit-session.d.ts has no LitSessionErrorCode union")
	}
	// The union ends at the first ';' outside a comment; comments may
	// quote codes too, so only the code before them counts.
	var members []string
	for _, line := range strings.Split(union, "\n") {
		code, _, _ := strings.Cut(line, "//")
		code, _, ended := strings.Cut(code, ";")
		members = append(members, quotedIn(code)...)
		if ended {
			break
		}
	}
	if !slices.Equal(members, table) {
		t.Errorf("LitSessionErrorCode in js/lit-session.d.ts is\n %v\nbut errcode.Table (same order) is\n %v", members, table)
	}

	js := read(t, "../../js/lit-session.js")
	for _, m := range regexp.MustCompile(`codeError\(\s*'([^']*)'`).FindAllStringSubmatch(js, -1) {
		if _, ok := Lookup(Code(m[1])); !ok {
			t.Errorf("js/lit-session.js raises codeError('%s'), which is not in errcode.Table; add a row", m[1])
		}
	}
	raised := regexp.MustCompile(`codeError\(\s*'([^']*)'`).FindAllStringSubmatch(js, -1)
	for _, c := range fromJS {
		if !slices.ContainsFunc(raised, func(m []string) bool { return m[1] == c }) {
			t.Errorf("errcode.Table marks %s FromJS, but js/lit-session.js never raises it", c)
		}
	}
	set := regexp.MustCompile(`RECONNECT_CODES\s*=\s*new Set\(\[([^\]]*)\]\)`).FindStringSubmatch(js)
	if set == nil {
		t.Fatal("js/lit-session.js has no RECONNECT_CODES = new Set([...])")
	}
	got := quotedIn(set[1])
	slices.Sort(got)
	want := slices.Clone(reconnect)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("RECONNECT_CODES in js/lit-session.js is %v, but the Reconnect rows of errcode.Table are %v", got, want)
	}
	if r := Reconnects(); len(r) != len(reconnect) {
		t.Errorf("Reconnects() = %v, want %v", r, reconnect)
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
