// Command devnetload drives a devnet with a bounded load for a fixed time
// and reports, per request kind, the requests per second, the p50, p90, p99
// and maximum latency, and the errors (non-2xx answers, transport errors and
// wrong answers).
//
//	go run ./internal/devnetload [-duration 60s] [-concurrency 8] [-rate 0]
//	    [-nodes 3 | -url http://127.0.0.1:7470,…] [-mix handshake,session-verify]
//	    [-cpuprofile file]
//
// The load is a closed loop: -concurrency workers each keep one request in
// flight and send the next when the answer has been read, so the load is
// bounded by that number, whatever the machine. -rate additionally caps the
// requests started per second, on average over the run (0 = no cap; after a
// stall up to -concurrency requests may start back to back to catch up).
// Connections are kept alive and reused (at most -concurrency per host), so
// it measures requests, not TCP setup. Latency is measured from building a
// request (sealing it, for naga) to having read and checked its answer
// (opening it, for naga), so the client's own work per request counts; as
// in any closed loop, time a request waited for a free worker is not
// counted.
//
// The session-verify requests resend one session signature per node, so
// after the first request the node's wallet-signature cache is warm: they
// measure the cached verification path, as for a dApp reusing its session.
//
// Without -url it starts the devnets the mix needs, datil (v7) and/or naga
// (v8), each with -nodes nodes on free loopback ports in this process (the
// servers then share the CPUs with the load), a network key it knows and a
// PKP of its test wallet. With -url it targets those node URLs instead (e.g.
// a `litsession devnet`); only the handshake and session-verify kinds can.
//
// Request kinds (-mix, optionally weighted: handshake=1,session-verify=3):
//
//   - handshake: POST /web/handshake/ as the v7 client sends it; the answer
//     must be a well-formed handshake with the network key.
//   - session-verify: POST /web/session/verify, the devnet's
//     session-protected endpoint, with a valid session signature for that
//     node made by core/session; the answer must accept it.
//   - pkp-sign: POST /web/pkp/sign/v1 as the v7 client's pkpSign sends it,
//     with the node's session signature of one PKP session (a LIT_BLS
//     delegation from the PKP, as createPkpSessionSigs makes) and a fresh
//     X-Request-Id; the answer must be a signature share of the digest.
//   - naga-handshake: POST /web/handshake/ as the v8 client sends it; the
//     answer must be the {ok,…,data} envelope with the node's
//     nodeIdentityKey and the network key.
//   - naga-pkp-sign: POST /web/pkp/sign/v2 as the v8 client's pkpSign sends
//     it: the same kind of PKP session (with maxPrice), every node in
//     nodeSet, the body sealed with core/e2ee to the node's nodeIdentityKey
//     with a fresh client key pair per request, as the official client
//     does, and a fresh X-Request-Id; the answer must open with that key
//     pair and hold a signature share of the digest.
//
// The LIT_BLS delegations are signed with the in-process network's secret
// key: the signature the nodes' sign_session_key shares combine to. Its
// verification is cached by the nodes after the first request, as for a
// server that reuses one session.
//
// Every latency is kept, so the percentiles are exact (nearest rank); that
// costs 8 bytes per request. The output is a table, then the same figures
// as Go benchmark lines (BenchmarkDevnetLoad/<kind>/c=<concurrency>, with
// ns/op, req/s, p50-ns, p90-ns, p99-ns, max-ns and errors) that benchstat
// reads. The exit status is 1 when any request failed (after the
// report), 2 for bad flags.
package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"time"

	"github.com/litgo/litsession/core/bls"
	"github.com/litgo/litsession/core/node/httptransport"
	"github.com/litgo/litsession/devnet"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// options are the parsed flags.
