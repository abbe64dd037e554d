package devnet_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/litgo/litsession/core/node"
	"github.com/litgo/litsession/core/node/httptransport"
	"github.com/litgo/litsession/devnet"
)

// benchConcurrency is the fixed number of clients the throughput
// benchmarks run at once: a bounded local load, whatever the machine.
const benchConcurrency = 8

// startBench starts a devnet on free loopback ports for a benchmark.
func startBench(b *testing.B, nodes int) *devnet.Network {
	b.Helper()
	n, err := devnet.Start(context.Background(), devnet.Config{Nodes: nodes})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { n.Close() })
	return n
}

// loopbackClient reuses up to benchConcurrency keep-alive connections per
// host, so the benchmark measures requests, not TCP setup or port churn.
func loopbackClient(b *testing.B) *http.Client {
	tr := &http.Transport{
		MaxIdleConns:        4 * benchConcurrency,
		MaxIdleConnsPerHost: benchConcurrency,
		MaxConnsPerHost:     benchConcurrency,
		IdleConnTimeout:     30 * time.Second,
	}
	b.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// runFixed runs op b.N times on benchConcurrency goroutines and returns
// the wall time. Run with -benchtime <N>x to bound the request count.
func runFixed(b *testing.B, op func() error) time.Duration {
	var next atomic.Int64
	var wg sync.WaitGroup
	var once sync.Once
	var firstErr error
	total := int64(b.N)
	b.ResetTimer()
	start := time.Now()
	for range benchConcurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= total {
				if err := op(); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if firstErr != nil {
		b.Fatal(firstErr)
	}
	return elapsed
}

// BenchmarkHandshake measures the devnet's POST /web/handshake/ throughput:
// benchConcurrency clients with keep-alive, spread over the nodes of a
// 3-node devnet, each request a full handshake (JSON decode, epoch check,
// chain head, JSON answer with the network key).
func BenchmarkHandshake(b *testing.B) {
	n := startBench(b, 3)
	c := loopbackClient(b)
	body := []byte(`{"clientPublicKey":"test","challenge":"` + strings.Repeat("ab", 32) + `","epoch":` + fmt.Sprint(n.Epoch()) + `}`)
	var i atomic.Uint64
	b.ReportAllocs()
	elapsed := runFixed(b, func() error {
		u := n.NodeURLs[i.Add(1)%uint64(len(n.NodeURLs))] + node.HandshakePath
		req, err := http.NewRequest(http.MethodPost, u, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Lit-SDK-Version", node.DefaultSDKVersion)
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("handshake %s: HTTP %d", u, resp.StatusCode)
		}
		return nil
	})
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "handshakes/s")
}

// BenchmarkConnect measures whole core/node connects against a 3-node
// devnet: one eth_call for the staking contract plus a handshake with
// every node, benchConcurrency clients at once. It reports connects/s and
// the node handshakes/s that makes.
func BenchmarkConnect(b *testing.B) {
	const nodes = 3
	n := startBench(b, nodes)
	c := loopbackClient(b)
	cfg := node.Config{Transport: httptransport.New(c), RPCURL: n.RPCURL}
	if _, err := node.New(cfg); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	elapsed := runFixed(b, func() error {
		cl, err := node.New(cfg)
		if err != nil {
			return err
		}
		if err := cl.Connect(context.Background()); err != nil {
			return err
		}
		if len(cl.ConnectedNodes()) != nodes {
			return fmt.Errorf("connected to %d of %d nodes", len(cl.ConnectedNodes()), nodes)
		}
		return nil
	})
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "connects/s")
	b.ReportMetric(float64(b.N*nodes)/elapsed.Seconds(), "handshakes/s")
}
