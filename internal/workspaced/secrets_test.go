package workspaced

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/secrets"
	"github.com/wsctl/wsctl/internal/store"
	"github.com/wsctl/wsctl/internal/workspace"
)

// noKeyEnv keeps the person's own key variables out of a test.
func noKeyEnv(t *testing.T) {
	t.Setenv(store.EnvKey, "")
	t.Setenv(store.EnvKeyFile, "")
}

// sealedWorld is an org whose database holds one secret of each kind: the
// IdP's client secret, a TOTP seed, an OAuth server key, a sign-up link.
type sealedWorld struct {
	db, keyFile, seed string
}

func newSealedWorld(t *testing.T) sealedWorld {
	t.Helper()
	noKeyEnv(t)
	db, secretFile := newOrgWithSecret(t, "s3cret")
	if _, _, err := run(t, db, "", "org", "set-idp", "--org", "acme", "--name", "Okta", "--issuer", "https://idp.example.com",
		"--client-id", "abc", "--client-secret-file", secretFile); err != nil {
		t.Fatal(err)
	}
	w := sealedWorld{db: db, keyFile: strings.TrimPrefix(db, "sqlite:") + ".key"}
	w.withStore(t, func(svc *workspace.Service, org workspace.Org, admin workspace.User) {
		ctx := context.Background()
		enr, err := workspace.NewAccounts(svc).BeginTOTPEnrollment(ctx, org.ID, admin.ID)
		if err != nil {
			t.Fatal(err)
		}
		w.seed = enr.Secret
		if _, err := svc.Store().(keyStore).Key(ctx, "token-sealing-aes256", func() (string, error) { return "server key", nil }); err != nil {
			t.Fatal(err)
		}
	})
	return w
}

type keyStore interface {
	Key(ctx context.Context, name string, create func() (string, error)) (string, error)
}

// withStore opens the world's database with its key file and runs fn on it.
func (w sealedWorld) withStore(t *testing.T, fn func(svc *workspace.Service, org workspace.Org, admin workspace.User)) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, w.db)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer st.Close()
	svc := workspace.NewService(st)
	org, err := svc.OrgBySlug(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	admin, err := svc.GetUser(ctx, workspace.Operator(org.ID), "ada@acme.example")
	if err != nil {
		t.Fatal(err)
	}
	fn(svc, org, admin)
}

