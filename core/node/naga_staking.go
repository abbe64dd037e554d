package node

import (
	"encoding/binary"
	"errors"
	"math/big"
	"strconv"
	"strings"

	"github.com/ethereum/go-ethereum/common"
)

// Naga's staking and PriceFeed calls. Both take realm 1.
var (
	// NagaValidatorsSelector is the selector of
	// getActiveUnkickedValidatorStructsAndCounts(uint256 realmId).
	NagaValidatorsSelector = [4]byte{0xd0, 0x9c, 0xd5, 0xa8}
	// NodesForRequestSelector is the selector of
	// getNodesForRequest(uint256 realmId, uint256[] productIds).
	NodesForRequestSelector = [4]byte{0x22, 0x4d, 0x94, 0x49}
)

// NagaRealm is the realm id naga clients pass to both calls.
const NagaRealm = 1

// Product is a naga PriceFeed product: what a node charges for.
type Product int

// The PriceFeed products, in the order of the productIds the client asks
// for.
const (
	ProductDecryption     Product = 0
	ProductSign           Product = 1
	ProductLitAction      Product = 2
	ProductSignSessionKey Product = 3
	ProductCount                  = 4
	productCount                  = ProductCount
)

// String is the product's name as ProductByName reads it: decryption,
// sign, litaction or signsessionkey.
func (p Product) String() string {
	switch p {
	case ProductDecryption:
		return "decryption"
	case ProductSign:
		return "sign"
	case ProductLitAction:
		return "litaction"
	case ProductSignSessionKey:
		return "signsessionkey"
	}
	return "product " + strconv.Itoa(int(p))
}

// ProductByName returns the product whose String is name, in any case.
func ProductByName(name string) (Product, bool) {
	for p := Product(0); p < ProductCount; p++ {
		if strings.EqualFold(name, p.String()) {
			return p, true
		}
	}
	return -1, false
}

// Word counts of naga's ABI tuples (every field is static).
const (
	nagaEpochWords     = 9  // epochLength, number, rewardEpochNumber, nextRewardEpochNumber, endTime, retries, timeout, startTime, lastAdvanceVoteTime
	nagaValidatorWords = 18 // see nagaValidatorLayout
)

// nagaValidatorLayout is where the fields a client reads sit in naga's
// 18-word Validator tuple, and how wide each narrow field is:
//
//	0 uint32 ip, 1 uint128 ipv6, 2 uint32 port, 3 address nodeAddress,
//	4 reward, 5 senderPubKey, 6 receiverPubKey, 7–14 uint256 …,
//	15 address operatorAddress, 16 uint256, 17 bool registerAttestedWalletDisabled
var nagaNarrowFields = [...]struct {
	name  string
	word  int
	bytes int
}{
	{"ip", 0, 4}, {"ipv6", 1, 16}, {"port", 2, 4}, {"nodeAddress", 3, common.AddressLength},
	{"operatorAddress", 15, common.AddressLength}, {"registerAttestedWalletDisabled", 17, 1},
}

// NagaValidatorsCallData is the eth_call data of
// getActiveUnkickedValidatorStructsAndCounts(1).
func NagaValidatorsCallData() []byte {
	out := make([]byte, 4+wordSize)
	copy(out, NagaValidatorsSelector[:])
	out[len(out)-1] = NagaRealm
	return out
}

// NodesForRequestCallData is the eth_call data of getNodesForRequest(1,
// [0,1,2,3]): every product, so one answer prices every operation.
func NodesForRequestCallData() []byte {
	out := make([]byte, 4+(3+productCount)*wordSize)
	copy(out, NodesForRequestSelector[:])
	w := out[4:]
	w[wordSize-1] = NagaRealm
	w[2*wordSize-1] = 2 * wordSize // offset of the array
	w[3*wordSize-1] = productCount
	for p := 0; p < productCount; p++ {
		w[(4+p)*wordSize-1] = byte(p)
	}
	return out
}

