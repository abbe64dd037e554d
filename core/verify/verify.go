// Package verify checks Lit session signatures the way a Lit node does when
// one is used (docs/protocol.md#node-checks), as a library any backend can
// call.
//
// A session signature is the AuthSig {"sig","derivedVia":
// "litSessionSignViaNacl","signedMessage","address","algo":"ed25519"} a
// client sends to one node. Verifier.Verify accepts it for an operation
// only if every check below passes, and otherwise returns an *Error whose
// Reason says which one failed:
//
//  1. The envelope: algo is "ed25519", derivedVia "litSessionSignViaNacl",
//     sig 128 hex characters, address a 64-hex Ed25519 public key, and sig
//     an Ed25519 signature by address over the exact bytes of signedMessage
//     (which must be valid UTF-8).
//  2. The template: signedMessage is one JSON object with exactly
//     sessionKey, resourceAbilityRequests, capabilities, issuedAt,
//     expiration and nodeAddress, each of the right type, plus optionally
//     naga's maxPrice ("0x" + hex). sessionKey equals address; nodeAddress
//     equals Config.NodeURL byte for byte; issuedAt ≤ now + MaxSkew;
//     now < expiration; issuedAt < expiration; expiration − issuedAt ≤
//     MaxValidity.
//  3. The delegation, which is the last capability: a wallet AuthSig
//     (EIP-191 ecrecover, checked as authsig.Verify checks it) or a
//     LIT_BLS AuthSig (a BLS signature under Config.NetworkPublicKey of
//     bls.SessionDigest of its SIWE text, derivedVia "lit.bls"), valid at
//     now (see Capability times); its SIWE URI is exactly "lit:session:" +
//     sessionKey; the session expires no later than the delegation's
//     Expiration Time + MaxSkew; and, if Config.RecentBlockhash is set, its
//     SIWE nonce is a recent blockhash.
//  4. Authorization: the delegation's ReCap (its last SIWE resource; the
//     statement must end with the ReCap sentence) grants every entry of
//     resourceAbilityRequests and the operation, by the official coverage
//     rules (recap.Covers: "<prefix>://*" covers every id, an exact key
//     never covers "*"); and the operation is among resourceAbilityRequests:
//     an entry with the same ability on the same resource or on
//     "<prefix>://*".
//  5. Every other capability: valid signature, valid at now. One whose SIWE
//     URI is "lit:capability:delegation" is a capacity delegation (see
//     CapacityDelegation) and must have the SDK's shape: its ReCap grants
//     exactly Auth/Auth on exactly one lit-ratelimitincrease://<id or *>,
//     with exactly one nota bene that capacity.ParseRestrictions accepts;
//     nft_id entries equal the id unless it is "*"; uses, if present, is a
//     positive decimal integer; delegate_to, if present, includes the
//     session's wallet. At most one capacity delegation is accepted.
//
// Capability times, for every capability: the SIWE message must have an
// Expiration Time (the SDK's validateSessionSigs requires one) and now must
// be before it; Issued At at most MaxSkew after now; Not Before, if present,
// not after now. A capability without algo (or with "ed25519", which the
// SDK tolerates) must be a wallet AuthSig; any other algo but LIT_BLS is
// ReasonUnsupported.
//
// Decisions:
//   - Unknown template fields are refused (only maxPrice is tolerated): a
//     signer may have meant one as a restriction this verifier would
//     silently ignore. Duplicate keys are refused at every level, since
//     JSON parsers disagree on which duplicate wins, and keys match exactly
//     (encoding/json alone would accept "NodeAddress"). JSON whitespace and
//     key order are free: the signature pins the bytes and they do not
//     change the meaning. Inside resourceAbilityRequests and capabilities
//     entries unknown keys are ignored, since the v7 SDK serializes the
//     caller's objects as they are.
//   - The session may outlive its delegation by at most MaxSkew; the SDK
//     signs both with the same expiration.
//   - Sessions may last at most DefaultMaxValidity (30 days) unless
//     Config.MaxValidity says otherwise; the delegation's own lifetime is
//     not bounded (only its expiry is checked).
//   - Expirations get no skew grace; issuedAt / Issued At do.
//   - Only the delegation's nonce is checked for recency: capacity
//     delegations carry a blockhash too but live for days.
//   - Capabilities that are neither the delegation nor a capacity
//     delegation are checked for signature and time only; what they grant
//     is up to the node.
//
// Not checked, because they need chain or node state: that the capacity
// owner holds the token, use counting (CapacityDelegation.Uses and ID are
// returned for that), PKP permissions, and price (Result.MaxPrice).
package verify

