package api

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/wsctl/wsctl/docs"
	"github.com/wsctl/wsctl/internal/api/schema"
)

// GET /healthz: the process serves HTTP.
func (s *server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyTimeout bounds the database ping of /readyz, so a hung database
// makes the probe fail rather than hang.
const readyTimeout = 2 * time.Second

// GET /readyz: the server is not saturated and the database answers; 503
// otherwise.
func (s *server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.queue.Saturated(time.Now()) {
		s.fail(w, r, saturated(s.queue))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	if err := s.svc.Store().Ping(ctx); err != nil {
		s.fail(w, r, &unavailableError{cause: err})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// unavailableError is 503: the database does not answer. Its cause is
// logged, not shown.
type unavailableError struct{ cause error }

func (e *unavailableError) Error() string { return fmt.Sprintf("database unreachable: %v", e.cause) }
func (e *unavailableError) Code() string  { return schema.CodeUnavailable }

// GET /openapi.yaml: the description embedded in the binary.
func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/yaml")
	_, _ = w.Write(docs.OpenAPI)
}
