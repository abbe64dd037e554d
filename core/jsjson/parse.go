package jsjson

import (
	"math"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// Kind is the JSON type of a Value.
type Kind uint8

// The kinds of Value. The zero Value has kind KindAbsent: it is what Get
// returns for a missing member.
const (
	KindAbsent Kind = iota
	KindNull
	KindBool
	KindNumber
	KindString
	KindArray
	KindObject
)

var kindNames = [...]string{"absent", "null", "boolean", "number", "string", "array", "object"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Value is one parsed JSON value. Objects keep their members in document
// order; numbers keep their literal text. The zero Value is Absent.
type Value struct {
	kind    Kind
	b       bool
	off     int      // byte offset of the value in the parsed document
	s       string   // String: the decoded string; Number: the literal
	items   []Value  // Array
	members []Member // Object
}

// Member is one member of a JSON object.
type Member struct {
	Key   string
	Value Value
}

// Kind returns the JSON type of v.
func (v Value) Kind() Kind { return v.kind }

// Offset returns the byte offset where v starts in the parsed document.
func (v Value) Offset() int { return v.off }

// Exists reports whether v is present (not Absent); null exists.
func (v Value) Exists() bool { return v.kind != KindAbsent }

// IsNull reports whether v is null.
func (v Value) IsNull() bool { return v.kind == KindNull }

// Str returns the string and true when v is a string, else "" and false.
func (v Value) Str() (string, bool) {
	if v.kind != KindString {
		return "", false
	}
	return v.s, true
}

// Boolean returns the boolean and true when v is true or false.
func (v Value) Boolean() (bool, bool) { return v.b, v.kind == KindBool }

// Num returns the literal text of a number, as written in the document,
// and true when v is a number.
func (v Value) Num() (Number, bool) {
	if v.kind != KindNumber {
		return "", false
	}
	return Number(v.s), true
}

// Float64 returns a number as the nearest float64. It fails for other kinds
// and for numbers beyond the float64 range, as encoding/json does.
func (v Value) Float64() (float64, error) {
	if v.kind != KindNumber {
		return 0, v.typeError("number")
	}
	return Number(v.s).Float64()
}

// Uint64 returns a number written as a non-negative integer literal (no
// fraction or exponent) that fits in 64 bits, as encoding/json decodes
// into a uint64.
func (v Value) Uint64() (uint64, bool) {
	if v.kind != KindNumber {
		return 0, false
	}
	n, err := strconv.ParseUint(v.s, 10, 64)
	return n, err == nil
}

// Int64 returns a number written as an integer literal that fits in an
// int64, as encoding/json decodes into an int64.
func (v Value) Int64() (int64, bool) {
	if v.kind != KindNumber {
		return 0, false
	}
	n, err := strconv.ParseInt(v.s, 10, 64)
	return n, err == nil
}

// Items returns the elements and true when v is an array.
func (v Value) Items() ([]Value, bool) { return v.items, v.kind == KindArray }

// Members returns the members in document order and true when v is an
// object.
func (v Value) Members() ([]Member, bool) { return v.members, v.kind == KindObject }

// Get returns the member of an object named key (the exact key: unlike
// encoding/json, matching is case-sensitive, as in JavaScript). It returns
// an Absent Value when v is not an object or has no such member.
//
// Get is not inlined: its loop and Value copies, repeated at each of its
// many call sites, cost the browser module about 6 KB gzip.
//
//go:noinline
func (v Value) Get(key string) Value {
	for i := range v.members {
		if v.members[i].Key == key {
			return v.members[i].Value
		}
	}
	return Value{}
}

// TypeError says that a value has the wrong JSON type.
type TypeError struct {
	Want   string // e.g. "string"
	Got    Kind
	Offset int // byte offset of the value in the document
}

func (e *TypeError) Error() string {
	if e.Got == KindAbsent {
		return "want " + e.Want + ", got nothing"
	}
	return "want " + e.Want + ", got " + e.Got.String() + " at byte offset " + strconv.Itoa(e.Offset)
}

func (v Value) typeError(want string) error {
	return &TypeError{Want: want, Got: v.kind, Offset: v.off}
}

// StrOrErr returns the string, or a *TypeError when v is not a string.
func (v Value) StrOrErr() (string, error) {
	if v.kind != KindString {
		return "", v.typeError("string")
	}
	return v.s, nil
}

// Any returns v as encoding/json decodes JSON into an any: map[string]any,
// []any, string, float64, bool or nil. A number beyond the float64 range
// is an error.
func (v Value) Any() (any, error) { return v.toAny(false) }

// AnyNumber is Any with numbers as Number, like encoding/json's UseNumber.
// It cannot fail.
func (v Value) AnyNumber() any {
	x, _ := v.toAny(true)
	return x
}

func (v Value) toAny(useNumber bool) (any, error) {
	switch v.kind {
	case KindBool:
		return v.b, nil
	case KindNumber:
		if useNumber {
			return Number(v.s), nil
		}
		return v.Float64()
	case KindString:
		return v.s, nil
	case KindArray:
		out := make([]any, len(v.items))
		for i, it := range v.items {
			x, err := it.toAny(useNumber)
			if err != nil {
				return nil, err
			}
			out[i] = x
		}
		return out, nil
	case KindObject:
		out := make(map[string]any, len(v.members))
		for _, m := range v.members {
			x, err := m.Value.toAny(useNumber)
			if err != nil {
				return nil, err
			}
			out[m.Key] = x
		}
		return out, nil
	}
	return nil, nil
}

// Number is the literal text of a JSON number, like encoding/json's Number.
type Number string

// String returns the literal.
func (n Number) String() string { return string(n) }

// Float64 returns the number as the nearest float64; it fails beyond the
// float64 range.
func (n Number) Float64() (float64, error) {
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil {
		return 0, &NumberError{Literal: string(n)}
	}
	return f, nil
}

// Int64 returns the number as an int64; it fails for non-integer literals
// and beyond the int64 range.
func (n Number) Int64() (int64, error) {
	i, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil {
		return 0, &NumberError{Literal: string(n)}
	}
	return i, nil
}

// MarshalJSON writes the literal, as encoding/json writes a json.Number;
// an empty Number is 0.
func (n Number) MarshalJSON() ([]byte, error) {
	if n == "" {
		return []byte("0"), nil
	}
	if !validNumber(string(n)) {
		return nil, &NumberError{Literal: string(n)}
	}
	return []byte(n), nil
}

// NumberError is a number that is not a valid JSON number literal or does
// not fit the requested Go type.
type NumberError struct{ Literal string }

func (e *NumberError) Error() string {
	return "number " + strconv.Quote(e.Literal) + " is not a valid JSON number or is out of range"
}

// SyntaxError is a document that is not JSON, or breaks a Limits bound.
// Like encoding/json's errors, its text has no package prefix: callers say
// what they were reading.
type SyntaxError struct {
	Msg    string // what is wrong, e.g. `invalid character 'x' in object key`
	Offset int    // byte offset in the document where the problem is
}

func (e *SyntaxError) Error() string {
	return e.Msg + " at byte offset " + strconv.Itoa(e.Offset)
}

// Limits bound what Parse accepts.
type Limits struct {
	MaxBytes int // the longest document, in bytes
	MaxDepth int // the deepest nesting of arrays and objects
}

// DefaultLimits are the bounds of Parse: far beyond any document this
// module reads (session signatures, handshakes, ReCaps), low enough that a
// hostile document cannot exhaust memory or the stack.
var DefaultLimits = Limits{MaxBytes: 16 << 20, MaxDepth: 128}

// Parse parses one JSON document (RFC 8259) within DefaultLimits.
//
// It is stricter than encoding/json in three ways, each an ambiguity an
// attacker could use against a signature check: an object may not repeat a
// key; strings must be valid UTF-8; and \u escapes may not encode a lone
// UTF-16 surrogate (encoding/json silently replaces both with U+FFFD).
// Otherwise it accepts exactly what encoding/json accepts: insignificant
// whitespace is space, tab, CR and LF; nothing may follow the value.
// Errors are *SyntaxError values giving the byte offset.
//
// Parse is not inlined: the copies of DefaultLimits at each call site cost
// the browser module more than the call.
//
//go:noinline
func Parse(data []byte) (Value, error) { return DefaultLimits.Parse(data) }

// Valid reports whether Parse accepts data.
func Valid(data []byte) bool {
	_, err := Parse(data)
	return err == nil
}

// Parse parses one JSON document within l. A zero field means the bound
// of DefaultLimits.
func (l Limits) Parse(data []byte) (Value, error) {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultLimits.MaxBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultLimits.MaxDepth
	}
	if len(data) > l.MaxBytes {
		return Value{}, &SyntaxError{Msg: "document of " + strconv.Itoa(len(data)) + " bytes is longer than the limit of " + strconv.Itoa(l.MaxBytes), Offset: l.MaxBytes}
	}
	p := parser{data: data, maxDepth: l.MaxDepth}
	p.skipSpace()
	if p.i == len(data) {
		return Value{}, p.fail("unexpected end of input looking for the beginning of a value")
	}
	v, err := p.value(0)
	if err != nil {
		return Value{}, err
	}
	p.skipSpace()
	if p.i < len(data) {
		return Value{}, p.fail("invalid character " + quoteChar(data[p.i]) + " after the top-level value (trailing data)")
	}
	return v, nil
}

type parser struct {
	data     []byte
	i        int
	maxDepth int
}

// fail is not inlined into the parser's many error paths: the copies cost
// the browser module more than the calls.
//
//go:noinline
func (p *parser) fail(msg string) error { return &SyntaxError{Msg: msg, Offset: p.i} }

func (p *parser) skipSpace() {
	for p.i < len(p.data) {
		switch p.data[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// quoteChar describes a byte for an error message, as encoding/json does.
func quoteChar(c byte) string {
	switch {
	case c == '\'':
		return `'\''`
	case c == '"':
		return `'"'`
	case c >= 0x20 && c < 0x7f:
		return "'" + string(rune(c)) + "'"
	}
	return "byte 0x" + strconv.FormatUint(uint64(c), 16)
}

// value parses the value starting at p.i (after whitespace); depth is the
// number of arrays and objects around it.
func (p *parser) value(depth int) (Value, error) {
	if p.i >= len(p.data) {
		return Value{}, p.fail("unexpected end of input looking for the beginning of a value")
	}
	start := p.i
	switch c := p.data[p.i]; c {
	case '{':
		return p.object(depth + 1)
	case '[':
		return p.array(depth + 1)
	case '"':
		s, err := p.str()
		return Value{kind: KindString, off: start, s: s}, err
	case 't':
		return Value{kind: KindBool, off: start, b: true}, p.literal("true")
	case 'f':
		return Value{kind: KindBool, off: start}, p.literal("false")
	case 'n':
		return Value{kind: KindNull, off: start}, p.literal("null")
	default:
		if c == '-' || c >= '0' && c <= '9' {
			n, err := p.number()
			return Value{kind: KindNumber, off: start, s: n}, err
		}
		return Value{}, p.fail("invalid character " + quoteChar(c) + " looking for the beginning of a value")
	}
}

func (p *parser) literal(word string) error {
	for j := 0; j < len(word); j++ {
		if p.i >= len(p.data) {
			return p.fail("unexpected end of input in literal " + word)
		}
		if p.data[p.i] != word[j] {
			return p.fail("invalid character " + quoteChar(p.data[p.i]) + " in literal " + word)
		}
		p.i++
	}
	return nil
}

// number scans -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *parser) number() (string, error) {
	start := p.i
	digits := func(what string) error {
		if p.i >= len(p.data) {
			return p.fail("unexpected end of input in " + what)
		}
		if c := p.data[p.i]; c < '0' || c > '9' {
			return p.fail("invalid character " + quoteChar(c) + " in " + what)
		}
		for p.i < len(p.data) && p.data[p.i] >= '0' && p.data[p.i] <= '9' {
			p.i++
		}
		return nil
	}
	if p.data[p.i] == '-' {
		p.i++
	}
	if p.i < len(p.data) && p.data[p.i] == '0' {
		p.i++
	} else if err := digits("numeric literal"); err != nil {
		return "", err
	}
	if p.i < len(p.data) && p.data[p.i] == '.' {
		p.i++
		if err := digits("the fraction of a number"); err != nil {
			return "", err
		}
	}
	if p.i < len(p.data) && (p.data[p.i] == 'e' || p.data[p.i] == 'E') {
		p.i++
		if p.i < len(p.data) && (p.data[p.i] == '+' || p.data[p.i] == '-') {
			p.i++
		}
		if err := digits("the exponent of a number"); err != nil {
			return "", err
		}
	}
	return string(p.data[start:p.i]), nil
}

// validNumber reports whether s is exactly one JSON number literal.
func validNumber(s string) bool {
	p := parser{data: []byte(s)}
	if len(s) == 0 || !(s[0] == '-' || s[0] >= '0' && s[0] <= '9') {
		return false
	}
	_, err := p.number()
	return err == nil && p.i == len(s)
}

// str parses a string starting at the opening quote at p.i.
func (p *parser) str() (string, error) {
	p.i++ // opening quote
	start := p.i
	// Fast path: printable ASCII without escapes, what nodes and the SDK
	// send; anything else goes to strRest.
	for p.i < len(p.data) {
		c := p.data[p.i]
		if c == '"' {
			s := string(p.data[start:p.i])
			p.i++
			return s, nil
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			return p.strRest(start)
		}
		p.i++
	}
	return "", p.fail("unexpected end of input in string")
}

// strRest reads the rest of the string that began at start, from p.i:
// escapes, UTF-8 and errors. It is out of line so that str, which every
// key and string value goes through, stays small.
//
//go:noinline
func (p *parser) strRest(start int) (string, error) {
	buf := make([]byte, p.i-start, p.i-start+16)
	copy(buf, p.data[start:p.i])
	for p.i < len(p.data) {
		c := p.data[p.i]
		switch {
		case c == '"':
			p.i++
			return string(buf), nil
		case c < 0x20:
			return "", p.fail("invalid control character " + quoteChar(c) + " in string (escape it)")
		case c == '\\':
			if p.i+1 >= len(p.data) {
				p.i++
				return "", p.fail("unexpected end of input in string escape")
			}
			e := p.data[p.i+1]
			switch e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				r, err := p.unicodeEscape()
				if err != nil {
					return "", err
				}
				buf = utf8.AppendRune(buf, r)
				continue
			default:
				p.i++
				return "", p.fail("invalid character " + quoteChar(e) + " in string escape")
			}
			p.i += 2
		case c < utf8.RuneSelf:
			buf = append(buf, c)
			p.i++
		default:
			r, size := utf8.DecodeRune(p.data[p.i:])
			if r == utf8.RuneError && size == 1 {
				return "", p.fail("invalid UTF-8 in string")
			}
			buf = append(buf, p.data[p.i:p.i+size]...)
			p.i += size
		}
	}
	return "", p.fail("unexpected end of input in string")
}

// unicodeEscape decodes \uXXXX at p.i, and the \uXXXX of the low surrogate
// after a high one, leaving p.i after them.
func (p *parser) unicodeEscape() (rune, error) {
	hi, err := p.hex4()
	if err != nil {
		return 0, err
	}
	if !utf16.IsSurrogate(hi) {
		return hi, nil
	}
	if hi >= 0xdc00 {
		p.i -= 6
		return 0, p.fail("lone UTF-16 surrogate \\u" + strconv.FormatUint(uint64(hi), 16) + " in string (a low surrogate without a high one)")
	}
	if p.i+1 < len(p.data) && p.data[p.i] == '\\' && p.data[p.i+1] == 'u' {
		lo, err := p.hex4()
		if err != nil {
			return 0, err
		}
		if lo >= 0xdc00 && lo <= 0xdfff {
			return utf16.DecodeRune(hi, lo), nil
		}
		p.i -= 6
	}
	p.i -= 6
	return 0, p.fail("lone UTF-16 surrogate \\u" + strconv.FormatUint(uint64(hi), 16) + " in string (a high surrogate without a low one)")
}

// hex4 decodes the \uXXXX escape at p.i.
func (p *parser) hex4() (rune, error) {
	var r rune
	for j := 2; j < 6; j++ {
		if p.i+j >= len(p.data) {
			p.i += j
			return 0, p.fail("unexpected end of input in \\u escape")
		}
		c := p.data[p.i+j]
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			p.i += j
			return 0, p.fail("invalid character " + quoteChar(c) + " in \\u escape")
		}
		r = r<<4 | rune(d)
	}
	p.i += 6
	return r, nil
}

func (p *parser) array(depth int) (Value, error) {
	v := Value{kind: KindArray, off: p.i}
	if depth > p.maxDepth {
		return Value{}, p.fail("arrays and objects nested deeper than the limit of " + strconv.Itoa(p.maxDepth))
	}
	p.i++ // [
	p.skipSpace()
	if p.i < len(p.data) && p.data[p.i] == ']' {
		p.i++
		v.items = []Value{}
		return v, nil
	}
	for {
		p.skipSpace()
		it, err := p.value(depth)
		if err != nil {
			return Value{}, err
		}
		v.items = append(v.items, it)
		p.skipSpace()
		if p.i >= len(p.data) {
			return Value{}, p.fail("unexpected end of input in array")
		}
		switch c := p.data[p.i]; c {
		case ',':
			p.i++
		case ']':
			p.i++
			return v, nil
		default:
			return Value{}, p.fail("invalid character " + quoteChar(c) + " after array element")
		}
	}
}

// scanKeys is the largest object whose keys are checked for duplicates by
// comparing them; its cost, at most scanKeys²/2 comparisons of mostly
// unequal strings, stays below a map's.
const scanKeys = 32

func (p *parser) object(depth int) (Value, error) {
	v := Value{kind: KindObject, off: p.i}
	if depth > p.maxDepth {
		return Value{}, p.fail("arrays and objects nested deeper than the limit of " + strconv.Itoa(p.maxDepth))
	}
	p.i++ // {
	p.skipSpace()
	if p.i < len(p.data) && p.data[p.i] == '}' {
		p.i++
		v.members = []Member{}
		return v, nil
	}
	// Duplicate keys: objects of up to scanKeys members (every object
	// nodes and the SDK send) are scanned; larger ones get a map.
	var seen map[string]struct{}
	for {
		p.skipSpace()
		if p.i >= len(p.data) {
			return Value{}, p.fail("unexpected end of input looking for an object key")
		}
		if c := p.data[p.i]; c != '"' {
			return Value{}, p.fail("invalid character " + quoteChar(c) + " looking for an object key")
		}
		keyOff := p.i
		key, err := p.str()
		if err != nil {
			return Value{}, err
		}
		dup := false
		if seen != nil {
			_, dup = seen[key]
		} else {
			for i := range v.members {
				dup = dup || v.members[i].Key == key
			}
		}
		if dup {
			return Value{}, &SyntaxError{Msg: "duplicate key " + strconv.Quote(key) + " in object", Offset: keyOff}
		}
		if len(v.members) == scanKeys {
			seen = make(map[string]struct{}, 2*scanKeys)
			for i := range v.members {
				seen[v.members[i].Key] = struct{}{}
			}
		}
		if seen != nil {
			seen[key] = struct{}{}
		}
		p.skipSpace()
		if p.i >= len(p.data) {
			return Value{}, p.fail("unexpected end of input after object key")
		}
		if c := p.data[p.i]; c != ':' {
			return Value{}, p.fail("invalid character " + quoteChar(c) + " after object key")
		}
		p.i++
		p.skipSpace()
		val, err := p.value(depth)
		if err != nil {
			return Value{}, err
		}
		v.members = append(v.members, Member{Key: key, Value: val})
		p.skipSpace()
		if p.i >= len(p.data) {
			return Value{}, p.fail("unexpected end of input in object")
		}
		switch c := p.data[p.i]; c {
		case ',':
			p.i++
		case '}':
			p.i++
			return v, nil
		default:
			return Value{}, p.fail("invalid character " + quoteChar(c) + " after object member")
		}
	}
}

// isFinite reports whether f is neither NaN nor infinite.
func isFinite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }
