package node

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/litgo/litsession/core/errcode"
	"github.com/litgo/litsession/core/jsjson"
)

// ConfigError is a Config that New refuses. Field is the Config field at
// fault ("" when the problem is the combination); Msg says what is wrong
// with it and what to set instead, without naming the field, so that a
// caller can name it in its own terms (a flag, a JS option).
type ConfigError struct {
	Field string
	Msg   string
}

func (e *ConfigError) Error() string {
	if e.Field == "" {
		return "node: " + e.Msg
	}
	return "node: Config." + e.Field + " " + e.Msg
}

func (e *ConfigError) ErrorCode() errcode.Code { return errcode.InvalidParams }

// NodeError is a non-2xx answer from a Lit node. Lit nodes send a JSON body
//
//	{"errorKind":"Validation","errorCode":"NodeInvalidAuthSig","status":400,
//	 "message":"…","correlationId":"lit_…","details":["…"]}
//
// whose fields end up here (sanitized: control characters removed, long
// strings truncated). When the body is not such an object only URL and
// HTTPStatus are set, plus a Message describing the body.
type NodeError struct {
	URL           string // the node's base URL
	HTTPStatus    int    // the HTTP status code of the response
	Kind          string // errorKind
	Code          string // errorCode
	Status        int    // status from the body (usually equal to HTTPStatus)
	Message       string // message
	CorrelationID string // correlationId; quote it when reporting node bugs
}

func (e *NodeError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "lit node %s answered HTTP %d", e.URL, e.HTTPStatus)
	if e.Code != "" || e.Kind != "" {
		fmt.Fprintf(&b, " %s", e.Code)
		if e.Kind != "" {
			fmt.Fprintf(&b, " (%s)", e.Kind)
		}
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.CorrelationID != "" {
		fmt.Fprintf(&b, " [correlation id %s]", e.CorrelationID)
	}
	return b.String()
}

// parseNodeError builds a NodeError from a non-2xx response.
func parseNodeError(url string, resp Response) *NodeError {
	e := &NodeError{URL: url, HTTPStatus: resp.Status}
	// The body is a JSON object, or null (no fields).
	body, err := jsjson.Parse(resp.Body)
	if _, isObj := body.Members(); err != nil || !isObj && !body.IsNull() {
		if len(resp.Body) == 0 {
			e.Message = "empty body"
		} else {
			e.Message = "body is not a Lit JSON error: " + sanitize(string(resp.Body), 120)
		}
		return e
	}
	str := func(key string) string {
		v := body.Get(key)
		if s, ok := v.Str(); ok {
			return sanitize(s, 300)
		}
		if f, err := v.Float64(); err == nil {
			return sanitize(fmt.Sprint(f), 40)
		}
		return ""
	}
	e.Kind, e.Code = str("errorKind"), str("errorCode")
	e.Message, e.CorrelationID = str("message"), str("correlationId")
	if f, err := body.Get("status").Float64(); err == nil && f >= 0 && f < 1000 && f == float64(int(f)) {
		e.Status = int(f)
	}
	return e
}

// NotEnoughNodesError means some nodes answered, but fewer than the
// network's threshold (minNodeCount) did.
type NotEnoughNodesError struct {
	Operation string           // what was attempted, e.g. "handshake"
	Needed    int              // minNodeCount
	Got       int              // nodes that answered successfully
	Total     int              // nodes asked
	Failed    map[string]error // node URL → why it did not count
}

func (e *NodeError) ErrorCode() errcode.Code { return errcode.NodeError }

func (e *NotEnoughNodesError) ErrorCode() errcode.Code { return errcode.NotEnoughNodes }

func (e *NotEnoughNodesError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: only %d of %d Lit nodes answered, need at least %d:", e.Operation, e.Got, e.Total, e.Needed)
	writeFailures(&b, e.Failed)
	b.WriteString("\nCheck that these nodes are running and reachable from here and retry; the network needs minNodeCount nodes for every request.")
	return b.String()
}

// NodesUnreachableError means no node answered at all: typically the
// network is down, the URLs are wrong, or (in a browser) CORS blocks the
// requests.
type NodesUnreachableError struct {
	Operation string           // what was attempted, e.g. "handshake"
	Needed    int              // minNodeCount
	Failed    map[string]error // node URL → why it did not answer
}

func (e *NodesUnreachableError) ErrorCode() errcode.Code { return errcode.NodesUnreachable }

func (e *NodesUnreachableError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: none of the %d Lit nodes answered:", e.Operation, len(e.Failed))
	writeFailures(&b, e.Failed)
	b.WriteString("\nCheck the network configuration (rpc URL, staking address, bootstrap URLs), that the nodes are up, and that nothing (firewall, proxy, CORS) blocks them.")
	return b.String()
}

// FailedNodes returns why each node did not count.
func (e *NotEnoughNodesError) FailedNodes() map[string]string { return reasons(e.Failed) }

// FailedNodes returns why each node did not answer.
func (e *NodesUnreachableError) FailedNodes() map[string]string { return reasons(e.Failed) }

func reasons(failed map[string]error) map[string]string {
	out := make(map[string]string, len(failed))
	for u, err := range failed {
		out[u] = err.Error()
	}
	return out
}

func writeFailures(b *strings.Builder, failed map[string]error) {
	urls := make([]string, 0, len(failed))
	for u := range failed {
		urls = append(urls, u)
	}
	sort.Sort(sort.StringSlice(urls))
	for _, u := range urls {
		fmt.Fprintf(b, "\n\t%s: %v", u, failed[u])
	}
}

// RPCError is a JSON-RPC error object returned by the chain endpoint.
type RPCError struct {
	URL     string // the JSON-RPC endpoint
	Method  string // the JSON-RPC method, e.g. "eth_call"
	Code    int
	Message string
}

func (e *RPCError) ErrorCode() errcode.Code { return errcode.RPCError }

func (e *RPCError) Error() string {
	return fmt.Sprintf("chain RPC %s: %s failed with error %d: %s", e.URL, e.Method, e.Code, e.Message)
}

// sanitize makes a string from the network safe to put in an error message:
// it drops invalid UTF-8 and control characters and truncates to max runes.
func sanitize(s string, max int) string {
	var b strings.Builder
	n := 0
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size <= 1 {
				continue
			}
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Bidi_Control, r) {
			if r == '\n' || r == '\t' {
				r = ' '
			} else {
				continue
			}
		}
		if n == max {
			b.WriteString("…")
			break
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// errorf is fmt.Errorf kept out of line: in wasm every inlined copy of
// fmt.Errorf repeats its errors.New fallback and the call's resume points.
//
//go:noinline
func errorf(format string, a ...any) error { return fmt.Errorf(format, a...) }
