package api_test

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/wsctl/wsctl/internal/api"
	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/workspace"
)

// fakeAccessTokens stands in for the authorization server: it knows the
// access tokens the test gives it.
type fakeAccessTokens struct {
	mu     sync.Mutex
	tokens map[string]workspace.Principal
	asked  []string
}

func (f *fakeAccessTokens) VerifyAccessToken(_ context.Context, token string) (workspace.Principal, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, token)
	p, ok := f.tokens[token]
	if !ok {
		return p, workspace.ErrUnauthenticated
	}
	return p, nil
}

// TestAuth_AccessTokens_R13: a bearer token that is not an API token goes
// to Options.AccessTokens; the API then acts with its principal's org and
// scopes, refuses what the scopes do not allow, and answers 401 with
// WWW-Authenticate for an unknown one. API tokens never reach it.
func TestAuth_AccessTokens_R13(t *testing.T) {
	fake := &fakeAccessTokens{tokens: map[string]workspace.Principal{}}
	e := newEnv(t, func(o *api.Options) { o.AccessTokens = fake })
	o := e.inviting("acme")
	fake.tokens["oauth-read"] = workspace.Principal{OrgID: o.id, UserID: o.adminID, Email: o.adminEmail,
		Roles: []workspace.Role{workspace.RoleAdmin}, Scopes: []workspace.Scope{workspace.ScopeUsersRead}, TokenID: "fam_1"}

	me := decode[schema.Me](t, e.get("/api/v1/me", "oauth-read").want(t, http.StatusOK))
	if me.OrgSlug != "acme" || !slices.Equal(me.Scopes, []string{"users:read"}) || me.TokenID != "fam_1" {
		t.Fatalf("/me %+v", me)
	}
	e.post("/api/v1/invites", "oauth-read", schema.InviteRequest{Name: "Carol", Email: "carol@acme.example",
		Roles: []string{"user"}, Licenses: []string{"flow"}}).problem(t, http.StatusForbidden, "forbidden")

	a := e.get("/api/v1/me", "oauth-unknown")
	a.problem(t, http.StatusUnauthorized, schema.CodeUnauthenticated)
	if got := a.header.Get("WWW-Authenticate"); got != `Bearer realm="workspaced", error="invalid_token"` {
		t.Errorf("WWW-Authenticate %q", got)
	}

	e.get("/api/v1/me", o.admin).want(t, http.StatusOK)
	if slices.Contains(fake.asked, o.admin) {
		t.Error("an API token was sent to the access-token verifier")
	}
}
