package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wsctl/wsctl/internal/workspace"
)

// What a store promises about the secrets it keeps (security findings 2
// and 6), seen through its interface; atrest.go looks at the database
// itself.
func secretTests() []test {
	return []test{
		{"Outbox_LinkTokenApartFromBodies_ForgottenOnceSentFailedOrCancelled", testOutboxLinkToken},
		{"BrowserSession_FlowForgottenWhenEndedRevokedOrMFAPassed", testFlowForgotten},
		{"Secrets_ReadBackAsWritten", testSecretsRoundTrip},
	}
}

// testOutboxLinkToken: an invite email's bodies hold a placeholder, not the
// link's secret, which the store keeps apart; the link the operator reads
// (Service.Outbox) and the one sent work; once the email is sent, failed
// or cancelled the store forgets the secret.
func testOutboxLinkToken(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	for _, email := range []string{"sent@acme.example", "failed@acme.example", "revoked@acme.example"} {
		e.mustInvite(o.admin, email, "flow")
	}
	raw := e.rawOutbox(o)
	for _, m := range raw {
		if m.LinkToken == "" || strings.Contains(m.Text, m.LinkToken) || strings.Contains(m.HTML, m.LinkToken) ||
			!strings.Contains(m.Text, workspace.LinkTokenPlaceholder) || !strings.Contains(m.HTML, workspace.LinkTokenPlaceholder) {
			t.Fatalf("stored message %s: token %q in bodies %q / %q", m.To, m.LinkToken, m.Text, m.HTML)
		}
	}
	listed, err := e.svc.Outbox(e.ctx, workspace.Operator(o.ID))
	wantNoErr(t, err, "outbox")
	for i, m := range listed {
		link := m.SignupLink()
		if link != "https://ws.example.test/signup?token="+raw[i].LinkToken || !strings.Contains(m.HTML, `href="`+link+`"`) {
			t.Fatalf("operator's %s: link %q, html %q", m.To, link, m.HTML)
		}
		if _, _, err := workspace.NewAccounts(e.svc).InviteForSignup(e.ctx, raw[i].LinkToken); err != nil {
			t.Fatalf("the link of %s does not work: %v", m.To, err)
		}
	}

	byTo := map[string]workspace.OutboxMessage{}
	for _, m := range raw {
		byTo[m.To] = m
	}
	claimed := e.claimAll()
	if len(claimed) != 3 || claimed[0].LinkToken == "" {
		t.Fatalf("claimed %d messages, first with token %q", len(claimed), claimed[0].LinkToken)
	}
	// Cancelling needs the message unleased: give failed@ and sent@ their
	// outcome, and let revoked@'s lease go first.
	wantNoErr(t, e.store.Update(e.ctx, func(tx workspace.Tx) error {
		if err := tx.MarkOutboxSent(e.ctx, byTo["sent@acme.example"].ID, e.now); err != nil {
			return err
		}
		if err := tx.MarkOutboxFailed(e.ctx, byTo["failed@acme.example"].ID, "test-worker", "550 no such user"); err != nil {
			return err
		}
		return tx.MarkOutboxRetry(e.ctx, byTo["revoked@acme.example"].ID, "test-worker", "451 later", e.now.Add(time.Hour))
	}), "mark sent and failed")
	if _, err := e.svc.RevokeInvite(e.ctx, o.admin, "revoked@acme.example"); err != nil {
		t.Fatal(err)
	}
	for _, m := range e.rawOutbox(o) {
		if m.LinkToken != "" || m.Status == workspace.OutboxPending {
			t.Errorf("%s, %s: the store still keeps the link's secret %q", m.To, m.Status, m.LinkToken)
		}
		if !strings.Contains(m.Text, workspace.LinkTokenPlaceholder) {
			t.Errorf("%s: body %q", m.To, m.Text)
		}
	}
}

// rawOutbox is the org's outbox as the store returns it, bodies unrendered.
func (e *env) rawOutbox(o org) (msgs []workspace.OutboxMessage) {
	e.t.Helper()
	wantNoErr(e.t, e.store.View(e.ctx, func(tx workspace.Tx) (err error) {
		msgs, err = tx.ListOutbox(e.ctx, o.ID)
		return err
	}), "list outbox")
	return msgs
}

// claimAll leases every due message to "test-worker".
func (e *env) claimAll() (msgs []workspace.OutboxMessage) {
	e.t.Helper()
	wantNoErr(e.t, e.store.Update(e.ctx, func(tx workspace.Tx) (err error) {
		msgs, err = tx.ClaimOutbox(e.ctx, "test-worker", e.now.Add(time.Second), e.now.Add(time.Minute), 100)
		return err
	}), "claim outbox")
	return msgs
}

