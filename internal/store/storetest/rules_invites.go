package storetest

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsctl/wsctl/internal/workspace"
)

func inviteTests() []test {
	return []test{
		test{"Invite_NeedsEveryField_R1", testInviteNeedsEveryField},
		test{"Invite_RefusesTakenEmail_R1", testInviteRefusesTakenEmail},
		test{"Invite_RefusedWhileSignupModeOn_R2", testInviteRefusedWhileSignupOn},
		test{"Invite_ReservesLicenses_R4", testInviteReservesLicenses},
		test{"Invite_LastLicenseNotice_ThenExhausted_R4", testLastLicenseNotice},
		test{"Invite_Concurrent50AgainstPoolOf3_R4", testConcurrentInvites},
		test{"Invite_Concurrent80AgainstPoolOf30_OneLastNotice_R4", testConcurrentInvitesLargePool},
		test{"Invite_AcceptMakesActiveUser_SingleUse_R6", testAcceptInvite},
		test{"Invite_ResendReplacesLink_R6", testResendInvite},
		test{"Invite_RevokeFreesLicenses_R6", testRevokeInvite},
		test{"Invite_ResendOrRevokeCancelsEmailsNotSent_R6", testResendRevokeCancelEmails},
		test{"Outbox_SentAfterItsLeaseAndACancel_IsRecordedSent", testOutboxSentAfterCancel},
		test{"Invite_ExpiryFreesLicenses_R6", testInviteExpiry},
		test{"Invite_WritesOutboxEmail_R6", testInviteOutbox},
		test{"Invite_IdempotencyKeyReplays", testInviteIdempotency},
	}
}

func testInviteNeedsEveryField(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	cases := []struct {
		name, email  string
		roles, lics  []string
		field, inMsg string
	}{
		{"", "a@x.example", []string{"user"}, []string{"flow"}, "name", "required"},
		{"Ann 2", "a@x.example", []string{"user"}, []string{"flow"}, "name", "not allowed"},
		{"Ann <b>", "a@x.example", []string{"user"}, []string{"flow"}, "name", "not allowed"},
		{"Ann", "", []string{"user"}, []string{"flow"}, "email", "required"},
		{"Ann", "not-an-email", []string{"user"}, []string{"flow"}, "email", "not a valid email"},
		{"Ann", "Ann <a@x.example>", []string{"user"}, []string{"flow"}, "email", "not a valid email"},
		{"Ann", "a@x.example", nil, []string{"flow"}, "roles", "at least one role"},
		{"Ann", "a@x.example", []string{"owner"}, []string{"flow"}, "roles", "unknown role"},
		{"Ann", "a@x.example", []string{"user"}, nil, "licenses", "at least one license"},
		{"Ann", "a@x.example", []string{"user"}, []string{"crm"}, "licenses", "unknown product"},
	}
	for _, c := range cases {
		_, err := e.invite(o.admin, c.name, c.email, c.roles, c.lics)
		wantCode(t, err, "invalid_field")
		v := as[*workspace.ValidationError](t, err)
		if v.Field != c.field || !strings.Contains(v.Error(), c.inMsg) {
			t.Errorf("invite(%q, %q, %v, %v): got field %q %q, want field %q containing %q", c.name, c.email, c.roles, c.lics, v.Field, v.Error(), c.field, c.inMsg)
		}
	}
	// Valid names of R1: letters of any script, spaces, ' - and .
	products := []string{"agent-dialer", "flow", "parallel-dialer"}
	for i, name := range []string{"Ann O'Neil", "Jean-Luc Picard", "J. R. Ewing", "Zoë Ångström", "李 小龍"} {
		if _, err := e.invite(o.admin, name, fmt.Sprintf("u%d@x.example", i), []string{"user"}, []string{products[i%3]}); err != nil {
			t.Errorf("valid name %q refused: %v", name, err)
		}
	}
	if got := e.pool(o, "agent-dialer").Reserved + e.pool(o, "flow").Reserved; got != 4 {
		t.Errorf("reserved = %d, want 4: refused invites must reserve nothing", got)
	}
}

