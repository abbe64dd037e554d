package verify

import (
	"time"

	"github.com/litgo/litsession/core/siwe"
)

// parseTime is siwe.ParseTime without its regular expression: the
// template's two times are read on every verification. A string isDateTime
// accepts is parsed with time.Parse exactly as siwe.ParseTime does; any
// other string goes to siwe.ParseTime for its error. core/siwe keeps the
// regular expression because it is in the browser module, where this scanner
// would cost more bytes than it saves.
func parseTime(field, s string) (time.Time, error) {
	if isDateTime(s) {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t, nil
		}
	}
	return siwe.ParseTime(field, s)
}

// isDateTime reports whether s matches EIP-4361's date-time grammar as
// siwe-go writes it:
//
//	^([0-9]+)-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])[Tt]
//	([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9]|60)(\.[0-9]+)?
//	(([Zz])|([\+|\-]([01][0-9]|2[0-3]):[0-5][0-9]))$
//
// ("|" is in the offset sign class, as in siwe-go; time.Parse then
// refuses it). It scans once, without a regular expression.
func isDateTime(s string) bool {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	d := s[i:] // -MM-DDThh:mm:ss…
	if i == 0 || len(d) < 15 {
		return false
	}
	for j, c := range []byte("-00-00T00:00:00") {
		if c == '0' && !isDigit(d[j]) || c != '0' && d[j] != c && !(c == 'T' && d[j] == 't') {
			return false
		}
	}
	if mo, day := num2(d[1:]), num2(d[4:]); mo < 1 || mo > 12 || day < 1 || day > 31 ||
		num2(d[7:]) > 23 || num2(d[10:]) > 59 || num2(d[13:]) > 60 {
		return false
	}
	rest := d[15:]
	if len(rest) > 0 && rest[0] == '.' {
		j := 1
		for j < len(rest) && isDigit(rest[j]) {
			j++
		}
		if j == 1 {
			return false
		}
		rest = rest[j:]
	}
	if rest == "Z" || rest == "z" {
		return true
	}
	return len(rest) == 6 && (rest[0] == '+' || rest[0] == '|' || rest[0] == '-') &&
		isDigit(rest[1]) && isDigit(rest[2]) && rest[3] == ':' && isDigit(rest[4]) && isDigit(rest[5]) &&
		num2(rest[1:]) <= 23 && num2(rest[4:]) <= 59
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// num2 is the value of the two digits at the start of p.
func num2(p string) int { return int(p[0]-'0')*10 + int(p[1]-'0') }
