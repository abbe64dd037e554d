package node

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/litgo/litsession/core/jsjson"
)

// HandshakePath is the handshake endpoint, relative to a node URL. The
// trailing slash is part of the v7 wire format.
const HandshakePath = "/web/handshake/"

// HandshakeRequest is the body of POST /web/handshake/:
//
//	{"clientPublicKey":"test","challenge":"<64 hex digits>","epoch":10}
//
// The v7 client always sends clientPublicKey "test" and a fresh random
// 32-byte challenge (used by nodes for attestation).
type HandshakeRequest struct {
	ClientPublicKey string `json:"clientPublicKey"`
	Challenge       string `json:"challenge"`
	Epoch           uint64 `json:"epoch"`
}

// JSON returns the request body, members in the order above.
func (r HandshakeRequest) JSON() []byte {
	var o jsjson.Object
	o.String("clientPublicKey", r.ClientPublicKey)
	o.String("challenge", r.Challenge)
	o.Uint("epoch", r.Epoch)
	b, _ := o.Bytes() // strings and integers cannot fail
	return b
}

// HandshakeResponse is one node's answer to the handshake: a flat JSON
// object. Keys are hex without 0x: SubnetPublicKey and NetworkPublicKey are
// 48-byte compressed BLS12-381 G1 points, HDRootPubkeys are compressed
// secp256k1 points, LatestBlockhash is "0x" followed by 64 hex digits (it
// becomes the SIWE nonce). The v7 client reads only these fields plus
// attestation; ClientSDKVersion, NodeVersion, NodeIdentityKey and Epoch are
// what real nodes also send (informational).
//
// Empty fields are absent. The struct is also the wire form a node (the
// devnet) marshals.
type HandshakeResponse struct {
	ServerPublicKey     string   `json:"serverPublicKey,omitempty"`
	SubnetPublicKey     string   `json:"subnetPublicKey,omitempty"`
	NetworkPublicKey    string   `json:"networkPublicKey,omitempty"`
	NetworkPublicKeySet string   `json:"networkPublicKeySet,omitempty"`
	HDRootPubkeys       []string `json:"hdRootPubkeys"`
	LatestBlockhash     string   `json:"latestBlockhash,omitempty"`
	ClientSDKVersion    string   `json:"clientSdkVersion,omitempty"`
	NodeVersion         string   `json:"nodeVersion,omitempty"`
	NodeIdentityKey     string   `json:"nodeIdentityKey,omitempty"`
	Epoch               uint64   `json:"epoch,omitempty"`
}

// Limits on handshake fields; real values are far below them.
const (
	maxKeyHexLen     = 4096 // hex digits in one key field
	maxHDRootPubkeys = 256
)

// ParseHandshakeResponse decodes and validates one node's handshake answer.
//
// A key field that is absent, null, "" or "ERR" (real nodes send "ERR" when
// they have no value) is left empty; any other value must be well formed or
// the whole answer is rejected, since a node that sends garbage should not
// vote. Hex keys may carry a 0x prefix, which is removed, and are lowercased.
// Informational fields with unexpected types are ignored.
func ParseHandshakeResponse(body []byte) (HandshakeResponse, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return HandshakeResponse{}, errors.New("handshake answer is not a JSON object")
	}
	raw, err := jsjson.Parse(body)
	if err != nil {
		return HandshakeResponse{}, errorf("handshake answer is not valid JSON: %v", err)
	}
	var h HandshakeResponse
	if h.ServerPublicKey, err = hexField("serverPublicKey", raw.Get("serverPublicKey"), 0); err != nil {
		return HandshakeResponse{}, err
	}
	if h.SubnetPublicKey, err = hexField("subnetPublicKey", raw.Get("subnetPublicKey"), 48); err != nil {
		return HandshakeResponse{}, err
	}
	if h.NetworkPublicKey, err = hexField("networkPublicKey", raw.Get("networkPublicKey"), 48); err != nil {
		return HandshakeResponse{}, err
	}
	if h.NetworkPublicKeySet, err = hexField("networkPublicKeySet", raw.Get("networkPublicKeySet"), 0); err != nil {
		return HandshakeResponse{}, err
	}
	if h.HDRootPubkeys, err = hdRootPubkeys(raw.Get("hdRootPubkeys")); err != nil {
		return HandshakeResponse{}, err
	}
	if h.LatestBlockhash, err = blockhashField("latestBlockhash", raw.Get("latestBlockhash")); err != nil {
		return HandshakeResponse{}, err
	}
	h.ClientSDKVersion = infoString(raw.Get("clientSdkVersion"))
	h.NodeVersion = infoString(raw.Get("nodeVersion"))
	h.NodeIdentityKey = infoString(raw.Get("nodeIdentityKey"))
	if epoch, ok := raw.Get("epoch").Uint64(); ok {
		h.Epoch = epoch
	}
	return h, nil
}

// optionalString decodes a string field, returning "" for absent, null,
// "" and "ERR".
func optionalString(name string, v jsjson.Value) (string, error) {
	if !v.Exists() || v.IsNull() {
		return "", nil
	}
	s, ok := v.Str()
	if !ok {
		return "", errorf("handshake field %s is not a string", name)
	}
	if s == "ERR" {
		return "", nil
	}
	return s, nil
}

