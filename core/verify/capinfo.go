package verify

import (
	"sync"
	"time"

	"github.com/litgo/litsession/core/recap"
	"github.com/litgo/litsession/core/verify/internal/siwefast"
)

// capInfo is a capability whose signature verified: its SIWE message and
// everything Verify reads from it, derived once. A WalletSigCache shares
// one capInfo between verifications, so it is read-only after
// newCapInfo, except the ReCap, which is decoded on first use under once.
type capInfo struct {
	msg       *siwefast.Message
	address   string // EIP-55
	uri       string
	issuedAt  time.Time
	exp       time.Time
	hasExp    bool
	notBefore time.Time
	hasNB     bool

	once  sync.Once
	rc    *recap.Recap
	rcErr error
}

// newCapInfo derives a capInfo from a parsed SIWE message.
func newCapInfo(msg *siwefast.Message) *capInfo {
	return &capInfo{
		msg: msg, address: msg.Address, uri: msg.URI, issuedAt: msg.IssuedAtTime,
		exp: msg.ExpirationTime, hasExp: msg.Expiration != "",
		notBefore: msg.NotBeforeTime, hasNB: msg.NotBefore != "",
	}
}

// recap returns the message's ReCap (siwefast.Message.Recap, as
// siwe.Message.Recap), decoded once per verified signature: a
// WalletSigCache entry keeps it.
func (c *capInfo) recap() (*recap.Recap, error) {
	c.once.Do(func() { c.rc, c.rcErr = c.msg.Recap() })
	return c.rc, c.rcErr
}
