package node

import (
	"encoding/binary"
	"errors"
	"math/big"
	"strconv"

	"github.com/ethereum/go-ethereum/common"
)

// DefaultStakingAddress is the datil-dev Staking contract bundled with
// @lit-protocol/contracts 0.0.74. The official v7 client queries it when
// litNetwork is "custom" and no contract context is given.
const DefaultStakingAddress = "0xD4507CD392Af2c80919219d7896508728f6A623F"

// ValidatorsSelector is the 4-byte selector of
// getActiveUnkickedValidatorStructsAndCounts(), i.e. the first four bytes of
// keccak256("getActiveUnkickedValidatorStructsAndCounts()"). The call takes no
// arguments, so the selector is the complete eth_call data.
var ValidatorsSelector = [4]byte{0xc5, 0x1d, 0x02, 0x0e}

// Epoch is the epoch tuple returned by the staking contract. All values are
// seconds or counters; EndTime is a Unix time in seconds.
type Epoch struct {
	Length  uint64 // epochLength, seconds
	Number  uint64 // number
	EndTime uint64 // endTime, Unix seconds
	Retries uint64 // retries
	Timeout uint64 // timeout, seconds
}

// Validator is one entry of the validator array returned by the staking
// contract. Clients only use IP and Port; the other fields are carried for
// completeness and may be nil (encoded as zero).
type Validator struct {
	IP             uint32   // IPv4 address as a big-endian integer: 127.0.0.1 = 0x7f000001
	IPv6           *big.Int // uint128, unused by clients
	Port           uint32   // TCP port
	NodeAddress    common.Address
	Reward         *big.Int // uint256
	SenderPubKey   *big.Int // uint256
	ReceiverPubKey *big.Int // uint256
}

// ValidatorSet is the full result of getActiveUnkickedValidatorStructsAndCounts():
// the current epoch, the number of nodes that must answer each request
// (the threshold), and the active validators.
type ValidatorSet struct {
	Epoch        Epoch
	MinNodeCount uint64
	Validators   []Validator
}

// The call's return value is
//
//	(tuple(uint256 epochLength, uint256 number, uint256 endTime, uint256 retries, uint256 timeout) epoch,
//	 uint256 minNodeCount,
//	 tuple(uint32 ip, uint128 ipv6, uint32 port, address nodeAddress, uint256 reward,
//	       uint256 senderPubKey, uint256 receiverPubKey)[] validators)
//
// Every tuple field is static, so its ABI encoding is a fixed layout of
// 32-byte big-endian words (docs/protocol.md#validator-struct):
//
//	words 0-4  epoch (a static tuple is encoded in place)
//	word  5    minNodeCount
//	word  6    byte offset of the array from the start: always 7*32 = 224
//	word  7    array length n
//	words 8…   n validators of 7 words each, in field order
//
// It is encoded and decoded here by hand: go-ethereum's accounts/abi package
// would add about 80 KB of code to the browser module for this one layout.
// TestValidatorSetMatchesABI checks both directions against accounts/abi.
const (
	wordSize       = 32
	headWords      = 7 // epoch (5), minNodeCount, array offset
	validatorWords = 7
	arrayOffset    = headWords * wordSize

	// MaxValidators is the largest validator count DecodeValidatorSet
	// accepts and EncodeValidatorSet produces. Lit networks have tens of
	// nodes; the bound keeps a hostile RPC answer from making the client
	// allocate for, or connect to, an arbitrary number of nodes.
	MaxValidators = 1024
)

// ValidatorsCallData returns the eth_call data for
// getActiveUnkickedValidatorStructsAndCounts(): just the selector.
func ValidatorsCallData() []byte {
	return ValidatorsSelector[:]
}

