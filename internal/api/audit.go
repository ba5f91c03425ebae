package api

import (
	"net/http"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/workspace"
)

// GET /api/v1/audit: newest first (R14).
func (s *server) listAudit(w http.ResponseWriter, r *http.Request, p workspace.Principal) error {
	q := r.URL.Query()
	since, err := timeParam(q, "since")
	if err != nil {
		return err
	}
	f := workspace.AuditFilter{Since: since, Actor: q.Get("actor"), Action: q.Get("action")}
	if f.Limit, f.Before, err = pageParams(q, cursorAudit); err != nil {
		return err
	}
	events, next, err := s.svc.ListAudit(r.Context(), p, f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, schema.Page[schema.AuditEvent]{Items: mapList(events, auditJSON), NextCursor: encodeCursor(cursorAudit, next)})
	return nil
}
