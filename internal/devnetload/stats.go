package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

// Percentile returns the p-th percentile (0 < p <= 100) of sorted, an
// ascending slice, by the nearest-rank method: the smallest sample such that
// at least p % of the samples are less than or equal to it. It returns 0 for
// no samples; p <= 0 gives the minimum.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	// The rank is computed in integers (per-million) so that p = 99 of 100
	// samples is rank 99, not 99.00000000000001 rounded up to 100.
	ppm := int64(math.Round(p * 10_000))
	rank := (ppm*int64(n) + 999_999) / 1_000_000 // ceil(p/100 * n)
	rank = max(1, min(rank, int64(n)))
	return sorted[rank-1]
}

// Summary is what the report prints for one request kind, or for all.
type Summary struct {
	Name     string
	Requests int // completed: answered (any status) or failed
	Elapsed  time.Duration
	P50      time.Duration
	P90      time.Duration
	P99      time.Duration
	Max      time.Duration
	Errors   int
}

// Rate is the completed requests per second.
func (s Summary) Rate() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Requests) / s.Elapsed.Seconds()
}

// summarize sorts latencies in place and computes the percentiles.
func summarize(name string, latencies []time.Duration, errors int, elapsed time.Duration) Summary {
	slices.Sort(latencies)
	s := Summary{Name: name, Requests: len(latencies), Elapsed: elapsed, Errors: errors}
	if len(latencies) > 0 {
		s.P50 = Percentile(latencies, 50)
		s.P90 = Percentile(latencies, 90)
		s.P99 = Percentile(latencies, 99)
		s.Max = latencies[len(latencies)-1]
	}
	return s
}

// Summaries returns one Summary per kind, in the order of the result, and
// one named "all" over every request.
func (r *Result) Summaries() []Summary {
	var out []Summary
	var all []time.Duration
	errs := 0
	for _, k := range r.Kinds {
		lat := slices.Clone(k.Latencies)
		all = append(all, lat...)
		errs += k.Errors()
		out = append(out, summarize(k.Name, lat, k.Errors(), r.Elapsed))
	}
	if len(r.Kinds) > 1 {
		out = append(out, summarize("all", all, errs, r.Elapsed))
	}
	return out
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// WriteTable writes the human-readable table, then one line per kind that
// had errors, with the first error of each class.
func WriteTable(w io.Writer, r *Result) {
	fmt.Fprintf(w, "%-16s %10s %10s %9s %9s %9s %9s %8s\n", "kind", "requests", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors")
	for _, s := range r.Summaries() {
		fmt.Fprintf(w, "%-16s %10d %10.1f %9.3f %9.3f %9.3f %9.3f %8d\n",
			s.Name, s.Requests, s.Rate(), ms(s.P50), ms(s.P90), ms(s.P99), ms(s.Max), s.Errors)
	}
	for _, k := range r.Kinds {
		if k.Errors() == 0 {
			continue
		}
		fmt.Fprintf(w, "Errors in %s:\n", k.Name)
		for c := range numClasses {
			if k.ErrorCount[c] > 0 {
				fmt.Fprintf(w, "  %d %s, first: %s\n", k.ErrorCount[c], ErrorClass(c), k.FirstError[c])
			}
		}
	}
}

// WriteBenchstat writes the result in the Go benchmark format, one line per
// kind (and "all"), named BenchmarkDevnetLoad/<kind>/c=<concurrency>, with
// the -GOMAXPROCS suffix go test adds when it is not 1. The iteration count
// is the number of completed requests and ns/op the wall time per request
// (elapsed / requests, as devnet/bench_test.go reports), so benchstat
// compares runs of different lengths. In a mix, a kind's ns/op and req/s
// are its share of the run, not what it would do alone. Latencies are in
// units p50-ns, p90-ns, p99-ns and max-ns, which benchstat shows in seconds
// with SI prefixes (p50-sec), like sec/op.
func WriteBenchstat(w io.Writer, r *Result, concurrency int) {
	fmt.Fprintf(w, "goos: %s\ngoarch: %s\npkg: github.com/litgo/litsession/internal/devnetload\n", runtime.GOOS, runtime.GOARCH)
	if cpu := cpuModel(); cpu != "" {
		fmt.Fprintf(w, "cpu: %s\n", cpu)
	}
	suffix := ""
	if p := runtime.GOMAXPROCS(0); p != 1 {
		suffix = fmt.Sprintf("-%d", p)
	}
	for _, s := range r.Summaries() {
		if s.Requests == 0 {
			continue // no iterations to report
		}
		nsPerOp := float64(s.Elapsed.Nanoseconds()) / float64(s.Requests)
		fmt.Fprintf(w, "BenchmarkDevnetLoad/%s/c=%d%s\t%d\t%.0f ns/op\t%.1f req/s\t%d p50-ns\t%d p90-ns\t%d p99-ns\t%d max-ns\t%d errors\n",
			s.Name, concurrency, suffix, s.Requests, nsPerOp, s.Rate(), s.P50.Nanoseconds(), s.P90.Nanoseconds(), s.P99.Nanoseconds(), s.Max.Nanoseconds(), s.Errors)
	}
}

// cpuModel returns the first "model name" of /proc/cpuinfo, or "".
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	for line := range strings.Lines(string(b)) {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// loadAverage returns the 1, 5 and 15 minute load averages from
// /proc/loadavg, or "n/a" where there is none.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "n/a"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "n/a"
	}
	return strings.Join(f[:3], " ")
}
