// Package jsjson produces JSON byte-identical to JavaScript's JSON.stringify
// for the values Lit signs: ordered objects, strings, numbers, booleans, null.
//
// Go's encoding/json differs from JSON.stringify in two ways that matter for
// signatures: it escapes <, > and & (unless told not to) and it always escapes
// U+2028 and U+2029. Marshal fixes both.
package jsjson

import (
	"bytes"
	"encoding/json"
	"sort"
	"unicode/utf16"
)

// Marshal encodes v like encoding/json with HTML escaping off, then restores
// U+2028 and U+2029 to raw characters as JSON.stringify leaves them.
// Struct field order is kept, so callers control key order with struct types.
func Marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	out := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	return unescapeLineSeparators(out), nil
}

// unescapeLineSeparators rewrites the escapes \u2028 and \u2029 to their raw
// UTF-8 bytes. Every backslash in encoding/json output starts an escape
// sequence, so walking escapes in order never splits one.
func unescapeLineSeparators(b []byte) []byte {
	if !bytes.Contains(b, []byte(`\u202`)) {
		return b
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '\\' || i+1 >= len(b) {
			out = append(out, c)
			continue
		}
		if b[i+1] == 'u' && i+6 <= len(b) {
			switch string(b[i+2 : i+6]) {
			case "2028":
				out = append(out, "\u2028"...)
				i += 5
				continue
			case "2029":
				out = append(out, "\u2029"...)
				i += 5
				continue
			}
		}
		out = append(out, c, b[i+1])
		i++
	}
	return out
}

// Canonical encodes a decoded JSON value (as produced by encoding/json into
// any: map[string]any, []any, string, float64, json.Number, bool, nil) per
// RFC 8785: object keys sorted by UTF-16 code units at every level, no
// whitespace, strings and numbers as JSON.stringify writes them.
func Canonical(v any) ([]byte, error) {
	var buf bytes.Buffer
	if err := writeCanonical(&buf, v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeCanonical(buf *bytes.Buffer, v any) error {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		SortUTF16(keys)
		buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			kb, err := Marshal(k)
			if err != nil {
				return err
			}
			buf.Write(kb)
			buf.WriteByte(':')
			if err := writeCanonical(buf, x[k]); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case []any:
		buf.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeCanonical(buf, e); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return err
		}
		b, err := Marshal(f)
		if err != nil {
			return err
		}
		buf.Write(b)
	default:
		b, err := Marshal(x)
		if err != nil {
			return err
		}
		buf.Write(b)
	}
	return nil
}

// LessUTF16 orders strings by UTF-16 code units, as JavaScript's default sort
// and RFC 8785 do. It differs from Go's byte order only for characters above
// U+FFFF against those in U+E000..U+FFFF.
func LessUTF16(a, b string) bool {
	ua, ub := utf16.Encode([]rune(a)), utf16.Encode([]rune(b))
	for i := 0; i < len(ua) && i < len(ub); i++ {
		if ua[i] != ub[i] {
			return ua[i] < ub[i]
		}
	}
	return len(ua) < len(ub)
}

// SortUTF16 sorts keys in place by UTF-16 code units.
func SortUTF16(keys []string) {
	sort.Slice(keys, func(i, j int) bool { return LessUTF16(keys[i], keys[j]) })
}
