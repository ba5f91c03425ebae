package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/wsctl/wsctl/internal/secrets"
	"github.com/wsctl/wsctl/internal/store/postgres"
	"github.com/wsctl/wsctl/internal/store/sqlite"
	"github.com/wsctl/wsctl/internal/store/sqlstore"
	"github.com/wsctl/wsctl/internal/testutil/pgtest"
	"github.com/wsctl/wsctl/internal/workspace"
)

// migrationDB is a database that a test opens as a store and also changes
// behind its back, as it was before a migration.
type migrationDB struct {
	open    func(keys *secrets.Keyring) (*sqlstore.Store, error)
	raw     *sql.DB
	dialect goose.Dialect
}

// exec runs q, its ? placeholders rebound for the dialect.
func (d migrationDB) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	if d.dialect == goose.DialectPostgres {
		for i := 1; strings.Contains(q, "?"); i++ {
			q = strings.Replace(q, "?", fmt.Sprintf("$%d", i), 1)
		}
	}
	if _, err := d.raw.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func (d migrationDB) value(t *testing.T, q string) string {
	t.Helper()
	var v sql.NullString
	if err := d.raw.QueryRow(q).Scan(&v); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return v.String
}

func eachMigrationDB(t *testing.T, test func(t *testing.T, d migrationDB)) {
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "ws.db")
		raw, err := sql.Open("sqlite", "file:"+path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { raw.Close() })
		test(t, migrationDB{raw: raw, dialect: goose.DialectSQLite3, open: func(keys *secrets.Keyring) (*sqlstore.Store, error) {
			return sqlite.Open(context.Background(), path, sqlstore.WithKeys(keys))
		}})
	})
	t.Run("postgres", func(t *testing.T) {
		url := pgtest.NewDatabase(t)
		raw, err := sql.Open("pgx", url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { raw.Close() })
		test(t, migrationDB{raw: raw, dialect: goose.DialectPostgres, open: func(keys *secrets.Keyring) (*sqlstore.Store, error) {
			return postgres.Open(context.Background(), url, sqlstore.WithKeys(keys))
		}})
	})
}