func testInviteRefusesTakenEmail(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	e.addUser(o, "bob@acme.example", []string{"user"}, "flow")
	e.mustInvite(o.admin, "cat@acme.example", "flow")
	for _, email := range []string{"bob@acme.example", "BOB@Acme.Example", "ada@acme.example", "Cat@ACME.example"} {
		_, err := e.invite(o.admin, "Someone", email, []string{"user"}, []string{"agent-dialer"})
		wantCode(t, err, "email_taken")
	}
	// Another org may use the same address: nothing crosses orgs.
	other := e.invitingOrg("other")
	if _, err := e.invite(other.admin, "Bob", "bob@acme.example", []string{"user"}, []string{"flow"}); err != nil {
		t.Fatalf("same email in another org refused: %v", err)
	}
}

func testInviteRefusedWhileSignupOn(t *testing.T, e *env) {
	o := e.newOrg("acme")
	on, err := e.svc.SignupMode(e.ctx, o.admin)
	wantNoErr(t, err, "signup mode")
	if !on {
		t.Fatal("a new org must start with signup mode on")
	}
	_, err = e.invite(o.admin, "Ann", "ann@acme.example", []string{"user"}, []string{"flow"})
	wantCode(t, err, "signup_mode_on")
	if !strings.Contains(err.Error(), "wsctl signup-mode off") {
		t.Errorf("message %q does not say how to turn it off", err)
	}
	if p := e.pool(o, "flow"); p.Reserved != 0 {
		t.Errorf("a refused invite reserved a license: %+v", p)
	}
	wantNoErr(t, e.svc.SetSignupMode(e.ctx, o.admin, false), "signup off")
	e.mustInvite(o.admin, "ann@acme.example", "flow")
}

func testInviteReservesLicenses(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	e.mustInvite(o.admin, "a@acme.example", "flow", "agent-dialer")
	e.addUser(o, "b@acme.example", []string{"user"}, "flow")
	p := e.pool(o, "flow")
	if p.Total != 3 || p.Assigned != 1 || p.Reserved != 1 || p.Available() != 1 {
		t.Errorf("flow pool = %+v, want total 3 assigned 1 reserved 1 available 1", p)
	}
}

func testLastLicenseNotice(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	for i := range 2 {
		out := e.mustInvite(o.admin, fmt.Sprintf("u%d@acme.example", i), "parallel-dialer")
		if len(out.Notices) != 0 {
			t.Fatalf("invite %d: unexpected notices %v", i, out.Notices)
		}
	}
	out := e.mustInvite(o.admin, "u2@acme.example", "parallel-dialer")
	want := "that was the last parallel-dialer license: 3 of 3 in use"
	if len(out.Notices) != 1 || out.Notices[0] != want {
		t.Errorf("last license notices = %q, want [%q]", out.Notices, want)
	}
	_, err := e.invite(o.admin, "Late", "late@acme.example", []string{"user"}, []string{"parallel-dialer"})
	wantCode(t, err, "license_exhausted")
	ex := as[*workspace.LicenseExhaustedError](t, err)
	if ex.Product != "parallel-dialer" || ex.Used != 3 || ex.Total != 3 {
		t.Errorf("exhausted = %+v", ex)
	}
	if !strings.HasPrefix(err.Error(), "no parallel-dialer license left: 3 of 3 in use") {
		t.Errorf("message = %q", err)
	}
	// An invite needing two products takes neither when one is exhausted.
	_, err = e.invite(o.admin, "Two", "two@acme.example", []string{"user"}, []string{"flow", "parallel-dialer"})
	wantCode(t, err, "license_exhausted")
	if p := e.pool(o, "flow"); p.Reserved != 0 {
		t.Errorf("a refused invite kept a flow reservation: %+v", p)
	}
}

