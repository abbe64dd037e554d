package verify

import (
	"encoding/binary"
	"hash"
	"strings"
	"unicode/utf8"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/jsjson"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/siwe"
)

// jsonText is a JSON string value as it stands between its quotes in the
// document, when its only escapes are \" \\ \/ \b \f \n \r and \t (each two
// bytes for one), so that it can be read, measured and hashed without
// building the decoded string. esc counts the escapes; with none, raw is
// the value.
type jsonText struct {
	raw string
	esc int
}

// String returns the decoded value.
func (j jsonText) String() string {
	if j.esc == 0 {
		return j.raw
	}
	var b strings.Builder
	b.Grow(len(j.raw) - j.esc)
	s := j.raw
	for {
		i := strings.IndexByte(s, '\\')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteByte(unescape(s[i+1]))
		s = s[i+2:]
	}
}

// len returns the length of the decoded value.
func (j jsonText) len() int { return len(j.raw) - j.esc }

// unescape returns the byte the escape \c stands for (c one of jsonText's).
func unescape(c byte) byte {
	switch c {
	case 'b':
		return '\b'
	case 'f':
		return '\f'
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	}
	return c // '"', '\\', '/'
}

// hashWriter feeds a hash through one buffer, so that strings and decoded
// jsonTexts are hashed without a copy of each.
type hashWriter struct {
	h   hash.Hash
	buf []byte
}

func (w *hashWriter) flush() {
	w.h.Write(w.buf)
	w.buf = w.buf[:0]
}

func (w *hashWriter) writeString(s string) {
	for len(s) > 0 {
		if len(w.buf) == cap(w.buf) {
			w.flush()
		}
		n := copy(w.buf[len(w.buf):cap(w.buf)], s)
		w.buf = w.buf[:len(w.buf)+n]
		s = s[n:]
	}
}

func (w *hashWriter) writeByte(c byte) {
	if len(w.buf) == cap(w.buf) {
		w.flush()
	}
	w.buf = append(w.buf, c)
}

// writeField writes a field of capDigest's layout: its length as 8 bytes
// big-endian, then its bytes.
func (w *hashWriter) writeField(n int, s string, j *jsonText) {
	var l [8]byte
	binary.BigEndian.PutUint64(l[:], uint64(n))
	w.writeString(string(l[:]))
	if j == nil {
		w.writeString(s)
		return
	}
	raw := j.raw
	for {
		i := strings.IndexByte(raw, '\\')
		if i < 0 {
			w.writeString(raw)
			return
		}
		w.writeString(raw[:i])
		w.writeByte(unescape(raw[i+1]))
		raw = raw[i+2:]
	}
}

// tscan is scanTemplate's cursor.
type tscan struct {
	s string
	i int
}

func (p *tscan) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// take consumes c, after white space, if it is next.
func (p *tscan) take(c byte) bool {
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// str scans a string, after white space. It fails on what jsjson.Parse
// refuses (a control character, invalid UTF-8, a bad escape, no closing
// quote) and on \u escapes, which it leaves to jsjson.
func (p *tscan) str() (jsonText, bool) {
	if !p.take('"') {
		return jsonText{}, false
	}
	start, esc := p.i, 0
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			t := jsonText{raw: p.s[start:p.i], esc: esc}
			p.i++
			return t, true
		case c == '\\':
			if p.i+1 >= len(p.s) || !strings.ContainsRune(`"\/bfnrt`, rune(p.s[p.i+1])) {
				return jsonText{}, false
			}
			esc++
			p.i += 2
		case c < 0x20:
			return jsonText{}, false
		case c < utf8.RuneSelf:
			p.i++
		default:
			r, size := utf8.DecodeRuneInString(p.s[p.i:])
			if r == utf8.RuneError && size == 1 {
				return jsonText{}, false
			}
			p.i += size
		}
	}
	return jsonText{}, false
}

// key scans an object key without escapes and the ':' after it.
func (p *tscan) key() (string, bool) {
	k, ok := p.str()
	if !ok || k.esc != 0 || !p.take(':') {
		return "", false
	}
	return k.raw, true
}

// object scans the members of an object whose '{' is next: field is
// called with each key, the cursor at its value, and must consume the
// value. Keys must be distinct members of names; the object may be empty
// only if names is.
func (p *tscan) object(names []string, field func(i int) bool) bool {
	if !p.take('{') {
		return false
	}
	var seen uint16
	for {
		k, ok := p.key()
		if !ok {
			return false
		}
		i := 0
		for i < len(names) && names[i] != k {
			i++
		}
		if i == len(names) || seen&(1<<i) != 0 {
			return false
		}
		seen |= 1 << i
		if !field(i) {
			return false
		}
		if p.take('}') {
			return true
		}
		if !p.take(',') {
			return false
		}
	}
}

