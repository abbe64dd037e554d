package siwe

// The scanner: Parse's one pass over a message, without regular
// expressions. It accepts exactly what siwe-go's ParseMessage accepts and
// renders back to the same text with valid times (spruceParse), and yields
// the same fields; scan_test.go's differential tests and
// FuzzSIWEParseDifferential hold it to that.
//
// Why a line scan is exact. siwe-go matches one regular expression
// (leftmost-first), validates the domain, URI and resources with net/url,
// and Parse then requires the message to re-render byte for byte.
// Of the grammar's fields only the domain, the URI and the resources may
// span lines, and net/url refuses any control character in them, so an
// accepted message has no line break inside a field. Re-rendering puts each
// field on its own line in a fixed order, so an accepted message is exactly
// the line layout scanned here, and each field is the text of its line.
// Conversely, where the scan accepts, the expression's preferred match is
// the scan's: its domain is greedy, but a longer one would end at a later
// line ending in " wants you to sign in with your Ethereum account:" and
// followed by an address line, and in the scanned layout only the first
// line is (the statement is followed by an empty line); no other field can
// take another length, since each is followed by a line break or the end
// of the text and, but for the URI and resources, holds none (those would
// have to cross a line with a space before any '#', which they cannot). The
// rules each line must then keep are written at the field below.

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/relvacode/iso8601"
)

const (
	headerSuffix = " wants you to sign in with your Ethereum account:"
	uriPrefix    = "URI: "
	versionLine  = "Version: 1"
	chainPrefix  = "Chain ID: "
	noncePrefix  = "Nonce: "
	issuedPrefix = "Issued At: "
	expPrefix    = "Expiration Time: "
	nbPrefix     = "Not Before: "
	reqIDPrefix  = "Request ID: "
	resHeader    = "Resources:"
	resPrefix    = "- "
)

// lines walks text line by line.
type lines struct {
	s   string
	n   int  // the number of the line next returned last, from 1
	eof bool // no line left
}

// next returns the next line (without its '\n'); ok is false after the
// last one.
func (l *lines) next() (line string, ok bool) {
	if l.eof {
		return "", false
	}
	l.n++
	if i := strings.IndexByte(l.s, '\n'); i >= 0 {
		line, l.s = l.s[:i], l.s[i+1:]
		return line, true
	}
	line, l.eof = l.s, true
	return line, true
}

type parseError string

func (e parseError) Error() string { return string(e) }

// fail is the error for the line next returned last.
func (l *lines) fail(what string) error {
	return parseError("siwe: not an EIP-4361 message: line " + strconv.Itoa(l.n) + " " + what)
}

