package api

import (
	"net/http"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/workspace"
)

// GET /api/v1/licenses: every pool on one page (R4, R5).
func (s *server) listLicensePools(w http.ResponseWriter, r *http.Request, p workspace.Principal) error {
	pools, err := s.svc.Pools(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, schema.Page[schema.LicensePool]{Items: mapList(pools, poolJSON)})
	return nil
}

// GET /api/v1/settings/signup-mode (R2, R7).
func (s *server) getSignupMode(w http.ResponseWriter, r *http.Request, p workspace.Principal) error {
	on, err := s.svc.SignupMode(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, schema.SignupMode{AutoSignup: on})
	return nil
}

// PUT /api/v1/settings/signup-mode (R2, R3: the CLI has confirmed already).
func (s *server) setSignupMode(w http.ResponseWriter, r *http.Request, p workspace.Principal) error {
	// A pointer, so that a forgotten field is not read as "off".
	var in struct {
		AutoSignup *bool `json:"auto_signup"`
	}
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	if in.AutoSignup == nil {
		return &workspace.ValidationError{Field: "auto_signup", Reason: "is required: true lets people sign up on their own, false allows invites"}
	}
	if err := s.svc.SetSignupMode(r.Context(), p, *in.AutoSignup); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, schema.SignupMode{AutoSignup: *in.AutoSignup})
	return nil
}

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