import (
	"crypto/ed25519"
	"encoding/hex"
	"math/big"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/bls"
	"github.com/litgo/litsession/core/capacity"
	"github.com/litgo/litsession/core/resource"
	"github.com/litgo/litsession/core/sessionkey"
)

// Defaults for Config.
const (
	// DefaultMaxSkew is how far clocks may disagree.
	DefaultMaxSkew = 2 * time.Minute
	// DefaultMaxValidity bounds a session's lifetime (expiration −
	// issuedAt). The SDK defaults to 24 h (naga 15 min); 30 days leaves
	// room for long-lived servers while refusing "forever" sessions.
	DefaultMaxValidity = 30 * 24 * time.Hour
)

// Config configures a Verifier.
type Config struct {
	// NodeURL is this node's URL exactly as clients sign it in nodeAddress,
	// e.g. "https://192.0.2.1:443" (scheme, host and port, no trailing
	// slash). It is compared byte for byte. Required.
	NodeURL string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MaxSkew is how far in the future an issuedAt (session or SIWE Issued
	// At) may be, and how much later than its delegation a session may
	// expire. 0 means DefaultMaxSkew; negative means no tolerance.
	// Expirations themselves get no grace: now must be before them.
	MaxSkew time.Duration
	// MaxValidity bounds expiration − issuedAt of the session signature
	// (not of its capabilities). 0 means DefaultMaxValidity; negative means
	// no bound.
	MaxValidity time.Duration
	// NetworkPublicKey is the network's BLS12-381 public key (96 hex
	// characters, optional 0x: the handshake's networkPublicKey), needed
	// for LIT_BLS (PKP) capabilities. Empty: LIT_BLS is rejected as
	// ReasonUnsupported.
	NetworkPublicKey string
	// RecentBlockhash, if set, must return true for the delegation's SIWE
	// nonce (the SDK puts the latest blockhash there). Capacity delegations'
	// nonces are not checked: they live for days.
	RecentBlockhash func(nonce string) bool
	// Cache, if set, skips re-verifying capability signatures already seen.
	Cache *WalletSigCache
	// Price, if set, is this node's price in wei for the operation, as a
	// naga node checks it: the session signature must carry a maxPrice
	// ("0x" + hex) of at least Price. Nil accepts a session signature
	// with or without maxPrice (datil).
	Price *big.Int
}

// Verifier checks session signatures for one node. It is safe for
// concurrent use.
type Verifier struct {
	nodeURL     string
	now         func() time.Time
	skew        time.Duration
	maxValidity time.Duration // < 0: unbounded
	price       *big.Int      // nil: no price check
	blsKey      *bls.PublicKey
	blsKeyErr   error
	recent      func(string) bool
	cache       *WalletSigCache
}

// New returns a Verifier for cfg. Configuration errors (no NodeURL, an
// invalid NetworkPublicKey) are reported by Verify as ReasonMisconfigured.
func New(cfg Config) *Verifier {
	v := &Verifier{
		nodeURL:     cfg.NodeURL,
		price:       cfg.Price,
		now:         cfg.Now,
		skew:        cfg.MaxSkew,
		maxValidity: cfg.MaxValidity,
		recent:      cfg.RecentBlockhash,
		cache:       cfg.Cache,
	}
	if v.now == nil {
		v.now = time.Now
	}
	switch {
	case v.skew == 0:
		v.skew = DefaultMaxSkew
	case v.skew < 0:
		v.skew = 0
	}
	if v.maxValidity == 0 {
		v.maxValidity = DefaultMaxValidity
	}
	if cfg.NetworkPublicKey != "" {
		v.blsKey, v.blsKeyErr = bls.ParsePublicKey(cfg.NetworkPublicKey)
	}
	return v
}

// Result is what a successful Verify established.
type Result struct {
	// SessionKey is the session public key, 64 lower-case hex characters.
	SessionKey string
	// WalletAddress is the EIP-55 address that delegated to the session
	// key: the last capability's signer (a wallet, or a PKP for LIT_BLS).
	WalletAddress string
	// DelegatedVia is the delegation's derivedVia: authsig.DerivedViaWallet
	// or authsig.DerivedViaBLS.
	DelegatedVia string
	// IssuedAt and Expiration are the session signature's.
	IssuedAt, Expiration time.Time
	// DelegationExpiration is the delegation's SIWE Expiration Time.
	DelegationExpiration time.Time
	// ResourceAbilityRequests are the session's requests, PKP ids
	// normalized.
	ResourceAbilityRequests []resource.Request
	// Capacity is the capacity delegation, or nil if there is none.
	Capacity *CapacityDelegation
	// MaxPrice is naga's maxPrice in wei, or nil if absent.
	MaxPrice *big.Int
}

// Verify checks sig, a session signature sent to this node, for the
// operation op (the resource and ability the request exercises; a PKP id
// is normalized as the SDK does). See the package documentation for the
// checks. Every rejection is an *Error.
func (v *Verifier) Verify(sig authsig.AuthSig, op resource.Request) (*Result, error) {
	now := v.now()
	if v.nodeURL == "" {
		return nil, reject(ReasonMisconfigured, "Config.NodeURL is empty; set it to this node's URL as clients sign it")
	}
	op, err := normalizeOp(op)
	if err != nil {
		return nil, rejectErr(ReasonBadOperation, err, "operation %s %s", op.Resource.Key(), op.Ability)
	}

	// 1. Envelope and Ed25519 signature.
	if sig.Algo != authsig.AlgoEd25519 {
		return nil, reject(ReasonUnsupported, "algo is %q, want %q for a session signature", sig.Algo, authsig.AlgoEd25519)
	}
	if sig.DerivedVia != authsig.DerivedViaSession {
		return nil, reject(ReasonMalformed, "derivedVia is %q, want %q", sig.DerivedVia, authsig.DerivedViaSession)
	}
	pub, err := sessionkey.ParsePublicKey(sig.Address)
	if err != nil {
		return nil, rejectErr(ReasonMalformed, err, "address must be the session public key")
	}
	raw, err := hex.DecodeString(sig.Sig)
	if err != nil || len(raw) != ed25519.SignatureSize {
		return nil, reject(ReasonMalformed, "sig must be 128 hex characters (a 64-byte Ed25519 signature), got %d characters", len(sig.Sig))
	}
	if !utf8.ValidString(sig.SignedMessage) {
		return nil, reject(ReasonMalformed, "signedMessage is not valid UTF-8")
	}
	if !ed25519.Verify(pub, []byte(sig.SignedMessage), raw) {
		return nil, reject(ReasonBadSignature, "Ed25519 signature does not verify over signedMessage with key %s; the message was altered or signed by another key", sig.Address)
	}

	// 2. Template.
	t, err := parseTemplate(sig.SignedMessage)
	if err != nil {
		return nil, rejectErr(ReasonBadMessage, err, "signedMessage is not a session template")
	}
	if t.sessionKey != sig.Address {
		return nil, reject(ReasonSessionKeyMismatch, "signedMessage.sessionKey %q is not the signing key (address) %q", t.sessionKey, sig.Address)
	}
	if t.nodeAddress != v.nodeURL {
		return nil, reject(ReasonWrongNode, "signed for node %q, but this node is %q", t.nodeAddress, v.nodeURL)
	}
	if v.price != nil {
		if t.maxPrice == nil {
			return nil, reject(ReasonPriceTooLow, "the session signature has no maxPrice; this node charges %s wei (naga session signatures name the most each node may charge)", v.price)
		}
		if t.maxPrice.Cmp(v.price) < 0 {
			return nil, reject(ReasonPriceTooLow, "maxPrice %s wei is below this node's price of %s wei; raise the budget", t.maxPrice, v.price)
		}
	}
	if now.Add(v.skew).Before(t.issuedAt) {
		return nil, reject(ReasonNotYetValid, "issuedAt %s is in the future (now %s, allowed skew %s)", stamp(t.issuedAt), stamp(now), v.skew)
	}
	if !now.Before(t.expiration) {
		return nil, reject(ReasonExpired, "expired at %s (now %s)", stamp(t.expiration), stamp(now))
	}
	if !t.issuedAt.Before(t.expiration) {
		return nil, reject(ReasonBadValidity, "issuedAt %s is not before expiration %s", stamp(t.issuedAt), stamp(t.expiration))
	}
	if life := t.expiration.Sub(t.issuedAt); v.maxValidity > 0 && life > v.maxValidity {
		return nil, reject(ReasonBadValidity, "session is valid for %s, longer than the %s this node allows", life, v.maxValidity)
	}

	// 3. The delegation.
	n := len(t.capabilities)
	if n == 0 {
		return nil, reject(ReasonNoCapabilities, "capabilities is empty; the last capability must delegate to the session key")
	}
	what := describe(n-1, n)
	deleg := &t.capabilities[n-1]
	dc, err := v.verifyCapability(what, deleg, now)
	if err != nil {
		return nil, err
	}
	if want := sessionkey.URIPrefix + t.sessionKey; dc.uri != want {
		return nil, reject(ReasonWrongSessionURI, "%s has URI %q, want %q: it delegates to another key", what, dc.uri, want)
	}
	delegExp := dc.exp // present: verifyCapability requires it
	if t.expiration.After(delegExp.Add(v.skew)) {
		return nil, reject(ReasonOutlivesDelegation, "session expires at %s, after its delegation (%s)", stamp(t.expiration), stamp(delegExp))
	}
	if v.recent != nil && !v.recent(dc.msg.Nonce()) {
		return nil, reject(ReasonStaleNonce, "%s nonce %q is not a recent blockhash", what, dc.msg.Nonce())
	}

	// 4. Authorization.
	rc, err := dc.recap()
	if err != nil {
		return nil, rejectErr(ReasonCapabilityInvalid, err, "%s", what)
	}
	for i, q := range t.requests {
		if !rc.Covers(q.Resource, q.Ability) {
			return nil, reject(ReasonNotAuthorized, "%s does not grant resourceAbilityRequests[%d] (%s on %s)", what, i, q.Ability, q.Resource.Key())
		}
	}
	if !rc.Covers(op.Resource, op.Ability) {
		return nil, reject(ReasonNotAuthorized, "%s does not grant %s on %s", what, op.Ability, op.Resource.Key())
	}
	if !requested(t.requests, op) {
		return nil, reject(ReasonNotRequested, "the session did not request %s on %s (nor on %s)", op.Ability, op.Resource.Key(), op.Resource.WildcardKey())
	}

	res := &Result{
		SessionKey:              normalizeHex(t.sessionKey),
		WalletAddress:           dc.address,
		DelegatedVia:            deleg.derivedVia,
		IssuedAt:                t.issuedAt,
		Expiration:              t.expiration,
		DelegationExpiration:    delegExp,
		ResourceAbilityRequests: t.requests,
		MaxPrice:                t.maxPrice,
	}

	// 5. Other capabilities.
	for i := range t.capabilities[:n-1] {
		c := &t.capabilities[i]
		what := describe(i, n)
		m, err := v.verifyCapability(what, c, now)
		if err != nil {
			return nil, err
		}
		if m.uri != capacity.DelegationURI {
			continue
		}
		if res.Capacity != nil {
			return nil, reject(ReasonCapacityInvalid, "%s is a second capacity delegation; send at most one", what)
		}
		if res.Capacity, err = checkCapacity(what, c, m, res.WalletAddress); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// normalizeOp validates op and normalizes its PKP id.
func normalizeOp(op resource.Request) (resource.Request, error) {
	r, err := resource.New(op.Resource.Prefix, op.Resource.ID)
	if err != nil {
		return op, err
	}
	op.Resource = r
	return op, op.Check()
}

// requested reports whether reqs include op's ability on op's resource or
// on every resource of its kind.
func requested(reqs []resource.Request, op resource.Request) bool {
	for _, q := range reqs {
		if q.Ability == op.Ability && q.Resource.Prefix == op.Resource.Prefix &&
			(q.Resource.IsWildcard() || q.Resource.ID == op.Resource.ID) {
			return true
		}
	}
	return false
}

// normalizeHex lower-cases hex s, without allocating when it already is.
func normalizeHex(s string) string {
	if !strings.ContainsAny(s, "ABCDEF") {
		return s
	}
	b, _ := hex.DecodeString(s)
	return hex.EncodeToString(b)
}
