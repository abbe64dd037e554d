package main

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/internal/envstore"
)

// testWorker is an in-process worker on a fresh file store with a fresh
// key, logging JSON lines to log.
func testWorker(t *testing.T, log io.Writer, cl *node.Client, timeout time.Duration) *worker {
	t.Helper()
	store, err := envstore.NewFile(filepath.Join(t.TempDir(), "s"))
	if err != nil {
		t.Fatal(err)
	}
	line, err := envstore.NewKeyLine("test")
	if err != nil {
		t.Fatal(err)
	}
	keys, err := envstore.ParseKeyring(line)
	if err != nil {
		t.Fatal(err)
	}
	return newWorker(slog.New(slog.NewJSONHandler(log, nil)), store, keys, cl, timeout)
}

// accessLine is how a JSON access-log line names a request.
func accessLine(method, route string, status int) string {
	return `"method":"` + method + `","route":"` + route + `","status":` + strconv.Itoa(status)
}

// checkJSONLog requires every line to be a JSON object with time, level
// and msg, and every access line to carry a request id.
func checkJSONLog(t *testing.T, logs string) {
	t.Helper()
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		if m["time"] == nil || m["level"] == nil || m["msg"] == nil {
			t.Fatalf("log line lacks time, level or msg: %q", line)
		}
		if m["msg"] == "request" {
			if rid, _ := m["request_id"].(string); rid == "" {
				t.Fatalf("access line without a request id: %q", line)
			}
		}
	}
}

// newBenchClient keeps enough idle connections for 64 callers.
func newBenchClient() *http.Client {
	return &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
}
