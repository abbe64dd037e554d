package devnet

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// The naga contract calls the devnet answers (eth_call data starts with
// the selector, the first four bytes of keccak256 of the signature).
var (
	// nagaValidatorsSelector is Staking
	// getActiveUnkickedValidatorStructsAndCounts(uint256 realmId).
	nagaValidatorsSelector = [4]byte{0xd0, 0x9c, 0xd5, 0xa8}
	// nodesForRequestSelector is PriceFeed
	// getNodesForRequest(uint256 realmId, uint256[] productIds).
	nodesForRequestSelector = [4]byte{0x22, 0x4d, 0x94, 0x49}
)

// NagaRealmID is the one realm of a naga devnet; nagaLocal's default.
const NagaRealmID = 1

// maxProductIDs bounds the productIds of one getNodesForRequest call.
const maxProductIDs = 16

// nagaEpoch is Staking's 9-field Epoch tuple, all uint256, in field order:
// epochLength, number, rewardEpochNumber, nextRewardEpochNumber, endTime,
// retries, timeout, startTime, lastAdvanceVoteTime.
type nagaEpoch [9]uint64

const nagaEpochWords = 9

// nagaValidator is Staking's 18-field Validator tuple. Every field is
// static, so it is 18 words in place:
//
//	uint32 ip, uint128 ipv6, uint32 port, address nodeAddress,
//	uint256 reward, senderPubKey, receiverPubKey, lastActiveEpoch,
//	commissionRate, lastRewardEpoch, lastRealmId, delegatedStakeAmount,
//	delegatedStakeWeight, lastRewardEpochClaimedFixedCostRewards,
//	lastRewardEpochClaimedCommission, address operatorAddress,
//	uint256 uniqueDelegatingStakerCount, bool registerAttestedWalletDisabled
type nagaValidator struct {
	IP, Port        uint32
	NodeAddress     common.Address
	OperatorAddress common.Address
	LastActiveEpoch uint64
	LastRealmID     uint64
}

const nagaValidatorWords = 18

// wordBytes is the size of an ABI word.
const wordBytes = 32

// abiWriter appends 32-byte ABI words.
type abiWriter struct{ b []byte }

func (w *abiWriter) word() []byte {
	w.b = append(w.b, make([]byte, wordBytes)...)
	return w.b[len(w.b)-wordBytes:]
}

func (w *abiWriter) uint(v uint64) { binary.BigEndian.PutUint64(w.word()[wordBytes-8:], v) }

func (w *abiWriter) big(v *big.Int) { v.FillBytes(w.word()) }

func (w *abiWriter) address(a common.Address) { copy(w.word()[wordBytes-common.AddressLength:], a[:]) }

func (w *abiWriter) epoch(e nagaEpoch) {
	for _, v := range e {
		w.uint(v)
	}
}

func (w *abiWriter) validator(v nagaValidator) {
	w.uint(uint64(v.IP))
	w.uint(0) // ipv6
	w.uint(uint64(v.Port))
	w.address(v.NodeAddress)
	w.uint(0) // reward
	w.uint(0) // senderPubKey
	w.uint(0) // receiverPubKey
	w.uint(v.LastActiveEpoch)
	w.uint(0)                 // commissionRate
	w.uint(v.LastActiveEpoch) // lastRewardEpoch
	w.uint(v.LastRealmID)
	w.uint(0) // delegatedStakeAmount
	w.uint(0) // delegatedStakeWeight
	w.uint(0) // lastRewardEpochClaimedFixedCostRewards
	w.uint(0) // lastRewardEpochClaimedCommission
	w.address(v.OperatorAddress)
	w.uint(0) // uniqueDelegatingStakerCount
	w.uint(0) // registerAttestedWalletDisabled = false
}

