package workspaced

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wsctl/wsctl/internal/api"
)

// serveMetrics serves /metrics of reg on addr until ctx ends. The metrics
// say how busy the server is, what fails and how its database fares, so
// they have a listener of their own, one an operator opens to Prometheus
// and not to the API's clients (the API's /metrics answers 404).
func serveMetrics(ctx context.Context, addr string, reg *prometheus.Registry, log *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("--metrics-listen: listen on %s: %w (choose another address, e.g. --metrics-listen 127.0.0.1:9464)", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", api.MetricsHandler(reg))
	// Not "address": that key names the API's own listener in the log.
	log.Info("metrics listening", "metrics_url", "http://"+ln.Addr().String()+"/metrics")
	serveAside(ctx, ln, mux, time.Minute)
	return nil
}
