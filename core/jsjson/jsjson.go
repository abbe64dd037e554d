// Package jsjson reads and writes JSON the way JavaScript does, without
// encoding/json (which, with the reflection it keeps, would add about
// 170 KB gzip to the browser module).
//
// Writing: Object and Array build JSON in the order members are added, and
// every string is quoted exactly as JSON.stringify quotes it: only ", \ and
// control characters are escaped (\b \f \n \r \t, else \u00xx in lower
// case); <, >, &, U+2028, U+2029 and all other characters stay raw. Go's
// encoding/json differs in two ways that matter for signatures: it escapes
// <, > and & (unless told not to) and always escapes U+2028 and U+2029.
// Numbers are written as ECMAScript's Number::toString writes them.
// Marshal writes the values of the JSON data model (and types with a
// MarshalJSON method); Canonical writes them per RFC 8785.
//
// Reading: Parse returns an ordered Value tree. It is strict: see Parse.
package jsjson

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string, quoted as JSON.stringify quotes
// it. Bytes of s that are not valid UTF-8 are written as \ufffd, as
// encoding/json writes them.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			return appendStringRest(append(dst, s[:i]...), s, i)
		}
	}
	dst = append(dst, s...)
	return append(dst, '"')
}

// appendStringRest appends s[i:] escaped, and the closing quote, for
// AppendString: the escapes and UTF-8 are out of line so that the plain
// ASCII loop every string takes stays small.
//
//go:noinline
func appendStringRest(dst []byte, s string, i int) []byte {
	start := i
	for i < len(s) {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError || size != 1 {
				i += size
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// Quote returns s as a JSON string, quoted as JSON.stringify quotes it.
func Quote(s string) string { return string(AppendString(nil, s)) }

// AppendFloat appends f as ECMAScript's Number::toString writes it (and
// so JSON.stringify): the shortest decimal that reads back as f, in plain
// notation from 1e-6 up to 1e21 and in exponent notation (1e+21, 1.5e-7)
// outside. -0 is written 0. NaN and infinities are an error: JSON has no
// such numbers.
func AppendFloat(dst []byte, f float64) ([]byte, error) {
	return appendFloat(dst, f, 64)
}

func appendFloat(dst []byte, f float64, bits int) ([]byte, error) {
	if !isFinite(f) {
		return dst, errorf("jsjson: %v cannot be written as JSON", f)
	}
	if f == 0 {
		return append(dst, '0'), nil
	}
	// The algorithm of encoding/json, which matches ES6 for float64.
	abs := math.Abs(f)
	format := byte('f')
	if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, bits)
	if format == 'e' {
		// 1e-07 → 1e-7
		if n := len(dst); n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst, nil
}

// Object builds a JSON object, writing members in the order they are
// added. The zero Object is an empty object ready to use. Errors (a value
// that cannot be written) are kept and returned by Bytes.
type Object struct {
	buf []byte
	err error
}

func (o *Object) key(k string) {
	if len(o.buf) == 0 {
		o.buf = append(o.buf, '{')
	} else {
		o.buf = append(o.buf, ',')
	}
	o.buf = AppendString(o.buf, k)
	o.buf = append(o.buf, ':')
}

// String adds a string member.
func (o *Object) String(k, v string) { o.key(k); o.buf = AppendString(o.buf, v) }

// Bool adds a boolean member.
func (o *Object) Bool(k string, v bool) { o.key(k); o.buf = strconv.AppendBool(o.buf, v) }

// Int adds an integer member.
func (o *Object) Int(k string, v int64) { o.key(k); o.buf = strconv.AppendInt(o.buf, v, 10) }

// Uint adds an unsigned integer member.
func (o *Object) Uint(k string, v uint64) { o.key(k); o.buf = strconv.AppendUint(o.buf, v, 10) }

// Float adds a number member (see AppendFloat).
func (o *Object) Float(k string, v float64) {
	o.key(k)
	var err error
	if o.buf, err = AppendFloat(o.buf, v); err != nil && o.err == nil {
		o.err = err
	}
}

// Null adds a null member.
func (o *Object) Null(k string) { o.key(k); o.buf = append(o.buf, "null"...) }

// Raw adds a member whose value is already-encoded JSON, such as the
// result of another builder's Bytes. It is copied as is.
//
// It is not inlined: in wasm every inlined copy repeats its code and the
// resume points of its calls at each of its many call sites.
//
//go:noinline
func (o *Object) Raw(k string, json []byte) { o.key(k); o.buf = append(o.buf, json...) }

// Value adds a member holding Marshal(v).
func (o *Object) Value(k string, v any) {
	o.key(k)
	var err error
	if o.buf, err = appendValue(o.buf, v, false); err != nil && o.err == nil {
		o.err = errorf("%s: %w", Quote(k), err)
	}
}

// Bytes returns the object, or the first error of a member. It is not
// inlined: its copies in the many JSON writers cost the browser module more
// than the call.
//
//go:noinline
func (o *Object) Bytes() ([]byte, error) {
	if o.err != nil {
		return nil, o.err
	}
	if len(o.buf) == 0 {
		return []byte("{}"), nil
	}
	return append(o.buf, '}'), nil
}

// Array builds a JSON array. The zero Array is an empty array ready to use.
type Array struct {
	buf []byte
	err error
}

func (a *Array) next() {
	if len(a.buf) == 0 {
		a.buf = append(a.buf, '[')
	} else {
		a.buf = append(a.buf, ',')
	}
}

// String adds a string.
func (a *Array) String(v string) { a.next(); a.buf = AppendString(a.buf, v) }

// Raw adds already-encoded JSON, such as another builder's Bytes.
//
// It is not inlined: in wasm every inlined copy repeats its code and the
// resume points of its calls at each of its many call sites.
//
//go:noinline
func (a *Array) Raw(json []byte) { a.next(); a.buf = append(a.buf, json...) }

// Value adds Marshal(v).
func (a *Array) Value(v any) {
	a.next()
	var err error
	if a.buf, err = appendValue(a.buf, v, false); err != nil && a.err == nil {
		a.err = err
	}
}

// Bytes returns the array, or the first error of an element. It is not
// inlined, as Object.Bytes.
//
//go:noinline
func (a *Array) Bytes() ([]byte, error) {
	if a.err != nil {
		return nil, a.err
	}
	if len(a.buf) == 0 {
		return []byte("[]"), nil
	}
	return append(a.buf, ']'), nil
}

// Marshaler is implemented by types that write their own JSON, as for
// encoding/json.
type Marshaler interface {
	MarshalJSON() ([]byte, error)
}

// numberLike matches encoding/json's Number (and Number here) without
// importing encoding/json.
type numberLike interface {
	String() string
	Float64() (float64, error)
	Int64() (int64, error)
}

// Marshal writes v as JSON.stringify would write the same JavaScript value,
// byte for byte: what encoding/json writes, without its HTML and U+2028
// escaping. v may be
//
//   - nil, a bool, a string, any integer or float type, encoding/json's or
//     this package's Number (the literal is written as is), a Value;
//   - map[string]any (keys sorted bytewise, as encoding/json sorts them),
//     []any, []string, []byte (a base64 string);
//   - a Marshaler: its output is checked and compacted.
//
// Other types (structs, other maps and slices) are an error: build them
// with Object and Array, or give them a MarshalJSON method.
func Marshal(v any) ([]byte, error) { return appendValue(nil, v, false) }

// Canonical writes v per RFC 8785 (JCS), as the canonicalize package used
// by siwe-recap does: object keys sorted by UTF-16 code units at every
// level, no whitespace, strings as JSON.stringify quotes them, and every
// number (a Number's literal included) as the float64 it denotes, written
// by Number::toString. v is a value Marshal accepts; a Marshaler's output
// is parsed and canonicalized too.
func Canonical(v any) ([]byte, error) { return appendValue(nil, v, true) }

// appendValue writes v for Marshal, or for Canonical when canonical is set.
func appendValue(dst []byte, v any, canonical bool) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case Value:
		return x.appendTo(dst, canonical)
	case numberLike:
		if canonical {
			f, err := x.Float64()
			if err != nil {
				return dst, err
			}
			return AppendFloat(dst, f)
		}
		s := x.String()
		if s == "" {
			s = "0"
		}
		if !validNumber(s) {
			return dst, &NumberError{Literal: s}
		}
		return append(dst, s...), nil
	case Marshaler:
		b, err := x.MarshalJSON()
		if err != nil {
			return dst, err
		}
		if !canonical {
			return appendCompact(dst, b)
		}
		pv, err := Parse(b)
		if err != nil {
			return dst, errorf("jsjson: MarshalJSON returned invalid JSON: %w", err)
		}
		return pv.appendTo(dst, true)
	case string:
		return AppendString(dst, x), nil
	case bool:
		return strconv.AppendBool(dst, x), nil
	case float64:
		return appendFloat(dst, x, 64)
	case float32:
		return appendFloat(dst, float64(x), 32)
	case int:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int8:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int16:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int32:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(dst, x, 10), nil
	case uint:
		return strconv.AppendUint(dst, uint64(x), 10), nil
	case uint8:
		return strconv.AppendUint(dst, uint64(x), 10), nil
	case uint16:
		return strconv.AppendUint(dst, uint64(x), 10), nil
	case uint32:
		return strconv.AppendUint(dst, uint64(x), 10), nil
	case uint64:
		return strconv.AppendUint(dst, x, 10), nil
	case []byte:
		if x == nil {
			return append(dst, "null"...), nil
		}
		dst = append(dst, '"')
		dst = base64.StdEncoding.AppendEncode(dst, x)
		return append(dst, '"'), nil
	case map[string]any:
		if x == nil {
			return append(dst, "null"...), nil
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		if canonical {
			SortUTF16(keys)
		} else {
			sort.Sort(sort.StringSlice(keys))
		}
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendString(dst, k)
			dst = append(dst, ':')
			var err error
			if dst, err = appendValue(dst, x[k], canonical); err != nil {
				return dst, err
			}
		}
		return append(dst, '}'), nil
	case []any:
		if x == nil {
			return append(dst, "null"...), nil
		}
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = appendValue(dst, e, canonical); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	case []string:
		if x == nil {
			return append(dst, "null"...), nil
		}
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendString(dst, e)
		}
		return append(dst, ']'), nil
	}
	return dst, errorf("jsjson: cannot write a %T as JSON: build it with jsjson.Object, or give the type a MarshalJSON method", v)
}