type options struct {
	duration    time.Duration
	concurrency int
	rate        float64
	nodes       int
	urls        []string
	mix         []MixEntry
	timeout     time.Duration
	cpuProfile  string
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("devnetload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.DurationVar(&o.duration, "duration", 60*time.Second, "how long to send requests")
	fs.IntVar(&o.concurrency, "concurrency", 8, "requests in flight at once (closed loop): the bound on the load")
	fs.Float64Var(&o.rate, "rate", 0, "cap on requests started per second, over all workers; 0 = no cap")
	fs.IntVar(&o.nodes, "nodes", devnet.DefaultNodes, "nodes of the in-process devnet (without -url)")
	url := fs.String("url", "", "comma-separated node URLs to target instead of an in-process devnet")
	mix := fs.String("mix", KindHandshake+","+KindSessionVerify, "request kinds, comma-separated, each optionally =weight")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "timeout of one request")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the load (servers and client: one process) to this file")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q; every setting is a flag", fs.Args())
	}
	nodesSet := false
	fs.Visit(func(f *flag.Flag) { nodesSet = nodesSet || f.Name == "nodes" })
	for u := range strings.SplitSeq(*url, ",") {
		if u = strings.TrimSpace(u); u != "" {
			o.urls = append(o.urls, u)
		}
	}
	switch {
	case o.duration <= 0:
		return o, fmt.Errorf("-duration %v must be positive", o.duration)
	case o.concurrency < 1 || o.concurrency > 10_000:
		return o, fmt.Errorf("-concurrency %d must be between 1 and 10000", o.concurrency)
	case o.rate < 0:
		return o, fmt.Errorf("-rate %v must be 0 (no cap) or positive", o.rate)
	case o.timeout <= 0:
		return o, fmt.Errorf("-timeout %v must be positive", o.timeout)
	case len(o.urls) > 0 && nodesSet:
		return o, fmt.Errorf("-nodes sizes the in-process devnet; with -url the targets are the URLs given")
	case len(o.urls) == 0 && (o.nodes < 1 || o.nodes > 100):
		return o, fmt.Errorf("-nodes %d must be between 1 and 100", o.nodes)
	}
	var err error
	if o.mix, err = ParseMix(*mix); err != nil {
		return o, err
	}
	for _, m := range o.mix {
		if len(o.urls) > 0 && (isNaga(m.Name) || m.Name == KindPKPSign) {
			return o, fmt.Errorf("-mix %s runs against the in-process devnet only (it needs the PKP and network key the load generator sets up); drop -url", m.Name)
		}
	}
	return o, nil
}

// startNetworks starts the in-process devnets the mix needs, datil and/or
// naga, each with -nodes nodes, a network key this process knows and a PKP
// of the load wallet, or describes the -url targets. stop closes what it
// started; call it even on error.
func startNetworks(ctx context.Context, o options, setup *httptransport.Transport) (nets Networks, where string, stop func(), err error) {
	var closers []func()
	stop = func() {
		for _, c := range closers {
			c()
		}
	}
	if len(o.urls) > 0 {
		nw, err := Remote(ctx, o.urls, setup)
		if err != nil {
			return nets, "", stop, err
		}
		return Networks{Datil: &nw}, fmt.Sprintf("%d nodes given with -url", len(nw.NodeURLs)), stop, nil
	}
	var needDatil, needNaga bool
	for _, m := range o.mix {
		needNaga = needNaga || isNaga(m.Name)
		needDatil = needDatil || !isNaga(m.Name)
	}
	owner, err := loadWalletAddress()
	if err != nil {
		return nets, "", stop, err
	}
	start := func(generation string) (*devnet.Network, *bls.SecretKey, *devnet.PKP, error) {
		secret, err := bls.GenerateSecretKey(rand.Reader)
		if err != nil {
			return nil, nil, nil, err
		}
		dn, err := devnet.Start(ctx, devnet.Config{Nodes: o.nodes, Network: generation, NetworkSecretKey: secret.Bytes()})
		if err != nil {
			return nil, nil, nil, err
		}
		closers = append(closers, func() { dn.Close() })
		p, err := dn.MintPKP(owner)
		if err != nil {
			return nil, nil, nil, err
		}
		return dn, secret, &p, nil
	}
	var parts []string
	if needDatil {
		dn, secret, p, err := start(devnet.NetworkDatil)
		if err != nil {
			return nets, "", stop, err
		}
		nw, err := InProcess(ctx, dn, setup)
		if err != nil {
			return nets, "", stop, err
		}
		nw.PKP, nw.NetworkSecret = p, secret
		nets.Datil = &nw
		parts = append(parts, "datil")
	}
	if needNaga {
		dn, secret, p, err := start(devnet.NetworkNaga)
		if err != nil {
			return nets, "", stop, err
		}
		nw, err := InProcessNaga(ctx, dn, &http.Client{Timeout: o.timeout})
		if err != nil {
			return nets, "", stop, err
		}
		nw.PKP, nw.NetworkSecret = p, secret
		nets.Naga = &nw
		parts = append(parts, "naga")
	}
	each := ""
	if len(parts) > 1 {
		each = " each"
	}
	where = fmt.Sprintf("in-process %s devnet, %d nodes%s on free loopback ports (it shares the CPUs with the load)", strings.Join(parts, " and "), o.nodes, each)
	return nets, where, stop, nil
}

