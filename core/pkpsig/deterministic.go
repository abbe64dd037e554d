package pkpsig

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"hash"
)

// deterministicDomain separates this derivation from any other use of the
// key with HMAC.
const deterministicDomain = "litsession/pkpsig deterministic session v1"

// DeterministicSigningSession is [NewSigningSession] with the nonce and the
// split derived from the key, the request and the digest, so that nodes that
// hold the same key agree on the whole session without talking to each
// other: each computes it and returns its own share.
//
// The randomness is the stream HMAC-SHA256(privKey, domain || len(requestID)
// || requestID || digest || counter) for counter = 0, 1, … (lengths and the
// counter as 4-byte big-endian). Because the digest is part of it, a nonce is
// never used for two different digests; the same requestID and digest always
// give the same signature. requestID is the X-Request-Id every node of one
// pkpSign call receives. The public key is not included: the HMAC key
// already fixes it.
func DeterministicSigningSession(privKey []byte, requestID string, digest [DigestSize]byte, n int) (*Session, error) {
	if _, err := parsePrivateKey(privKey); err != nil {
		return nil, err
	}
	var prefix []byte
	prefix = append(prefix, deterministicDomain...)
	prefix = binary.BigEndian.AppendUint32(prefix, uint32(len(requestID)))
	prefix = append(prefix, requestID...)
	prefix = append(prefix, digest[:]...)
	return NewSigningSession(privKey, digest, n, &hmacStream{mac: hmac.New(sha256.New, privKey), prefix: prefix})
}

// hmacStream is an endless reader of HMAC(key, prefix || counter) blocks.
type hmacStream struct {
	mac     hash.Hash
	prefix  []byte
	counter uint32
	buf     []byte
}

func (h *hmacStream) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(h.buf) == 0 {
			h.mac.Reset()
			h.mac.Write(h.prefix)
			h.mac.Write(binary.BigEndian.AppendUint32(nil, h.counter))
			h.counter++
			h.buf = h.mac.Sum(nil)
		}
		c := copy(p[n:], h.buf)
		h.buf = h.buf[c:]
		n += c
	}
	return n, nil
}