// appendCompact appends a Marshaler's output with insignificant whitespace
// removed, as encoding/json does, and the escapes \u2028 and \u2029 written
// as the raw characters, as JSON.stringify writes them. Other escapes are
// kept as written. The output must be one valid JSON value.
func appendCompact(dst, src []byte) ([]byte, error) {
	if _, err := Parse(src); err != nil {
		return dst, errorf("jsjson: MarshalJSON returned invalid JSON: %w", err)
	}
	inString := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case inString && c == '\\':
			if src[i+1] == 'u' && (string(src[i+2:i+6]) == "2028" || string(src[i+2:i+6]) == "2029") {
				r := rune(0x2028)
				if src[i+5] == '9' {
					r = 0x2029
				}
				dst = utf8.AppendRune(dst, r)
				i += 5
				continue
			}
			dst = append(dst, c, src[i+1])
			i++
		case c == '"':
			inString = !inString
			dst = append(dst, c)
		case !inString && (c == ' ' || c == '\t' || c == '\n' || c == '\r'):
		default:
			dst = append(dst, c)
		}
	}
	return dst, nil
}

// MarshalJSON writes v compactly: strings re-quoted as JSON.stringify
// quotes them, numbers as their literal text, members in order.
func (v Value) MarshalJSON() ([]byte, error) { return v.appendTo(nil, false) }