// EncodeNagaValidatorSet ABI-encodes s as the return value of the naga
// staking call: (Epoch, uint256 minNodeCount, Validator[]). Epoch fields a
// ValidatorSet does not hold, and Validator fields past receiverPubKey,
// encode as zero.
func EncodeNagaValidatorSet(s ValidatorSet) ([]byte, error) {
	if len(s.Validators) > MaxValidators {
		return nil, errorf("node: %d validators is more than the maximum of %d", len(s.Validators), MaxValidators)
	}
	head := nagaEpochWords + 2
	out := make([]byte, (head+1+nagaValidatorWords*len(s.Validators))*wordSize)
	put := func(i int, v uint64) { binary.BigEndian.PutUint64(out[(i+1)*wordSize-8:], v) }
	// epochLength, number, …, endTime (4), retries (5), timeout (6)
	put(0, s.Epoch.Length)
	put(1, s.Epoch.Number)
	put(4, s.Epoch.EndTime)
	put(5, s.Epoch.Retries)
	put(6, s.Epoch.Timeout)
	put(nagaEpochWords, s.MinNodeCount)
	put(nagaEpochWords+1, uint64(head*wordSize))
	put(head, uint64(len(s.Validators)))
	for i, v := range s.Validators {
		if err := putNagaValidator(out[(head+1+i*nagaValidatorWords)*wordSize:], v); err != nil {
			return nil, errorf("node: validator %d: %w", i, err)
		}
	}
	return out, nil
}

// putNagaValidator writes v's 18 words at the start of w.
func putNagaValidator(w []byte, v Validator) error {
	binary.BigEndian.PutUint32(w[wordSize-4:], v.IP)
	binary.BigEndian.PutUint32(w[3*wordSize-4:], v.Port)
	copy(w[4*wordSize-common.AddressLength:], v.NodeAddress[:])
	for _, f := range [...]struct {
		name string
		x    *big.Int
		word int
		bits int
	}{{"ipv6", v.IPv6, 1, 128}, {"reward", v.Reward, 4, 256}, {"senderPubKey", v.SenderPubKey, 5, 256}, {"receiverPubKey", v.ReceiverPubKey, 6, 256}} {
		if f.x == nil {
			continue
		}
		if f.x.Sign() < 0 || f.x.BitLen() > f.bits {
			return errorf("%s does not fit in uint%d", f.name, f.bits)
		}
		f.x.FillBytes(w[f.word*wordSize : (f.word+1)*wordSize])
	}
	return nil
}

// DecodeNagaValidatorSet decodes the return value of the naga staking
// call, as strictly as DecodeValidatorSet: the array at the offset
// Solidity writes, no trailing bytes, every narrow field's high bytes zero,
// the bool 0 or 1, the Epoch fields a client keeps and minNodeCount within
// 64 bits, at most [MaxValidators] validators.
func DecodeNagaValidatorSet(data []byte) (ValidatorSet, error) {
	head := nagaEpochWords + 2
	if len(data) == 0 {
		return ValidatorSet{}, errors.New("node: empty validator set: the naga staking call returned no data; is the staking address a naga Staking contract on this chain?")
	}
	if len(data) < (head+1)*wordSize || len(data)%wordSize != 0 {
		return malformedSet("%d bytes is not the naga layout (a %d-byte head, whole 32-byte words)", len(data), (head+1)*wordSize)
	}
	var s ValidatorSet
	for _, f := range [...]struct {
		name string
		word int
		dst  *uint64
	}{
		{"epoch.epochLength", 0, &s.Epoch.Length},
		{"epoch.number", 1, &s.Epoch.Number},
		{"epoch.endTime", 4, &s.Epoch.EndTime},
		{"epoch.retries", 5, &s.Epoch.Retries},
		{"epoch.timeout", 6, &s.Epoch.Timeout},
		{"minNodeCount", nagaEpochWords, &s.MinNodeCount},
	} {
		v, ok := wordUint(data, f.word, 64)
		if !ok {
			return malformedSet("%s (word %d) does not fit in 64 bits", f.name, f.word)
		}
		*f.dst = v
	}
	if off, ok := wordUint(data, nagaEpochWords+1, 64); !ok || off != uint64(head*wordSize) {
		return malformedSet("the validator array offset (word %d) is %v, want %d", nagaEpochWords+1, new(big.Int).SetBytes(word(data, nagaEpochWords+1)), head*wordSize)
	}
	vals, err := decodeNagaValidators(data, head)
	if err != nil {
		return ValidatorSet{}, err
	}
	if want := (head + 1 + nagaValidatorWords*len(vals)) * wordSize; len(data) != want {
		return malformedSet("%d validators take %d bytes, but the data is %d bytes", len(vals), want, len(data))
	}
	s.Validators = vals
	return s, nil
}

