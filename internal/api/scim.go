package api

import (
	"errors"
	"net/http"

	"github.com/wsctl/wsctl/internal/scim"
	"github.com/wsctl/wsctl/internal/workspace"
)

// mountSCIM serves SCIM 2.0 (internal/scim) under /scim/v2 as every API
// route is served: request ids, access log, metrics, rate limits, the same
// tokens checked on every request, and the body limit. Only its errors
// differ: SCIM error bodies, which identity providers read.
func (s *server) mountSCIM() {
	h := scim.New(s.svc, s.svc.BaseURL(), s.maxBody)
	for _, rt := range h.Routes() {
		serve := rt.Serve
		if rt.Anonymous {
			s.anonymousAs(rt.Pattern, func(w http.ResponseWriter, r *http.Request) error {
				return serve(w, r, workspace.Principal{})
			}, s.failSCIM)
			continue
		}
		s.authenticatedAs(rt.Pattern, serve, s.failSCIM)
	}
	s.anonymousAs(scim.Prefix+"/", func(_ http.ResponseWriter, r *http.Request) error { return scim.NotFound(r) }, s.failSCIM)
}

// failSCIM answers err as a SCIM error body (RFC 7644 §3.12).
func (s *server) failSCIM(w http.ResponseWriter, r *http.Request, err error) {
	var refused *authError
	if errors.As(err, &refused) {
		err = refused.forSCIM()
	}
	e := scim.ErrorOf(err)
	s.logFailure(w, r, e.StatusCode(), err)
	scim.WriteError(w, e)
}

// forSCIM says what the admin of an identity provider does about a refused
// token: they paste a provisioning token, they do not sign in with wsctl.
func (e *authError) forSCIM() *authError {
	const create = "an admin of the workspace creates one with 'wsctl tokens create --name okta --scope scim' and pastes it into the identity provider's provisioning settings"
	if e.presented {
		return &authError{presented: true, detail: "the token is unknown, expired or revoked, or the admin who made it was deactivated: " + create}
	}
	return &authError{detail: "this request needs a provisioning token as 'Authorization: Bearer <token>': " + create}
}
