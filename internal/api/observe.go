package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"time"

	"github.com/wsctl/wsctl/internal/api/schema"
)

// requestInfo is what the outer middleware and the route handlers share
// about one request: its id, and the route pattern once a route matched.
type requestInfo struct {
	id    string
	route string
}

type infoKey struct{}

// infoOf returns the request's info; requests that did not come through
// observe get an empty one, so handlers never have to check.
func infoOf(r *http.Request) *requestInfo {
	if info, ok := r.Context().Value(infoKey{}).(*requestInfo); ok {
		return info
	}
	return &requestInfo{}
}

// saneRequestID is what an incoming X-Request-Id must look like to be kept:
// short, and nothing that could break a log line or a header.
var saneRequestID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$`)

// requestIDOf keeps the caller's X-Request-Id when it is sane, so a client
// can follow its request through the logs and the audit trail (R14).
func requestIDOf(r *http.Request) string {
	if id := r.Header.Get(schema.HeaderRequestID); saneRequestID.MatchString(id) {
		return id
	}
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return "req_" + hex.EncodeToString(b[:])
}

// observe is the outermost layer: it gives the request its id, recovers a
// panicking handler, and records the access log line and the metrics.
func (s *server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &requestInfo{id: requestIDOf(r), route: "unmatched"}
		r = r.WithContext(context.WithValue(r.Context(), infoKey{}, info))
		w.Header().Set(schema.HeaderRequestID, info.id)
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				if !rec.wrote {
					s.fail(rec, r, fmt.Errorf("panic: %v", v))
				} else {
					s.log.LogAttrs(r.Context(), slog.LevelError, "request failed",
						slog.String("route", info.route), slog.String("request_id", info.id), slog.String("error", fmt.Sprintf("panic: %v", v)))
				}
			}
			took := time.Since(start)
			status := rec.statusCode()
			s.metrics.observe(info.route, status, took)
			s.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
				slog.String("method", r.Method),
				slog.String("route", info.route),
				slog.Int("status", status),
				slog.Duration("duration", took),
				slog.String("request_id", info.id))
		}()
		next.ServeHTTP(rec, r)
	})
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusRecorder) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if !w.wrote {
		w.status, w.wrote = http.StatusOK, true
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (flush, deadlines).
func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush passes through, for streaming handlers.
func (w *statusRecorder) Flush() {
	if !w.wrote {
		w.status, w.wrote = http.StatusOK, true
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *statusRecorder) statusCode() int {
	if !w.wrote {
		return http.StatusOK
	}
	return w.status
}
