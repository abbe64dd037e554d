package devnet

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/litgo/litsession/internal/testutil"
)

// TestHealthzAndJSONLog: /healthz answers on the RPC server and every node,
// and with LogJSON every log line is a JSON object.
func TestHealthzAndJSONLog(t *testing.T) {
	var log testutil.SyncBuffer
	net, err := Start(context.Background(), Config{Logger: &log, LogJSON: true})
	if err != nil {
		t.Fatal(err)
	}
	urls := append([]string{net.RPCURL}, net.NodeURLs...)
	for _, u := range urls {
		resp, err := http.Get(u + HealthzPath)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || strings.TrimSpace(string(b)) != `{"status":"alive"}` {
			t.Fatalf("%s%s: %d %s", u, HealthzPath, resp.StatusCode, b)
		}
	}
	http.Get(net.RPCURL + "/nowhere")
	net.Close()
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	if len(lines) < len(urls)+1 {
		t.Fatalf("%d log lines:\n%s", len(lines), log.String())
	}
	healthz := 0
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil || m["time"] == nil || m["level"] == nil || m["msg"] == nil {
			t.Fatalf("log line is not a JSON object with time, level and msg: %q", l)
		}
		if m["path"] == HealthzPath && m["status"] == 200.0 && m["method"] == "GET" {
			healthz++
		}
	}
	if healthz != len(urls) {
		t.Fatalf("%d healthz access lines, want %d:\n%s", healthz, len(urls), log.String())
	}
}
