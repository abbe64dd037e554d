package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/litgo/litsession/internal/redistest"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// fleet is three worker processes on one Redis.
type fleet struct {
	t                *testing.T
	bin, rpc, store  string
	keyArgs          []string
	mu               sync.Mutex
	workers          []*workerProc
	logs             strings.Builder // stderr of stopped or killed workers
	httpc            *http.Client
	pkpKey           string
	deadIdx          atomic.Int32 // index+1 of a killed worker, 0: none
	transportToDead  atomic.Int64
	transportToAlive atomic.Int64
}

func (f *fleet) start(i int) {
	w := startWorker(f.t, f.bin, f.rpc, f.store, f.keyArgs...)
	f.mu.Lock()
	defer f.mu.Unlock()
	for len(f.workers) <= i {
		f.workers = append(f.workers, nil)
	}
	f.workers[i] = w
}

func (f *fleet) url(i int) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.workers[i].url
}

// sign posts /sign to worker i and returns the status, the error code and
// the raw body; it fails the test on a 200 whose signature does not
// recover to the PKP over this digest.
func (f *fleet) sign(i int, id, digest string) (int, string, error) {
	req, _ := http.NewRequest("POST", f.url(i)+"/sign", strings.NewReader(signBody(id, digest)))
	req.Header.Set("Content-Type", "application/json")
	resp, err := f.httpc.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == 200 {
		checkRecovers(f.t, string(raw), f.pkpKey, digest)
		return 200, "", nil
	}
	var e errorBody
	json.Unmarshal(raw, &e)
	return resp.StatusCode, e.Error, nil
}