// scan fills m and returns nil when spruceParse accepts text, else what is
// wrong with it.
func scan(text string, m *Message) error {
	if strings.HasSuffix(text, "\n") {
		return parseError("siwe: not an EIP-4361 message: it ends with a line break; EIP-4361 messages do not")
	}
	m.text = text
	l := lines{s: text}
	line, _ := l.next()

	// "<domain> wants you to sign in with your Ethereum account:". The
	// domain is [^/?#]+, not blank, and net/url must read "https://"+domain
	// back as exactly that authority (siwe-go's validateDomain).
	if strings.HasSuffix(line, "\r") {
		return l.fail("ends with \\r: EIP-4361 messages break lines with \\n alone")
	}
	d, ok := strings.CutSuffix(line, headerSuffix)
	if !ok || !validDomain(d) {
		return l.fail(`must be "<domain>` + headerSuffix + `", the domain a host[:port] without a path`)
	}
	m.domain = d

	// "0x" + 40 letters or digits, which must be the EIP-55 checksum form.
	line, ok = l.next()
	if !ok || len(line) != 42 || line[:2] != "0x" || !allAlnum(line[2:]) {
		return l.fail("must be the signer's address, 0x and 40 hex digits")
	}
	if sum := common.HexToAddress(line).Hex(); sum != line {
		return l.fail("must be the signer's address in EIP-55 checksum case, " + sum)
	}
	m.address = line

	// An empty line, then either an empty line (no statement) or the
	// statement and an empty line. A statement ([^\n]+) that is only
	// white space is not re-rendered, so it is refused.
	if line, ok = l.next(); !ok || line != "" {
		return l.fail("must be empty (the line after the address)")
	}
	if line, ok = l.next(); !ok {
		return l.fail("is missing: the message ends after the address")
	}
	if line != "" {
		if strings.TrimSpace(line) == "" {
			return l.fail("is a statement of only white space; leave the line empty instead")
		}
		m.statement = line
		if line, ok = l.next(); !ok || line != "" {
			return l.fail("must be empty (the line after the statement, which is one line)")
		}
	}

	// "URI: <uri>": no space before the first '#' (RFC 3986 as siwe-go's
	// expression has it), not blank, and parsed by net/url back to itself.
	line, ok = l.next()
	if m.uri, ok = strings.CutPrefix(line, uriPrefix); !ok || strings.TrimSpace(m.uri) == "" || !validURI(m.uri) {
		return l.fail(`must be "URI: " and a URI in normal form (percent-encoded, no spaces)`)
	}

	if line, ok = l.next(); !ok || line != versionLine {
		return l.fail(`must be "` + versionLine + `"`)
	}

	// "Chain ID: " + digits that strconv.Atoi reads and %d writes back
	// (no leading zeros, fits an int).
	line, ok = l.next()
	cid, ok2 := strings.CutPrefix(line, chainPrefix)
	n, err := strconv.Atoi(cid)
	if !ok || !ok2 || cid == "" || !allDigits(cid) || len(cid) > 1 && cid[0] == '0' || err != nil {
		return l.fail(`must be "Chain ID: " and a decimal number without leading zeros`)
	}
	m.chainID = n

	line, ok = l.next()
	if m.nonce, ok2 = strings.CutPrefix(line, noncePrefix); !ok || !ok2 || len(m.nonce) < 8 || !allAlnum(m.nonce) {
		return l.fail(`must be "Nonce: " and at least 8 letters and digits`)
	}

	const dateTimeRule = " and an ISO-8601 date-time such as 2030-01-01T00:00:00.000Z"
	line, ok = l.next()
	if m.issuedAt, ok2 = strings.CutPrefix(line, issuedPrefix); !ok || !ok2 {
		return l.fail(`must be "Issued At: "` + dateTimeRule)
	}
	if m.issuedAtTime, ok = dateTime(m.issuedAt); !ok {
		return l.fail(`must be "Issued At: "` + dateTimeRule + " (a valid date)")
	}

	// The optional fields, each at most once and in this order.
	line, ok = l.next()
	if v, has := strings.CutPrefix(line, expPrefix); ok && has {
		if m.expirationTime, has = dateTime(v); !has {
			return l.fail(`must be "Expiration Time: "` + dateTimeRule + " (a valid date)")
		}
		m.expiration = v
		line, ok = l.next()
	}
	if v, has := strings.CutPrefix(line, nbPrefix); ok && has {
		if m.notBeforeTime, has = dateTime(v); !has {
			return l.fail(`must be "Not Before: "` + dateTimeRule + " (a valid date)")
		}
		m.notBefore = v
		line, ok = l.next()
	}
	// Request ID: [-._~!$&'()*+,;=:@%a-zA-Z0-9]*, and not empty: an empty
	// one is not re-rendered.
	if v, has := strings.CutPrefix(line, reqIDPrefix); ok && has {
		if v == "" || !allRequestID(v) {
			return l.fail(`must be "Request ID: " and one or more letters, digits and -._~!$&'()*+,;=:@%`)
		}
		m.requestID = v
		line, ok = l.next()
	}
	if !ok {
		return nil
	}
	// "Resources:" and one or more "- <uri>" lines, the URIs as for URI but
	// possibly empty; then the end of the text (no trailing line break).
	if line != resHeader {
		return l.fail(`is out of place: after "Issued At" come, each at most once and in this order, "Expiration Time", "Not Before", "Request ID" and "Resources:"`)
	}
	n = 0
	for c := l; ; n++ {
		if line, ok = c.next(); !ok {
			break
		}
		if _, has := strings.CutPrefix(line, resPrefix); !has {
			return c.fail(`must be "- " and a resource URI: the resources are the message's last lines`)
		}
	}
	if n == 0 {
		return l.fail(`"Resources:" must be followed by at least one "- <uri>" line`)
	}
	m.resources = make([]string, n)
	for i := range m.resources {
		line, _ = l.next()
		r := line[len(resPrefix):]
		if !validURI(r) {
			return l.fail("must be \"- \" and a URI in normal form (percent-encoded, no spaces)")
		}
		m.resources[i] = r
	}
	return nil
}

