package devnet

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func rpcBatch(n int, method string) []byte {
	calls := make([]string, n)
	for i := range calls {
		calls[i] = fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":%q,"params":[]}`, i, method)
	}
	return []byte("[" + strings.Join(calls, ",") + "]")
}

func TestRPCBatchLimits(t *testing.T) {
	n := start(t, Config{})
	c := httpClient(t)
	post := func(body []byte) (int, json.RawMessage) {
		a := do(t, c, http.MethodPost, n.RPCURL, map[string]string{"Content-Type": "application/json"}, body)
		return a.status, a.body
	}

	status, body := post(rpcBatch(MaxBatchCalls, "eth_chainId"))
	var answers []map[string]any
	if status != 200 || json.Unmarshal(body, &answers) != nil || len(answers) != MaxBatchCalls {
		t.Fatalf("a batch of %d: %d %.200s", MaxBatchCalls, status, body)
	}

	status, body = post(rpcBatch(MaxBatchCalls+1, "eth_chainId"))
	var one map[string]any
	if status != 200 || json.Unmarshal(body, &one) != nil || !strings.Contains(fmt.Sprint(one["error"]), "at most 100 per batch") {
		t.Fatalf("a batch of %d: %d %.300s", MaxBatchCalls+1, status, body)
	}

	old := maxBatchAnswerBytes
	maxBatchAnswerBytes = 2000
	t.Cleanup(func() { maxBatchAnswerBytes = old })
	status, body = post(rpcBatch(MaxBatchCalls, "eth_chainId"))
	if status != 200 || json.Unmarshal(body, &one) != nil || !strings.Contains(fmt.Sprint(one["error"]), "exceed 2000 bytes") || len(body) > 1000 {
		t.Fatalf("a batch whose answers exceed the cap: %d %.300s", status, body)
	}
}

// A client that sends its body slowly is cut off after ReadTimeout.
func TestSlowBodyIsCutOff(t *testing.T) {
	n := start(t, Config{ReadTimeout: 300 * time.Millisecond})
	for _, url := range []string{n.RPCURL, n.NodeURLs[0]} {
		conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		start := time.Now()
		_, err = bufio.NewReader(conn).ReadString('\n')
		// The server answers (an error for the truncated body) or closes the
		// connection; either way well before the client's 5 s deadline.
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("%s: the connection was still open after %v", url, time.Since(start))
		}
	}
}
