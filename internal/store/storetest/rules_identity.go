package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/wsctl/wsctl/internal/workspace"
)

func identityTests() []test {
	return []test{
		{"IdentityProvider_KindColumnsRoundTrip", testIdentityProviderColumns},
		{"UpstreamLinks_UserFoundByProviderAccount", testUpstreamUser},
	}
}

// testIdentityProviderColumns: every column of an org's provider (migration
// 00010: kind, endpoints, scopes, portal, provider-only) reads back as
// written, and writing again replaces the whole row (HubSpot → OIDC).
func testIdentityProviderColumns(t *testing.T, e *env) {
	o := e.newOrg("acme")
	at := e.now.Truncate(time.Second)
	hub := workspace.IdentityProvider{OrgID: o.ID, Kind: workspace.ProviderHubSpot, Name: "HubSpot", ClientID: "cid", ClientSecret: "secret",
		AuthorizeURL: "https://app-eu1.hubspot.com/oauth/authorize", TokenURL: "https://api.hubapi.com/oauth/v1/token",
		TokenInfoURL: "https://api.hubapi.com/oauth/v1/access-tokens/{token}", Scopes: []string{"oauth", "crm.objects.contacts.read"},
		PortalID: "4242", Domains: []string{"acme.example"}, ProviderOnly: true, UpdatedAt: at}
	oidc := workspace.IdentityProvider{OrgID: o.ID, Kind: workspace.ProviderOIDC, Name: "Okta", Issuer: "https://acme.okta.com",
		ClientID: "c2", ClientSecret: "s2", Scopes: []string{}, Domains: []string{}, UpdatedAt: at.Add(time.Minute)}
	for _, want := range []workspace.IdentityProvider{hub, oidc} {
		wantNoErr(t, e.store.Update(e.ctx, func(tx workspace.Tx) error { return tx.PutIdentityProvider(e.ctx, want) }), "put "+string(want.Kind))
		var got workspace.IdentityProvider
		wantNoErr(t, e.store.View(e.ctx, func(tx workspace.Tx) (err error) {
			got, err = tx.IdentityProvider(e.ctx, o.ID)
			return err
		}), "read "+string(want.Kind))
		if !got.UpdatedAt.Equal(want.UpdatedAt) {
			t.Errorf("%s: updated_at %v, want %v", want.Kind, got.UpdatedAt, want.UpdatedAt)
		}
		got.UpdatedAt = want.UpdatedAt
		if !reflect.DeepEqual(got, want) {
			t.Errorf("read back\n %+v\nwant\n %+v", got, want)
		}
	}
}

// testUpstreamUser: a provider account (issuer, subject) finds the user it
// is bound to, in its org and at its issuer only.
func testUpstreamUser(t *testing.T, e *env) {
	o, other := e.newOrg("acme"), e.newOrg("globex")
	u := e.addUser(o, "pat@acme.example", []string{"user"}, "flow")
	wantNoErr(t, e.store.Update(e.ctx, func(tx workspace.Tx) error {
		ok, err := tx.LinkUpstream(e.ctx, o.ID, u.ID, "hubspot:4242", "101", e.now)
		if err == nil && !ok {
			t.Error("the first link was refused")
		}
		return err
	}), "link")
	for _, tc := range []struct {
		name, org, issuer, subject, want string
	}{
		{"bound", o.ID, "hubspot:4242", "101", u.ID},
		{"another portal", o.ID, "hubspot:9999", "101", ""},
		{"another subject", o.ID, "hubspot:4242", "102", ""},
		{"another org", other.ID, "hubspot:4242", "101", ""},
	} {
		var got string
		err := e.store.View(e.ctx, func(tx workspace.Tx) (err error) {
			got, err = tx.UpstreamUser(e.ctx, tc.org, tc.issuer, tc.subject)
			return err
		})
		if tc.want == "" && workspace.CodeOf(err) != "not_found" {
			t.Errorf("%s: %q, %v; want not found", tc.name, got, err)
		}
		if tc.want != "" && (err != nil || got != tc.want) {
			t.Errorf("%s: %q, %v; want %s", tc.name, got, err, tc.want)
		}
	}
}
