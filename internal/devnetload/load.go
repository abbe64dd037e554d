package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/litgo/litsession/core/node"
)

// Request is one prepared request of a kind: POST Body to URL.
type Request struct {
	URL  string
	Body []byte
	// Check returns why a 2xx answer's body is wrong, or nil if it is the
	// expected answer. Nil accepts any 2xx answer.
	Check func(body []byte) error
	// Build, if not nil, makes the request anew each time it is sent, for
	// requests that must differ every time (a fresh X-Request-Id, a body
	// sealed with a fresh key pair); Body and Check are then not used.
	Build func() (Prepared, error)
}

// Prepared is one request made by Request.Build.
type Prepared struct {
	Body   []byte
	Header http.Header // added to the request's headers
	Check  func(body []byte) error
	// Explain, if not nil, describes a non-2xx answer's body for the
	// report (naga's sealed refusals must be opened to be read).
	Explain func(body []byte) string
}

// Kind is a request kind. Its requests are sent in turn (round robin over
// the targets); Weight is its share of the mix (default 1).
type Kind struct {
	Name     string
	Weight   int
	Requests []Request
}

// ErrorClass is what went wrong with a request.
type ErrorClass int

const (
	ErrHTTP        ErrorClass = iota // an answer with a non-2xx status
	ErrTransport                     // no answer: connection refused, reset, timeout…
	ErrWrongAnswer                   // a 2xx answer that is not the expected one
	numClasses
)

func (c ErrorClass) String() string {
	switch c {
	case ErrHTTP:
		return "non-2xx answers"
	case ErrTransport:
		return "transport errors"
	case ErrWrongAnswer:
		return "wrong answers"
	}
	return "errors"
}

// KindResult is the outcome of one kind's requests.
type KindResult struct {
	Name string
	// Latencies has one entry per completed request, errors included: from
	// sending the request to having read the whole answer (or failing).
	Latencies  []time.Duration
	ErrorCount [numClasses]int
	FirstError [numClasses]string // the first error of each class, for the report
}

// Errors is the number of requests of the kind that failed.
func (k *KindResult) Errors() int {
	n := 0
	for _, c := range k.ErrorCount {
		n += c
	}
	return n
}

func (k *KindResult) add(lat time.Duration, class ErrorClass, msg string) {
	k.Latencies = append(k.Latencies, lat)
	if class < numClasses {
		if k.ErrorCount[class] == 0 {
			k.FirstError[class] = msg
		}
		k.ErrorCount[class]++
	}
}

func (k *KindResult) merge(o *KindResult) {
	k.Latencies = append(k.Latencies, o.Latencies...)
	for c := range numClasses {
		if o.ErrorCount[c] > 0 && k.ErrorCount[c] == 0 {
			k.FirstError[c] = o.FirstError[c]
		}
		k.ErrorCount[c] += o.ErrorCount[c]
	}
}

// Result is the outcome of a load run.
type Result struct {
	Kinds []KindResult // in the order of LoadConfig.Kinds
	// Elapsed is the wall time from the first request to the end of the
	// last one.
	Elapsed time.Duration
	// Interrupted is true when the context was cancelled before Duration.
	Interrupted bool
}

// Errors is the number of failed requests of all kinds.
func (r *Result) Errors() int {
	n := 0
	for i := range r.Kinds {
		n += r.Kinds[i].Errors()
	}
	return n
}

// Requests is the number of completed requests of all kinds.
func (r *Result) Requests() int {
	n := 0
	for i := range r.Kinds {
		n += len(r.Kinds[i].Latencies)
	}
	return n
}

// LoadConfig configures Load.
type LoadConfig struct {
	Kinds []Kind
	// Duration is how long new requests are started; those in flight at
	// the end are completed and counted.
	Duration time.Duration
	// Concurrency is the number of workers, each with one request in flight
	// at a time (a closed loop): the bound on the load.
	Concurrency int
	// Rate caps the requests started per second over all workers (see
	// pacer); 0 means no cap.
	Rate float64
	// Client sends the requests; see NewClient.
	Client *http.Client
}

// maxAnswerBytes bounds the answer bodies read; larger ones are errors.
const maxAnswerBytes = 1 << 20

