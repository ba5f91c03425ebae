package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/wsctl/wsctl/internal/secrets"
	"github.com/wsctl/wsctl/internal/workspace"
)

// The at-rest suite (security findings 2 and 6) is the attack of someone
// who holds a copy of the database, or of a backup, and not the keys: it
// runs the flows that store secrets, then reads every text of every table
// (and, where it can, every byte of the database's files) for them.

// Database is one database of the suite: opened as a store with keys, and
// read as such a reader would, with its driver alone.
type Database struct {
	// Open opens the store over the database with keys; again after Close
	// it opens the same database.
	Open func(t *testing.T, keys *secrets.Keyring) (workspace.Store, error)
	// Raw opens the database apart from any store.
	Raw func(t *testing.T) *sql.DB
	// Tables is a query of one column: the names of the database's tables.
	Tables string
	// Files are the database's files, read byte by byte; nil when out of reach.
	Files []string
}

// RunAtRest runs the suite on fresh databases from fresh.
func RunAtRest(t *testing.T, fresh func(t *testing.T) Database) {
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, a *atRest)
	}{
		{"TOTPSeed_NowhereInTheDatabase", testTOTPSeedAtRest},
		{"IdPClientSecret_NowhereInTheDatabase", testIdPSecretAtRest},
		{"SignupToken_NowhereInTheDatabase_BeforeOrAfterSending", testSignupTokenAtRest},
		{"ServerKeys_NowhereInTheDatabase", testServerKeysAtRest},
		{"SignupFlow_PasswordHashAndSeed_SealedWhilePending_GoneOnceDone", testSignupFlowAtRest},
		{"SealedValueCopiedToAnotherRow_DoesNotOpen", testSealedValueMoved},
		{"OtherKeys_DatabaseRefusedAtOpen", testOtherKeysRefused},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := fresh(t)
			keys := secrets.Ephemeral()
			st, err := db.Open(t, keys)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			raw := db.Raw(t)
			t.Cleanup(func() { raw.Close() })
			tc.fn(t, &atRest{env: newEnv(t, func(*testing.T) workspace.Store { return st }), db: db, raw: raw, keys: keys})
		})
	}
}

type atRest struct {
	*env
	db   Database
	raw  *sql.DB
	keys *secrets.Keyring
}

// secret is what the reader looks for, and the columns where it may be
// (a password hash is kept as such in credentials.password_hash).
type secret struct {
	name, value string
	allowedIn   []string // "table.column"
}

// scan fails the test for each secret found in a table or a file.
func (a *atRest) scan(t *testing.T, when string, secrets ...secret) {
	t.Helper()
	tables, err := a.rawColumn(a.db.Tables)
	if err != nil {
		t.Fatalf("list tables: %v", err)
	}
	texts := 0
	for _, table := range tables {
		rows, err := a.raw.Query(`SELECT * FROM ` + table)
		if err != nil {
			t.Fatalf("read %s: %v", table, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatalf("read %s: %v", table, err)
			}
			for i, v := range vals {
				text := textOf(v)
				texts++
				for _, s := range secrets {
					if strings.Contains(text, s.value) && !contains(s.allowedIn, table+"."+cols[i]) {
						t.Errorf("%s: the %s is in clear in %s.%s", when, s.name, table, cols[i])
					}
				}
			}
		}
		rows.Close()
	}
	if texts == 0 {
		t.Fatal("the scan read nothing")
	}
	for _, f := range a.db.Files {
		b, err := os.ReadFile(f)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range secrets {
			if len(s.allowedIn) == 0 && bytes.Contains(b, []byte(s.value)) {
				t.Errorf("%s: the %s is in clear in the file %s", when, s.name, f)
			}
		}
	}
}

func textOf(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case []byte:
		return string(v)
	case string:
		return v
	}
	return fmt.Sprint(v)
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

func (a *atRest) rawColumn(q string) ([]string, error) {
	rows, err := a.raw.Query(q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s sql.NullString
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s.String)
	}
	return out, rows.Err()
}