// validDomain is siwe-go's validateDomain plus the expression's [^/?#]+.
func validDomain(d string) bool {
	if strings.TrimSpace(d) == "" || strings.ContainsAny(d, "/?#") {
		return false
	}
	u, err := url.Parse("https://" + d)
	if err != nil {
		return false
	}
	authority := u.Host
	if u.User != nil {
		authority = u.User.String() + "@" + authority
	}
	return authority == d
}

// validURI reports whether s, a line of the message, is a URI siwe-go's
// expression matches (no space before the first '#'), that net/url parses,
// and that renders back to s.
func validURI(s string) bool {
	frag := strings.IndexByte(s, '#')
	if frag < 0 {
		frag = len(s)
	}
	if strings.IndexByte(s[:frag], ' ') >= 0 {
		return false
	}
	if isPlainOpaque(s) {
		return true
	}
	u, err := url.Parse(s)
	return err == nil && u.String() == s
}

// isPlainOpaque reports whether s is "<scheme>:<opaque>" made only of
// characters that net/url parses and renders back unchanged when s is
// opaque (the session URI "lit:session:<hex>" and "urn:recap:<base64url>"
// are), which saves parsing the kilobyte of a ReCap URI: a scheme of a
// lower-case letter then lower-case letters, digits, '+', '-' or '.' (net/url
// lower-cases the scheme), then ':' and a non-empty opaque part of letters,
// digits and '-', '_', '.', ':'.
func isPlainOpaque(s string) bool {
	i := 0
	for i < len(s) && ('a' <= s[i] && s[i] <= 'z' || i > 0 && (isDigit(s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.')) {
		i++
	}
	if i == 0 || i >= len(s) || s[i] != ':' || i+1 >= len(s) {
		return false
	}
	for j := i + 1; j < len(s); j++ {
		c := s[j]
		if !(isAlpha(c) || isDigit(c) || c == '-' || c == '_' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}

// dateTime parses an EIP-4361 date-time that ParseTime (the expression
// siwe-go matches, then time.Parse RFC 3339) and siwe-go's
// iso8601.ParseString both accept.
func dateTime(s string) (time.Time, bool) {
	t, err := ParseTime("", s)
	if err != nil {
		return time.Time{}, false
	}
	_, err = iso8601.ParseString(s)
	return t, err == nil
}

// isDateTime reports whether s matches EIP-4361's date-time grammar as
// siwe-go writes it:
//
//	^([0-9]+)-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])[Tt]
//	([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9]|60)(\.[0-9]+)?
//	(([Zz])|([\+|\-]([01][0-9]|2[0-3]):[0-5][0-9]))$
//
// ("|" is in the offset sign class, as in siwe-go; time.Parse then
// refuses it).
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
func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// num2 is the value of the two digits at the start of p.
func num2(p string) int { return int(p[0]-'0')*10 + int(p[1]-'0') }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func allAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) && !isAlpha(s[i]) {
			return false
		}
	}
	return true
}

func allRequestID(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isDigit(c) && !isAlpha(c) && !strings.ContainsRune("-._~!$&'()*+,;=:@%", rune(c)) {
			return false
		}
	}
	return true
}
