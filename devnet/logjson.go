package devnet

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"
)

// HealthzPath answers GET with 200 {"status":"alive"} on the RPC server and
// on every node, for orchestrators and tests waiting for the devnet.
const HealthzPath = "/healthz"

func serveHealthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	io.WriteString(w, `{"status":"alive"}`+"\n")
}

// jsonLine renders one JSON log line.
func jsonLine(level, msg string, attrs map[string]any) string {
	m := map[string]any{"time": time.Now().UTC().Format(time.RFC3339Nano), "level": level, "msg": msg, "component": "devnet"}
	for k, v := range attrs {
		m[k] = v
	}
	b, _ := json.Marshal(m)
	return string(b) + "\n"
}

// access writes one access-log line: text or JSON.
func (s *syncWriter) access(server, method, path string, status int, d time.Duration) {
	if s == nil || s.w == nil {
		return
	}
	if !s.json {
		s.printf("devnet %s %s %s %d %s\n", server, method, path, status, d.Round(time.Microsecond))
		return
	}
	line := jsonLine("INFO", "request", map[string]any{"server": server, "method": method, "path": path,
		"status": status, "duration_ms": float64(d.Microseconds()) / 1000})
	s.mu.Lock()
	defer s.mu.Unlock()
	io.WriteString(s.w, line)
}

// lineWriter adapts the log for net/http's error log.
func (s *syncWriter) lineWriter(server string) io.Writer {
	return lineFunc(func(p []byte) { s.printf("devnet %s: %s\n", server, strings.TrimSpace(string(p))) })
}

type lineFunc func([]byte)

func (f lineFunc) Write(p []byte) (int, error) { f(p); return len(p), nil }