// array scans an array whose '[' is next, calling item with the cursor at
// each element; item must consume it.
func (p *tscan) array(item func() bool) bool {
	if !p.take('[') {
		return false
	}
	if p.take(']') {
		return true
	}
	for {
		if !item() {
			return false
		}
		if p.take(']') {
			return true
		}
		if !p.take(',') {
			return false
		}
	}
}

// string scans a string value and decodes it.
func (p *tscan) string() (string, bool) {
	t, ok := p.str()
	return t.String(), ok
}

var (
	requestKeys    = []string{"resource", "ability"}
	resourceKeys   = []string{"resource", "resourcePrefix"}
	capabilityKeys = []string{"sig", "derivedVia", "signedMessage", "address", "algo"}
	topKeys        = append(templateFields[:len(templateFields):len(templateFields)], maxPriceField)
)

// scanTemplate is parseTemplate's fast path for the templates SDKs write:
// it reads the document in place, leaves capability signedMessages
// undecoded (see jsonText), and fails, for parseTemplateJSON to decide
// and explain, on anything else: a \u escape, a number, true, false, null,
// a key with an escape, an unknown key inside a request or capability
// (parseTemplateJSON ignores those), a request with "data", or any error.
// What it accepts, parseTemplateJSON accepts with the same template
// (TestScanTemplateMatchesJSON, FuzzScanTemplate).
func scanTemplate(s string) (*template, bool) {
	p := tscan{s: s}
	if len(s) > jsjson.DefaultLimits.MaxBytes {
		return nil, false
	}
	var t template
	var err error
	var seen [len(templateFields) + 1]bool
	ok := p.object(topKeys, func(i int) bool {
		var ok bool
		seen[i] = true
		switch topKeys[i] {
		case "sessionKey":
			t.sessionKey, ok = p.string()
			return ok
		case "nodeAddress":
			t.nodeAddress, ok = p.string()
			return ok
		case "issuedAt", "expiration":
			v, ok := p.string()
			if !ok {
				return false
			}
			if topKeys[i] == "issuedAt" {
				t.issuedAt, err = siwe.ParseTime("issuedAt", v)
			} else {
				t.expiration, err = siwe.ParseTime("expiration", v)
			}
			return err == nil
		case maxPriceField:
			v, ok := p.string()
			if !ok {
				return false
			}
			t.maxPrice, err = maxPrice(v)
			return err == nil
		case "resourceAbilityRequests":
			t.requests = []resource.Request{}
			return p.array(func() bool {
				q, ok := p.request()
				t.requests = append(t.requests, q)
				return ok
			})
		default: // capabilities
			t.capabilities = []capability{}
			return p.array(func() bool {
				c, ok := p.capability()
				t.capabilities = append(t.capabilities, c)
				return ok
			})
		}
	})
	if p.ws(); !ok || p.i != len(s) {
		return nil, false
	}
	for _, ok := range seen[:len(templateFields)] {
		if !ok {
			return nil, false
		}
	}
	return &t, true
}

// request scans {"resource":{"resource":id,"resourcePrefix":p},"ability":a}
// and checks it as parseRequest does.
func (p *tscan) request() (resource.Request, bool) {
	var id, prefix, ability string
	var have [2]bool
	ok := p.object(requestKeys, func(i int) bool {
		var ok bool
		have[i] = true
		if i == 1 {
			ability, ok = p.string()
			return ok
		}
		var got [2]bool
		return p.object(resourceKeys, func(j int) bool {
			got[j] = true
			if j == 0 {
				id, ok = p.string()
			} else {
				prefix, ok = p.string()
			}
			return ok
		}) && got[0] && got[1]
	})
	if !ok || !have[0] || !have[1] {
		return resource.Request{}, false
	}
	r, err := resource.New(resource.Prefix(prefix), id)
	if err != nil {
		return resource.Request{}, false
	}
	q := resource.Request{Resource: r, Ability: resource.Ability(ability)}
	return q, q.Check() == nil
}

// capability scans an AuthSig: sig, derivedVia, signedMessage and address
// strings and an optional algo string.
func (p *tscan) capability() (capability, bool) {
	var c capability
	var have [5]bool // capabilityKeys
	ok := p.object(capabilityKeys, func(i int) bool {
		var ok bool
		have[i] = true
		switch i {
		case 0:
			c.sig, ok = p.string()
		case 1:
			c.derivedVia, ok = p.string()
		case 2:
			c.msg, ok = p.str()
		case 3:
			c.address, ok = p.string()
		default:
			c.algo, ok = p.string()
		}
		return ok
	})
	return c, ok && have[0] && have[1] && have[2] && have[3]
}

// capability is one entry of capabilities: an AuthSig whose signedMessage
// stays as scanned until authSig needs it.
type capability struct {
	sig, derivedVia, address, algo string
	msg                            jsonText
}

// authSig returns the AuthSig with its signedMessage decoded.
func (c *capability) authSig() authsig.AuthSig {
	return authsig.AuthSig{Sig: c.sig, DerivedVia: c.derivedVia, SignedMessage: c.msg.String(), Address: c.address, Algo: c.algo}
}
