package devnet

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/litgo/litsession/core/node"
)

// The staking epoch served by eth_call always looks like it started
// epochAge ago (more than the clients' 45 s propagation delay, so they send
// the epoch number itself) and lasts epochLength.
const (
	epochLength = 3600
	epochAge    = 120
)

// Batch limits of the JSON-RPC server: one request may not make the devnet
// compute or hold more than this.
const (
	MaxBatchCalls       = 100
	MaxBatchAnswerBytes = 4 << 20
)

// maxBatchAnswerBytes is MaxBatchAnswerBytes; tests lower it.
var maxBatchAnswerBytes = MaxBatchAnswerBytes

// JSON-RPC 2.0 error codes.
const (
	rpcParseError     = -32700
	rpcInvalidRequest = -32600
	rpcMethodNotFound = -32601
	rpcInvalidParams  = -32602
	rpcExecution      = -32000
)

type rpcRequest struct {
	ID     json.RawMessage   `json:"id"`
	Method string            `json:"method"`
	Params []json.RawMessage `json:"params"`
}

type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// rpcResponse is one JSON-RPC answer: {"jsonrpc":"2.0","id":…} plus either
// "error" or "result" (which may be null).
type rpcResponse struct {
	ID     json.RawMessage
	Result any
	Error  *rpcError
}

// MarshalJSON writes exactly one of result and error.
func (r rpcResponse) MarshalJSON() ([]byte, error) {
	id := r.ID
	if len(id) == 0 {
		id = json.RawMessage("null")
	}
	if r.Error != nil {
		return json.Marshal(struct {
			JSONRPC string          `json:"jsonrpc"`
			ID      json.RawMessage `json:"id"`
			Error   *rpcError       `json:"error"`
		}{"2.0", id, r.Error})
	}
	return json.Marshal(struct {
		JSONRPC string          `json:"jsonrpc"`
		ID      json.RawMessage `json:"id"`
		Result  any             `json:"result"`
	}{"2.0", id, r.Result})
}

// serveRPC answers JSON-RPC 2.0 on POST /, single calls or batches. Errors
// use JSON-RPC error objects, which is what Ethereum clients (ethers)
// understand: HTTP 400 with -32700 for malformed JSON, 413 for bodies over
// MaxBodyBytes, HTTP 200 with an error object for bad calls.
func (n *Network) serveRPC(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		WriteJSON(w, http.StatusRequestEntityTooLarge, rpcResponse{Error: &rpcError{rpcInvalidRequest, fmt.Sprintf("request body is larger than %d bytes", tooBig.Limit)}})
		return
	}
	body = bytes.TrimSpace(body)
	if err != nil || !json.Valid(body) {
		WriteJSON(w, http.StatusBadRequest, rpcResponse{Error: &rpcError{rpcParseError, "parse error: the body is not valid JSON"}})
		return
	}
	if body[0] == '[' {
		var batch []json.RawMessage
		if json.Unmarshal(body, &batch) != nil || len(batch) == 0 {
			WriteJSON(w, http.StatusOK, rpcResponse{Error: &rpcError{rpcInvalidRequest, "invalid request: empty or malformed batch"}})
			return
		}
		if len(batch) > MaxBatchCalls {
			WriteJSON(w, http.StatusOK, rpcResponse{Error: &rpcError{rpcInvalidRequest, fmt.Sprintf("invalid request: a batch of %d calls; send at most %d per batch", len(batch), MaxBatchCalls)}})
			return
		}
		out := make([]json.RawMessage, len(batch))
		size := 0
		for i, raw := range batch {
			b, err := json.Marshal(n.rpcCall(raw))
			if err != nil {
				WriteError(w, r, http.StatusInternalServerError, KindUnexpected, "NodeUnknownError", "encoding a JSON-RPC answer: "+err.Error())
				return
			}
			if size += len(b) + 1; size > maxBatchAnswerBytes {
				WriteJSON(w, http.StatusOK, rpcResponse{Error: &rpcError{rpcInvalidRequest, fmt.Sprintf("invalid request: the batch's answers exceed %d bytes; send fewer calls per batch", maxBatchAnswerBytes)}})
				return
			}
			out[i] = b
		}
		WriteJSON(w, http.StatusOK, out)
		return
	}
	WriteJSON(w, http.StatusOK, n.rpcCall(body))
}

func (n *Network) rpcCall(raw json.RawMessage) rpcResponse {
	var req rpcRequest
	if err := json.Unmarshal(raw, &req); err != nil || req.Method == "" {
		return rpcResponse{ID: req.ID, Error: &rpcError{rpcInvalidRequest, `invalid request: want {"jsonrpc":"2.0","id":…,"method":"…","params":[…]}`}}
	}
	result, rerr := n.rpcMethod(req)
	if rerr != nil {
		return rpcResponse{ID: req.ID, Error: rerr}
	}
	return rpcResponse{ID: req.ID, Result: result}
}

func invalidParams(format string, args ...any) *rpcError {
	return &rpcError{rpcInvalidParams, "invalid params: " + fmt.Sprintf(format, args...)}
}