// appendTo writes v; canonical sorts object members by UTF-16 code units
// and writes numbers by Number::toString.
func (v Value) appendTo(dst []byte, canonical bool) ([]byte, error) {
	var err error
	switch v.kind {
	case KindBool:
		return strconv.AppendBool(dst, v.b), nil
	case KindNumber:
		if !canonical {
			return append(dst, v.s...), nil
		}
		f, err := Number(v.s).Float64()
		if err != nil {
			return dst, err
		}
		return AppendFloat(dst, f)
	case KindString:
		return AppendString(dst, v.s), nil
	case KindArray:
		dst = append(dst, '[')
		for i, it := range v.items {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, err = it.appendTo(dst, canonical); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	case KindObject:
		ms := v.members
		if canonical {
			ms = append([]Member(nil), ms...)
			sort.Sort(&membersUTF16{ms})
		}
		dst = append(dst, '{')
		for i, m := range ms {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendString(dst, m.Key)
			dst = append(dst, ':')
			if dst, err = m.Value.appendTo(dst, canonical); err != nil {
				return dst, err
			}
		}
		return append(dst, '}'), nil
	case KindNull:
		return append(dst, "null"...), nil
	}
	return dst, errors.New("jsjson: cannot write an absent value")
}

// CompareUTF16 compares strings by UTF-16 code units, as JavaScript's
// default sort and RFC 8785 do: -1, 0 or +1. It differs from Go's byte
// order only for characters above U+FFFF against those in U+E000..U+FFFF.
func CompareUTF16(a, b string) int {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb {
			ua, ub := utf16Unit(ra), utf16Unit(rb)
			if ua < ub {
				return -1
			}
			if ua > ub {
				return 1
			}
			// Same high surrogate: compare the low ones.
			la, lb := utf16Low(ra), utf16Low(rb)
			if la < lb {
				return -1
			}
			return 1
		}
		a, b = a[na:], b[nb:]
	}
	switch {
	case a == "" && b == "":
		return 0
	case a == "":
		return -1
	}
	return 1
}

