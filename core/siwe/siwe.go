// Package siwe builds and parses EIP-4361 (Sign-In with Ethereum) messages
// carrying Lit ReCaps, byte-identical to the official SDK's
// createSiweMessageWithRecaps. The message model and rendering are
// github.com/spruceid/siwe-go's; this package adds what Lit needs on top:
// ReCap statements and resources, the SDK's defaults, address checksumming,
// strict parsing that round-trips, and time accessors.
package siwe

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	spruce "github.com/spruceid/siwe-go"

	"github.com/litgo/litsession/core/internal/ascii"
	"github.com/litgo/litsession/core/recap"
	"github.com/litgo/litsession/core/resource"
)

// Defaults of the official createSiweMessage.
const (
	DefaultDomain    = "localhost"
	DefaultStatement = "This is a test statement.  You can put anything you want here."
	DefaultURI       = "https://localhost/login"
	DefaultChainID   = 1
	// DefaultValidity is the expiry used when Params.Expiration is empty.
	DefaultValidity = 7 * 24 * time.Hour
)

// TimeFormat is JavaScript's Date.toISOString layout, which the SDK uses for
// every time it generates.
const TimeFormat = "2006-01-02T15:04:05.000Z"

// FormatTime renders t as Date.toISOString would.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeFormat) }

// Params are the inputs of createSiweMessageWithRecaps.
type Params struct {
	// Address is the signer's address: EIP-55, or all lower or all upper
	// case hex, which is checksummed. Required.
	Address string
	// Domain defaults to "localhost".
	Domain string
	// Statement nil gives DefaultStatement. The ReCap sentence is appended
	// after a space (so "" gives a leading space, as in the SDK).
	Statement *string
	// URI defaults to "https://localhost/login"; Lit session messages use
	// "lit:session:<public key>".
	URI string
	// ChainID defaults to 1.
	ChainID int
	// Nonce is required: 8 or more letters and digits (a 0x blockhash works).
	Nonce string
	// IssuedAt and Expiration are ISO-8601 times passed through verbatim.
	// IssuedAt defaults to Now; Expiration to Now + 7 days.
	IssuedAt, Expiration string
	// Resources is the non-empty list of requests the ReCap grants.
	Resources []resource.Request
	// Now is the clock for defaults; nil means time.Now.
	Now func() time.Time
}

// ParseTime parses an EIP-4361 date-time (RFC 3339 with optional fraction).
func ParseTime(field, s string) (time.Time, error) {
	if !isDateTime(s) {
		return time.Time{}, fmt.Errorf("siwe: %s %q is not an ISO-8601 date-time such as 2030-01-01T00:00:00.000Z", field, s)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("siwe: %s %q is not a valid date: %v", field, s, err)
	}
	return t, nil
}

// ChecksumAddress validates an Ethereum address and returns its EIP-55 form.
// All-lower and all-upper case hex are checksummed; mixed case must already
// carry a valid checksum (a wrong one usually means a typo).
func ChecksumAddress(addr string) (string, error) {
	if len(addr) != 42 || addr[:2] != "0x" || !ascii.IsHex(addr[2:]) {
		return "", fmt.Errorf("siwe: address %q is not 0x followed by 40 hex characters", addr)
	}
	sum := common.HexToAddress(addr).Hex()
	body := addr[2:]
	if body != strings.ToLower(body) && body != strings.ToUpper(body) && addr != sum {
		return "", fmt.Errorf("siwe: address %q has a wrong EIP-55 checksum (expected %s); check it for typos", addr, sum)
	}
	return sum, nil
}

// CreateWithRecaps returns the SIWE text the official
// createSiweMessageWithRecaps returns for the same inputs.
func CreateWithRecaps(p Params) (string, error) {
	if len(p.Resources) == 0 {
		return "", errors.New("siwe: resources is required: pass at least one resource and ability")
	}
	rc, err := recap.FromRequests(p.Resources)
	if err != nil {
		return "", fmt.Errorf("siwe: %w", err)
	}
	statement := DefaultStatement
	if p.Statement != nil {
		statement = *p.Statement
	}
	statement = statement + " " + rc.Statement()
	urn, err := rc.Encode()
	if err != nil {
		return "", err
	}
	return Create(p, statement, []string{urn})
}