// testFlowForgotten: the flow of a sign-in (a sign-up's password hash and
// TOTP secret) reads back while it is pending, and is gone once the
// session ends, is revoked (R9, R12), or passes MFA.
func testFlowForgotten(t *testing.T, e *env) {
	o := e.newOrg("acme")
	acc := workspace.NewAccounts(e.svc)
	bob := e.addUser(o, "bob@acme.example", []string{"user"}, "flow")
	const flow = `{"signup":{"invite_id":"inv_1","name":"Ann","password_hash":"$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA","totp_secret":"JBSWY3DPEHPK3PXP"}}`
	cases := map[string]func(secret string) error{
		"ended": func(secret string) error { return acc.EndBrowserSession(e.ctx, secret) },
		"revoked": func(string) error {
			_, err := e.svc.ResetMFA(e.ctx, o.admin, bob.Email)
			return err
		},
		"mfa passed": func(secret string) error { _, err := acc.PassMFA(e.ctx, secret, "otp"); return err },
	}
	for _, how := range []string{"mfa passed", "ended", "revoked"} {
		secret, _, err := acc.StartBrowserSession(e.ctx)
		wantNoErr(t, err, "start session")
		bound, _, err := acc.BindBrowserSession(e.ctx, secret, bob, []string{"pwd"}, false)
		wantNoErr(t, err, "bind session")
		wantNoErr(t, acc.SetBrowserSessionFlow(e.ctx, bound, []byte(flow)), "set flow")
		if s := e.rawSession(bound); string(s.Flow) != flow {
			t.Fatalf("%s: flow read back %q", how, s.Flow)
		}
		wantNoErr(t, cases[how](bound), how)
		if s := e.rawSession(bound); string(s.Flow) != "{}" {
			t.Errorf("%s: the session keeps its flow %q", how, s.Flow)
		}
	}
}

func (e *env) rawSession(secret string) (s workspace.BrowserSession) {
	e.t.Helper()
	wantNoErr(e.t, e.store.View(e.ctx, func(tx workspace.Tx) (err error) {
		s, err = tx.BrowserSessionByHash(e.ctx, workspace.HashSecret(secret))
		return err
	}), "read session")
	return s
}

// testSecretsRoundTrip: the sealed secrets read back as written: a TOTP
// secret, an identity provider's client secret, the OAuth server's keys
// (made once, whoever asks).
func testSecretsRoundTrip(t *testing.T, e *env) {
	o := e.newOrg("acme")
	admin, err := e.svc.GetUser(e.ctx, o.admin, o.admin.Email)
	wantNoErr(t, err, "admin")
	cred := workspace.Credentials{OrgID: o.ID, UserID: admin.ID, TOTPSecret: "JBSWY3DPEHPK3PXP", UpdatedAt: e.now}
	idp := workspace.IdentityProvider{OrgID: o.ID, Kind: workspace.ProviderOIDC, Name: "Okta", Issuer: "https://acme.okta.com",
		ClientID: "c", ClientSecret: "idp secret", Scopes: []string{}, Domains: []string{}, UpdatedAt: e.now}
	wantNoErr(t, e.store.Update(e.ctx, func(tx workspace.Tx) error {
		if err := tx.PutCredentials(e.ctx, cred); err != nil {
			return err
		}
		return tx.PutIdentityProvider(e.ctx, idp)
	}), "put")
	wantNoErr(t, e.store.View(e.ctx, func(tx workspace.Tx) error {
		c, err := tx.Credentials(e.ctx, o.ID, admin.ID)
		if err != nil || c.TOTPSecret != cred.TOTPSecret {
			t.Errorf("TOTP secret read back %q, %v", c.TOTPSecret, err)
		}
		p, err := tx.IdentityProvider(e.ctx, o.ID)
		if err != nil || p.ClientSecret != idp.ClientSecret {
			t.Errorf("client secret read back %q, %v", p.ClientSecret, err)
		}
		return nil
	}), "read")
	keys, ok := e.store.(keyStore)
	if !ok {
		return
	}
	made := 0
	for range 2 {
		got, err := keys.Key(e.ctx, "test-key", func() (string, error) { made++; return "the key", nil })
		if err != nil || got != "the key" {
			t.Fatalf("Key = %q, %v", got, err)
		}
	}
	if made != 1 {
		t.Errorf("the key was made %d times", made)
	}
}

// keyStore is the OAuth server's key storage (grants.Store.Key).
type keyStore interface {
	Key(ctx context.Context, name string, create func() (string, error)) (string, error)
}