func (f *fleet) get(i int, path string) (int, map[string]any) {
	resp, err := f.httpc.Get(f.url(i) + path)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

// TestServeFleet runs a devnet, a real redis-server and three worker
// processes sharing it.
func TestServeFleet(t *testing.T) {
	if testing.Short() {
		t.Skip("the fleet test runs 30 s of load")
	}
	rds := redistest.Start(t)
	bin := buildBinary(t)
	d := startPKPDevnet(t, bin)
	keyFile := filepath.Join(t.TempDir(), "store.keys")
	k1, errs, code := runBin(t, bin, "", "store-keygen", "--id", "k1")
	if code != 0 {
		t.Fatalf("store-keygen: %s", errs)
	}
	if err := os.WriteFile(keyFile, []byte(k1), 0o600); err != nil {
		t.Fatal(err)
	}
	f := &fleet{t: t, bin: bin, rpc: d.RPCURL, store: rds.URL(), keyArgs: []string{"--key-file", keyFile},
		httpc: &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}, pkpKey: d.pkpKey()}
	for i := range 3 {
		f.start(i)
	}
	env, errs, code := runBin(t, bin, "", delegateArgs(d, time.Now().Add(time.Hour))...)
	if code != 0 {
		t.Fatalf("delegate: %s", errs)
	}

	// Posted to worker 1, it signs on workers 2 and 3.
	post := func(i int) string {
		status, body, _ := call(t, "POST", f.url(i)+"/envelopes", "application/json", env)
		if status != 201 {
			t.Fatalf("POST /envelopes on worker %d: %d %v", i+1, status, body)
		}
		return body["id"].(string)
	}
	revoked := post(0)
	for _, i := range []int{1, 2} {
		if status, code, err := f.sign(i, revoked, "0x"+strings.Repeat("a1", 32)); status != 200 {
			t.Fatalf("sign on worker %d with an envelope posted to worker 1: %d %s %v", i+1, status, code, err)
		}
	}
	// The record in Redis is sealed: no secret in clear.
	raw := redisGet(t, rds.Addr(), "litsession:env:"+revoked)
	if !strings.HasPrefix(raw, "lsenc1.k1.") {
		t.Fatalf("the Redis record %.30q… is not sealed with k1", raw)
	}
	for _, s := range secrets(t, env) {
		if strings.Contains(raw, s) {
			t.Fatal("the Redis record holds the session secret or payload in clear")
		}
	}

	// DELETE on worker 3: the very next request on workers 1 and 2 is
	// refused (every request reads Redis, so there is no window).
	status, body, _ := call(t, "DELETE", f.url(2)+"/envelopes/"+revoked, "", "")
	if status != 204 {
		t.Fatalf("DELETE on worker 3: %d %v", status, body)
	}
	deleted := time.Now()
	for _, i := range []int{0, 1} {
		if status, code, _ := f.sign(i, revoked, "0x"+strings.Repeat("a2", 32)); status != 404 || code != "not_found" {
			t.Fatalf("sign on worker %d after DELETE on worker 3: %d %s", i+1, status, code)
		}
		if status, _ := f.get(i, "/envelopes/"+revoked); status != 404 {
			t.Fatalf("GET on worker %d after DELETE on worker 3: %d", i+1, status)
		}
	}
	t.Logf("workers 1 and 2 refused the deleted envelope %s after the DELETE answered", time.Since(deleted).Round(time.Microsecond))

	// Load: 30 s, 64 in flight, round-robin over the live workers, with a
	// SIGKILL of worker 2 at 5 s (restarted at 10 s) and a Redis restart at
	// 15 s.
	id := post(1)
	const inFlight = 64
	loadFor := 30 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), loadFor)
	defer cancel()
	var ok, unavailable, other atomic.Int64
	var otherMu sync.Mutex
	var others []string
	var next atomic.Int64
	var wg sync.WaitGroup
	for g := range inFlight {
		wg.Go(func() {
			for n := 0; ctx.Err() == nil; n++ {
				i := int(next.Add(1) % 3)
				if int(f.deadIdx.Load()) == i+1 {
					i = (i + 1) % 3
				}
				digest := fmt.Sprintf("0x%056x%08x", g+1, n)
				status, code, err := f.sign(i, id, digest)
				switch {
				case err != nil && int(f.deadIdx.Load()) == i+1:
					f.transportToDead.Add(1)
				case err != nil:
					f.transportToAlive.Add(1)
					otherMu.Lock()
					others = append(others, fmt.Sprintf("worker %d: %v", i+1, err))
					otherMu.Unlock()
				case status == 200:
					ok.Add(1)
				case status == 503 && code == "store_unavailable":
					unavailable.Add(1)
				default:
					other.Add(1)
					otherMu.Lock()
					others = append(others, fmt.Sprintf("worker %d: %d %s", i+1, status, code))
					otherMu.Unlock()
				}
			}
		})
	}
	time.Sleep(5 * time.Second)
	f.deadIdx.Store(2)
	f.mu.Lock()
	killed := f.workers[1]
	f.mu.Unlock()
	killed.cmd.Process.Kill()
	killed.cmd.Wait()
	f.logs.WriteString(killed.stderr.String())
	time.Sleep(5 * time.Second)
	f.start(1)
	f.deadIdx.Store(0)

	time.Sleep(5 * time.Second)
	readiness := make(chan []string, 1)
	go func() { readiness <- watchReady(f, 0, 12*time.Second) }()
	time.Sleep(300 * time.Millisecond)
	rds.Restart(2 * time.Second)
	seen := <-readiness
	wg.Wait()

	t.Logf("load: %d signed, %d store_unavailable while Redis restarted, %d transport errors on the killed worker, readiness %v",
		ok.Load(), unavailable.Load(), f.transportToDead.Load(), compact(seen))
	if n := f.transportToDead.Load(); n > inFlight {
		t.Errorf("%d requests failed on the killed worker; only the %d in flight may", n, inFlight)
	}
	if f.transportToAlive.Load() > 0 || other.Load() > 0 {
		t.Errorf("%d transport errors on live workers and %d unexpected answers, e.g. %v", f.transportToAlive.Load(), other.Load(), others[:min(len(others), 5)])
	}
	if ok.Load() < 100 {
		t.Errorf("only %d signatures in 30 s", ok.Load())
	}
	if !hasTransition(seen) {
		t.Errorf("/readyz during the Redis restart went %v; want ready, then not ready (naming the store), then ready", compact(seen))
	}
	// No envelope lost: it signs on every worker after the Redis restart.
	for i := range 3 {
		if status, code, err := f.sign(i, id, "0x"+strings.Repeat("b3", 32)); status != 200 {
			t.Fatalf("sign on worker %d after the Redis restart: %d %s %v", i+1, status, code, err)
		}
		checkMetrics(t, f.url(i))
	}

	// Restart all three: the envelope survives and the deleted one stays
	// deleted.
	for i := range 3 {
		f.mu.Lock()
		w := f.workers[i]
		f.mu.Unlock()
		w.stop(t)
		f.logs.WriteString(w.stderr.String())
	}
	for i := range 3 {
		f.start(i)
		if f.workers[i].ready["envelopes"] != 1.0 {
			t.Errorf("worker %d after the restart: %v", i+1, f.workers[i].ready)
		}
	}
	for i := range 3 {
		if status, code, err := f.sign(i, id, "0x"+strings.Repeat("c4", 32)); status != 200 {
			t.Fatalf("sign on restarted worker %d: %d %s %v", i+1, status, code, err)
		}
		if status, code, _ := f.sign(i, revoked, "0x"+strings.Repeat("c5", 32)); status != 404 {
			t.Fatalf("the deleted envelope on restarted worker %d: %d %s", i+1, status, code)
		}
	}
	for i := range 3 {
		f.workers[i].stop(t)
		f.logs.WriteString(f.workers[i].stderr.String())
	}
	logs := f.logs.String()
	checkJSONLog(t, logs)
	for _, s := range secrets(t, env) {
		if strings.Contains(logs, s) {
			t.Fatal("a worker's log contains a session secret or payload")
		}
	}
	if strings.Contains(logs, id) || strings.Contains(logs, revoked) {
		t.Fatal("a worker's log contains an envelope id")
	}
}