// Create renders a SIWE message with the given statement and resources and
// p's other fields (p.Statement and p.Resources are ignored).
func Create(p Params, statement string, resources []string) (string, error) {
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	addr, err := ChecksumAddress(p.Address)
	if err != nil {
		return "", err
	}
	domain := orDefault(p.Domain, DefaultDomain)
	uri := orDefault(p.URI, DefaultURI)
	if err := checkURI("uri", uri); err != nil {
		return "", err
	}
	if len(p.Nonce) < 8 || !allAlnum(p.Nonce) {
		return "", fmt.Errorf("siwe: nonce %q must be at least 8 letters and digits (Lit uses the latest blockhash)", p.Nonce)
	}
	if strings.ContainsAny(statement, "\n\r") {
		return "", errors.New("siwe: statement must be one line")
	}
	chainID := p.ChainID
	if chainID == 0 {
		chainID = DefaultChainID
	}
	if chainID < 0 {
		return "", fmt.Errorf("siwe: chain id %d must be positive", chainID)
	}
	issuedAt := orDefault(p.IssuedAt, FormatTime(now()))
	expiration := orDefault(p.Expiration, FormatTime(now().Add(DefaultValidity)))
	if _, err := ParseTime("issued-at", issuedAt); err != nil {
		return "", err
	}
	if _, err := ParseTime("expiration", expiration); err != nil {
		return "", err
	}
	urls := make([]url.URL, len(resources))
	for i, r := range resources {
		if err := checkURI("resource", r); err != nil {
			return "", err
		}
		u, _ := url.Parse(r)
		urls[i] = *u
	}
	opts := map[string]any{
		"statement":      statement,
		"chainId":        chainID,
		"issuedAt":       issuedAt,
		"expirationTime": expiration,
	}
	if len(urls) > 0 {
		opts["resources"] = urls
	}
	m, err := spruce.InitMessage(domain, addr, uri, p.Nonce, opts)
	if err != nil {
		return "", fmt.Errorf("siwe: %v", err)
	}
	return m.String(), nil
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// checkURI requires an absolute URI that net/url renders back unchanged, so
// that the signed text is exactly what the caller gave.
func checkURI(field, s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || strings.ContainsAny(s, " \n\r\t") {
		return fmt.Errorf("siwe: %s %q is not an absolute URI (e.g. lit:session:<key> or https://example.com/login)", field, s)
	}
	if u.String() != s {
		return fmt.Errorf("siwe: %s %q is not in normal form (it would be signed as %q); percent-encode it", field, s, u.String())
	}
	return nil
}

// Message is a parsed SIWE message that renders back to exactly its text.
// Its strings are slices of that text.
type Message struct {
	text, domain, address, statement, uri, nonce string
	chainID                                      int
	issuedAt, expiration, notBefore, requestID   string // "" when absent
	resources                                    []string
	issuedAtTime, expirationTime, notBeforeTime  time.Time
}

// Parse parses an EIP-4361 message strictly: it must match the grammar,
// carry an EIP-55 address, re-render to the same bytes, and hold valid
// times. That is what siwe-go's ParseMessage accepts and renders back to
// the same text with times time.Parse reads (scan_test.go's spruceParse,
// which the differential tests and FuzzSIWEParseDifferential hold Parse
// to); Parse reads the message in one pass without regular expressions
// (scan.go) and says which line is wrong.
func Parse(text string) (*Message, error) {
	m := new(Message)
	if err := scan(text, m); err != nil {
		return nil, err
	}
	return m, nil
}

// String returns the message text.
func (m *Message) String() string { return m.text }

// Domain returns the domain line's authority.
func (m *Message) Domain() string { return m.domain }

// Address returns the EIP-55 signer address.
func (m *Message) Address() string { return m.address }

// URI returns the URI field.
func (m *Message) URI() string { return m.uri }

// Statement returns the statement, or "" when there is none.
func (m *Message) Statement() string { return m.statement }

// Nonce returns the nonce.
func (m *Message) Nonce() string { return m.nonce }

// ChainID returns the chain id.
func (m *Message) ChainID() int { return m.chainID }

// RequestID returns the Request ID, or "" when there is none.
func (m *Message) RequestID() string { return m.requestID }

// IssuedAt returns the Issued At time. The error is always nil: Parse
// refuses a message whose time does not parse.
func (m *Message) IssuedAt() (time.Time, error) { return m.issuedAtTime, nil }

// Expiration returns the Expiration Time, and false when the message has none.
func (m *Message) Expiration() (time.Time, bool) { return m.expirationTime, m.expiration != "" }

// NotBefore returns the Not Before time, and false when the message has none.
func (m *Message) NotBefore() (time.Time, bool) { return m.notBeforeTime, m.notBefore != "" }

// Resources returns a copy of the resource URIs, in order.
func (m *Message) Resources() []string { return append([]string(nil), m.resources...) }

// Recap decodes the ReCap, which must be the last resource, and checks that
// the statement ends with the ReCap's sentence (siwe-recap's
// extract_and_verify), so what the signer read matches what it grants.
func (m *Message) Recap() (*recap.Recap, error) {
	rs := m.resources
	if len(rs) == 0 {
		return nil, errors.New("siwe: message has no resources, so it carries no ReCap")
	}
	rc, err := recap.Decode(rs[len(rs)-1])
	if err != nil {
		return nil, fmt.Errorf("siwe: last resource: %w", err)
	}
	if !strings.HasSuffix(m.statement, rc.Statement()) {
		return nil, errors.New("siwe: statement does not end with the ReCap's sentence; the message may misstate what it grants")
	}
	return rc, nil
}
