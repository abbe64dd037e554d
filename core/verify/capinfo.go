package verify

import (
	"sync"
	"time"

	"github.com/litgo/litsession/core/recap"
	"github.com/litgo/litsession/core/siwe"
)

// capInfo is a capability whose signature verified: its SIWE message and
// everything Verify reads from it, derived once. A WalletSigCache shares
// one capInfo between verifications, so it is read-only after
// newCapInfo, except the ReCap, which is decoded on first use under once.
type capInfo struct {
	msg       *siwe.Message
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
func newCapInfo(msg *siwe.Message) *capInfo {
	c := &capInfo{msg: msg, address: msg.Address(), uri: msg.URI()}
	c.issuedAt, _ = msg.IssuedAt()
	c.exp, c.hasExp = msg.Expiration()
	c.notBefore, c.hasNB = msg.NotBefore()
	return c
}

// recap returns the message's ReCap (siwe.Message.Recap), decoded once
// per verified signature: a WalletSigCache entry keeps it.
func (c *capInfo) recap() (*recap.Recap, error) {
	c.once.Do(func() { c.rc, c.rcErr = c.msg.Recap() })
	return c.rc, c.rcErr
}