// hexField decodes an optional hex key. size, when non-zero, is the required
// length in bytes.
func hexField(name string, v jsjson.Value, size int) (string, error) {
	s, err := optionalString(name, v)
	if err != nil || s == "" {
		return "", err
	}
	return checkHex(name, s, size)
}

func checkHex(name, s string, size int) (string, error) {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	if len(s) > maxKeyHexLen {
		return "", errorf("handshake field %s is too long (%d hex digits)", name, len(s))
	}
	b, err := hex.DecodeString(s)
	if err != nil || len(b) == 0 {
		return "", errorf("handshake field %s is not hex: %q", name, sanitize(s, 40))
	}
	if size != 0 && len(b) != size {
		return "", errorf("handshake field %s is %d bytes, want %d", name, len(b), size)
	}
	return hex.EncodeToString(b), nil
}

func hdRootPubkeys(v jsjson.Value) ([]string, error) {
	if s, _ := v.Str(); !v.Exists() || v.IsNull() || s == "ERR" {
		return nil, nil
	}
	items, ok := v.Items()
	if !ok {
		return nil, errors.New("handshake field hdRootPubkeys is not an array of strings")
	}
	list := make([]string, len(items))
	for i, it := range items {
		// A null entry reads as "", which checkHex then refuses.
		if s, ok := it.Str(); ok {
			list[i] = s
		} else if !it.IsNull() {
			return nil, errors.New("handshake field hdRootPubkeys is not an array of strings")
		}
	}
	if len(list) > maxHDRootPubkeys {
		return nil, errorf("handshake field hdRootPubkeys has %d entries, more than %d", len(list), maxHDRootPubkeys)
	}
	out := make([]string, len(list))
	for i, k := range list {
		name := fmt.Sprintf("hdRootPubkeys[%d]", i)
		h, err := checkHex(name, k, 0)
		if err != nil {
			return nil, err
		}
		switch {
		case len(h) == 66 && (h[:2] == "02" || h[:2] == "03"):
		case len(h) == 130 && h[:2] == "04":
		default:
			return nil, errorf("handshake field %s is not a secp256k1 public key (33 bytes 02/03… or 65 bytes 04…)", name)
		}
		out[i] = h
	}
	return out, nil
}

func blockhashField(name string, v jsjson.Value) (string, error) {
	s, err := optionalString(name, v)
	if err != nil || s == "" {
		return "", err
	}
	if !ValidBlockhash(s) {
		return "", errorf("%s %q is not 0x followed by 64 hex digits", name, sanitize(s, 80))
	}
	return strings.ToLower(s), nil
}

// ValidBlockhash reports whether s is "0x" followed by exactly 64 hex
// digits, the only form accepted as a blockhash (and SIWE nonce).
func ValidBlockhash(s string) bool {
	if len(s) != 66 || s[:2] != "0x" {
		return false
	}
	_, err := hex.DecodeString(s[2:])
	return err == nil
}

// infoString returns an informational string field, sanitized, or "".
func infoString(v jsjson.Value) string {
	s, _ := v.Str()
	return sanitize(s, 100)
}

// mostCommon returns the most frequent non-empty value, with ties going to
// the value that occurs last, as the v7 client's mostCommonString does.
func mostCommon(values []string) string {
	counts := make(map[string]int, len(values))
	for _, v := range values {
		if v != "" {
			counts[v]++
		}
	}
	best, bestCount := "", 0
	for _, v := range values {
		if v != "" && counts[v] >= bestCount {
			best, bestCount = v, counts[v]
		}
	}
	return best
}

// combined is the network's view after a handshake round: the most common
// value of each field.
type combined struct {
	serverPublicKeys    map[string]string
	subnetPublicKey     string
	networkPublicKey    string
	networkPublicKeySet string
	hdRootPubkeys       []string
	latestBlockhash     string
	epoch               uint64
}

// combine applies the most-common rule to the peers' answers, given in
// validator order.
func combine(peers []Peer) combined {
	// One column of answers per field, combined in one loop: one copy of
	// mostCommon's code rather than one per field.
	const subnet, network, set, hd, hash, epoch, fields = 0, 1, 2, 3, 4, 5, 6
	var cols [fields][]string
	c := combined{serverPublicKeys: make(map[string]string, len(peers))}
	for _, p := range peers {
		a := p.Handshake
		c.serverPublicKeys[p.URL] = a.ServerPublicKey
		h, e := "", ""
		if a.HDRootPubkeys != nil {
			// Keys are hex, so a comma cannot occur inside one.
			h = "[" + strings.Join(a.HDRootPubkeys, ",") + "]"
		}
		if a.Epoch != 0 {
			e = strconv.FormatUint(a.Epoch, 10)
		}
		row := [fields]string{a.SubnetPublicKey, a.NetworkPublicKey, a.NetworkPublicKeySet, h, a.LatestBlockhash, e}
		for i := range cols {
			cols[i] = append(cols[i], row[i])
		}
	}
	var v [fields]string
	for i := range cols {
		v[i] = mostCommon(cols[i])
	}
	c.subnetPublicKey = v[subnet]
	c.networkPublicKey = v[network]
	c.networkPublicKeySet = v[set]
	c.latestBlockhash = v[hash]
	if h := v[hd]; h != "" && h != "[]" {
		c.hdRootPubkeys = strings.Split(h[1:len(h)-1], ",")
	}
	c.epoch, _ = strconv.ParseUint(v[epoch], 10, 64)
	return c
}
