package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/litgo/litsession/core/node/httptransport"
	"github.com/litgo/litsession/devnet"
)

// benchLine matches one benchstat line of the report.
var benchLine = regexp.MustCompile(`(?m)^BenchmarkDevnetLoad/(\S+)/c=(\d+)(?:-\d+)?\t(\d+)\t\d+ ns/op\t[\d.]+ req/s\t(\d+) p50-ns\t(\d+) p90-ns\t(\d+) p99-ns\t(\d+) max-ns\t(\d+) errors$`)

type benchFigures struct {
	requests, errors      int
	p50, p90, p99, maxLat float64
}

func parseReport(t *testing.T, out string) map[string]benchFigures {
	t.Helper()
	got := map[string]benchFigures{}
	for _, m := range benchLine.FindAllStringSubmatch(out, -1) {
		f := func(i int) float64 {
			v, err := strconv.ParseFloat(m[i], 64)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		got[m[1]] = benchFigures{requests: int(f(3)), p50: f(4), p90: f(5), p99: f(6), maxLat: f(7), errors: int(f(8))}
	}
	return got
}

// closedPortURL returns the URL of a loopback port nothing listens on.
func closedPortURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + l.Addr().String()
	l.Close()
	return u
}

func TestRunInProcessDevnet(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-duration", "1s", "-concurrency", "4", "-nodes", "3"}, &stdout, &stderr)
	out := stdout.String()
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, stderr.String())
	}
	got := parseReport(t, out)
	for _, kind := range []string{KindHandshake, KindSessionVerify, "all"} {
		f, ok := got[kind]
		switch {
		case !ok:
			t.Errorf("no benchmark line for %s:\n%s", kind, out)
		case f.requests == 0:
			t.Errorf("%s: no requests", kind)
		case f.errors != 0:
			t.Errorf("%s: %d errors", kind, f.errors)
		case !(f.p50 <= f.p90 && f.p90 <= f.p99 && f.p99 <= f.maxLat):
			t.Errorf("%s: percentiles out of order: %+v", kind, f)
		}
	}
	if got["all"].requests != got[KindHandshake].requests+got[KindSessionVerify].requests {
		t.Errorf("all is not the sum of the kinds: %+v", got)
	}
	// Kept-alive connections: at most -concurrency per node, never one per request.
	m := regexp.MustCompile(`(\d+) connections opened by the load`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no connection count:\n%s", out)
	}
	if n, _ := strconv.Atoi(m[1]); n < 1 || n > 4*3 {
		t.Errorf("%d connections opened for 4 workers and 3 nodes", n)
	}
	for _, s := range []string{"GOMAXPROCS ", "load average ", "goos: ", "pkg: github.com/litgo/litsession/internal/devnetload"} {
		if !strings.Contains(out, s) {
			t.Errorf("the report lacks %q:\n%s", s, out)
		}
	}
}

