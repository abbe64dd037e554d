package session

import (
	"time"

	"github.com/litgo/litsession/core/jsjson"
)

// MarshalJSON writes the info object the JS API returns beside the session
// signatures: {walletAsked, cacheReused, sessionKeyCreated, walletAddress,
// rule, reason, expiration, warnings, sessionPublicKey, timings {totalMs,
// walletMs}}, in that order. Warnings is [] when there are none; the
// timings are milliseconds with microsecond precision.
func (i Info) MarshalJSON() ([]byte, error) {
	warnings := i.Warnings
	if warnings == nil {
		warnings = []string{}
	}
	var o jsjson.Object
	o.Bool("walletAsked", i.WalletAsked)
	o.Bool("cacheReused", i.CacheReused)
	o.Bool("sessionKeyCreated", i.SessionKeyCreated)
	o.String("walletAddress", i.WalletAddress)
	o.String("rule", string(i.Rule))
	o.String("reason", i.Reason)
	o.String("expiration", i.Expiration)
	o.Value("warnings", warnings)
	o.String("sessionPublicKey", i.SessionPublicKey)
	var t jsjson.Object
	t.Float("totalMs", ms(i.Timings.Total))
	t.Float("walletMs", ms(i.Timings.Wallet))
	tb, err := t.Bytes()
	if err != nil {
		return nil, err
	}
	o.Raw("timings", tb)
	return o.Bytes()
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// MarshalJSON writes the argument of the JS authNeededCallback: {chain,
// statement, resources, expiration, uri, nonce, domain,
// resourceAbilityRequests, sessionKey {publicKey}[, siweStatement]}, in
// that order. domain is left out when empty, siweStatement when nil (v7's
// default statement), nil lists are null, and the session key's
// secret is never written: the callback has no use for it.
func (p AuthNeededParams) MarshalJSON() ([]byte, error) {
	var o jsjson.Object
	o.String("chain", p.Chain)
	o.String("statement", p.Statement)
	o.Value("resources", p.Resources)
	o.String("expiration", p.Expiration)
	o.String("uri", p.URI)
	o.String("nonce", p.Nonce)
	if p.Domain != "" {
		o.String("domain", p.Domain)
	}
	if p.ResourceAbilityRequests == nil {
		o.Null("resourceAbilityRequests")
	} else {
		var reqs jsjson.Array
		for _, q := range p.ResourceAbilityRequests {
			b, err := q.JSON()
			if err != nil {
				return nil, err
			}
			reqs.Raw(b)
		}
		rb, err := reqs.Bytes()
		if err != nil {
			return nil, err
		}
		o.Raw("resourceAbilityRequests", rb)
	}
	var k jsjson.Object
	pub := ""
	if p.SessionKey != nil {
		pub = p.SessionKey.PublicKeyHex()
	}
	k.String("publicKey", pub)
	kb, err := k.Bytes()
	if err != nil {
		return nil, err
	}
	o.Raw("sessionKey", kb)
	if p.SIWEStatement != nil {
		o.String("siweStatement", *p.SIWEStatement)
	}
	return o.Bytes()
}
