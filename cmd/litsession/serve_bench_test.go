package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/litgo/litsession/internal/redistest"
)

// TestFleetThroughput measures signs/s and latency for one worker on the
// file store, one on Redis and three on Redis, all against one devnet. It
// runs only with LITSESSION_FLEET_BENCH=1 (BENCHMARKS.md has the command
// and the numbers).
func TestFleetThroughput(t *testing.T) {
	if os.Getenv("LITSESSION_FLEET_BENCH") == "" {
		t.Skip("set LITSESSION_FLEET_BENCH=1 to measure")
	}
	bin := buildBinary(t)
	d := startPKPDevnet(t, bin)
	rds := redistest.Start(t)
	keyFile := filepath.Join(t.TempDir(), "keys")
	writeKeys(t, bin, keyFile, "k1")
	env, errs, code := runBin(t, bin, "", delegateArgs(d, time.Now().Add(time.Hour))...)
	if code != 0 {
		t.Fatalf("delegate: %s", errs)
	}
	const inFlight = 64
	dur := 10 * time.Second
	for _, c := range []struct {
		name    string
		store   string
		workers int
	}{
		{"file store, 1 worker", filepath.Join(t.TempDir(), "s"), 1},
		{"Redis, 1 worker", rds.URL(), 1},
		{"Redis, 3 workers", rds.URL(), 3},
	} {
		f := &fleet{t: t, bin: bin, rpc: d.RPCURL, store: c.store, keyArgs: []string{"--key-file", keyFile},
			httpc: newBenchClient(), pkpKey: d.pkpKey()}
		for i := range c.workers {
			f.start(i)
		}
		status, body, _ := call(t, "POST", f.url(0)+"/envelopes", "application/json", env)
		if status != 201 {
			t.Fatalf("POST: %d %v", status, body)
		}
		id := body["id"].(string)
		var ru0 syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
		ctx, cancel := context.WithTimeout(context.Background(), dur)
		var mu sync.Mutex
		var lat []time.Duration
		var fails, next atomic.Int64
		var wg sync.WaitGroup
		for g := range inFlight {
			wg.Go(func() {
				var mine []time.Duration
				for n := 0; ctx.Err() == nil; n++ {
					i := int(next.Add(1) % int64(c.workers))
					start := time.Now()
					status, _, err := f.sign(i, id, fmt.Sprintf("0x%056x%08x", g+1, n))
					if err != nil || status != 200 {
						fails.Add(1)
						continue
					}
					mine = append(mine, time.Since(start))
				}
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			})
		}
		wg.Wait()
		cancel()
		slices.Sort(lat)
		pct := func(p float64) time.Duration { return lat[int(float64(len(lat)-1)*p)] }
		t.Logf("| %s | %.0f | %s | %s | %d |", c.name, float64(len(lat))/dur.Seconds(),
			pct(0.5).Round(100*time.Microsecond), pct(0.99).Round(100*time.Microsecond), fails.Load())
		var ru1 syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
		var workerCPU time.Duration
		for i := range c.workers {
			f.workers[i].stop(t)
			workerCPU += f.workers[i].cmd.ProcessState.UserTime() + f.workers[i].cmd.ProcessState.SystemTime()
		}
		t.Logf("CPU over %s (2 cores = %s): workers %s, load generator %s, the rest (devnet, Redis) %s", dur, 2*dur,
			workerCPU.Round(100*time.Millisecond), (cpu(ru1) - cpu(ru0)).Round(100*time.Millisecond),
			(2*dur - workerCPU - (cpu(ru1) - cpu(ru0))).Round(100*time.Millisecond))
	}
}

func cpu(ru syscall.Rusage) time.Duration {
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
