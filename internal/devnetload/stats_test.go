package main

import (
	"bytes"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func durations(vs ...int) []time.Duration {
	out := make([]time.Duration, len(vs))
	for i, v := range vs {
		out[i] = time.Duration(v)
	}
	return out
}

func seq(n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = time.Duration(i + 1)
	}
	return out
}

func TestPercentileKnownInputs(t *testing.T) {
	for _, c := range []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one sample p50", durations(7), 50, 7},
		{"one sample p99", durations(7), 99, 7},
		{"1..100 p50", seq(100), 50, 50},
		{"1..100 p90", seq(100), 90, 90},
		{"1..100 p99", seq(100), 99, 99},
		{"1..100 p100", seq(100), 100, 100},
		{"1..100 p0 is the minimum", seq(100), 0, 1},
		{"1..1000 p99", seq(1000), 99, 990},
		{"1..1000 p99.9", seq(1000), 99.9, 999},
		{"1..10 p50", seq(10), 50, 5},
		{"1..10 p90", seq(10), 90, 9},
		{"1..10 p99 rounds up to the last", seq(10), 99, 10},
		{"1..10 p95", seq(10), 95, 10},
		{"1..10 p11", seq(10), 11, 2},
		{"two p50", durations(10, 20), 50, 10},
		{"two p51", durations(10, 20), 51, 20},
		{"repeated values", durations(1, 1, 1, 1, 5, 5, 5, 9, 9, 100), 50, 5},
		{"repeated values p90", durations(1, 1, 1, 1, 5, 5, 5, 9, 9, 100), 90, 9},
		{"repeated values p99", durations(1, 1, 1, 1, 5, 5, 5, 9, 9, 100), 99, 100},
	} {
		if got := Percentile(c.sorted, c.p); got != c.want {
			t.Errorf("%s: Percentile(p%v) = %d, want %d", c.name, c.p, got, c.want)
		}
	}
}

// The nearest-rank definition, checked against counting on shuffled input.
func TestSummarizeMatchesDefinition(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 3, 99, 100, 101, 1234} {
		lat := make([]time.Duration, n)
		for i := range lat {
			lat[i] = time.Duration(r.IntN(50)) * time.Microsecond // many ties
		}
		want := slices.Clone(lat)
		slices.Sort(want)
		s := summarize("x", lat, 0, time.Second)
		for _, pc := range []struct {
			p   float64
			got time.Duration
		}{{50, s.P50}, {90, s.P90}, {99, s.P99}} {
			// at least p% of the samples are <= got, and fewer than p% are < got.
			le, lt := 0, 0
			for _, v := range want {
				if v <= pc.got {
					le++
				}
				if v < pc.got {
					lt++
				}
			}
			if float64(le) < pc.p/100*float64(n) || float64(lt) >= pc.p/100*float64(n) {
				t.Errorf("n=%d p%v = %v: %d samples <= it, %d < it", n, pc.p, pc.got, le, lt)
			}
		}
		if s.Max != want[n-1] || s.Requests != n {
			t.Errorf("n=%d: max %v requests %d, want %v and %d", n, s.Max, s.Requests, want[n-1], n)
		}
		if s.P50 > s.P90 || s.P90 > s.P99 || s.P99 > s.Max {
			t.Errorf("n=%d: percentiles out of order: %+v", n, s)
		}
	}
}

func TestReportFormats(t *testing.T) {
	res := &Result{Elapsed: 2 * time.Second, Kinds: []KindResult{
		{Name: "handshake", Latencies: []time.Duration{3 * time.Millisecond, time.Millisecond, 2 * time.Millisecond, 4 * time.Millisecond}},
		{Name: "session-verify", Latencies: []time.Duration{5 * time.Millisecond, 6 * time.Millisecond}},
	}}
	res.Kinds[1].add(7*time.Millisecond, ErrHTTP, "HTTP 500 from http://x: boom")
	var b bytes.Buffer
	WriteBenchstat(&b, res, 8)
	out := b.String()
	// What benchstat parses: name, iterations, then value-unit pairs.
	line := regexp.MustCompile(`(?m)^BenchmarkDevnetLoad/(\S+)/c=8(-\d+)?\t(\d+)\t(\d+) ns/op\t([\d.]+) req/s\t(\d+) p50-ns\t(\d+) p90-ns\t(\d+) p99-ns\t(\d+) max-ns\t(\d+) errors$`)
	m := line.FindAllStringSubmatch(out, -1)
	if len(m) != 3 {
		t.Fatalf("want 3 benchmark lines (2 kinds + all), got %d:\n%s", len(m), out)
	}
	want := [][]string{
		// kind, iterations, ns/op, req/s, p50, p90, p99, max, errors
		{"handshake", "4", "500000000", "2.0", "2000000", "4000000", "4000000", "4000000", "0"},
		{"session-verify", "3", "666666667", "1.5", "6000000", "7000000", "7000000", "7000000", "1"},
		{"all", "7", "285714286", "3.5", "4000000", "7000000", "7000000", "7000000", "1"},
	}
	for i, w := range want {
		got := append([]string{m[i][1]}, m[i][3:]...)
		if !slices.Equal(got, w) {
			t.Errorf("line %d: got %q, want %q", i, got, w)
		}
	}
	for _, cfg := range []string{"goos: ", "goarch: ", "pkg: github.com/litgo/litsession/internal/devnetload"} {
		if !strings.Contains(out, "\n"+cfg) && !strings.HasPrefix(out, cfg) {
			t.Errorf("no %q line:\n%s", cfg, out)
		}
	}

	b.Reset()
	WriteTable(&b, res)
	if !strings.Contains(b.String(), "1 non-2xx answers, first: HTTP 500 from http://x: boom") {
		t.Errorf("the table does not show the error:\n%s", b.String())
	}
}

func TestParseMix(t *testing.T) {
	got, err := ParseMix("handshake, session-verify=3")
	if err != nil || !slices.Equal(got, []MixEntry{{"handshake", 1}, {"session-verify", 3}}) {
		t.Fatalf("got %v, %v", got, err)
	}
	for _, bad := range []string{"", ",", "nope", "handshake,handshake", "handshake=0", "handshake=x", "handshake=-1"} {
		if _, err := ParseMix(bad); err == nil {
			t.Errorf("ParseMix(%q) accepted", bad)
		}
	}
}