// decodeNagaValidators reads the Validator[] whose length word is word
// lenWord of data; the tuples follow it.
func decodeNagaValidators(data []byte, lenWord int) ([]Validator, error) {
	n, ok := wordUint(data, lenWord, 64)
	if !ok || n > MaxValidators {
		_, err := malformedSet("the validator count (word %d) is %v, more than the maximum of %d", lenWord, new(big.Int).SetBytes(word(data, lenWord)), MaxValidators)
		return nil, err
	}
	if len(data) < (lenWord+1+nagaValidatorWords*int(n))*wordSize {
		_, err := malformedSet("%d validators do not fit in %d bytes", n, len(data))
		return nil, err
	}
	out := make([]Validator, n)
	for i := range out {
		v, err := decodeNagaValidator(data, lenWord+1+i*nagaValidatorWords)
		if err != nil {
			_, err = malformedSet("validator %d: %v", i, err)
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// decodeNagaValidator reads the 18-word tuple starting at word base.
func decodeNagaValidator(data []byte, base int) (Validator, error) {
	for _, f := range nagaNarrowFields {
		w := word(data, base+f.word)
		if !zero(w[:wordSize-f.bytes]) || f.bytes == 1 && w[wordSize-1] > 1 {
			return Validator{}, errorf("%s (word %d) is out of range for its type", f.name, base+f.word)
		}
	}
	var v Validator
	v.IP = binary.BigEndian.Uint32(word(data, base)[wordSize-4:])
	v.Port = binary.BigEndian.Uint32(word(data, base+2)[wordSize-4:])
	copy(v.NodeAddress[:], word(data, base+3)[wordSize-common.AddressLength:])
	v.IPv6 = new(big.Int).SetBytes(word(data, base+1))
	v.Reward = new(big.Int).SetBytes(word(data, base+4))
	v.SenderPubKey = new(big.Int).SetBytes(word(data, base+5))
	v.ReceiverPubKey = new(big.Int).SetBytes(word(data, base+6))
	return v, nil
}

// PricedValidator is one entry of getNodesForRequest: a validator and its
// price in wei for each product asked for, in the order asked.
type PricedValidator struct {
	Validator Validator
	Prices    []*big.Int
}

// NodesForRequest is the return value of getNodesForRequest.
type NodesForRequest struct {
	EpochID      uint64
	MinNodeCount uint64
	Nodes        []PricedValidator
}

// maxProducts bounds the prices per validator DecodeNodesForRequest reads.
const maxProducts = 64

// EncodeNodesForRequest ABI-encodes r as getNodesForRequest returns it:
// (uint256 epochId, uint256 minNodeCount, (Validator, uint256[])[]).
func EncodeNodesForRequest(r NodesForRequest) ([]byte, error) {
	if len(r.Nodes) > MaxValidators {
		return nil, errorf("node: %d validators is more than the maximum of %d", len(r.Nodes), MaxValidators)
	}
	u := func(v uint64) []byte {
		w := make([]byte, wordSize)
		binary.BigEndian.PutUint64(w[wordSize-8:], v)
		return w
	}
	var out []byte
	out = append(out, u(r.EpochID)...)
	out = append(out, u(r.MinNodeCount)...)
	out = append(out, u(3*wordSize)...)
	out = append(out, u(uint64(len(r.Nodes)))...)
	// The array's elements are dynamic tuples: a head of offsets (from the
	// start of the element area), then each tuple.
	var tails [][]byte
	for i, n := range r.Nodes {
		t := make([]byte, (nagaValidatorWords+2)*wordSize)
		if err := putNagaValidator(t, n.Validator); err != nil {
			return nil, errorf("node: validator %d: %w", i, err)
		}
		binary.BigEndian.PutUint64(t[(nagaValidatorWords+1)*wordSize-8:], uint64((nagaValidatorWords+1)*wordSize))
		binary.BigEndian.PutUint64(t[(nagaValidatorWords+2)*wordSize-8:], uint64(len(n.Prices)))
		for j, p := range n.Prices {
			w := make([]byte, wordSize)
			if p != nil {
				if p.Sign() < 0 || p.BitLen() > 256 {
					return nil, errorf("node: validator %d: price %d does not fit in uint256", i, j)
				}
				p.FillBytes(w)
			}
			t = append(t, w...)
		}
		tails = append(tails, t)
	}
	off := len(r.Nodes) * wordSize
	for _, t := range tails {
		out = append(out, u(uint64(off))...)
		off += len(t)
	}
	for _, t := range tails {
		out = append(out, t...)
	}
	return out, nil
}

// DecodeNodesForRequest decodes the return value of getNodesForRequest.
// It accepts exactly the layout Solidity writes: offsets in order and
// adjacent, no gaps or trailing bytes, every narrow field in range, at most
// [MaxValidators] validators and 64 prices each.
func DecodeNodesForRequest(data []byte) (NodesForRequest, error) {
	bad := func(format string, args ...any) (NodesForRequest, error) {
		return NodesForRequest{}, errorf("node: malformed getNodesForRequest answer: "+format, args...)
	}
	if len(data) == 0 {
		return bad("no data; is the PriceFeed address a naga PriceFeed contract on this chain?")
	}
	if len(data) < 4*wordSize || len(data)%wordSize != 0 {
		return bad("%d bytes is not whole 32-byte words with a 128-byte head", len(data))
	}
	var r NodesForRequest
	var ok bool
	if r.EpochID, ok = wordUint(data, 0, 64); !ok {
		return bad("epochId does not fit in 64 bits")
	}
	if r.MinNodeCount, ok = wordUint(data, 1, 64); !ok {
		return bad("minNodeCount does not fit in 64 bits")
	}
	if off, ok := wordUint(data, 2, 64); !ok || off != 3*wordSize {
		return bad("the array offset (word 2) is not %d", 3*wordSize)
	}
	n, ok := wordUint(data, 3, 64)
	if !ok || n > MaxValidators || len(data) < int(4+n)*wordSize {
		return bad("the validator count (word 3) is out of range")
	}
	elems := data[4*wordSize:]
	next := int(n) * wordSize
	r.Nodes = make([]PricedValidator, n)
	for i := range r.Nodes {
		off, ok := wordUint(elems, i, 64)
		if !ok || off != uint64(next) || len(elems) < next+(nagaValidatorWords+2)*wordSize {
			return bad("entry %d is not where the previous one ends", i)
		}
		t := elems[next:]
		v, err := decodeNagaValidator(t, 0)
		if err != nil {
			return bad("entry %d: %v", i, err)
		}
		if po, ok := wordUint(t, nagaValidatorWords, 64); !ok || po != (nagaValidatorWords+1)*wordSize {
			return bad("entry %d: the prices offset is not %d", i, (nagaValidatorWords+1)*wordSize)
		}
		np, ok := wordUint(t, nagaValidatorWords+1, 64)
		size := (nagaValidatorWords + 2 + int(np)) * wordSize
		if !ok || np > maxProducts || len(t) < size {
			return bad("entry %d: the price count is out of range", i)
		}
		prices := make([]*big.Int, np)
		for j := range prices {
			prices[j] = new(big.Int).SetBytes(word(t, nagaValidatorWords+2+j))
		}
		r.Nodes[i] = PricedValidator{Validator: v, Prices: prices}
		next += size
	}
	if next != len(elems) {
		return bad("%d bytes follow the last entry", len(elems)-next)
	}
	return r, nil
}
