package workspace_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/workspace"
)

// hubspot is a valid HubSpot configuration for portal 4242; tests change
// what they check.
func hubspot(change func(*workspace.IdentityProvider)) workspace.IdentityProvider {
	p := workspace.IdentityProvider{Kind: workspace.ProviderHubSpot, ClientID: "app-client", ClientSecret: "top-secret",
		PortalID: "4242", ProviderOnly: true}
	if change != nil {
		change(&p)
	}
	return p
}

func TestSetIdentityProvider_HubSpot_ValidatesKindPortalAndEndpoints(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *accountsEnv) {
		op := workspace.Operator(e.org.ID)
		for _, tc := range []struct {
			name, field string
			in          workspace.IdentityProvider
		}{
			{"unknown kind", "kind", hubspot(func(p *workspace.IdentityProvider) { p.Kind = "saml" })},
			{"no portal", "portal-id", hubspot(func(p *workspace.IdentityProvider) { p.PortalID = "" })},
			{"portal not a number", "portal-id", hubspot(func(p *workspace.IdentityProvider) { p.PortalID = "acme" })},
			{"issuer with hubspot", "issuer", hubspot(func(p *workspace.IdentityProvider) { p.Issuer = "https://idp.example.com" })},
			{"plain http token URL", "token-url", hubspot(func(p *workspace.IdentityProvider) { p.TokenURL = "http://api.example.com/token" })},
			{"authorize URL not a URL", "authorize-url", hubspot(func(p *workspace.IdentityProvider) { p.AuthorizeURL = "app.hubspot.com/oauth" })},
			{"token info without {token}", "token-info-url", hubspot(func(p *workspace.IdentityProvider) { p.TokenInfoURL = "https://api.example.com/info" })},
			{"no client secret", "client-secret", hubspot(func(p *workspace.IdentityProvider) { p.ClientSecret = "" })},
			{"portal with oidc", "portal-id", workspace.IdentityProvider{Issuer: "https://idp.example.com", ClientID: "c", ClientSecret: "s", PortalID: "1"}},
			{"scopes with oidc", "scopes", workspace.IdentityProvider{Issuer: "https://idp.example.com", ClientID: "c", ClientSecret: "s", Scopes: []string{"oauth"}}},
		} {
			_, err := e.acc.SetIdentityProvider(e.ctx, op, tc.in)
			var v *workspace.ValidationError
			if !errors.As(err, &v) || v.Field != tc.field {
				t.Errorf("%s: err %v, want a %s field error", tc.name, err, tc.field)
			}
		}

		got, err := e.acc.SetIdentityProvider(e.ctx, op, hubspot(nil))
		if err != nil {
			t.Fatal(err)
		}
		want := workspace.IdentityProvider{Kind: workspace.ProviderHubSpot, Name: "HubSpot", PortalID: "4242", Scopes: []string{"oauth"},
			AuthorizeURL: workspace.HubSpotAuthorizeURL, TokenURL: workspace.HubSpotTokenURL, TokenInfoURL: workspace.HubSpotTokenInfoURL, ProviderOnly: true}
		if got.Kind != want.Kind || got.Name != want.Name || got.PortalID != want.PortalID || !slices.Equal(got.Scopes, want.Scopes) ||
			got.AuthorizeURL != want.AuthorizeURL || got.TokenURL != want.TokenURL || got.TokenInfoURL != want.TokenInfoURL || !got.ProviderOnly {
			t.Fatalf("stored %+v, want HubSpot's defaults %+v", got, want)
		}
		stored, err := e.acc.IdentityProvider(e.ctx, e.org.ID)
		if err != nil || stored.Kind != workspace.ProviderHubSpot || stored.PortalID != "4242" || !stored.ProviderOnly ||
			!slices.Equal(stored.Scopes, []string{"oauth"}) || stored.TokenInfoURL != workspace.HubSpotTokenInfoURL {
			t.Fatalf("read back %+v (%v)", stored, err)
		}
		events, _, err := e.svc.ListAudit(e.ctx, op, workspace.AuditFilter{Action: "identity_provider.set"})
		if err != nil || len(events) != 1 {
			t.Fatalf("audit: %v, %d events", err, len(events))
		}
		after := string(events[0].After)
		for _, s := range []string{`"kind":"hubspot"`, `"portal_id":"4242"`, workspace.HubSpotTokenURL, `"local_accounts":false`} {
			if !strings.Contains(after, s) {
				t.Errorf("the audit event %s lacks %s", after, s)
			}
		}
		if strings.Contains(after, "top-secret") {
			t.Fatal("the audit event holds the client secret")
		}
	})
}

// HubSpot people are bound to (portal, HubSpot user id); only the org's
// portal signs in, every user of it may sign up while signup mode is on
// (R7), and --domains narrows that.
func TestSignInUpstream_HubSpot_PortalBindingAndSignup_R7(t *testing.T) {
	pat := workspace.UpstreamIdentity{Subject: "101", Email: "pat@acme.example", EmailVerified: true, Account: "4242"}
	for _, tc := range []struct {
		name    string
		domains []string
		id      workspace.UpstreamIdentity
		refused string // "" when the person is signed up
	}{
		{"a user of the portal signs up", nil, pat, ""},
		{"another portal is refused", nil, func() workspace.UpstreamIdentity { id := pat; id.Account = "9999"; return id }(), "HubSpot account 9999"},
		{"domains narrow the sign-up", []string{"acme.example"}, pat, ""},
		{"a user of the portal from another domain", []string{"corp.example"}, pat, "cannot sign up on their own"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			forEachStore(t, func(t *testing.T, e *accountsEnv) {
				if _, err := e.acc.SetIdentityProvider(e.ctx, workspace.Operator(e.org.ID), hubspot(func(p *workspace.IdentityProvider) { p.Domains = tc.domains })); err != nil {
					t.Fatal(err)
				}
				u, err := e.acc.SignInUpstream(e.ctx, e.org.ID, tc.id, "")
				var refused *workspace.UpstreamRefusedError
				switch {
				case tc.refused == "" && (err != nil || u.Email != "pat@acme.example" || !slices.Equal(u.Roles, []workspace.Role{workspace.RoleUser}) || len(u.Licenses) != 0):
					t.Fatalf("sign-up: %+v %v", u, err)
				case tc.refused != "" && (!errors.As(err, &refused) || !strings.Contains(err.Error(), tc.refused)):
					t.Fatalf("err %v, want a refusal saying %q", err, tc.refused)
				}
			})
		})
	}
}

func TestCheckPassword_RefusedWhenTheOrgSignsInThroughItsProviderOnly(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *accountsEnv) {
		op := workspace.Operator(e.org.ID)
		if _, err := e.acc.SetIdentityProvider(e.ctx, op, hubspot(nil)); err != nil {
			t.Fatal(err)
		}
		var off *workspace.LocalAccountsOffError
		if _, err := e.acc.CheckPassword(e.ctx, "acme", e.admin.Email, "correct horse battery", "192.0.2.1"); !errors.As(err, &off) {
			t.Fatalf("password with HubSpot only: %v, want LocalAccountsOffError", err)
		}
		if _, err := e.acc.SetIdentityProvider(e.ctx, op, hubspot(func(p *workspace.IdentityProvider) { p.ProviderOnly = false })); err != nil {
			t.Fatal(err)
		}
		if _, err := e.acc.CheckPassword(e.ctx, "acme", e.admin.Email, "correct horse battery", "192.0.2.1"); err != nil {
			t.Fatalf("password with local accounts kept: %v", err)
		}
	})
}
