package api

import (
	"net/http"
	"time"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/workspace"
)

// GET /api/v1/tokens: every token of the org, never a secret.
func (s *server) listTokens(w http.ResponseWriter, r *http.Request, p workspace.Principal) error {
	toks, err := s.svc.ListTokens(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, schema.Page[schema.Token]{Items: mapList(toks, tokenJSON)})
	return nil
}

// POST /api/v1/tokens: the secret is in this answer only. A replayed
// Idempotency-Key answers 200 with the first token, whose secret is gone.
func (s *server) createToken(w http.ResponseWriter, r *http.Request, p workspace.Principal) error {
	key, err := idempotencyKey(r)
	if err != nil {
		return err
	}
	var in schema.TokenRequest
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	out, err := s.svc.CreateToken(r.Context(), p, workspace.TokenInput{Name: in.Name, Scopes: in.Scopes,
		ExpiresIn: time.Duration(in.ExpiresIn) * time.Second}, key)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if out.Replayed {
		w.Header().Set(schema.HeaderIdempotentReplay, "true")
		status = http.StatusOK
	}
	writeJSON(w, status, schema.TokenCreated{Token: tokenJSON(out.Token), Secret: out.Secret})
	return nil
}

// DELETE /api/v1/tokens/{id}: revoked at once; its next request is 401.
func (s *server) revokeToken(w http.ResponseWriter, r *http.Request, p workspace.Principal) error {
	if err := s.svc.RevokeToken(r.Context(), p, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
