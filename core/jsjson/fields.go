package jsjson

import (
	"fmt"

	"github.com/litgo/litsession/core/errcode"
)

// FieldError says which member of a params object is wrong and how. Where
// names the object ("getSessionSigs", "getSessionSigs: sessionKey"); Msg
// names the member and the rule it breaks.
type FieldError struct {
	Where string
	Msg   string
	Err   error // the cause, when a member's own parser failed
}

func (e *FieldError) Error() string {
	if e.Where == "" {
		return e.Msg
	}
	return e.Where + ": " + e.Msg
}

func (e *FieldError) Unwrap() error { return e.Err }

// ErrorCode is errcode.InvalidParams: the params come from the caller.
func (e *FieldError) ErrorCode() errcode.Code { return errcode.InvalidParams }

// ParseParams parses data, the JSON text of a params object named where;
// broken JSON is a *FieldError saying where it breaks. The object itself is
// checked by NewFields.
func ParseParams(data []byte, where string) (Value, error) {
	v, err := Parse(data)
	if err != nil {
		return Value{}, &FieldError{Where: where, Msg: fmt.Sprintf("the params are not valid JSON: %v", err), Err: err}
	}
	return v, nil
}

// Fields reads the members of one JSON object the way encoding/json
// decodes an object into a struct, for API params that callers write by
// hand: an absent or null member leaves the zero value, a member of the
// wrong type is a *FieldError naming it, and unknown members are ignored.
// Only the first error is kept (Err), so a reader can take every member
// and check once at the end; after an error the getters return zero
// values. Readers made by Object share the first error with their parent.
type Fields struct {
	v     Value
	where string
	err   *error
}

// NewFields returns a reader for v, an object; where names it in errors.
// When v is not an object, Err reports that.
func NewFields(v Value, where string) *Fields {
	f := &Fields{v: v, where: where, err: new(error)}
	if _, ok := v.Members(); !ok {
		f.Failf("the params must be an object, got %s", v.Kind())
	}
	return f
}

// Err returns the first error, or nil.
func (f *Fields) Err() error { return *f.err }

// Failf records an error about this object unless one is already recorded.
func (f *Fields) Failf(format string, args ...any) {
	f.FailErr(nil, format, args...)
}

// FailErr records err, the failure of a member's own parser (nil for
// none), with a message naming the member, unless an error is already
// recorded.
//
// It is not inlined: in wasm every inlined copy repeats its code and the
// resume points of its calls at each of its many call sites.
//
//go:noinline
func (f *Fields) FailErr(err error, format string, args ...any) {
	if *f.err == nil {
		*f.err = &FieldError{Where: f.where, Msg: fmt.Sprintf(format, args...), Err: err}
	}
}

// Get returns the member name; it is Absent when missing, null, or after
// an error.
func (f *Fields) Get(name string) Value {
	if *f.err != nil {
		return Value{}
	}
	m := f.v.Get(name)
	if m.IsNull() {
		return Value{}
	}
	return m
}

// take returns the member name when it is of kind want, and records
// "<name> must be <what>, got <kind>" when it is present but of another
// kind; it is Absent then, and when the member is missing or null.
func (f *Fields) take(name string, want Kind, what string) Value {
	m := f.Get(name)
	if !m.Exists() || m.Kind() == want {
		return m
	}
	f.Failf("%s must be %s, got %s", name, what, m.Kind())
	return Value{}
}

// String returns the string member name, "" when absent.
func (f *Fields) String(name string) string {
	s, _ := f.take(name, KindString, "a string").Str()
	return s
}

// OptString returns the string member name, nil when absent.
func (f *Fields) OptString(name string) *string {
	m := f.take(name, KindString, "a string")
	if !m.Exists() {
		return nil
	}
	s, _ := m.Str()
	return &s
}

// Bool returns the boolean member name, false when absent.
func (f *Fields) Bool(name string) bool {
	b, _ := f.take(name, KindBool, "true or false").Boolean()
	return b
}

// Int returns the member name written as a whole number that fits in an
// int, 0 when absent.
func (f *Fields) Int(name string) int {
	m := f.Get(name)
	if !m.Exists() {
		return 0
	}
	n, ok := m.Int64()
	if !ok || int64(int(n)) != n {
		f.Failf("%s must be a whole number, got %s", name, Text(m))
	}
	return int(n)
}

// Uint returns the member name written as a non-negative whole number, 0
// when absent.
func (f *Fields) Uint(name string) uint64 {
	m := f.Get(name)
	if !m.Exists() {
		return 0
	}
	n, ok := m.Uint64()
	if !ok {
		f.Failf("%s must be a non-negative whole number, got %s", name, Text(m))
	}
	return n
}

// Array returns the elements of the array member name, nil when absent.
// what describes one element for the error message, e.g. "AuthSigs {sig,
// derivedVia, signedMessage, address}".
func (f *Fields) Array(name, what string) []Value {
	items, _ := f.take(name, KindArray, "an array of "+what).Items()
	return items
}

// Object returns a reader for the object member name, nil when absent.
// Its errors are named "<where>: <name>" and are this reader's errors.
func (f *Fields) Object(name, what string) *Fields {
	m := f.take(name, KindObject, "an object "+what)
	if !m.Exists() {
		return nil
	}
	where := name
	if f.where != "" {
		where = f.where + ": " + name
	}
	return &Fields{v: m, where: where, err: f.err}
}

// Text is v as JSON, for error messages (its kind when it cannot be
// written).
func Text(v Value) string {
	b, err := v.MarshalJSON()
	if err != nil {
		return v.Kind().String()
	}
	return string(b)
}