// EncodeValidatorSet ABI-encodes s as the return value of
// getActiveUnkickedValidatorStructsAndCounts(), as a staking contract (or the
// devnet) returns it from eth_call. Nil big integers encode as zero; values
// that do not fit their ABI type (ipv6 above 128 bits, others above 256 bits,
// negative numbers) are an error, and so are more than [MaxValidators]
// validators.
func EncodeValidatorSet(s ValidatorSet) ([]byte, error) {
	if len(s.Validators) > MaxValidators {
		return nil, errorf("node: %d validators is more than the maximum of %d", len(s.Validators), MaxValidators)
	}
	out := make([]byte, (headWords+1+validatorWords*len(s.Validators))*wordSize)
	words := out
	next := func() []byte {
		w := words[:wordSize]
		words = words[wordSize:]
		return w
	}
	putUint := func(v uint64) { binary.BigEndian.PutUint64(next()[wordSize-8:], v) }
	putUint(s.Epoch.Length)
	putUint(s.Epoch.Number)
	putUint(s.Epoch.EndTime)
	putUint(s.Epoch.Retries)
	putUint(s.Epoch.Timeout)
	putUint(s.MinNodeCount)
	putUint(arrayOffset)
	putUint(uint64(len(s.Validators)))
	for i, v := range s.Validators {
		putBig := func(name string, x *big.Int, bits int) error {
			w := next()
			if x == nil {
				return nil
			}
			if x.Sign() < 0 || x.BitLen() > bits {
				return errorf("node: validator %d: %s does not fit in uint%d", i, name, bits)
			}
			x.FillBytes(w)
			return nil
		}
		putUint(uint64(v.IP))
		if err := putBig("ipv6", v.IPv6, 128); err != nil {
			return nil, err
		}
		putUint(uint64(v.Port))
		copy(next()[wordSize-len(v.NodeAddress):], v.NodeAddress[:])
		for _, f := range []struct {
			name string
			x    *big.Int
		}{{"reward", v.Reward}, {"senderPubKey", v.SenderPubKey}, {"receiverPubKey", v.ReceiverPubKey}} {
			if err := putBig(f.name, f.x, 256); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// DecodeValidatorSet decodes the ABI-encoded return value of
// getActiveUnkickedValidatorStructsAndCounts(). It is strict: the data must
// have exactly the layout Solidity produces (array at offset 224, no
// trailing bytes), every word must fit its type (the high bytes of uint32,
// uint128 and address words are zero), epoch fields and minNodeCount must
// fit in 64 bits, and there are at most [MaxValidators] validators. It does
// not check that the set is usable; see [ValidatorSet.URLs].
func DecodeValidatorSet(data []byte) (ValidatorSet, error) {
	if len(data) == 0 {
		return ValidatorSet{}, errors.New("node: empty validator set: the staking call returned no data; is the staking address a contract on this chain?")
	}
	if len(data) < (headWords+1)*wordSize {
		return malformedSet("%d bytes is shorter than the %d-byte head", len(data), (headWords+1)*wordSize)
	}
	if len(data)%wordSize != 0 {
		return malformedSet("%d bytes is not a whole number of 32-byte words", len(data))
	}
	var s ValidatorSet
	for i, f := range []struct {
		name string
		dst  *uint64
	}{
		{"epoch.epochLength", &s.Epoch.Length},
		{"epoch.number", &s.Epoch.Number},
		{"epoch.endTime", &s.Epoch.EndTime},
		{"epoch.retries", &s.Epoch.Retries},
		{"epoch.timeout", &s.Epoch.Timeout},
		{"minNodeCount", &s.MinNodeCount},
	} {
		v, ok := wordUint(data, i, 64)
		if !ok {
			return malformedSet("%s (word %d) does not fit in 64 bits", f.name, i)
		}
		*f.dst = v
	}
	if off, ok := wordUint(data, 6, 64); !ok || off != arrayOffset {
		return malformedSet("the validator array offset (word 6) is %v, want %d", new(big.Int).SetBytes(word(data, 6)), arrayOffset)
	}
	n, ok := wordUint(data, 7, 64)
	if !ok || n > MaxValidators {
		return malformedSet("the validator count (word 7) is %v, more than the maximum of %d", new(big.Int).SetBytes(word(data, 7)), MaxValidators)
	}
	if want := (headWords + 1 + validatorWords*int(n)) * wordSize; len(data) != want {
		return malformedSet("%d validators take %d bytes, but the data is %d bytes", n, want, len(data))
	}
	s.Validators = make([]Validator, n)
	for i := range s.Validators {
		base := headWords + 1 + i*validatorWords
		// The narrow fields of the struct, in the order they are checked:
		// each word's bytes above the type's width must be zero.
		for _, f := range [...]struct {
			name, fault string
			word, bytes int
		}{
			{"ip", "does not fit in uint32", 0, 4},
			{"port", "does not fit in uint32", 2, 4},
			{"ipv6", "does not fit in uint128", 1, 16},
			{"nodeAddress", "has nonzero high bytes", 3, common.AddressLength},
		} {
			if !zero(word(data, base+f.word)[:wordSize-f.bytes]) {
				return malformedSet("validator %d: %s (word %d) %s", i, f.name, base+f.word, f.fault)
			}
		}
		v := &s.Validators[i]
		v.IP = binary.BigEndian.Uint32(word(data, base)[wordSize-4:])
		v.Port = binary.BigEndian.Uint32(word(data, base+2)[wordSize-4:])
		copy(v.NodeAddress[:], word(data, base+3)[wordSize-len(v.NodeAddress):])
		for _, f := range [...]struct {
			dst  **big.Int
			word int
		}{{&v.IPv6, 1}, {&v.Reward, 4}, {&v.SenderPubKey, 5}, {&v.ReceiverPubKey, 6}} {
			*f.dst = new(big.Int).SetBytes(word(data, base+f.word))
		}
	}
	return s, nil
}

// malformedSet is DecodeValidatorSet's error for data of the wrong shape.
//
// It is not inlined: in wasm every inlined copy repeats its code and the
// resume points of its calls at each of its many call sites.
//
//go:noinline
func malformedSet(format string, args ...any) (ValidatorSet, error) {
	return ValidatorSet{}, errorf("node: malformed validator set: "+format, args...)
}

// word returns 32-byte word i of ABI data.
func word(data []byte, i int) []byte { return data[i*wordSize : (i+1)*wordSize] }

// wordUint reads word i as an unsigned integer of at most bits bits (64 or
// fewer), requiring every higher bit to be zero.
func wordUint(data []byte, i, bits int) (uint64, bool) {
	w := word(data, i)
	if !zero(w[:wordSize-8]) {
		return 0, false
	}
	v := binary.BigEndian.Uint64(w[wordSize-8:])
	if bits < 64 && v>>bits != 0 {
		return 0, false
	}
	return v, true
}

func zero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// NodeURL returns the URL of a validator: "http://<dotted IPv4>:<port>", or
// "https://" when the port is 443 (the v7 rule for custom networks). The URL
// has no trailing slash; it is the exact string nodes expect as nodeAddress
// in session signatures.
func NodeURL(ip, port uint32) (string, error) {
	if port == 0 || port > 65535 {
		return "", errorf("node: validator port %d is not a TCP port (1-65535)", port)
	}
	if ip == 0 {
		return "", errors.New("node: validator has IPv4 address 0.0.0.0; the staking contract must list a reachable IPv4 address")
	}
	scheme := "http://"
	if port == 443 {
		scheme = "https://"
	}
	// The dotted quad, as netip.AddrFrom4(…).String() writes it (written
	// out: netip's formatting code costs the browser module 10 KB).
	u := make([]byte, 0, len("https://255.255.255.255:65535"))
	u = append(u, scheme...)
	for shift := 24; shift >= 0; shift -= 8 {
		u = strconv.AppendUint(u, uint64(ip>>shift&0xff), 10)
		if shift > 0 {
			u = append(u, '.')
		}
	}
	u = append(u, ':')
	return string(strconv.AppendUint(u, uint64(port), 10)), nil
}

// URLs checks that s is usable (at least one validator, 1 ≤ MinNodeCount ≤
// number of validators, valid addresses, no duplicates) and returns the node
// URLs in validator order.
func (s ValidatorSet) URLs() ([]string, error) {
	n := uint64(len(s.Validators))
	if n == 0 {
		return nil, errors.New("node: the staking contract lists no active validators")
	}
	if s.MinNodeCount == 0 || s.MinNodeCount > n {
		return nil, errorf("node: active validator set does not meet the threshold: minNodeCount is %d but there are %d validators", s.MinNodeCount, n)
	}
	urls := make([]string, 0, n)
	seen := make(map[string]bool, n)
	for i, v := range s.Validators {
		u, err := NodeURL(v.IP, v.Port)
		if err != nil {
			return nil, errorf("validator %d: %w", i, err)
		}
		if seen[u] {
			return nil, errorf("node: validator %d repeats node URL %s", i, u)
		}
		seen[u] = true
		urls = append(urls, u)
	}
	return urls, nil
}

// epochPropagationDelay is how long after an epoch starts the v7 client keeps
// sending the previous epoch number, so that nodes can catch up.
const epochPropagationDelay = 45

// EpochToSend returns the epoch number a client sends to nodes at time now,
// following the v7 rule: the epoch starts at EndTime − Length; during the
// first 45 seconds of an epoch whose Number is at least 3 the client sends
// Number − 1, otherwise Number.
func EpochToSend(e Epoch, now int64) uint64 {
	start := int64(0)
	if e.EndTime >= e.Length {
		start = clampInt64(e.EndTime - e.Length)
	}
	if e.Number >= 3 && now < start+epochPropagationDelay {
		return e.Number - 1
	}
	return e.Number
}

func clampInt64(v uint64) int64 {
	const max = int64(^uint64(0) >> 2) // far beyond any real time, safe to add to
	if v > uint64(max) {
		return max
	}
	return int64(v)
}