// run is the command: it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		if err != flag.ErrHelp {
			fmt.Fprintln(stderr, "devnetload:", err)
		}
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintln(stderr, "devnetload:", err)
		return 1
	}

	// Setup requests (connect, session signatures) use their own client, so
	// the load's connection count is its own.
	setup := httptransport.New(nil)
	defer setup.CloseIdleConnections()
	nets, where, stopNets, err := startNetworks(ctx, o, setup)
	defer stopNets()
	if err != nil {
		return fail(err)
	}
	kinds, err := Kinds(ctx, nets, o.mix)
	if err != nil {
		return fail(err)
	}
	var targets []string
	for _, nw := range []*Network{nets.Datil, nets.Naga} {
		if nw != nil {
			targets = append(targets, nw.NodeURLs...)
		}
	}

	var dials atomic.Int64
	client := NewClient(o.concurrency, len(targets), o.timeout, &dials)
	defer client.CloseIdleConnections()
	rate := "no rate cap"
	if o.rate > 0 {
		rate = fmt.Sprintf("at most %g requests/s", o.rate)
	}
	var mixNames []string
	for _, m := range o.mix {
		mixNames = append(mixNames, fmt.Sprintf("%s=%d", m.Name, m.Weight))
	}
	fmt.Fprintf(stdout, "Devnet load: %s: %s\n", where, strings.Join(targets, " "))
	fmt.Fprintf(stdout, "Load: %v, %d in flight (closed loop), %s, mix %s\n", o.duration, o.concurrency, rate, strings.Join(mixNames, ","))
	fmt.Fprintf(stdout, "Machine: %s/%s, %d CPUs, GOMAXPROCS %d, %s, load average %s (before)\n",
		runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version(), loadAverage())

	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return fail(err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fail(err)
		}
		defer pprof.StopCPUProfile()
	}
	res, err := Load(ctx, LoadConfig{Kinds: kinds, Duration: o.duration, Concurrency: o.concurrency, Rate: o.rate, Client: client})
	if err != nil {
		return fail(err)
	}
	fmt.Fprintf(stdout, "Done in %v; load average %s (after); %d connections opened by the load\n\n",
		res.Elapsed.Round(time.Millisecond), loadAverage(), dials.Load())
	WriteTable(stdout, res)
	fmt.Fprintln(stdout)
	WriteBenchstat(stdout, res, o.concurrency)

	switch {
	case res.Interrupted:
		return fail(fmt.Errorf("interrupted before %v; the figures above cover %v", o.duration, res.Elapsed.Round(time.Millisecond)))
	case res.Errors() > 0:
		var parts []string
		for _, k := range res.Kinds {
			for c := range numClasses {
				if n := k.ErrorCount[c]; n > 0 {
					parts = append(parts, fmt.Sprintf("%s: %d %s (first: %s)", k.Name, n, ErrorClass(c), k.FirstError[c]))
				}
			}
		}
		return fail(fmt.Errorf("%d of %d requests failed; %s", res.Errors(), res.Requests(), strings.Join(parts, "; ")))
	case res.Requests() == 0:
		return fail(fmt.Errorf("no request completed in %v", o.duration))
	}
	return 0
}