// watchReady polls worker i's /readyz for d and returns the distinct
// states seen in order: "ready", or "not ready: <reasons>".
func watchReady(f *fleet, i int, d time.Duration) []string {
	var seen []string
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		status, body := f.get(i, "/readyz")
		state := "ready"
		if status != 200 {
			state = fmt.Sprintf("not ready (%d): %v", status, body["reasons"])
		}
		if len(seen) == 0 || seen[len(seen)-1] != state {
			seen = append(seen, state)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return seen
}

// hasTransition: ready, then a not-ready state naming the store, then ready.
func hasTransition(seen []string) bool {
	step := 0
	for _, s := range seen {
		switch {
		case step == 0 && s == "ready":
			step = 1
		case step == 1 && strings.Contains(s, "envelope store"):
			step = 2
		case step == 2 && s == "ready":
			return true
		}
	}
	return false
}

func compact(seen []string) []string {
	out := make([]string, len(seen))
	for i, s := range seen {
		out[i] = oneLine(s, 120)
	}
	return out
}

// checkMetrics parses /metrics with the Prometheus text parser and
// requires the worker's metrics.
func checkMetrics(t *testing.T, url string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	sums := map[string]float64{}
	for _, name := range []string{"litsession_http_requests_total", "litsession_sign_duration_seconds", "litsession_envelopes_stored",
		"litsession_store_errors_total", "litsession_session_rotations_total", "litsession_ready"} {
		fam, ok := fams[name]
		if !ok && name != "litsession_store_errors_total" {
			t.Errorf("/metrics lacks %s", name)
			continue
		}
		for _, m := range fam.GetMetric() {
			switch {
			case m.Counter != nil:
				sums[name] += m.Counter.GetValue()
			case m.Gauge != nil:
				sums[name] += m.Gauge.GetValue()
			case m.Histogram != nil:
				sums[name] += float64(m.Histogram.GetSampleCount())
			}
		}
	}
	return sums
}

// redisGet reads one key with the Redis protocol, as an operator's
// redis-cli would.
func redisGet(t *testing.T, addr, key string) string {
	t.Helper()
	out, err := runRedisCLI(addr, "GET", key)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
