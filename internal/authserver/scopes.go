package authserver

import (
	"slices"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/wsctl/wsctl/internal/workspace"
)

// apiScopes are the scopes of SPEC §3, as OAuth scope strings.
var apiScopes = func() []string {
	out := make([]string, len(workspace.AllScopes))
	for i, s := range workspace.AllScopes {
		out[i] = string(s)
	}
	return out
}()

// supportedScopes is what a client may ask for: OpenID Connect's openid and
// offline_access (a refresh token), then the API's scopes.
var supportedScopes = append([]string{oidc.ScopeOpenID, oidc.ScopeOfflineAccess}, apiScopes...)

// onlySupported drops the scopes this server does not know, as zitadel does
// for authorization requests (the device grant leaves it to us).
func onlySupported(scopes []string) []string {
	var out []string
	for _, s := range scopes {
		if slices.Contains(supportedScopes, s) && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// grantedAPIScopes are the API scopes among a token's scopes (R13).
func grantedAPIScopes(scopes []string) []workspace.Scope {
	out := []workspace.Scope{}
	for _, s := range scopes {
		if slices.Contains(apiScopes, s) {
			out = append(out, workspace.Scope(s))
		}
	}
	return out
}