func testConcurrentInvites(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	const n = 50
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = e.invite(o.admin, "Racer", fmt.Sprintf("racer%02d@acme.example", i), []string{"user"}, []string{"parallel-dialer"})
		})
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case workspace.CodeOf(err) != "license_exhausted":
			t.Errorf("racer %d: unexpected error %v", i, err)
		}
	}
	if won != 3 {
		t.Errorf("%d of %d concurrent invites won a pool of 3, want exactly 3", won, n)
	}
	if p := e.pool(o, "parallel-dialer"); p.Reserved != 3 || p.Used() > p.Total {
		t.Errorf("pool after the race = %+v", p)
	}
}

// testConcurrentInvitesLargePool races single invites into a pool large
// enough for a store to decide the first ones without the pool lock
// (PostgreSQL's slots, PoolsForInvite) and the last ones under it: exactly
// the pool is handed out, and exactly one invite is told it took the last.
func testConcurrentInvitesLargePool(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	const n, total = 80, 30
	if _, err := e.svc.SetLicenseTotal(e.ctx, workspace.Operator(o.ID), "flow", total); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	outs := make([]workspace.InviteOutcome, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			outs[i], errs[i] = e.invite(o.admin, "Racer", fmt.Sprintf("racer%02d@acme.example", i), []string{"user"}, []string{"flow"})
		})
	}
	wg.Wait()
	won, last := 0, 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
			last += len(outs[i].Notices)
		case workspace.CodeOf(err) != "license_exhausted":
			t.Errorf("racer %d: unexpected error %v", i, err)
		}
	}
	if won != total || last != 1 {
		t.Errorf("%d of %d concurrent invites won a pool of %d (want all of it), %d were told they took the last (want 1)", won, n, total, last)
	}
	if p := e.pool(o, "flow"); p.Reserved != total || p.Used() != p.Total {
		t.Errorf("pool after the race = %+v", p)
	}
}

func testAcceptInvite(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	_, err := e.invite(o.admin, "Ann Lee", "Ann@Acme.example", []string{"manager", "user"}, []string{"flow", "agent-dialer"})
	wantNoErr(t, err, "invite")
	token := linkToken(t, e, o, "Ann@Acme.example")

	_, err = e.svc.AcceptInvite(e.ctx, workspace.AcceptInput{Token: token, Name: "Ann Lee", Email: "someone@else.example"})
	wantCode(t, err, "invalid_field")

	u, err := e.svc.AcceptInvite(e.ctx, workspace.AcceptInput{Token: token, Name: "", Email: "ann@acme.example"})
	wantNoErr(t, err, "accept")
	if !u.Active || u.Name != "Ann Lee" || u.Email != "Ann@Acme.example" || fmt.Sprint(u.Roles) != "[manager user]" || fmt.Sprint(u.Licenses) != "[agent-dialer flow]" {
		t.Errorf("accepted user = %+v", u)
	}
	p := e.pool(o, "flow")
	if p.Assigned != 1 || p.Reserved != 0 {
		t.Errorf("after accept the reservation must become an assignment: %+v", p)
	}
	invs, _, err := e.svc.ListInvites(e.ctx, o.admin, workspace.InviteFilter{Status: workspace.InviteAccepted})
	wantNoErr(t, err, "list")
	if len(invs) != 1 || invs[0].Status != workspace.InviteAccepted {
		t.Errorf("accepted invites = %+v", invs)
	}
	_, err = e.svc.AcceptInvite(e.ctx, workspace.AcceptInput{Token: token, Name: "Ann Lee", Email: "ann@acme.example"})
	wantCode(t, err, "invite_invalid")
	_, err = e.svc.AcceptInvite(e.ctx, workspace.AcceptInput{Token: "wsi_forged", Name: "Ann Lee", Email: "ann@acme.example"})
	wantCode(t, err, "invite_invalid")
}

