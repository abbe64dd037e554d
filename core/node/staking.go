package node

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"net/netip"
	"strconv"

	"github.com/ethereum/go-ethereum/accounts/abi"
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

// stakingOutputs is the ABI of the call's return value:
//
//	(tuple(uint256 epochLength, uint256 number, uint256 endTime, uint256 retries, uint256 timeout) epoch,
//	 uint256 minNodeCount,
//	 tuple(uint32 ip, uint128 ipv6, uint32 port, address nodeAddress, uint256 reward,
//	       uint256 senderPubKey, uint256 receiverPubKey)[] validators)
var stakingOutputs = func() abi.Arguments {
	mustType := func(t string, comps []abi.ArgumentMarshaling) abi.Type {
		typ, err := abi.NewType(t, "", comps)
		if err != nil {
			panic("node: bad staking ABI: " + err.Error())
		}
		return typ
	}
	u256 := func(name string) abi.ArgumentMarshaling {
		return abi.ArgumentMarshaling{Name: name, Type: "uint256"}
	}
	epoch := mustType("tuple", []abi.ArgumentMarshaling{
		u256("epochLength"), u256("number"), u256("endTime"), u256("retries"), u256("timeout"),
	})
	validators := mustType("tuple[]", []abi.ArgumentMarshaling{
		{Name: "ip", Type: "uint32"},
		{Name: "ipv6", Type: "uint128"},
		{Name: "port", Type: "uint32"},
		{Name: "nodeAddress", Type: "address"},
		u256("reward"), u256("senderPubKey"), u256("receiverPubKey"),
	})
	return abi.Arguments{
		{Name: "epoch", Type: epoch},
		{Name: "minNodeCount", Type: mustType("uint256", nil)},
		{Name: "validators", Type: validators},
	}
}()

// abiEpoch and abiValidator mirror the ABI tuples field by field, in order,
// with the Go types go-ethereum's abi package produces.
type abiEpoch struct {
	EpochLength *big.Int
	Number      *big.Int
	EndTime     *big.Int
	Retries     *big.Int
	Timeout     *big.Int
}

type abiValidator struct {
	Ip             uint32
	Ipv6           *big.Int
	Port           uint32
	NodeAddress    common.Address
	Reward         *big.Int
	SenderPubKey   *big.Int
	ReceiverPubKey *big.Int
}

type abiResult struct {
	Epoch        abiEpoch
	MinNodeCount *big.Int
	Validators   []abiValidator
}

// ValidatorsCallData returns the eth_call data for
// getActiveUnkickedValidatorStructsAndCounts(): just the selector.
func ValidatorsCallData() []byte {
	return ValidatorsSelector[:]
}

// EncodeValidatorSet ABI-encodes s as the return value of
// getActiveUnkickedValidatorStructsAndCounts(), as a staking contract (or the
// devnet) returns it from eth_call. Nil big integers encode as zero; values
// that do not fit their ABI type (ipv6 above 128 bits, others above 256 bits,
// negative numbers) are an error.
func EncodeValidatorSet(s ValidatorSet) ([]byte, error) {
	u64 := func(v uint64) *big.Int { return new(big.Int).SetUint64(v) }
	out := abiResult{
		Epoch: abiEpoch{
			EpochLength: u64(s.Epoch.Length),
			Number:      u64(s.Epoch.Number),
			EndTime:     u64(s.Epoch.EndTime),
			Retries:     u64(s.Epoch.Retries),
			Timeout:     u64(s.Epoch.Timeout),
		},
		MinNodeCount: u64(s.MinNodeCount),
		Validators:   make([]abiValidator, len(s.Validators)),
	}
	for i, v := range s.Validators {
		av := abiValidator{Ip: v.IP, Port: v.Port, NodeAddress: v.NodeAddress}
		for _, f := range []struct {
			name string
			dst  **big.Int
			src  *big.Int
			bits int
		}{
			{"ipv6", &av.Ipv6, v.IPv6, 128},
			{"reward", &av.Reward, v.Reward, 256},
			{"senderPubKey", &av.SenderPubKey, v.SenderPubKey, 256},
			{"receiverPubKey", &av.ReceiverPubKey, v.ReceiverPubKey, 256},
		} {
			x := f.src
			if x == nil {
				x = new(big.Int)
			}
			if x.Sign() < 0 || x.BitLen() > f.bits {
				return nil, fmt.Errorf("node: validator %d: %s does not fit in uint%d", i, f.name, f.bits)
			}
			*f.dst = x
		}
		out.Validators[i] = av
	}
	data, err := stakingOutputs.Pack(out.Epoch, out.MinNodeCount, out.Validators)
	if err != nil {
		return nil, fmt.Errorf("node: encoding validator set: %w", err)
	}
	return data, nil
}