// TestMigration15_SealsWhatWasInClear_WaitingLinksStillWork: a database
// written before secrets were sealed (its secrets in clear, its emails'
// links in their bodies) is sealed at the next start, with the keys that
// start is given: every secret reads back the same, the link of an email
// still waiting works and its secret left the bodies, and the secret of an
// email already sent is gone.
func TestMigration15_SealsWhatWasInClear_WaitingLinksStillWork(t *testing.T) {
	eachMigrationDB(t, func(t *testing.T, d migrationDB) {
		ctx := context.Background()
		// A database of today, filled through the store...
		st, err := d.open(secrets.Ephemeral())
		if err != nil {
			t.Fatal(err)
		}
		svc := workspace.NewService(st, workspace.WithBaseURL("https://ws.example.test"))
		n, err := svc.CreateOrg(ctx, workspace.OrgInput{Slug: "acme", Name: "Acme", AdminName: "Ada Admin", AdminEmail: "ada@acme.example"})
		if err != nil {
			t.Fatal(err)
		}
		admin, _ := svc.Authenticate(ctx, n.Secret)
		if err := svc.SetSignupMode(ctx, admin, false); err != nil {
			t.Fatal(err)
		}
		for _, email := range []string{"sent@acme.example", "waiting@acme.example"} {
			if _, err := svc.Invite(ctx, admin, workspace.InviteInput{Name: "Ann Lee", Email: email, Roles: []string{"user"}, Licenses: []string{"flow"}}); err != nil {
				t.Fatal(err)
			}
		}
		emails, err := svc.Outbox(ctx, workspace.Operator(n.Org.ID))
		if err != nil || len(emails) != 2 {
			t.Fatalf("outbox %v, %v", emails, err)
		}
		if err := st.Update(ctx, func(tx workspace.Tx) error { return tx.MarkOutboxSent(ctx, emails[0].ID, time.Now()) }); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Key(ctx, "token-sealing-aes256", func() (string, error) { return "the AES key", nil }); err != nil {
			t.Fatal(err)
		}
		st.Close()

		// ... taken back to before migration 15, its secrets in clear.
		if err := sqlstore.MigrateDownTo(ctx, d.raw, d.dialect, 14); err != nil {
			t.Fatal(err)
		}
		const seed, idpSecret, flow = "JBSWY3DPEHPK3PXP", "the IdP secret", `{"signup":{"totp_secret":"KRSXG5CTMVRXEZLU"}}`
		adminID := d.value(t, `SELECT id FROM users`)
		d.exec(t, `INSERT INTO credentials (user_id, org_id, password_hash, totp_secret, totp_confirmed, totp_last_step, updated_at)
			VALUES (?, ?, '', ?, 1, 0, '2026-01-01T00:00:00.000000Z')`, adminID, n.Org.ID, seed)
		d.exec(t, `INSERT INTO org_identity_providers (org_id, display_name, issuer, client_id, client_secret, allowed_domains, updated_at)
			VALUES (?, 'Okta', 'https://okta.example', 'c', ?, '', '2026-01-01T00:00:00.000000Z')`, n.Org.ID, idpSecret)
		d.exec(t, `UPDATE oauth_keys SET secret = 'the AES key'`)
		d.exec(t, `INSERT INTO browser_sessions (id_hash, csrf_token, mfa_passed, amr, flow, created_at, expires_at)
			VALUES ('h1', 'c', 0, '', ?, '2026-01-01T00:00:00.000000Z', '2099-01-01T00:00:00.000000Z')`, flow)
		for _, m := range emails {
			d.exec(t, `UPDATE outbox SET text_body = ?, html_body = ? WHERE id = ?`, m.Text, m.HTML, m.ID)
		}

		// The next start seals them, with its own keys.
		keys := secrets.Ephemeral()
		st, err = d.open(keys)
		if err != nil {
			t.Fatalf("open after the upgrade: %v", err)
		}
		defer st.Close()
		for _, q := range []string{`SELECT totp_secret FROM credentials`, `SELECT client_secret FROM org_identity_providers`,
			`SELECT secret FROM oauth_keys`, `SELECT flow FROM browser_sessions`, `SELECT link_token FROM outbox WHERE link_token IS NOT NULL`} {
			if v := d.value(t, q); secrets.KeyIDOf(v) != keys.Current().ID() {
				t.Errorf("%s: %.30q…, not sealed with the start's key", q, v)
			}
		}
		if v := d.value(t, `SELECT COUNT(*) FROM outbox WHERE text_body LIKE '%wsi_%' OR html_body LIKE '%wsi_%'`); v != "0" {
			t.Errorf("%s emails keep a link's secret in their bodies", v)
		}
		err = st.View(ctx, func(tx workspace.Tx) error {
			c, err := tx.Credentials(ctx, n.Org.ID, adminID)
			if err != nil || c.TOTPSecret != seed {
				t.Errorf("TOTP seed after the upgrade: %q, %v", c.TOTPSecret, err)
			}
			p, err := tx.IdentityProvider(ctx, n.Org.ID)
			if err != nil || p.ClientSecret != idpSecret {
				t.Errorf("IdP secret after the upgrade: %q, %v", p.ClientSecret, err)
			}
			s, err := tx.BrowserSessionByHash(ctx, "h1")
			if err != nil || string(s.Flow) != flow {
				t.Errorf("flow after the upgrade: %q, %v", s.Flow, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if k, err := st.Key(ctx, "token-sealing-aes256", nil); err != nil || k != "the AES key" {
			t.Errorf("server key after the upgrade: %q, %v", k, err)
		}
		svc = workspace.NewService(st, workspace.WithBaseURL("https://ws.example.test"))
		after, err := svc.Outbox(ctx, workspace.Operator(n.Org.ID))
		if err != nil || len(after) != 2 {
			t.Fatalf("outbox after the upgrade: %v, %v", after, err)
		}
		if after[0].LinkToken != "" || after[0].SignupLink() != "" || !strings.Contains(after[0].Text, workspace.LinkTokenPlaceholder) {
			t.Errorf("the sent email keeps its link: %+v", after[0])
		}
		if after[1].Text != emails[1].Text || after[1].HTML != emails[1].HTML {
			t.Errorf("the waiting email after the upgrade:\n%q\nwant\n%q", after[1].Text, emails[1].Text)
		}
		if _, _, err := workspace.NewAccounts(svc).InviteForSignup(ctx, after[1].LinkToken); err != nil {
			t.Errorf("the waiting email's link no longer works: %v", err)
		}
	})
}
