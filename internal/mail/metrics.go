package mail

import "github.com/prometheus/client_golang/prometheus"

// Metrics count the worker's outcomes on a Prometheus registry; a nil
// *Metrics counts nothing.
type Metrics struct {
	sentTotal, failedTotal, retriedTotal prometheus.Counter
}

// NewMetrics registers the outbox counters on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		sentTotal:    prometheus.NewCounter(prometheus.CounterOpts{Name: "workspaced_outbox_sent_total", Help: "Outbox messages the SMTP server accepted."}),
		failedTotal:  prometheus.NewCounter(prometheus.CounterOpts{Name: "workspaced_outbox_failed_total", Help: "Outbox messages given up (permanent SMTP error or too many attempts)."}),
		retriedTotal: prometheus.NewCounter(prometheus.CounterOpts{Name: "workspaced_outbox_retries_total", Help: "Failed delivery attempts scheduled for a retry."}),
	}
	reg.MustRegister(m.sentTotal, m.failedTotal, m.retriedTotal)
	return m
}

func (m *Metrics) sent() {
	if m != nil {
		m.sentTotal.Inc()
	}
}

func (m *Metrics) failed() {
	if m != nil {
		m.failedTotal.Inc()
	}
}

func (m *Metrics) retried() {
	if m != nil {
		m.retriedTotal.Inc()
	}
}