// utf16Unit returns the first UTF-16 code unit of r.
func utf16Unit(r rune) rune {
	if r >= 0x10000 {
		hi, _ := utf16.EncodeRune(r)
		return hi
	}
	return r
}

// utf16Low returns the second code unit of r, or 0 for a single unit.
func utf16Low(r rune) rune {
	if r >= 0x10000 {
		_, lo := utf16.EncodeRune(r)
		return lo
	}
	return 0
}

// LessUTF16 orders strings by UTF-16 code units, as JavaScript's default sort
// and RFC 8785 do.
func LessUTF16(a, b string) bool { return CompareUTF16(a, b) < 0 }

// SortUTF16 sorts keys in place by UTF-16 code units.
func SortUTF16(keys []string) { sort.Sort(&stringsUTF16{keys}) }

// The sorts here go through sort.Interface rather than the generic
// slices.SortFunc: sort.Sort's one copy of the algorithm is linked anyway,
// while every slices.SortFunc element type adds its own (about 20 KB of
// wasm code each). Their methods have pointer receivers: sort.Sort then
// calls them directly, with no pointer wrapper linked beside each method.

// stringsUTF16 sorts strings by UTF-16 code units.
type stringsUTF16 struct{ s []string }

func (x *stringsUTF16) Len() int           { return len(x.s) }
func (x *stringsUTF16) Less(i, j int) bool { return CompareUTF16(x.s[i], x.s[j]) < 0 }
func (x *stringsUTF16) Swap(i, j int)      { x.s[i], x.s[j] = x.s[j], x.s[i] }

// membersUTF16 sorts object members by their keys' UTF-16 code units.
type membersUTF16 struct{ m []Member }

func (x *membersUTF16) Len() int           { return len(x.m) }
func (x *membersUTF16) Less(i, j int) bool { return CompareUTF16(x.m[i].Key, x.m[j].Key) < 0 }
func (x *membersUTF16) Swap(i, j int)      { x.m[i], x.m[j] = x.m[j], x.m[i] }

// errorf is fmt.Errorf kept out of line: in wasm every inlined copy of
// fmt.Errorf repeats its errors.New fallback and the call's resume points.
//
//go:noinline
func errorf(format string, a ...any) error { return fmt.Errorf(format, a...) }
