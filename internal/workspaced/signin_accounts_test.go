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
	if _, err := acc.CheckPassword(ctx, "acme", "ada@acme.example", "a long enough password"); err != nil {
		t.Fatalf("the password set by the operator: %v", err)
	}
}

func TestOrgSetIdP_SecretFromFile_DomainsChecked(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "ws.db")
	if _, _, err := run(t, db, "", "org", "create", "--slug", "acme", "--name", "Acme", "--admin-name", "Ada Admin", "--admin-email", "ada@acme.example"); err != nil {
		t.Fatal(err)
	}
	secretFile := filepath.Join(dir, "secret")
	if err := os.WriteFile(secretFile, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
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
