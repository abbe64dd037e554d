package main

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/litgo/litsession/core/node"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the worker's Prometheus metrics, on its own registry.
type metrics struct {
	reg         *prometheus.Registry
	handler     http.Handler
	requests    *prometheus.CounterVec
	signSeconds prometheus.Histogram
	nodeErrors  *prometheus.CounterVec
	rotations   prometheus.Counter
	storeErrors *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "litsession_http_requests_total",
		Help: "HTTP requests answered, by route, method and status code."}, []string{"route", "method", "code"})
	m.signSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "litsession_sign_duration_seconds",
		Help:    "Time the Lit nodes took to pkpSign, for successful POST /sign.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}})
	m.nodeErrors = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "litsession_node_errors_total",
		Help: "Lit node failures seen by failed sign requests, by node URL."}, []string{"node"})
	m.rotations = prometheus.NewCounter(prometheus.CounterOpts{Name: "litsession_session_rotations_total",
		Help: "Times the nodes refused the session signatures and the worker handshook again."})
	m.storeErrors = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "litsession_store_errors_total",
		Help: "Envelope store failures, by operation."}, []string{"op"})
	m.reg.MustRegister(m.requests, m.signSeconds, m.nodeErrors, m.rotations, m.storeErrors,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.handler = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	return m
}

// register adds the gauges that read the worker.
func (m *metrics) register(w *worker) {
	var mu sync.Mutex
	var last time.Time
	var count float64
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "litsession_envelopes_stored",
		Help: "Envelopes in the store (counted at most every 10 s; -1 while the store fails)."}, func() float64 {
		mu.Lock()
		defer mu.Unlock()
		if time.Since(last) < 10*time.Second {
			return count
		}
		ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
		defer cancel()
		ids, err := w.store.IDs(ctx)
		if err != nil {
			return -1
		}
		last, count = time.Now(), float64(len(ids))
		return count
	}))
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "litsession_ready",
		Help: "1 when /readyz answers ready, else 0."}, func() float64 {
		if w.draining.Load() || len(w.health.check(context.Background())) > 0 {
			return 0
		}
		return 1
	}))
}

// countNodeErrors counts the nodes a failed sign names.
func (m *metrics) countNodeErrors(err error) {
	var ne *node.NodeError
	var few *node.NotEnoughNodesError
	var none *node.NodesUnreachableError
	switch {
	case errors.As(err, &few):
		for u := range few.Failed {
			m.nodeErrors.WithLabelValues(u).Inc()
		}
	case errors.As(err, &none):
		for u := range none.Failed {
			m.nodeErrors.WithLabelValues(u).Inc()
		}
	case errors.As(err, &ne):
		m.nodeErrors.WithLabelValues(ne.URL).Inc()
	}
}
