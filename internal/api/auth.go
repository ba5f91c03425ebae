package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/workspace"
)

// authError is a refused or missing bearer token: 401 with WWW-Authenticate
// (RFC 6750). It never holds the token.
type authError struct {
	detail    string
	presented bool // a token came and was refused, rather than none came
}

func (e *authError) Error() string { return e.detail }
func (e *authError) Code() string  { return schema.CodeUnauthenticated }

func (e *authError) setHeaders(h http.Header) {
	if e.presented {
		h.Set("WWW-Authenticate", `Bearer realm="workspaced", error="invalid_token"`)
		return
	}
	h.Set("WWW-Authenticate", `Bearer realm="workspaced"`)
}

var errNoToken = &authError{detail: "this request needs a token: send 'Authorization: Bearer <token>' " +
	"(sign in with 'wsctl auth login', or set WSCTL_TOKEN to an API token)"}

// AccessTokenVerifier checks an OAuth 2.0 access token (internal/authserver
// implements it). A token that is unknown, expired or revoked, or whose user
// is deactivated, is workspace.ErrUnauthenticated.
type AccessTokenVerifier interface {
	VerifyAccessToken(ctx context.Context, token string) (workspace.Principal, error)
}

// apiTokenPrefix starts every API token the domain mints (CreateToken);
// any other bearer token can only be an OAuth access token.
const apiTokenPrefix = "wsp_"

// authenticate turns the request's bearer token into the caller, asking the
// domain or the authorization server every time (R9), and tags the principal
// with the request id so the audit events of the request carry it (R14).
func (s *server) authenticate(r *http.Request) (workspace.Principal, error) {
	secret, ok := bearerToken(r.Header.Get("Authorization"))
	if !ok {
		return workspace.Principal{}, errNoToken
	}
	var p workspace.Principal
	var err error
	if s.tokens != nil && !strings.HasPrefix(secret, apiTokenPrefix) {
		p, err = s.tokens.VerifyAccessToken(r.Context(), secret)
	} else {
		p, err = s.svc.Authenticate(r.Context(), secret)
	}
	if err != nil {
		if workspace.CodeOf(err) == schema.CodeUnauthenticated {
			return p, &authError{detail: err.Error() + "; sign in again with 'wsctl auth login'", presented: true}
		}
		return p, err
	}
	p.RequestID = infoOf(r).id
	return p, nil
}

// bearerToken reads "Bearer <token>"; the scheme is case-insensitive.
func bearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}