// check reads every secret back with the key file alone.
func (w sealedWorld) check(t *testing.T) {
	t.Helper()
	w.withStore(t, func(svc *workspace.Service, org workspace.Org, admin workspace.User) {
		ctx := context.Background()
		idp, err := workspace.NewAccounts(svc).IdentityProvider(ctx, org.ID)
		if err != nil || idp.ClientSecret != "s3cret" {
			t.Errorf("IdP secret: %q, %v", idp.ClientSecret, err)
		}
		err = svc.Store().View(ctx, func(tx workspace.Tx) error {
			c, err := tx.Credentials(ctx, org.ID, admin.ID)
			if err != nil || c.TOTPSecret != w.seed {
				t.Errorf("TOTP seed: %q, %v", c.TOTPSecret, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if k, err := svc.Store().(keyStore).Key(ctx, "token-sealing-aes256", nil); err != nil || k != "server key" {
			t.Errorf("server key: %q, %v", k, err)
		}
	})
}

func TestSecrets_KeyFileMadeOnFirstUse_BesideTheDatabase_OwnerOnly(t *testing.T) {
	w := newSealedWorld(t)
	st, err := os.Stat(w.keyFile)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file %s: %v, %v", w.keyFile, st, err)
	}
	w.check(t)
}

func TestSecretsRotate_SealsEverythingWithANewKey_DropsTheOld(t *testing.T) {
	w := newSealedWorld(t)
	old, err := secrets.LoadFile(w.keyFile)
	if err != nil {
		t.Fatal(err)
	}
	_, stderr, err := run(t, w.db, "", "secrets", "rotate")
	if err != nil {
		t.Fatalf("rotate: %v (%s)", err, stderr)
	}
	fresh, err := secrets.LoadFile(w.keyFile)
	if err != nil || len(fresh.IDs()) != 1 || fresh.Has(old.Current().ID()) {
		t.Fatalf("key file after rotate: %v, %v", fresh.IDs(), err)
	}
	if !strings.Contains(stderr, "sealed 3 secrets with key "+fresh.Current().ID()) || !strings.Contains(stderr, "dropped keys "+old.Current().ID()) {
		t.Errorf("rotate said: %s", stderr)
	}
	w.check(t)
	// Every secret moved: the old key alone opens nothing any more.
	_, err = store.OpenWithKeys(context.Background(), w.db, old)
	var unknown *secrets.UnknownKeyError
	if !errors.As(err, &unknown) || unknown.ID != fresh.Current().ID() {
		t.Fatalf("the old key after rotate: %v", err)
	}
}

func TestSecretsRotate_KeepOld_ThenResealDropOld(t *testing.T) {
	w := newSealedWorld(t)
	ctx := context.Background()
	old, _ := secrets.LoadFile(w.keyFile)
	// A server that started before the rotation, with the old key.
	running, err := store.OpenWithKeys(ctx, w.db, old)
	if err != nil {
		t.Fatal(err)
	}
	defer running.Close()
	if _, stderr, err := run(t, w.db, "", "secrets", "rotate", "--keep-old"); err != nil {
		t.Fatalf("rotate --keep-old: %v (%s)", err, stderr)
	}
	both, _ := secrets.LoadFile(w.keyFile)
	if ids := both.IDs(); len(ids) != 2 || ids[0] != old.Current().ID() {
		t.Fatalf("keys after rotate --keep-old: %v", ids)
	}
	w.check(t)
	// Meanwhile the running server seals with the old key, which the file
	// still holds.
	svc := workspace.NewService(running)
	org, _ := svc.OrgBySlug(ctx, "acme")
	if _, err := workspace.NewAccounts(svc).SetIdentityProvider(ctx, workspace.Operator(org.ID), workspace.IdentityProvider{
		Kind: workspace.ProviderOIDC, Name: "Okta", Issuer: "https://idp.example.com", ClientID: "abc", ClientSecret: "s3cret"}); err != nil {
		t.Fatal(err)
	}
	running.Close()
	w.check(t)
	_, stderr, err := run(t, w.db, "", "secrets", "reseal", "--drop-old")
	if err != nil || !strings.Contains(stderr, "sealed 1 secrets with key "+both.Current().ID()) {
		t.Fatalf("reseal --drop-old: %v (%s)", err, stderr)
	}
	last, _ := secrets.LoadFile(w.keyFile)
	if ids := last.IDs(); len(ids) != 1 || ids[0] != both.Current().ID() {
		t.Fatalf("keys after reseal --drop-old: %v", ids)
	}
	w.check(t)
}

func TestSecrets_OtherKeyFile_Refused_NamingTheFix(t *testing.T) {
	w := newSealedWorld(t)
	other := filepath.Join(t.TempDir(), "other.key")
	_, _, err := run(t, w.db, "", "migrate", "--secrets-key-file", other)
	if err == nil {
		t.Fatal("a database sealed with another key opened")
	}
	for _, want := range []string{"sealed with key", "--secrets-key-file", "docs/operations.md"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the refusal does not say %q: %v", want, err)
		}
	}
	if _, err := os.Stat(other); !os.IsNotExist(err) {
		t.Errorf("the key file made for the refused database stays: %v", err)
	}
	// Rotating with the wrong keys changes nothing either.
	if _, _, err := run(t, w.db, "", "secrets", "rotate", "--secrets-key-file", other); err == nil || !strings.Contains(err.Error(), "sealed with key") {
		t.Fatalf("rotate with another key file: %v", err)
	}
	w.check(t)
}

func TestSecrets_KeysFromTheEnvironment(t *testing.T) {
	noKeyEnv(t)
	k := secrets.NewKey()
	t.Setenv(store.EnvKey, strings.Join(strings.Fields(strings.SplitN(secrets.FormatKeys([]secrets.Key{k}), "\n", 3)[2]), " "))
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "ws.db")
	if _, _, err := run(t, db, "", "org", "create", "--slug", "acme", "--name", "Acme", "--admin-name", "Ada Admin", "--admin-email", "ada@acme.example"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "ws.db.key")); !os.IsNotExist(err) {
		t.Errorf("a key file was made although the keys are in $%s: %v", store.EnvKey, err)
	}
	_, _, err := run(t, db, "", "secrets", "rotate")
	if err == nil || !strings.Contains(err.Error(), store.EnvKey) || !strings.Contains(err.Error(), "--secrets-key-file") {
		t.Fatalf("rotate with keys in the environment: %v", err)
	}
}