// DecodeValidatorSet decodes the ABI-encoded return value of
// getActiveUnkickedValidatorStructsAndCounts(). Epoch fields and
// minNodeCount must fit in 64 bits. It does not check that the set is usable;
// see [ValidatorSet.URLs].
func DecodeValidatorSet(data []byte) (s ValidatorSet, err error) {
	// The abi package is fuzzed upstream, but this input comes from an
	// untrusted RPC endpoint: never let a decoder bug crash the caller.
	defer func() {
		if r := recover(); r != nil {
			s, err = ValidatorSet{}, fmt.Errorf("node: malformed validator set: %v", r)
		}
	}()
	if len(data) == 0 {
		return ValidatorSet{}, errors.New("node: empty validator set: the staking call returned no data; is the staking address a contract on this chain?")
	}
	values, err := stakingOutputs.Unpack(data)
	if err != nil {
		return ValidatorSet{}, fmt.Errorf("node: malformed validator set: %w", err)
	}
	var raw abiResult
	if err := stakingOutputs.Copy(&raw, values); err != nil {
		return ValidatorSet{}, fmt.Errorf("node: malformed validator set: %w", err)
	}
	toU64 := func(name string, x *big.Int) (uint64, error) {
		if x == nil || !x.IsUint64() {
			return 0, fmt.Errorf("node: malformed validator set: %s does not fit in 64 bits", name)
		}
		return x.Uint64(), nil
	}
	for _, f := range []struct {
		name string
		dst  *uint64
		src  *big.Int
	}{
		{"epoch.epochLength", &s.Epoch.Length, raw.Epoch.EpochLength},
		{"epoch.number", &s.Epoch.Number, raw.Epoch.Number},
		{"epoch.endTime", &s.Epoch.EndTime, raw.Epoch.EndTime},
		{"epoch.retries", &s.Epoch.Retries, raw.Epoch.Retries},
		{"epoch.timeout", &s.Epoch.Timeout, raw.Epoch.Timeout},
		{"minNodeCount", &s.MinNodeCount, raw.MinNodeCount},
	} {
		if *f.dst, err = toU64(f.name, f.src); err != nil {
			return ValidatorSet{}, err
		}
	}
	s.Validators = make([]Validator, len(raw.Validators))
	for i, v := range raw.Validators {
		// The abi package does not range-check uint128.
		if v.Ipv6 == nil || v.Ipv6.BitLen() > 128 {
			return ValidatorSet{}, fmt.Errorf("node: malformed validator set: validator %d: ipv6 does not fit in 128 bits", i)
		}
		s.Validators[i] = Validator{
			IP:             v.Ip,
			IPv6:           v.Ipv6,
			Port:           v.Port,
			NodeAddress:    v.NodeAddress,
			Reward:         v.Reward,
			SenderPubKey:   v.SenderPubKey,
			ReceiverPubKey: v.ReceiverPubKey,
		}
	}
	return s, nil
}

// NodeURL returns the URL of a validator: "http://<dotted IPv4>:<port>", or
// "https://" when the port is 443 (the v7 rule for custom networks). The URL
// has no trailing slash; it is the exact string nodes expect as nodeAddress
// in session signatures.
func NodeURL(ip, port uint32) (string, error) {
	if port == 0 || port > 65535 {
		return "", fmt.Errorf("node: validator port %d is not a TCP port (1-65535)", port)
	}
	if ip == 0 {
		return "", errors.New("node: validator has IPv4 address 0.0.0.0; the staking contract must list a reachable IPv4 address")
	}
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], ip)
	scheme := "http://"
	if port == 443 {
		scheme = "https://"
	}
	return scheme + netip.AddrFrom4(b).String() + ":" + strconv.FormatUint(uint64(port), 10), nil
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
		return nil, fmt.Errorf("node: active validator set does not meet the threshold: minNodeCount is %d but there are %d validators", s.MinNodeCount, n)
	}
	urls := make([]string, 0, n)
	seen := make(map[string]bool, n)
	for i, v := range s.Validators {
		u, err := NodeURL(v.IP, v.Port)
		if err != nil {
			return nil, fmt.Errorf("validator %d: %w", i, err)
		}
		if seen[u] {
			return nil, fmt.Errorf("node: validator %d repeats node URL %s", i, u)
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