func (n *Network) rpcMethod(req rpcRequest) (any, *rpcError) {
	switch req.Method {
	case "eth_chainId":
		return hexutil.Uint64(n.ChainID), nil
	case "net_version":
		return strconv.FormatUint(n.ChainID, 10), nil
	case "web3_clientVersion":
		return "litsession-devnet/1", nil
	case "eth_blockNumber":
		return hexutil.Uint64(n.Chain.Latest().Number), nil
	case "eth_getLogs":
		return []any{}, nil
	case "eth_gasPrice", "eth_maxPriorityFeePerGas":
		return "0x0", nil
	case "eth_call":
		return n.ethCall(req.Params)
	case "eth_getBlockByNumber":
		if len(req.Params) < 1 {
			return nil, invalidParams("want [blockNumber, fullTransactions]")
		}
		var tag string
		if json.Unmarshal(req.Params[0], &tag) != nil {
			return nil, invalidParams("block number must be a string")
		}
		var b Block
		var ok bool
		switch tag {
		case "latest", "pending", "safe", "finalized":
			b, ok = n.Chain.Latest(), true
		case "earliest":
			b, ok = n.Chain.BlockByNumber(genesisNumber)
		default:
			num, err := hexutil.DecodeUint64(tag)
			if err != nil {
				return nil, invalidParams("block number %q is not a tag or 0x hex quantity", tag)
			}
			b, ok = n.Chain.BlockByNumber(num)
		}
		if !ok {
			return nil, nil
		}
		return blockJSON(b), nil
	case "eth_getBlockByHash":
		if len(req.Params) < 1 {
			return nil, invalidParams("want [blockHash, fullTransactions]")
		}
		var h common.Hash
		if json.Unmarshal(req.Params[0], &h) != nil {
			return nil, invalidParams("block hash must be 0x followed by 64 hex digits")
		}
		b, ok := n.Chain.BlockByHash(h)
		if !ok {
			return nil, nil
		}
		return blockJSON(b), nil
	}
	return nil, &rpcError{rpcMethodNotFound, fmt.Sprintf("the method %s does not exist/is not available on the litsession devnet", sanitizeMethod(req.Method))}
}

func sanitizeMethod(m string) string {
	if len(m) > 64 {
		m = m[:64]
	}
	return strings.Map(func(r rune) rune {
		if r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '?'
	}, m)
}

// ethCall answers getActiveUnkickedValidatorStructsAndCounts() at any
// address on a datil network, and the naga contract calls (nagaEthCall) on
// a naga network; every other call reverts.
func (n *Network) ethCall(params []json.RawMessage) (any, *rpcError) {
	if len(params) < 1 {
		return nil, invalidParams("want [{to, data}, block]")
	}
	var call struct {
		To    string `json:"to"`
		Data  string `json:"data"`
		Input string `json:"input"`
	}
	if json.Unmarshal(params[0], &call) != nil {
		return nil, invalidParams("the call must be an object with string fields to and data")
	}
	data := call.Data
	if data == "" {
		data = call.Input
	}
	raw, err := hexutil.Decode(data)
	if err != nil {
		return nil, invalidParams("call data must be 0x-prefixed hex")
	}
	if n.generation == NetworkNaga {
		out, rerr := n.nagaEthCall(call.To, raw)
		if rerr != nil {
			return nil, rerr
		}
		return hexutil.Bytes(out), nil
	}
	if len(raw) < 4 || !bytes.Equal(raw[:4], node.ValidatorsSelector[:]) {
		return nil, &rpcError{rpcExecution, "execution reverted: the devnet staking contract only implements getActiveUnkickedValidatorStructsAndCounts() (0xc51d020e)"}
	}
	out, err := node.EncodeValidatorSet(n.validatorSet(n.Chain.now()))
	if err != nil {
		return nil, &rpcError{rpcExecution, "execution reverted: " + err.Error()}
	}
	return hexutil.Bytes(out), nil
}

// validatorSet is what the staking contract reports at time now.
func (n *Network) validatorSet(now time.Time) node.ValidatorSet {
	start := uint64(max(now.Unix()-epochAge, 0))
	set := node.ValidatorSet{
		Epoch: node.Epoch{
			Length:  epochLength,
			Number:  n.epoch,
			EndTime: start + epochLength,
			Timeout: 60,
		},
		MinNodeCount: uint64(n.Threshold),
	}
	for _, nd := range n.Validators() {
		set.Validators = append(set.Validators, node.Validator{IP: nd.ip, Port: nd.port, NodeAddress: nd.Address})
	}
	return set
}

// blockJSON renders a block the way Ethereum clients expect, with every
// field ethers v5 checks.
func blockJSON(b Block) map[string]any {
	zero32 := "0x" + strings.Repeat("0", 64)
	return map[string]any{
		"number":           hexutil.Uint64(b.Number),
		"hash":             b.Hash,
		"parentHash":       b.ParentHash,
		"timestamp":        hexutil.Uint64(b.Time.Unix()),
		"nonce":            "0x0000000000000000",
		"difficulty":       "0x0",
		"totalDifficulty":  "0x0",
		"gasLimit":         "0x1c9c380",
		"gasUsed":          "0x0",
		"baseFeePerGas":    "0x0",
		"miner":            common.Address{},
		"extraData":        "0x",
		"mixHash":          zero32,
		"sha3Uncles":       "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347",
		"logsBloom":        "0x" + strings.Repeat("0", 512),
		"transactionsRoot": "0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421",
		"receiptsRoot":     "0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421",
		"stateRoot":        zero32,
		"size":             "0x200",
		"transactions":     []any{},
		"uncles":           []any{},
	}
}

// serveLatestBlock answers GET /get_most_recent_valid_block like Lit's block
// indexer: {"blockhash":"0x…","timestamp":"<unix seconds>","blockNumber":N}.
func (n *Network) serveLatestBlock(w http.ResponseWriter, r *http.Request) {
	b := n.Chain.Latest()
	WriteJSON(w, http.StatusOK, map[string]any{
		"blockhash":   b.Hash.Hex(),
		"timestamp":   strconv.FormatInt(b.Time.Unix(), 10),
		"blockNumber": b.Number,
	})
}
