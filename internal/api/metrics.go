package api

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/wsctl/wsctl/internal/admission"
	"github.com/wsctl/wsctl/internal/api/schema"
)

// metrics are the Prometheus series of the HTTP layer, labelled by route
// pattern (never by raw path: ids and emails would explode the series).
type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	handler  http.Handler
}

func newMetrics(reg *prometheus.Registry, queue *admission.Limiter) *metrics {
	if reg == nil {
		reg = prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	m := &metrics{
		requests: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "workspaced_http_requests_total",
			Help: "HTTP requests answered, by route pattern and status code.",
		}, []string{"route", "status"})),
		duration: register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "workspaced_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route pattern.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route"})),
	}
	if queue != nil {
		watchAdmission(reg, queue)
	}
	m.handler = MetricsHandler(reg)
	return m
}

// MetricsHandler serves reg's series in Prometheus' text format: what
// workspaced serve mounts at /metrics of its --metrics-listen listener.
func MetricsHandler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}

// metricsNotHere answers /metrics on the API's listener when the metrics
// are served on their own (Options.MetricsElsewhere).
func (s *server) metricsNotHere(w http.ResponseWriter, r *http.Request) {
	s.fail(w, r, &requestError{code: schema.CodeNotFound,
		detail: "metrics are not served on the API's address: start workspaced serve with --metrics-listen ADDRESS (a port Prometheus reaches and API clients do not) and scrape ADDRESS/metrics"})
}

// watchAdmission exports the state of the admission queue, read at each
// scrape: the series that show a server at or past what it can serve.
func watchAdmission(reg prometheus.Registerer, queue *admission.Limiter) {
	register(reg, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "workspaced_http_requests_in_flight",
		Help: "Requests being served now (at most --max-in-flight).",
	}, func() float64 { return float64(queue.InFlight()) }))
	register(reg, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "workspaced_http_requests_queued",
		Help: "Requests waiting for their turn to be served.",
	}, func() float64 { return float64(queue.Queued()) }))
	register(reg, prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "workspaced_http_requests_shed_total",
		Help: "Requests turned away unserved (503 overloaded) because the server was saturated.",
	}, func() float64 { return float64(queue.Shed()) }))
}

// register adds c to reg, or returns the collector already there, so that
// two handlers can share one registry.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if err := reg.Register(c); err != nil {
		var already prometheus.AlreadyRegisteredError
		if errors.As(err, &already) {
			if existing, ok := already.ExistingCollector.(C); ok {
				return existing
			}
		}
		panic(err)
	}
	return c
}

func (m *metrics) observe(route string, status int, took time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(route).Observe(took.Seconds())
}