// linkToken reads the signup token from the newest outbox email to email.
func linkToken(t *testing.T, e *env, o org, email string) string {
	t.Helper()
	msgs, err := e.svc.Outbox(e.ctx, workspace.Operator(o.ID))
	wantNoErr(t, err, "outbox")
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].To == email {
			_, after, ok := strings.Cut(msgs[i].Text, "/signup?token=")
			if !ok {
				t.Fatalf("no signup link in %q", msgs[i].Text)
			}
			return strings.Fields(after)[0]
		}
	}
	t.Fatalf("no email to %s in the outbox", email)
	return ""
}

func testResendInvite(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	first := e.mustInvite(o.admin, "ann@acme.example", "flow")
	oldToken := linkToken(t, e, o, "ann@acme.example")
	e.now = e.now.Add(6 * 24 * time.Hour)
	inv, err := e.svc.ResendInvite(e.ctx, o.admin, "ann@acme.example")
	wantNoErr(t, err, "resend")
	if !inv.ExpiresAt.Equal(e.now.Add(workspace.InviteTTL)) || inv.ID != first.Invite.ID {
		t.Errorf("resent invite = %+v", inv)
	}
	newToken := linkToken(t, e, o, "ann@acme.example")
	if newToken == oldToken {
		t.Fatal("resend must send a new link")
	}
	_, err = e.svc.AcceptInvite(e.ctx, workspace.AcceptInput{Token: oldToken, Name: "", Email: "ann@acme.example"})
	wantCode(t, err, "invite_invalid")
	e.now = e.now.Add(3 * 24 * time.Hour) // past the first expiry, within the new one
	_, err = e.svc.AcceptInvite(e.ctx, workspace.AcceptInput{Token: newToken, Name: "", Email: "ann@acme.example"})
	wantNoErr(t, err, "accept with the new link")
	_, err = e.svc.ResendInvite(e.ctx, o.admin, inv.ID)
	wantCode(t, err, "invite_not_pending")
	_, err = e.svc.ResendInvite(e.ctx, o.admin, "nobody@acme.example")
	wantCode(t, err, "not_found")
}

func testRevokeInvite(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	for i := range 3 {
		e.mustInvite(o.admin, fmt.Sprintf("u%d@acme.example", i), "flow")
	}
	token := linkToken(t, e, o, "u0@acme.example")
	inv, err := e.svc.RevokeInvite(e.ctx, o.admin, "U0@acme.example")
	wantNoErr(t, err, "revoke")
	if inv.Status != workspace.InviteRevoked {
		t.Errorf("status = %s", inv.Status)
	}
	if p := e.pool(o, "flow"); p.Reserved != 2 || p.Available() != 1 {
		t.Errorf("revoking must free the reservation: %+v", p)
	}
	_, err = e.svc.AcceptInvite(e.ctx, workspace.AcceptInput{Token: token, Name: "", Email: "u0@acme.example"})
	wantCode(t, err, "invite_invalid")
	_, err = e.svc.RevokeInvite(e.ctx, o.admin, inv.ID)
	wantCode(t, err, "invite_not_pending")
	e.mustInvite(o.admin, "u0@acme.example", "flow") // the email is free again
}

func testInviteExpiry(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	for i := range 3 {
		e.mustInvite(o.admin, fmt.Sprintf("u%d@acme.example", i), "flow")
	}
	token := linkToken(t, e, o, "u0@acme.example")
	e.now = e.now.Add(workspace.InviteTTL)
	if p := e.pool(o, "flow"); p.Reserved != 0 || p.Available() != 3 {
		t.Errorf("expired invites must hold no licenses: %+v", p)
	}
	invs, _, err := e.svc.ListInvites(e.ctx, o.admin, workspace.InviteFilter{Status: workspace.InviteExpired})
	wantNoErr(t, err, "list expired")
	if len(invs) != 3 || invs[0].Status != workspace.InviteExpired {
		t.Errorf("expired invites = %+v", invs)
	}
	pending, _, err := e.svc.ListInvites(e.ctx, o.admin, workspace.InviteFilter{Status: workspace.InvitePending})
	wantNoErr(t, err, "list pending")
	if len(pending) != 0 {
		t.Errorf("pending after expiry = %+v", pending)
	}
	_, err = e.svc.AcceptInvite(e.ctx, workspace.AcceptInput{Token: token, Name: "", Email: "u0@acme.example"})
	wantCode(t, err, "invite_invalid")
	e.mustInvite(o.admin, "u0@acme.example", "flow") // re-invite after expiry
	// Marking the old invite expired is a change too (R14).
	if got := e.auditActions(o); !slices.Contains(got, "invite.expired") {
		t.Errorf("no invite.expired event: %v", got)
	}
}

