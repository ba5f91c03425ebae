package api

import (
	"net/http"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/workspace"
)

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