// encodeNagaValidators ABI-encodes the return value of
// getActiveUnkickedValidatorStructsAndCounts(uint256):
// (Epoch epoch, uint256 minNodeCount, Validator[] validators). Epoch and
// Validator are static tuples, so the layout is
//
//	words 0-8   epoch
//	word  9     minNodeCount
//	word  10    offset of the array: 11*32
//	word  11    array length n
//	words 12…   n validators of 18 words
func encodeNagaValidators(e nagaEpoch, minNodeCount uint64, vs []nagaValidator) []byte {
	var w abiWriter
	w.epoch(e)
	w.uint(minNodeCount)
	w.uint((nagaEpochWords + 2) * wordBytes)
	w.uint(uint64(len(vs)))
	for _, v := range vs {
		w.validator(v)
	}
	return w.b
}

// nodePrices is one entry of getNodesForRequest's answer: a validator and
// its price in wei for each requested product, in request order.
type nodePrices struct {
	Validator nagaValidator
	Prices    []*big.Int
}

// encodeNodesForRequest ABI-encodes the return value of
// getNodesForRequest(uint256,uint256[]):
// (uint256 epochId, uint256 minNodeCount, (Validator validator, uint256[] prices)[]).
// The entries are dynamic tuples, so the array holds offsets:
//
//	word 0   epochId
//	word 1   minNodeCount
//	word 2   offset of the array: 3*32
//	array:   length n, then n offsets (from the word after the length)
//	         to the entries
//	entry:   18 validator words, the offset of prices from the entry's
//	         start (19*32), then prices: length m and m words
func encodeNodesForRequest(epochID, minNodeCount uint64, entries []nodePrices) []byte {
	var w abiWriter
	w.uint(epochID)
	w.uint(minNodeCount)
	w.uint(3 * wordBytes)
	w.uint(uint64(len(entries)))
	offset := uint64(len(entries)) * wordBytes
	for _, e := range entries {
		w.uint(offset)
		offset += (nagaValidatorWords + 2 + uint64(len(e.Prices))) * wordBytes
	}
	for _, e := range entries {
		w.validator(e.Validator)
		w.uint((nagaValidatorWords + 1) * wordBytes)
		w.uint(uint64(len(e.Prices)))
		for _, p := range e.Prices {
			w.big(p)
		}
	}
	return w.b
}

// readWord returns word i of args as a uint64, or false when it is out of
// range or does not fit in 64 bits.
func readWord(args []byte, i int) (uint64, bool) {
	if len(args) < (i+1)*wordBytes {
		return 0, false
	}
	w := args[i*wordBytes : (i+1)*wordBytes]
	if !bytes.Equal(w[:wordBytes-8], make([]byte, wordBytes-8)) {
		return 0, false
	}
	return binary.BigEndian.Uint64(w[wordBytes-8:]), true
}

// decodeRealm reads the single uint256 realmId argument of
// getActiveUnkickedValidatorStructsAndCounts(uint256).
func decodeRealm(args []byte) (uint64, error) {
	realm, ok := readWord(args, 0)
	if !ok || len(args) != wordBytes {
		return 0, fmt.Errorf("the arguments must be one uint256 realmId (32 bytes), got %d bytes", len(args))
	}
	return realm, nil
}

// decodeNodesForRequest reads (uint256 realmId, uint256[] productIds) in
// its one canonical encoding: the array right after the head, no trailing
// bytes, every id a known product.
func decodeNodesForRequest(args []byte) (realm uint64, products []Product, err error) {
	realm, ok := readWord(args, 0)
	if !ok {
		return 0, nil, fmt.Errorf("the arguments must start with a uint256 realmId")
	}
	if off, ok := readWord(args, 1); !ok || off != 2*wordBytes {
		return 0, nil, fmt.Errorf("productIds must be encoded right after the head (offset 64)")
	}
	n, ok := readWord(args, 2)
	if !ok || n > maxProductIDs {
		return 0, nil, fmt.Errorf("productIds must hold at most %d ids", maxProductIDs)
	}
	if len(args) != (3+int(n))*wordBytes {
		return 0, nil, fmt.Errorf("the arguments are %d bytes; %d productIds take exactly %d", len(args), n, (3+n)*wordBytes)
	}
	for i := range int(n) {
		id, ok := readWord(args, 3+i)
		if !ok || id >= productCount {
			return 0, nil, fmt.Errorf("productIds[%d] is not a product id; use 0 (decryption), 1 (sign), 2 (lit action) or 3 (sign session key)", i)
		}
		products = append(products, Product(id))
	}
	return realm, products, nil
}