// NewClient returns an HTTP client for the load: its own transport, with at
// most concurrency connections per host, all kept alive and reused, so the
// run measures requests rather than TCP setup; no proxy, no redirects, and a
// timeout per request. dials, if not nil, counts the connections opened
// (failed dials are not counted).
func NewClient(concurrency, hosts int, timeout time.Duration, dials *atomic.Int64) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := d.DialContext(ctx, network, addr)
			if err == nil && dials != nil {
				dials.Add(1)
			}
			return c, err
		},
		MaxIdleConns:        concurrency * max(hosts, 1),
		MaxIdleConnsPerHost: concurrency,
		MaxConnsPerHost:     concurrency,
		IdleConnTimeout:     90 * time.Second,
	}
	return &http.Client{
		Transport:     tr,
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Load sends the kinds' requests with cfg.Concurrency workers for
// cfg.Duration (or until ctx is done) and returns every latency and error.
// Each worker starts its next request when the previous one has ended, after
// waiting for the rate cap if there is one. Requests cut short by ctx are not
// counted.
func Load(ctx context.Context, cfg LoadConfig) (*Result, error) {
	if len(cfg.Kinds) == 0 {
		return nil, errors.New("no request kinds to send")
	}
	var schedule []int // kind indexes, each repeated Weight times
	for i, k := range cfg.Kinds {
		if len(k.Requests) == 0 {
			return nil, fmt.Errorf("request kind %s has no requests", k.Name)
		}
		w := k.Weight
		if w == 0 {
			w = 1
		}
		if w < 0 {
			return nil, fmt.Errorf("request kind %s has a negative weight", k.Name)
		}
		for range w {
			schedule = append(schedule, i)
		}
	}
	if cfg.Concurrency < 1 {
		return nil, fmt.Errorf("concurrency is %d; it must be at least 1", cfg.Concurrency)
	}
	if cfg.Duration <= 0 {
		return nil, fmt.Errorf("duration is %v; it must be positive", cfg.Duration)
	}
	if cfg.Rate < 0 {
		return nil, fmt.Errorf("rate is %v; use 0 for no cap", cfg.Rate)
	}
	if cfg.Client == nil {
		return nil, errors.New("no HTTP client")
	}

	var (
		next      atomic.Uint64   // position in schedule
		perTarget []atomic.Uint64 // per kind: position in its requests
		wg        sync.WaitGroup
		results   = make([][]KindResult, cfg.Concurrency)
	)
	perTarget = make([]atomic.Uint64, len(cfg.Kinds))
	start := time.Now()
	deadline := start.Add(cfg.Duration)
	var pace *pacer
	if cfg.Rate > 0 {
		interval := time.Duration(float64(time.Second) / cfg.Rate)
		pace = &pacer{next: start, interval: interval, lag: time.Duration(cfg.Concurrency) * interval}
	}
	for w := range cfg.Concurrency {
		mine := make([]KindResult, len(cfg.Kinds))
		results[w] = mine
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) && ctx.Err() == nil {
				if !pace.wait(ctx, deadline) {
					return
				}
				ki := schedule[(next.Add(1)-1)%uint64(len(schedule))]
				reqs := cfg.Kinds[ki].Requests
				r := reqs[(perTarget[ki].Add(1)-1)%uint64(len(reqs))]
				lat, class, msg := do(ctx, cfg.Client, r)
				if ctx.Err() != nil {
					return // cut short by the caller, not the target's fault
				}
				mine[ki].add(lat, class, msg)
			}
		}()
	}
	wg.Wait()
	res := &Result{Elapsed: time.Since(start), Interrupted: ctx.Err() != nil, Kinds: make([]KindResult, len(cfg.Kinds))}
	for i, k := range cfg.Kinds {
		res.Kinds[i].Name = k.Name
		for _, mine := range results {
			res.Kinds[i].merge(&mine[i])
		}
	}
	return res, nil
}

// do sends one request and classifies the outcome; class is numClasses when
// the answer is the expected one. The latency runs from building the
// request (Build: sealing it, for naga) to having read and checked its
// answer (opening it, for naga), so a client's own work per request counts.
func do(ctx context.Context, c *http.Client, r Request) (time.Duration, ErrorClass, string) {
	t0 := time.Now()
	p := Prepared{Body: r.Body, Check: r.Check}
	if r.Build != nil {
		var err error
		if p, err = r.Build(); err != nil {
			return time.Since(t0), ErrTransport, fmt.Sprintf("building a request for %s: %v", r.URL, err)
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL, bytes.NewReader(p.Body))
	if err != nil {
		return 0, ErrTransport, err.Error()
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-Lit-SDK-Version", node.DefaultSDKVersion)
	req.Header.Set("X-Lit-SDK-Type", node.DefaultSDKType)
	for k, vs := range p.Header {
		req.Header[k] = vs
	}
	resp, err := c.Do(req)
	if err != nil {
		return time.Since(t0), ErrTransport, err.Error()
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes+1))
	resp.Body.Close()
	lat := time.Since(t0)
	switch {
	case err != nil:
		return lat, ErrTransport, fmt.Sprintf("reading the answer of %s: %v", r.URL, err)
	case len(body) > maxAnswerBytes:
		return lat, ErrWrongAnswer, fmt.Sprintf("%s answered more than %d bytes", r.URL, maxAnswerBytes)
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		what := snippet(body)
		if p.Explain != nil {
			what = p.Explain(body)
		}
		return lat, ErrHTTP, fmt.Sprintf("HTTP %d from %s: %s", resp.StatusCode, r.URL, what)
	}
	if p.Check != nil {
		err := p.Check(body)
		lat = time.Since(t0)
		if err != nil {
			return lat, ErrWrongAnswer, fmt.Sprintf("%s: %v", r.URL, err)
		}
	}
	return lat, numClasses, ""
}

// snippet returns the start of an answer body, on one line, for messages.
func snippet(b []byte) string {
	const limit = 200
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > limit {
		s = s[:limit]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		s += "…"
	}
	if s == "" {
		return "(empty body)"
	}
	return s
}

// pacer hands out request start times ("slots") interval apart, the first
// at next. Slots only move forward, so no more than elapsed/interval
// requests start, however the workers are late. A worker that comes late
// (a slow answer, a timer that fired late on a busy machine) may take a
// slot up to lag in the past, so the slots missed meanwhile are made up by
// starting up to lag/interval requests back to back; slots further back are
// dropped: the rate is a cap, not a target.
type pacer struct {
	mu       sync.Mutex
	next     time.Time
	interval time.Duration
	lag      time.Duration
}

// wait blocks until the next free slot and reports whether it falls before
// deadline (and ctx was not cancelled meanwhile). A nil pacer never waits.
func (p *pacer) wait(ctx context.Context, deadline time.Time) bool {
	if p == nil {
		return true
	}
	p.mu.Lock()
	slot := p.next
	if oldest := time.Now().Add(-p.lag); slot.Before(oldest) {
		slot = oldest
	}
	if !slot.Before(deadline) {
		p.mu.Unlock()
		return false
	}
	p.next = slot.Add(p.interval)
	p.mu.Unlock()
	d := time.Until(slot)
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