func testInviteOutbox(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	e.mustInvite(o.admin, "ann@acme.example", "flow")
	msgs, err := e.svc.Outbox(e.ctx, workspace.Operator(o.ID))
	wantNoErr(t, err, "outbox")
	if len(msgs) != 1 || msgs[0].To != "ann@acme.example" || !strings.Contains(msgs[0].Text, "https://ws.example.test/signup?token=wsi_") ||
		!strings.Contains(msgs[0].HTML, `href="https://ws.example.test/signup?token=wsi_`) {
		t.Fatalf("outbox = %+v", msgs)
	}
	// A refused invite writes no email (same transaction).
	_, err = e.invite(o.admin, "Ann", "ann@acme.example", []string{"user"}, []string{"flow"})
	wantCode(t, err, "email_taken")
	if msgs, _ := e.svc.Outbox(e.ctx, workspace.Operator(o.ID)); len(msgs) != 1 {
		t.Errorf("outbox after a refused invite has %d messages", len(msgs))
	}
}

func testInviteIdempotency(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	in := workspace.InviteInput{Name: "Ann", Email: "ann@acme.example", Roles: []string{"user"}, Licenses: []string{"flow"}, IdempotencyKey: "k1"}
	first, err := e.svc.Invite(e.ctx, o.admin, in)
	wantNoErr(t, err, "first")
	again, err := e.svc.Invite(e.ctx, o.admin, in)
	wantNoErr(t, err, "replay")
	if !again.Replayed || again.Invite.ID != first.Invite.ID {
		t.Errorf("replay = %+v, want the first invite replayed", again)
	}
	if p := e.pool(o, "flow"); p.Reserved != 1 {
		t.Errorf("a replay reserved again: %+v", p)
	}
	in.Email = "bob@acme.example"
	_, err = e.svc.Invite(e.ctx, o.admin, in)
	wantCode(t, err, "idempotency_key_reused")
}