// nagaEthCall answers the naga contract calls at their contract addresses;
// every other call reverts.
func (n *Network) nagaEthCall(to string, data []byte) ([]byte, *rpcError) {
	revert := func(format string, args ...any) *rpcError {
		return &rpcError{rpcExecution, "execution reverted: " + fmt.Sprintf(format, args...)}
	}
	if !common.IsHexAddress(to) {
		return nil, invalidParams("the call's to must be a contract address (0x + 40 hex digits)")
	}
	addr := common.HexToAddress(to)
	if len(data) < 4 {
		return nil, revert("call data must start with a 4-byte selector")
	}
	sel, args := [4]byte(data[:4]), data[4:]
	now := n.Chain.now()
	switch {
	case addr == stakingAddress && sel == nagaValidatorsSelector:
		realm, err := decodeRealm(args)
		if err != nil {
			return nil, revert("Staking.getActiveUnkickedValidatorStructsAndCounts: %v", err)
		}
		if realm != NagaRealmID {
			return nil, revert("Staking.getActiveUnkickedValidatorStructsAndCounts: realm %d does not exist; the devnet has realm %d", realm, NagaRealmID)
		}
		return encodeNagaValidators(n.nagaEpoch(now), uint64(n.Threshold), nagaValidators(n.epoch, n.Validators())), nil
	case addr == priceFeedAddress && sel == nodesForRequestSelector:
		realm, products, err := decodeNodesForRequest(args)
		if err != nil {
			return nil, revert("PriceFeed.getNodesForRequest: %v", err)
		}
		if realm != NagaRealmID {
			return nil, revert("PriceFeed.getNodesForRequest: realm %d does not exist; the devnet has realm %d", realm, NagaRealmID)
		}
		nodes := n.Validators()
		vs := nagaValidators(n.epoch, nodes)
		entries := make([]nodePrices, len(vs))
		for i, v := range vs {
			entries[i].Validator = v
			for _, p := range products {
				entries[i].Prices = append(entries[i].Prices, nodes[i].Price(p))
			}
		}
		return encodeNodesForRequest(n.epoch, uint64(n.Threshold), entries), nil
	}
	return nil, revert("the naga devnet answers only Staking.getActiveUnkickedValidatorStructsAndCounts(uint256) (0x%x) at %s and PriceFeed.getNodesForRequest(uint256,uint256[]) (0x%x) at %s",
		nagaValidatorsSelector, stakingAddress.Hex(), nodesForRequestSelector, priceFeedAddress.Hex())
}

// nagaEpoch is the staking epoch at time now: it started epochAge ago and
// lasts epochLength, like the datil one.
func (n *Network) nagaEpoch(now time.Time) nagaEpoch {
	start := uint64(max(now.Unix()-epochAge, 0))
	return nagaEpoch{
		epochLength, // epochLength
		n.epoch,     // number
		n.epoch,     // rewardEpochNumber
		n.epoch + 1, // nextRewardEpochNumber
		start + epochLength,
		0,     // retries
		60,    // timeout
		start, // startTime
		start, // lastAdvanceVoteTime
	}
}

// nagaValidators are the nodes as Staking validators, in staking order.
func nagaValidators(epoch uint64, nodes []*Node) []nagaValidator {
	vs := make([]nagaValidator, len(nodes))
	for i, nd := range nodes {
		vs[i] = nagaValidator{
			IP:              nd.ip,
			Port:            nd.port,
			NodeAddress:     nd.Address,
			OperatorAddress: common.BytesToAddress(crypto.Keccak256([]byte(fmt.Sprintf("litsession devnet operator %d", nd.Index)))[12:]),
			LastActiveEpoch: epoch,
			LastRealmID:     NagaRealmID,
		}
	}
	return vs
}