// Targets that answer 500 and closed ports are counted as errors, the good
// node's requests are not, and the exit status says so.
func TestRunCountsErrors(t *testing.T) {
	dn, err := devnet.Start(context.Background(), devnet.Config{Nodes: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer dn.Close()
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"errorKind":"Unexpected","message":"broken on purpose"}`, http.StatusInternalServerError)
	}))
	defer broken.Close()
	closed := closedPortURL(t)

	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-duration", "1s", "-concurrency", "3", "-url", strings.Join([]string{dn.NodeURLs[0], broken.URL, closed}, ",")}, &stdout, &stderr)
	out, msg := stdout.String(), stderr.String()
	if code != 1 {
		t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, out, msg)
	}
	got := parseReport(t, out)
	for _, kind := range []string{KindHandshake, KindSessionVerify} {
		f := got[kind]
		// Requests go round robin over the three targets: two of three fail.
		if f.requests < 3 || f.errors == 0 || f.errors >= f.requests {
			t.Errorf("%s: %d requests, %d errors; want some of each", kind, f.requests, f.errors)
		}
	}
	for _, s := range []string{"requests failed", "non-2xx answers", "HTTP 500 from " + broken.URL, "broken on purpose", "transport errors", strings.TrimPrefix(closed, "http://")} {
		if !strings.Contains(msg, s) {
			t.Errorf("the error message lacks %q:\n%s", s, msg)
		}
	}
}

// Each class of error is counted where it belongs, and good answers are not
// errors.
func TestLoadClassifiesErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/good":
			w.Write([]byte(`good`))
		case "/wrong":
			w.Write([]byte(`not what was asked`))
		default:
			http.Error(w, "nope", http.StatusNotFound)
		}
	}))
	defer srv.Close()
	want := func(b []byte) error {
		if string(b) != "good" {
			return errors.New("the answer is not good")
		}
		return nil
	}
	kinds := []Kind{
		{Name: "good", Requests: []Request{{URL: srv.URL + "/good", Check: want}}},
		{Name: "wrong", Requests: []Request{{URL: srv.URL + "/wrong", Check: want}}},
		{Name: "status", Requests: []Request{{URL: srv.URL + "/missing", Check: want}}},
		{Name: "closed", Requests: []Request{{URL: closedPortURL(t) + "/good", Check: want}}},
	}
	client := NewClient(2, 2, 5*time.Second, nil)
	defer client.CloseIdleConnections()
	res, err := Load(context.Background(), LoadConfig{Kinds: kinds, Duration: 300 * time.Millisecond, Concurrency: 2, Client: client})
	if err != nil {
		t.Fatal(err)
	}
	for i, wantClass := range []ErrorClass{numClasses, ErrWrongAnswer, ErrHTTP, ErrTransport} {
		k := res.Kinds[i]
		if len(k.Latencies) == 0 {
			t.Errorf("%s: no requests", k.Name)
			continue
		}
		for c := range numClasses {
			want := 0
			if c == wantClass {
				want = len(k.Latencies)
			}
			if k.ErrorCount[c] != want {
				t.Errorf("%s: %d %s, want %d (of %d requests; first: %s)", k.Name, k.ErrorCount[c], c, want, len(k.Latencies), k.FirstError[c])
			}
		}
	}
	if !strings.Contains(res.Kinds[1].FirstError[ErrWrongAnswer], "the answer is not good") ||
		!strings.Contains(res.Kinds[2].FirstError[ErrHTTP], "HTTP 404") {
		t.Errorf("first errors: %q", res.Kinds[1].FirstError)
	}
	if res.Errors() != res.Requests()-len(res.Kinds[0].Latencies) {
		t.Errorf("%d errors in %d requests", res.Errors(), res.Requests())
	}
}

// The real checks reject answers that are well-formed but not the expected
// ones: a handshake with another network key, a session sig sent to another
// node (answered 401).
func TestChecksRejectWrongAnswers(t *testing.T) {
	dn, err := devnet.Start(context.Background(), devnet.Config{Nodes: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer dn.Close()
	setup := httptransport.New(nil)
	nw, err := InProcess(context.Background(), dn, setup)
	if err != nil {
		t.Fatal(err)
	}
	nw.NetworkPublicKey = strings.Repeat("00", 48)
	kinds, err := Kinds(context.Background(), Networks{Datil: &nw}, []MixEntry{{KindHandshake, 1}, {KindSessionVerify, 1}})
	if err != nil {
		t.Fatal(err)
	}
	// Node 0's session sig, sent to node 1.
	kinds[1].Requests[0].URL = dn.NodeURLs[1] + devnet.SessionVerifyPath
	client := NewClient(2, 2, 5*time.Second, nil)
	defer client.CloseIdleConnections()
	res, err := Load(context.Background(), LoadConfig{Kinds: kinds, Duration: 300 * time.Millisecond, Concurrency: 2, Client: client})
	if err != nil {
		t.Fatal(err)
	}
	hs, sv := res.Kinds[0], res.Kinds[1]
	if len(hs.Latencies) == 0 || hs.ErrorCount[ErrWrongAnswer] != len(hs.Latencies) || !strings.Contains(hs.FirstError[ErrWrongAnswer], "networkPublicKey") {
		t.Errorf("handshake with the wrong key: %d requests, errors %v, first %q", len(hs.Latencies), hs.ErrorCount, hs.FirstError)
	}
	// Round robin over the two nodes: the misdirected half is rejected.
	if sv.ErrorCount[ErrHTTP] == 0 || sv.Errors() != sv.ErrorCount[ErrHTTP] || sv.ErrorCount[ErrHTTP] >= len(sv.Latencies) ||
		!strings.Contains(sv.FirstError[ErrHTTP], "wrong_node") {
		t.Errorf("session-verify at the wrong node: %d requests, errors %v, first %q", len(sv.Latencies), sv.ErrorCount, sv.FirstError)
	}
}

// The rate cap bounds the requests started: slots are 1/rate apart and must
// fall before the end.
func TestLoadRateCap(t *testing.T) {
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
	}))
	defer srv.Close()
	client := NewClient(4, 1, 5*time.Second, nil)
	defer client.CloseIdleConnections()
	res, err := Load(context.Background(), LoadConfig{
		Kinds:    []Kind{{Name: "x", Requests: []Request{{URL: srv.URL}}}},
		Duration: 200 * time.Millisecond, Concurrency: 4, Rate: 100, Client: client,
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := res.Requests(); n < 1 || n > 20 || int64(n) != served.Load() || res.Errors() != 0 {
		t.Errorf("%d requests (%d served, %d errors) at 100/s for 200ms; want 1..20", n, served.Load(), res.Errors())
	}
}

func TestFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-duration", "0s"},
		{"-concurrency", "0"},
		{"-rate", "-1"},
		{"-nodes", "0"},
		{"-nodes", "3", "-url", "http://127.0.0.1:1"},
		{"-mix", "bogus"},
		{"-mix", "naga-pkp-sign", "-url", "http://127.0.0.1:1"},
		{"-mix", "pkp-sign", "-url", "http://127.0.0.1:1"},
		{"extra"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, &stdout, &stderr); code != 2 || stderr.Len() == 0 {
			t.Errorf("%q: exit %d, stderr %q; want 2 and a message", args, code, stderr.String())
		}
	}
}

// The pkp-sign and naga kinds run against in-process datil and naga
// devnets without errors: every answer is checked (naga ones opened with
// the request's key pair).
func TestRunPKPAndNaga(t *testing.T) {
	var stdout, stderr bytes.Buffer
	mix := strings.Join([]string{KindPKPSign, KindNagaHandshake, KindNagaPKPSign}, ",")
	code := run(context.Background(), []string{"-duration", "1s", "-concurrency", "4", "-mix", mix}, &stdout, &stderr)
	out := stdout.String()
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, stderr.String())
	}
	got := parseReport(t, out)
	for _, kind := range []string{KindPKPSign, KindNagaHandshake, KindNagaPKPSign} {
		if f := got[kind]; f.requests == 0 || f.errors != 0 {
			t.Errorf("%s: %d requests, %d errors:\n%s", kind, f.requests, f.errors, out)
		}
	}
	if !strings.Contains(out, "in-process datil and naga devnet") {
		t.Errorf("the report does not say which devnets ran:\n%s", out)
	}
}

// The naga checks and the nodes refuse what they must: a handshake with
// another identity key is a wrong answer; a pkp/sign/v2 request sealed to
// another key than the node's is refused unopened (400), and node 1's
// session sig sealed to node 0 and sent there is refused sealed (401), the
// refusal opened for the report; good requests, each sealed anew, pass.
func TestNagaChecksRejectWrongAnswers(t *testing.T) {
	ctx := context.Background()
	nets, _, stop, err := startNetworks(ctx, options{nodes: 3, timeout: 5 * time.Second,
		mix: []MixEntry{{KindNagaHandshake, 1}, {KindNagaPKPSign, 1}}}, httptransport.New(nil))
	defer stop()
	if err != nil {
		t.Fatal(err)
	}
	nw := *nets.Naga
	good, err := Kinds(ctx, Networks{Naga: &nw}, []MixEntry{{KindNagaPKPSign, 1}})
	if err != nil {
		t.Fatal(err)
	}
	bad := nw
	bad.IdentityKeys = slices.Clone(nw.IdentityKeys)
	bad.IdentityKeys[0][0] ^= 1
	kinds, err := Kinds(ctx, Networks{Naga: &bad}, []MixEntry{{KindNagaHandshake, 1}, {KindNagaPKPSign, 1}})
	if err != nil {
		t.Fatal(err)
	}
	// Node 1's request sealed to node 0's key, sent to node 0.
	swapped := nw
	swapped.IdentityKeys = slices.Clone(nw.IdentityKeys)
	swapped.IdentityKeys[1] = nw.IdentityKeys[0]
	other, err := Kinds(ctx, Networks{Naga: &swapped}, []MixEntry{{KindNagaPKPSign, 1}})
	if err != nil {
		t.Fatal(err)
	}
	wrongNode := other[0].Requests[1]
	wrongNode.URL = nw.NodeURLs[0] + devnet.NagaPKPSignPath
	kinds = append(kinds, Kind{Name: "wrong-node", Requests: []Request{wrongNode}}, Kind{Name: "good", Requests: good[0].Requests})

	client := NewClient(2, 3, 5*time.Second, nil)
	defer client.CloseIdleConnections()
	res, err := Load(ctx, LoadConfig{Kinds: kinds, Duration: 500 * time.Millisecond, Concurrency: 2, Client: client})
	if err != nil {
		t.Fatal(err)
	}
	hs, sign, wrong, ok := res.Kinds[0], res.Kinds[1], res.Kinds[2], res.Kinds[3]
	// Round robin over three nodes: node 0's third is wrong.
	if hs.ErrorCount[ErrWrongAnswer] == 0 || hs.Errors() != hs.ErrorCount[ErrWrongAnswer] || !strings.Contains(hs.FirstError[ErrWrongAnswer], "nodeIdentityKey") {
		t.Errorf("handshake with another identity key: %d requests, errors %v, first %q", len(hs.Latencies), hs.ErrorCount, hs.FirstError)
	}
	if sign.ErrorCount[ErrHTTP] == 0 || sign.Errors() != sign.ErrorCount[ErrHTTP] || sign.Errors() >= len(sign.Latencies) ||
		!strings.Contains(sign.FirstError[ErrHTTP], "HTTP 400") || !strings.Contains(sign.FirstError[ErrHTTP], "NodeE2EEDecryptionFailed") {
		t.Errorf("sealed to another key: %d requests, errors %v, first %q", len(sign.Latencies), sign.ErrorCount, sign.FirstError)
	}
	if len(wrong.Latencies) == 0 || wrong.ErrorCount[ErrHTTP] != len(wrong.Latencies) ||
		!strings.Contains(wrong.FirstError[ErrHTTP], "HTTP 401") || !strings.Contains(wrong.FirstError[ErrHTTP], "sealed ok:false: session signature rejected (wrong_node)") {
		t.Errorf("node 1's session sig at node 0: %d requests, errors %v, first %q", len(wrong.Latencies), wrong.ErrorCount, wrong.FirstError)
	}
	if len(ok.Latencies) == 0 || ok.Errors() != 0 {
		t.Errorf("the good requests: %d requests, errors %v, first %q", len(ok.Latencies), ok.ErrorCount, ok.FirstError)
	}
}
