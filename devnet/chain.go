package devnet

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// BlockhashMaxAge is how old a blockhash may be and still count as recent
// (Lit nodes accept SIWE nonces up to 30 days old).
const BlockhashMaxAge = 30 * 24 * time.Hour

// Block is one block of the simulated chain.
type Block struct {
	Number     uint64
	Hash       common.Hash
	ParentHash common.Hash
	Time       time.Time // genesis time + (Number − genesis number) × interval
}

// Chain is the devnet's simulated chain. A new block appears every interval
// (computed lazily from the clock, no goroutine); its hash is
// keccak256(parentHash || number as 8 big-endian bytes). The genesis hash is
// random, so every devnet run has its own hashes. The most recent blocks (up
// to the configured history) are remembered so that nonce recency can be
// checked with RecentBlockhash. Safe for concurrent use.
type Chain struct {
	mu       sync.Mutex
	now      func() time.Time
	interval time.Duration
	history  int
	genesis  Block
	blocks   []Block                // consecutive numbers, oldest first; the last is the head
	byHash   map[common.Hash]uint64 // remembered block hash → number
}

// genesisNumber is the first block number, so that block numbers look like
// an established chain and "latest − 30" never underflows.
const genesisNumber = 1000

func newChain(now func() time.Time, interval time.Duration, history int) *Chain {
	var seed [32]byte
	rand.Read(seed[:])
	g := Block{Number: genesisNumber, Hash: crypto.Keccak256Hash(seed[:]), Time: now()}
	return &Chain{
		now:      now,
		interval: interval,
		history:  history,
		genesis:  g,
		blocks:   []Block{g},
		byHash:   map[common.Hash]uint64{g.Hash: g.Number},
	}
}

// nextHash is keccak256(parent || number).
func nextHash(parent common.Hash, number uint64) common.Hash {
	var buf [40]byte
	copy(buf[:32], parent[:])
	binary.BigEndian.PutUint64(buf[32:], number)
	return crypto.Keccak256Hash(buf[:])
}

// advance appends the blocks that should exist by now and forgets those
// beyond the history. Call with mu held.
func (c *Chain) advance() {
	elapsed := c.now().Sub(c.genesis.Time)
	if elapsed < 0 {
		return
	}
	target := c.genesis.Number + uint64(elapsed/c.interval)
	prev := c.blocks[len(c.blocks)-1]
	if target <= prev.Number {
		return
	}
	// After a long pause, hash through the gap but keep only the last
	// history blocks.
	firstKept := prev.Number + 1
	if target-prev.Number > uint64(c.history) {
		firstKept = target - uint64(c.history) + 1
	}
	for n := prev.Number + 1; n <= target; n++ {
		b := Block{
			Number:     n,
			Hash:       nextHash(prev.Hash, n),
			ParentHash: prev.Hash,
			Time:       c.genesis.Time.Add(time.Duration(n-c.genesis.Number) * c.interval),
		}
		if n >= firstKept {
			c.blocks = append(c.blocks, b)
			c.byHash[b.Hash] = n
		}
		prev = b
	}
	if extra := len(c.blocks) - c.history; extra > 0 {
		for _, b := range c.blocks[:extra] {
			delete(c.byHash, b.Hash)
		}
		// Reslicing is enough: the next growing append copies only the
		// live blocks into a new array.
		c.blocks = c.blocks[extra:]
	}
}

// Latest returns the head block.
func (c *Chain) Latest() Block {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.advance()
	return c.blocks[len(c.blocks)-1]
}

// BlockByNumber returns a remembered block.
func (c *Chain) BlockByNumber(n uint64) (Block, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.advance()
	first := c.blocks[0].Number
	head := c.blocks[len(c.blocks)-1].Number
	if n < first || n > head {
		return Block{}, false
	}
	return c.blocks[n-first], true
}

// BlockByHash returns a remembered block.
func (c *Chain) BlockByHash(h common.Hash) (Block, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.advance()
	n, ok := c.byHash[h]
	if !ok {
		return Block{}, false
	}
	return c.blocks[n-c.blocks[0].Number], true
}

// RecentBlockhash reports whether hash ("0x" + 64 hex digits, any case) is
// a block of this chain that is still remembered and at most BlockhashMaxAge
// old: the check nodes apply to SIWE nonces.
func (c *Chain) RecentBlockhash(hash string) bool {
	if len(hash) != 66 || !strings.HasPrefix(hash, "0x") {
		return false
	}
	raw, err := hex.DecodeString(hash[2:])
	if err != nil {
		return false
	}
	b, ok := c.BlockByHash(common.BytesToHash(raw))
	return ok && c.now().Sub(b.Time) <= BlockhashMaxAge
}