func (a *atRest) totpCode(t *testing.T, seed string) string {
	t.Helper()
	code, err := totp.GenerateCodeCustom(seed, a.now, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// testTOTPSeedAtRest: a TOTP seed, pending and then confirmed, is sealed.
func testTOTPSeedAtRest(t *testing.T, a *atRest) {
	o := a.newOrg("acme")
	acc := workspace.NewAccounts(a.svc)
	admin, err := a.svc.GetUser(a.ctx, o.admin, o.admin.Email)
	wantNoErr(t, err, "admin")
	enr, err := acc.BeginTOTPEnrollment(a.ctx, o.ID, admin.ID)
	wantNoErr(t, err, "begin enrollment")
	a.scan(t, "enrollment pending", secret{name: "TOTP seed", value: enr.Secret})
	_, err = acc.ConfirmTOTP(a.ctx, o.ID, admin.ID, a.totpCode(t, enr.Secret), "req_1")
	wantNoErr(t, err, "confirm enrollment")
	a.scan(t, "enrolled", secret{name: "TOTP seed", value: enr.Secret})
	if _, err := acc.VerifyTOTP(a.ctx, o.ID, admin.ID, a.totpCode(t, enr.Secret)); err == nil {
		t.Fatal("the code that confirmed the enrollment was accepted again")
	}
}

// testIdPSecretAtRest: the org's identity provider's client secret is sealed.
func testIdPSecretAtRest(t *testing.T, a *atRest) {
	o := a.newOrg("acme")
	clientSecret := "idp-client-secret-" + workspace.RandomToken()
	_, err := workspace.NewAccounts(a.svc).SetIdentityProvider(a.ctx, workspace.Operator(o.ID), workspace.IdentityProvider{
		Kind: workspace.ProviderOIDC, Name: "Okta", Issuer: "https://acme.okta.example", ClientID: "wsctl", ClientSecret: clientSecret,
		Domains: []string{"acme.example"}})
	wantNoErr(t, err, "set provider")
	a.scan(t, "provider set", secret{name: "client secret", value: clientSecret})
	idp, err := workspace.NewAccounts(a.svc).IdentityProvider(a.ctx, o.ID)
	if err != nil || idp.ClientSecret != clientSecret {
		t.Fatalf("the provider's secret read back %q, %v", idp.ClientSecret, err)
	}
}

// signupToken is the secret of the newest sign-up link the operator sees.
func (a *atRest) signupToken(t *testing.T, o org) string {
	t.Helper()
	msgs, err := a.svc.Outbox(a.ctx, workspace.Operator(o.ID))
	wantNoErr(t, err, "outbox")
	_, escaped, ok := strings.Cut(msgs[len(msgs)-1].SignupLink(), "/signup?token=")
	token, err := url.QueryUnescape(escaped)
	if !ok || err != nil || token == "" {
		t.Fatalf("no sign-up link in %+v", msgs[len(msgs)-1])
	}
	return token
}

// testSignupTokenAtRest: an admin invite's sign-up link cannot be taken from
// the database, neither while its email waits nor once it is sent.
func testSignupTokenAtRest(t *testing.T, a *atRest) {
	o := a.invitingOrg("acme")
	if _, err := a.invite(o.admin, "Eve Admin", "eve@acme.example", []string{"admin"}, []string{"flow"}); err != nil {
		t.Fatal(err)
	}
	token := a.signupToken(t, o)
	a.scan(t, "email waiting", secret{name: "sign-up token", value: token})
	claimed := a.claimAll()
	wantNoErr(t, a.store.Update(a.ctx, func(tx workspace.Tx) error { return tx.MarkOutboxSent(a.ctx, claimed[0].ID, a.now) }), "mark sent")
	a.scan(t, "email sent", secret{name: "sign-up token", value: token})
	kept, err := a.rawColumn(`SELECT link_token FROM outbox`)
	wantNoErr(t, err, "read link_token")
	if len(kept) != 1 || kept[0] != "" {
		t.Errorf("link_token of the sent email: %q, want NULL", kept)
	}
	if _, _, err := workspace.NewAccounts(a.svc).InviteForSignup(a.ctx, token); err != nil {
		t.Errorf("the link sent no longer works: %v", err)
	}
}

// testServerKeysAtRest: the OAuth server's keys (AES token sealing, RSA ID
// token signing), stored through Key as internal/authserver stores them,
// are sealed: neither their base64, nor the body of the RSA key's PEM, nor
// its DER bytes are in the database.
func testServerKeysAtRest(t *testing.T, a *atRest) {
	keys, ok := a.store.(keyStore)
	if !ok {
		t.Skip("the store keeps no OAuth keys")
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	wantNoErr(t, err, "generate")
	der, err := x509.MarshalPKCS8PrivateKey(rsaKey)
	wantNoErr(t, err, "marshal")
	rsaB64 := base64.StdEncoding.EncodeToString(der)
	pemLines := strings.Split(string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), "\n")
	aes := make([]byte, 32)
	_, _ = rand.Read(aes)
	aesB64 := base64.StdEncoding.EncodeToString(aes)
	for name, value := range map[string]string{"id-token-signing-rsa": rsaB64, "token-sealing-aes256": aesB64} {
		got, err := keys.Key(a.ctx, name, func() (string, error) { return value, nil })
		if err != nil || got != value {
			t.Fatalf("Key(%s) = %.20q…, %v", name, got, err)
		}
	}
	a.scan(t, "keys made",
		secret{name: "RSA signing key (base64 DER)", value: rsaB64},
		secret{name: "RSA signing key (a PEM line)", value: pemLines[1]},
		secret{name: "RSA signing key (DER)", value: string(der[len(der)-64:])},
		secret{name: "AES token sealing key", value: aesB64},
		secret{name: "AES token sealing key (raw)", value: string(aes)})
}

// testSignupFlowAtRest: a sign-up's password hash and TOTP seed wait in the
// browser session sealed; once the sign-up is done the session keeps no
// flow, the seed is nowhere in clear, and the hash only in credentials.
func testSignupFlowAtRest(t *testing.T, a *atRest) {
	o := a.invitingOrg("acme")
	a.mustInvite(o.admin, "ann@acme.example", "flow")
	token := a.signupToken(t, o)
	acc := workspace.NewAccounts(a.svc)
	browser := workspace.RandomToken()
	_, err := acc.StoreBrowserSession(a.ctx, browser, workspace.RandomToken())
	wantNoErr(t, err, "store session")
	hash, err := acc.HashPassword(a.ctx, "correct horse battery staple")
	wantNoErr(t, err, "hash")
	enr, err := acc.NewTOTPEnrollment("acme", "ann@acme.example")
	wantNoErr(t, err, "enrollment")
	// The shape of the sign-in pages' flow (internal/authserver/signin).
	flow, _ := json.Marshal(map[string]any{"signup": map[string]string{"invite_id": "inv", "name": "Ann",
		"password_hash": hash, "totp_secret": enr.Secret}})
	wantNoErr(t, acc.SetBrowserSessionFlow(a.ctx, browser, flow), "save flow")
	a.scan(t, "sign-up pending", secret{name: "TOTP seed", value: enr.Secret}, secret{name: "password hash", value: hash})

	u, err := acc.CompleteInviteSignup(a.ctx, workspace.AcceptInput{Token: token, Name: "Ann", Email: "ann@acme.example"},
		workspace.NewAccount{PasswordHash: hash, TOTPSecret: enr.Secret, TOTPStep: a.now.Unix() / 30})
	wantNoErr(t, err, "complete sign-up")
	_, _, err = acc.BindBrowserSession(a.ctx, browser, u, []string{"pwd", "otp"}, true)
	wantNoErr(t, err, "sign in")
	a.scan(t, "signed up", secret{name: "TOTP seed", value: enr.Secret},
		secret{name: "password hash", value: hash, allowedIn: []string{"credentials.password_hash"}})
	flows, err := a.rawColumn(`SELECT flow FROM browser_sessions`)
	wantNoErr(t, err, "read flows")
	for _, f := range flows {
		if f != "{}" {
			t.Errorf("a session keeps a flow once the sign-up is done: %.40q…", f)
		}
	}
}

// testSealedValueMoved: a reader who can also write cannot give Bob Ada's
// TOTP seed by copying her sealed value into his row.
func testSealedValueMoved(t *testing.T, a *atRest) {
	o := a.newOrg("acme")
	ada, err := a.svc.GetUser(a.ctx, o.admin, o.admin.Email)
	wantNoErr(t, err, "ada")
	bob := a.addUser(o, "bob@acme.example", []string{"user"}, "flow")
	wantNoErr(t, a.store.Update(a.ctx, func(tx workspace.Tx) error {
		for _, u := range []workspace.User{ada, bob} {
			if err := tx.PutCredentials(a.ctx, workspace.Credentials{OrgID: o.ID, UserID: u.ID, TOTPSecret: "SEED" + strings.ToUpper(u.ID[len(u.ID)-4:]), UpdatedAt: a.now}); err != nil {
				return err
			}
		}
		return nil
	}), "credentials")
	sealed, err := a.rawColumn(`SELECT totp_secret FROM credentials WHERE user_id = '` + ada.ID + `'`)
	if err != nil || len(sealed) != 1 || !secrets.IsSealed(sealed[0]) {
		t.Fatalf("Ada's stored seed %q, %v", sealed, err)
	}
	if _, err := a.raw.Exec(`UPDATE credentials SET totp_secret = '` + sealed[0] + `' WHERE user_id = '` + bob.ID + `'`); err != nil {
		t.Fatal(err)
	}
	err = a.store.View(a.ctx, func(tx workspace.Tx) error {
		_, err := tx.Credentials(a.ctx, o.ID, bob.ID)
		return err
	})
	if !errors.Is(err, secrets.ErrDamaged) {
		t.Fatalf("Bob's credentials with Ada's sealed seed: %v, want it refused", err)
	}
}

// testOtherKeysRefused: a store opened with other keys than those the
// database's secrets were sealed with refuses to open, naming the key it
// needs, rather than fail each sign-in later.
func testOtherKeysRefused(t *testing.T, a *atRest) {
	keys, ok := a.store.(keyStore)
	if !ok {
		t.Skip("the store keeps no OAuth keys")
	}
	if _, err := keys.Key(a.ctx, "token-sealing-aes256", func() (string, error) { return "k", nil }); err != nil {
		t.Fatal(err)
	}
	other := secrets.Ephemeral()
	st, err := a.db.Open(t, other)
	if err == nil {
		st.Close()
		t.Fatal("a store opened with other keys")
	}
	var unknown *secrets.UnknownKeyError
	if !errors.As(err, &unknown) || unknown.ID != a.keys.Current().ID() || !strings.Contains(err.Error(), a.keys.Current().ID()) {
		t.Fatalf("opened with other keys: %v", err)
	}
	st, err = a.db.Open(t, a.keys)
	if err != nil {
		t.Fatalf("reopened with the right keys: %v", err)
	}
	defer st.Close()
	if got, err := st.(keyStore).Key(context.Background(), "token-sealing-aes256", nil); err != nil || got != "k" {
		t.Fatalf("the key after reopening: %q, %v", got, err)
	}
}
