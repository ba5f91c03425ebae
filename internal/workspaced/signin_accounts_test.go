package workspaced

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/store"
	"github.com/wsctl/wsctl/internal/workspace"
)

// run runs workspaced with args and stdin against database db.
func run(t *testing.T, db, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := NewRootCmd(&out, &errOut)
	root.SetIn(strings.NewReader(stdin))
	root.SetArgs(append(args, "--database", db))
	err = root.Execute()
	return out.String(), errOut.String(), err
}

func TestUserSetPassword_ReadsStdin_ThenThePasswordSignsIn(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "ws.db")
	if _, _, err := run(t, db, "", "org", "create", "--slug", "acme", "--name", "Acme", "--admin-name", "Ada Admin", "--admin-email", "ada@acme.example"); err != nil {
		t.Fatal(err)
	}
	if _, stderr, err := run(t, db, "a long enough password\n", "user", "set-password", "--org", "acme", "--email", "ada@acme.example"); err != nil {
		t.Fatalf("set-password: %v (%s)", err, stderr)
	}
	if _, _, err := run(t, db, "", "user", "set-password", "--org", "acme", "--email", "ada@acme.example"); err == nil || !strings.Contains(err.Error(), "no password on stdin") {
		t.Fatalf("set-password without stdin: %v", err)
	}
	if _, _, err := run(t, db, "short\n", "user", "set-password", "--org", "acme", "--email", "ada@acme.example"); err == nil || !strings.Contains(err.Error(), "too short") {
		t.Fatalf("set-password with a short one: %v", err)
	}

	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	acc := workspace.NewAccounts(workspace.NewService(st))
	if _, err := acc.CheckPassword(ctx, "acme", "ada@acme.example", "a long enough password", "192.0.2.1"); err != nil {
		t.Fatalf("the password set by the operator: %v", err)
	}
}

func TestOrgSetIdP_SecretFromFile_DomainsChecked(t *testing.T) {
	db, secretFile := newOrgWithSecret(t, "s3cret")
	_, stderr, err := run(t, db, "", "org", "set-idp", "--org", "acme", "--name", "HubSpot", "--issuer", "https://idp.example.com",
		"--client-id", "abc", "--client-secret-file", secretFile, "--domains", "acme.com,acme.io")
	if err != nil {
		t.Fatalf("set-idp: %v", err)
	}
	if !strings.Contains(stderr, "acme signs in with HubSpot") || !strings.Contains(stderr, "/login/upstream/callback") {
		t.Fatalf("set-idp said: %s", stderr)
	}
	if _, _, err := run(t, db, "", "org", "set-idp", "--org", "acme", "--issuer", "http://idp.example.com",
		"--client-id", "abc", "--client-secret-file", secretFile); err == nil || !strings.Contains(err.Error(), "issuer") {
		t.Fatalf("a plain-http issuer: %v", err)
	}
	if _, _, err := run(t, db, "s3cret", "org", "set-idp", "--org", "acme", "--issuer", "https://idp.example.com",
		"--client-id", "abc", "--client-secret-file", "-", "--domains", "not a domain"); err == nil || !strings.Contains(err.Error(), "domains") {
		t.Fatalf("a bad domain: %v", err)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	svc := workspace.NewService(st)
	org, _ := svc.OrgBySlug(ctx, "acme")
	idp, err := workspace.NewAccounts(svc).IdentityProvider(ctx, org.ID)
	st.Close()
	if err != nil || idp.ClientSecret != "s3cret" || strings.Join(idp.Domains, ",") != "acme.com,acme.io" {
		t.Fatalf("stored provider %+v, %v", idp, err)
	}
	if _, _, err := run(t, db, "", "org", "remove-idp", "--org", "acme"); err != nil {
		t.Fatalf("remove-idp: %v", err)
	}
	if _, _, err := run(t, db, "", "org", "remove-idp", "--org", "acme"); err == nil {
		t.Fatal("removing a provider that is not there succeeded")
	}
}

func TestOrgSetIdP_HubSpot_DefaultsPortalAndLocalAccounts(t *testing.T) {
	db, secretFile := newOrgWithSecret(t, "hub-secret")
	hub := []string{"org", "set-idp", "--org", "acme", "--kind", "hubspot", "--client-id", "app", "--client-secret-file", secretFile}
	for _, tc := range []struct {
		name         string
		args         []string
		err          string // "" when it succeeds
		said         string
		providerOnly bool
		authorizeURL string
	}{
		{"no portal", hub, "portal-id", "", false, ""},
		{"an issuer with hubspot", append(hub, "--portal-id", "4242", "--issuer", "https://idp.example.com"), "issuer", "", false, ""},
		{"plain http endpoint", append(hub, "--portal-id", "4242", "--token-url", "http://api.example.com/token"), "token-url", "", false, ""},
		{"oidc without an issuer", []string{"org", "set-idp", "--org", "acme", "--client-id", "c", "--client-secret-file", secretFile}, "issuer", "", false, ""},
		{"hubspot defaults", append(hub, "--portal-id", "4242"), "",
			"acme signs in with HubSpot (HubSpot account 4242); sign-up (while signup mode is on): every user of HubSpot account 4242; local passwords: off",
			true, workspace.HubSpotAuthorizeURL},
		{"local accounts kept, another host", append(hub, "--portal-id", "4242", "--allow-local-accounts", "--authorize-url", "https://app-eu1.hubspot.com/oauth/authorize"), "",
			"local passwords: kept", false, "https://app-eu1.hubspot.com/oauth/authorize"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, err := run(t, db, "", tc.args...)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want one about %s", err, tc.err)
				}
				return
			}
			if err != nil || !strings.Contains(stderr, tc.said) {
				t.Fatalf("set-idp: %v, said %q, want %q", err, stderr, tc.said)
			}
			ctx := context.Background()
			st, err := store.Open(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			svc := workspace.NewService(st)
			org, _ := svc.OrgBySlug(ctx, "acme")
			idp, err := workspace.NewAccounts(svc).IdentityProvider(ctx, org.ID)
			if err != nil || idp.Kind != workspace.ProviderHubSpot || idp.PortalID != "4242" || idp.ClientSecret != "hub-secret" ||
				idp.ProviderOnly != tc.providerOnly || idp.AuthorizeURL != tc.authorizeURL || idp.TokenURL != workspace.HubSpotTokenURL ||
				strings.Join(idp.Scopes, " ") != "oauth" {
				t.Fatalf("stored %+v, %v", idp, err)
			}
			events, _, err := svc.ListAudit(ctx, workspace.Operator(org.ID), workspace.AuditFilter{Action: "identity_provider.set"})
			if err != nil || len(events) == 0 {
				t.Fatalf("audit: %v %v", events, err)
			}
			last := string(events[0].After)
			if !strings.Contains(last, `"portal_id":"4242"`) || !strings.Contains(last, tc.authorizeURL) || strings.Contains(last, "hub-secret") {
				t.Fatalf("audit of set-idp: %s", last)
			}
		})
	}
}

// newOrgWithSecret creates the org acme in a new database and writes a
// client secret to a file, for set-idp.
func newOrgWithSecret(t *testing.T, secret string) (db, secretFile string) {
	t.Helper()
	dir := t.TempDir()
	db = "sqlite:" + filepath.Join(dir, "ws.db")
	if _, _, err := run(t, db, "", "org", "create", "--slug", "acme", "--name", "Acme", "--admin-name", "Ada Admin", "--admin-email", "ada@acme.example"); err != nil {
		t.Fatal(err)
	}
	secretFile = filepath.Join(dir, "secret")
	if err := os.WriteFile(secretFile, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return db, secretFile
}
