// Package stdjson writes any Go value, structs included, as JSON.stringify
// would write the same JavaScript value: encoding/json without HTML
// escaping, with U+2028 and U+2029 left raw.
//
// It imports encoding/json, so the browser module (wasm/) must not use it:
// there, build JSON with jsjson.Object and jsjson.Array. It is for native
// code that encodes request structs (core/envelope, core/pkp, the CLI).
package stdjson

import (
	"bytes"
	"encoding/json"
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