// The emails of an invite still waiting to go out carry a link that a
// resend replaces and a revocation ends: both cancel them, so the person
// gets only a working link. One a worker is already sending still goes
// (at least once); emails of other invites are untouched.
func testResendRevokeCancelEmails(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	if _, err := e.svc.SetLicenseTotal(e.ctx, workspace.Operator(o.ID), "flow", 10); err != nil {
		t.Fatal(err)
	}
	cy := e.mustInvite(o.admin, "cy@acme.example", "flow")
	wantNoErr(t, e.store.Update(e.ctx, func(tx workspace.Tx) error { // a worker starts sending cy's email
		msgs, err := tx.ClaimOutbox(e.ctx, "worker-1", e.now, e.now.Add(time.Minute), 1)
		if err == nil && (len(msgs) != 1 || msgs[0].InviteID != cy.Invite.ID) {
			t.Errorf("claimed %+v, want cy's email", msgs)
		}
		return err
	}), "claim")
	ann := e.mustInvite(o.admin, "ann@acme.example", "flow")
	bob := e.mustInvite(o.admin, "bob@acme.example", "flow")
	dan := e.mustInvite(o.admin, "dan@acme.example", "flow")

	_, err := e.svc.ResendInvite(e.ctx, o.admin, "ann@acme.example")
	wantNoErr(t, err, "resend")
	for _, ref := range []string{"bob@acme.example", "cy@acme.example"} {
		_, err = e.svc.RevokeInvite(e.ctx, o.admin, ref)
		wantNoErr(t, err, "revoke "+ref)
	}

	msgs, err := e.svc.Outbox(e.ctx, workspace.Operator(o.ID))
	wantNoErr(t, err, "outbox")
	var got []string
	for _, m := range msgs {
		got = append(got, fmt.Sprintf("%s %s %q", m.To, m.Status, m.LastError))
		if want := map[string]string{"ann@acme.example": ann.Invite.ID, "bob@acme.example": bob.Invite.ID,
			"cy@acme.example": cy.Invite.ID, "dan@acme.example": dan.Invite.ID}[m.To]; m.InviteID != want {
			t.Errorf("email to %s names invite %q, want %q", m.To, m.InviteID, want)
		}
	}
	want := []string{
		`cy@acme.example pending ""`, // being sent
		`ann@acme.example cancelled "the invite was resent with a new link"`,
		`bob@acme.example cancelled "the invite was revoked"`,
		`dan@acme.example pending ""`,
		`ann@acme.example pending ""`, // the new link
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("outbox:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	wantNoErr(t, e.store.Update(e.ctx, func(tx workspace.Tx) error { // what a worker finds due now
		due, err := tx.ClaimOutbox(e.ctx, "worker-2", e.now, e.now.Add(time.Minute), 10)
		var to []string
		for _, m := range due {
			to = append(to, m.To)
		}
		if err == nil && strings.Join(to, ",") != "dan@acme.example,ann@acme.example" {
			t.Errorf("due: %v, want dan's and ann's new email only", to)
		}
		return err
	}), "claim again")

	// Accepting an invite cancels its emails not sent yet too (here Eve
	// signed up from a link handed over by the operator, before sending).
	eve := e.mustInvite(o.admin, "eve@acme.example", "flow")
	_, err = e.svc.AcceptInvite(e.ctx, workspace.AcceptInput{Token: linkToken(t, e, o, "eve@acme.example"), Email: "eve@acme.example"})
	wantNoErr(t, err, "accept")
	msgs, err = e.svc.Outbox(e.ctx, workspace.Operator(o.ID))
	wantNoErr(t, err, "outbox")
	for _, m := range msgs {
		if m.InviteID == eve.Invite.ID && (m.Status != workspace.OutboxCancelled || m.LastError != "the invite was accepted") {
			t.Errorf("eve's email after she signed up: %s %q", m.Status, m.LastError)
		}
	}
}

// A worker whose lease ran out while it was still sending, and whose
// message a revocation cancelled meanwhile: the email did go, and is
// recorded sent rather than left cancelled.
func testOutboxSentAfterCancel(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	fay := e.mustInvite(o.admin, "fay@acme.example", "flow")
	var id string
	wantNoErr(t, e.store.Update(e.ctx, func(tx workspace.Tx) error {
		msgs, err := tx.ClaimOutbox(e.ctx, "worker-1", e.now, e.now.Add(time.Minute), 1)
		if err == nil && len(msgs) == 1 {
			id = msgs[0].ID
		}
		return err
	}), "claim")
	e.now = e.now.Add(2 * time.Minute) // the lease is over; the worker is still sending
	_, err := e.svc.RevokeInvite(e.ctx, o.admin, fay.Invite.ID)
	wantNoErr(t, err, "revoke")
	if msgs, _ := e.svc.Outbox(e.ctx, workspace.Operator(o.ID)); len(msgs) != 1 || msgs[0].Status != workspace.OutboxCancelled {
		t.Fatalf("after the revocation: %+v, want fay's email cancelled (its lease was over)", msgs)
	}
	wantNoErr(t, e.store.Update(e.ctx, func(tx workspace.Tx) error { return tx.MarkOutboxSent(e.ctx, id, e.now) }), "mark sent")
	msgs, err := e.svc.Outbox(e.ctx, workspace.Operator(o.ID))
	wantNoErr(t, err, "outbox")
	if len(msgs) != 1 || msgs[0].Status != workspace.OutboxSent || msgs[0].SentAt == nil {
		t.Errorf("outbox: %+v, want fay's email sent", msgs)
	}
}
