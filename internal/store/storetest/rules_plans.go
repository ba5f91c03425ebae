package storetest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wsctl/wsctl/internal/testutil/sessiontest"
	"github.com/wsctl/wsctl/internal/workspace"
)

// Plans (dry runs): a plan is the real decision run in a transaction that
// is rolled back, so on every store the plan of a batch and the batch run
// for real on the same state agree row by row, and the plan keeps nothing.
func planTests() []test {
	return []test{
		{"Plan_InviteDryRunAgreesWithRealRun_R1_R2_R4", testPlanInvites},
		{"Plan_UserBatchDryRunAgreesWithRealRun_R4_R9_R10_R12", testPlanUserBatch},
		{"Plan_DryRunIsRolledBack_R14", testPlanRolledBack},
		{"Plan_DryRunStoreFailureIsStillAnError", testPlanStoreFailure},
	}
}

// state is what a batch may change in an org, read from outside: a dry run
// must leave every part of it as it was.
type state struct {
	Pools    []workspace.LicensePool
	Users    []workspace.User
	Invites  []workspace.Invite
	Audit    int
	Outbox   int
	Tokens   map[string]bool // API token id → revoked
	Sessions map[string]bool // browser session id hash → ended
}

func (e *env) state(o org, sessions []workspace.BrowserSession) state {
	e.t.Helper()
	op := workspace.Operator(o.ID)
	var s state
	var err error
	s.Pools, err = e.svc.Pools(e.ctx, op)
	wantNoErr(e.t, err, "pools")
	s.Users, _, err = e.svc.ListUsers(e.ctx, op, workspace.UserFilter{Status: workspace.UsersAll, Limit: workspace.MaxPageSize})
	wantNoErr(e.t, err, "users")
	s.Invites, _, err = e.svc.ListInvites(e.ctx, op, workspace.InviteFilter{Limit: workspace.MaxPageSize})
	wantNoErr(e.t, err, "invites")
	for f := (workspace.AuditFilter{Limit: workspace.MaxPageSize}); ; {
		events, next, err := e.svc.ListAudit(e.ctx, op, f)
		wantNoErr(e.t, err, "audit")
		if s.Audit += len(events); next == "" {
			break
		}
		f.Before = next
	}
	msgs, err := e.svc.Outbox(e.ctx, op)
	wantNoErr(e.t, err, "outbox")
	s.Outbox = len(msgs)
	s.Tokens, s.Sessions = map[string]bool{}, map[string]bool{}
	wantNoErr(e.t, e.store.View(e.ctx, func(tx workspace.Tx) error {
		tokens, err := tx.ListTokens(e.ctx, o.ID)
		if err != nil {
			return err
		}
		for _, tok := range tokens {
			s.Tokens[tok.ID] = tok.RevokedAt != nil
		}
		for _, sess := range sessions {
			got, err := tx.BrowserSessionByHash(e.ctx, sess.IDHash)
			if err != nil {
				return err
			}
			s.Sessions[sess.IDHash] = got.EndedAt != nil
		}
		return nil
	}), "tokens and sessions")
	return s
}

// changes names the parts of the state that differ from before.
func (s state) changes(before state) string {
	var out []string
	a, b := reflect.ValueOf(before), reflect.ValueOf(s)
	for i := range a.NumField() {
		if !reflect.DeepEqual(a.Field(i).Interface(), b.Field(i).Interface()) {
			out = append(out, fmt.Sprintf("%s: %+v\n  became %+v", a.Type().Field(i).Name, a.Field(i).Interface(), b.Field(i).Interface()))
		}
	}
	return strings.Join(out, "\n")
}

// planThenApply runs a batch as a dry run and checks that it kept nothing,
// then runs it for real on the same state and checks that both decided
// every row alike and leave the pools alike. run gives each row's outcome
// without what differs between two runs by nature (new ids, times). It
// returns the real run's rows.
func planThenApply[R any](e *env, o org, sessions []workspace.BrowserSession, run func(workspace.Mode) ([]R, []workspace.LicensePool, error)) []R {
	t := e.t
	t.Helper()
	before := e.state(o, sessions)
	plan, planPools, err := run(workspace.DryRun)
	wantNoErr(t, err, "dry run")
	if changed := e.state(o, sessions).changes(before); changed != "" {
		t.Errorf("the dry run kept changes:\n%s", changed)
	}
	real, realPools, err := run(workspace.Apply)
	wantNoErr(t, err, "real run")
	if len(plan) != len(real) {
		t.Fatalf("the plan has %d rows, the real run %d", len(plan), len(real))
	}
	for i := range plan {
		if !reflect.DeepEqual(plan[i], real[i]) {
			t.Errorf("row %d:\nplan %+v\nreal %+v", i, plan[i], real[i])
		}
	}
	if !reflect.DeepEqual(planPools, realPools) {
		t.Errorf("pools the plan would leave %+v\nthe real run left %+v", planPools, realPools)
	}
	if after := e.state(o, sessions).Pools; !reflect.DeepEqual(after, realPools) {
		t.Errorf("the real run answered pools %+v\nthe store holds %+v", realPools, after)
	}
	return real
}

// inviteRow is one row's outcome of InviteBatch, comparable between runs:
// a new invite's id, token and times are its own in each run.
type inviteRow struct {
	Code, Reason string
	Replayed     bool
	Notices      []string
	Invite       workspace.Invite
}

func inviteRows(res []workspace.BatchResult) []inviteRow {
	out := make([]inviteRow, len(res))
	for i, r := range res {
		inv := r.Outcome.Invite
		if !r.Outcome.Replayed {
			inv.ID = ""
		}
		inv.TokenHash, inv.ExpiresAt, inv.CreatedAt, inv.UpdatedAt = "", time.Time{}, time.Time{}, time.Time{}
		out[i] = inviteRow{Code: codeOrEmpty(r.Err), Reason: errText(r.Err), Replayed: r.Outcome.Replayed, Notices: r.Outcome.Notices, Invite: inv}
	}
	return out
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func (e *env) planInvites(o org, rows ...workspace.InviteInput) []inviteRow {
	e.t.Helper()
	return planThenApply(e, o, nil, func(mode workspace.Mode) ([]inviteRow, []workspace.LicensePool, error) {
		before := e.pools(o)
		res, pools, err := e.svc.InviteBatch(e.ctx, o.admin, rows, mode)
		if err == nil && !reflect.DeepEqual(pools.Before, before) {
			e.t.Errorf("the batch's pools before (mode %d) = %+v, want the store's %+v", mode, pools.Before, before)
		}
		return inviteRows(res), pools.After, err
	})
}

// outcomes sums rows up for a test's expectations: the error code, or
// replayed, or ok.
func inviteOutcomes(rows []inviteRow) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		switch {
		case r.Code != "":
			out[i] = r.Code
		case r.Replayed:
			out[i] = "replayed"
		default:
			out[i] = "ok"
		}
	}
	return out
}

func wantOutcomes(t *testing.T, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("rows %q\nwant %q", got, want)
	}
}

func testPlanInvites(t *testing.T, e *env) {
	// Signup mode on: every valid row is refused (R2), a bad row for its field (R1).
	on := e.newOrg("signup")
	rows := e.planInvites(on, row("Ann Lee", "ann@signup.example", "k1", "flow"), row("Bob Stone", "bob@signup.example", "", "flow"),
		row("Cy 3", "cy@signup.example", "k3", "flow"))
	wantOutcomes(t, inviteOutcomes(rows), "signup_mode_on", "signup_mode_on", "invalid_field")

	o := e.invitingOrg("acme")
	e.addUser(o, "user@acme.example", []string{"user"}, "flow")
	e.mustInvite(o.admin, "pending@acme.example", "flow") // flow: 1 of 3 left
	e.batch(o.admin, row("Re Play", "replay@acme.example", "k-replay", "agent-dialer"))
	rows = e.planInvites(o,
		row("Ann Lee", "ann@acme.example", "k1", "flow"),                     // the last flow license
		row("Ann Again", "ANN@acme.example", "k2", "agent-dialer"),           // R1: the same email twice in one batch
		row("Bo Bell", "bo@acme.example", "k3", "flow"),                      // R4: past the free licenses
		row("Cy Cole", "cy@acme.example", "k4", "flow", "agent-dialer"),      // R4: all or none
		row("Us Er", "user@acme.example", "k5", "agent-dialer"),              // R1: a user's email
		row("Pen Ding", "pending@acme.example", "k6", "agent-dialer"),        // R1: a pending invite's email
		row("Re Play", "replay@acme.example", "k-replay", "agent-dialer"),    // replayed
		row("R2-D2", "r2@acme.example", "k7", "agent-dialer"),                // R1: a bad name
		row("Di Dee", "di@acme.example", "k8", "agent-dialer"),               // agent-dialer: 2 of 3
		row("Ev Eve", "ev@acme.example", "", "agent-dialer"),                 // the last one
		row("Fa Fay", "fa@acme.example", "", "agent-dialer"),                 // R4
		row("Re Play", "replay@acme.example", "k-replay", "parallel-dialer"), // the key, another invite
	)
	wantOutcomes(t, inviteOutcomes(rows), "ok", "email_taken", "license_exhausted", "license_exhausted", "email_taken", "email_taken",
		"replayed", "invalid_field", "ok", "ok", "license_exhausted", "idempotency_key_reused")
	if !slices.Equal(rows[0].Notices, []string{"that was the last flow license: 3 of 3 in use"}) ||
		!slices.Equal(rows[9].Notices, []string{"that was the last agent-dialer license: 3 of 3 in use"}) {
		t.Errorf("notices of the last licenses: %q / %q", rows[0].Notices, rows[9].Notices)
	}
	if !strings.Contains(rows[2].Reason, "no flow license left: 3 of 3 in use") {
		t.Errorf("refused row: %s", rows[2].Reason)
	}
}

// userRow is one row's outcome of UserBatch, comparable between runs.
type userRow struct {
	Code, Reason, NoOp string
	Notices            []string
	User               workspace.User
}

func userRows(res []workspace.UserResult) []userRow {
	out := make([]userRow, len(res))
	for i, r := range res {
		u := r.Value
		u.CreatedAt, u.UpdatedAt, u.LastSignInAt = time.Time{}, time.Time{}, nil
		out[i] = userRow{Code: codeOrEmpty(r.Err), Reason: errText(r.Err), NoOp: r.NoOp, Notices: r.Notices, User: u}
	}
	return out
}

func userOutcomes(rows []userRow) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		switch {
		case r.Code != "":
			out[i] = r.Code
		case r.NoOp != "":
			out[i] = "unchanged: " + r.NoOp
		default:
			out[i] = "changed"
		}
	}
	return out
}

func (e *env) planUsers(o org, p workspace.Principal, action workspace.UserAction, sessions []workspace.BrowserSession, ops ...workspace.UserOp) []string {
	e.t.Helper()
	rows := planThenApply(e, o, sessions, func(mode workspace.Mode) ([]userRow, []workspace.LicensePool, error) {
		res, pools, err := e.svc.UserBatch(e.ctx, p, action, ops, mode)
		return userRows(res), pools, err
	})
	return userOutcomes(rows)
}

func ops(refs ...string) []workspace.UserOp {
	out := make([]workspace.UserOp, len(refs))
	for i, ref := range refs {
		out[i] = workspace.UserOp{User: ref}
	}
	return out
}

func activateOp(ref string, licenses ...string) workspace.UserOp {
	return workspace.UserOp{User: ref, Licenses: licenses}
}

func editOp(ref string, e workspace.UserEdit) workspace.UserOp {
	return workspace.UserOp{User: ref, Edit: e}
}

// inactive adds a user and deactivates them.
func (e *env) inactive(o org, email string) workspace.User {
	e.t.Helper()
	u := e.addUser(o, email, []string{"user"}, "parallel-dialer")
	_, err := e.svc.Deactivate(e.ctx, workspace.Operator(o.ID), u.ID)
	wantNoErr(e.t, err, "deactivate "+email)
	return u
}

func (e *env) enrollMFA(o org, email string) {
	e.t.Helper()
	wantNoErr(e.t, e.store.Update(e.ctx, func(tx workspace.Tx) error {
		u, err := tx.UserByEmail(e.ctx, o.ID, email)
		if err != nil {
			return err
		}
		u.MFAEnrolled, u.Version = true, u.Version+1
		return tx.UpdateUser(e.ctx, u)
	}), "enroll MFA")
}

// Each action in an org of its own, in one store.
func testPlanUserBatch(t *testing.T, e *env) {
	for _, tc := range []test{
		{"deactivate", testPlanDeactivate}, {"activate", testPlanActivate},
		{"edit", testPlanEdit}, {"mfa_reset", testPlanResetMFA},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, e.in(t)) })
	}
}

// in is e for the subtest t: the same store and service. The service's
// clock stays e's.
func (e *env) in(t *testing.T) *env {
	sub := *e
	sub.t = t
	return &sub
}

// R9: not oneself, an org keeps an active admin across the rows of one
// batch, licenses, sessions and tokens go; a row sees the rows before it.
func testPlanDeactivate(t *testing.T, e *env) {
	o := e.invitingOrg("deact")
	for _, admin := range []string{"bob@deact.example", "cy@deact.example"} {
		e.addUser(o, admin, []string{"admin"}, "flow")
	}
	dan := e.addUser(o, "dan@deact.example", []string{"user"}, "flow", "parallel-dialer")
	e.addUser(o, "fay@deact.example", []string{"user"}, "agent-dialer")
	e.inactive(o, "eve@deact.example")
	e.tokenFor(o, "dan@deact.example", workspace.ScopeUsersRead)
	e.tokenFor(o, "bob@deact.example", workspace.ScopeUsersRead)
	sessions := []workspace.BrowserSession{sessiontest.SignedIn(t, e.svc, o.ID, dan.ID)}

	got := e.planUsers(o, o.admin, workspace.ActionDeactivate, sessions, ops(o.admin.Email, "fay@deact.example", "eve@deact.example", "ghost@deact.example")...)
	wantOutcomes(t, got, "self_deactivation", "changed", "unchanged: already inactive", "not_found")

	// The operator removes every admin: the one that would leave none stays.
	got = e.planUsers(o, workspace.Operator(o.ID), workspace.ActionDeactivate, sessions,
		ops(o.admin.Email, "bob@deact.example", "cy@deact.example", "dan@deact.example", "DAN@deact.example")...)
	wantOutcomes(t, got, "changed", "changed", "last_admin", "changed", "unchanged: already inactive")
	after := e.state(o, sessions)
	if !after.Sessions[sessions[0].IDHash] || slices.Contains(slices.Collect(maps.Values(after.Tokens)), false) {
		t.Errorf("after the real run: sessions %v, tokens revoked %v; want every one ended", after.Sessions, after.Tokens)
	}
}

// R10 and R4: an activation needs a license, rows share the pool in
// order, an active user is refused or unchanged.
func testPlanActivate(t *testing.T, e *env) {
	o := e.invitingOrg("act")
	e.addUser(o, "al@act.example", []string{"user"}, "flow")
	for i := range 4 {
		e.inactive(o, fmt.Sprintf("s%d@act.example", i))
	}
	got := e.planUsers(o, o.admin, workspace.ActionActivate, nil,
		activateOp("s0@act.example", "flow"),
		activateOp("s1@act.example", "flow"),                 // the last flow license
		activateOp("s2@act.example", "flow"),                 // R4
		activateOp("s3@act.example"),                         // R10
		activateOp("al@act.example", "flow"),                 // holds it already
		activateOp("al@act.example", "agent-dialer"),         // active: edit instead
		activateOp("s2@act.example", "crm"),                  // no such product
		activateOp("s3@act.example", "agent-dialer", "flow"), // R4: all or none
		activateOp("s0@act.example", "flow"),                 // activated by the first row
		activateOp("s3@act.example", "agent-dialer"),
	)
	wantOutcomes(t, got, "changed", "changed", "license_exhausted", "license_required", "unchanged: already active with these licenses",
		"already_active", "invalid_field", "license_exhausted", "unchanged: already active with these licenses", "changed")
}

// R8 with R4 and R9: roles and licenses replace the user's, the last admin
// keeps the role, a license freed by a row is free for the rows after it.
func testPlanEdit(t *testing.T, e *env) {
	o := e.invitingOrg("edit")
	for _, admin := range []string{"bob@edit.example", "cy@edit.example"} {
		e.addUser(o, admin, []string{"admin"}, "flow")
	}
	e.addUser(o, "dan@edit.example", []string{"user"}, "flow")
	e.addUser(o, "al@edit.example", []string{"user"}, "agent-dialer")
	e.addUser(o, "bo@edit.example", []string{"user"}, "agent-dialer")
	e.addUser(o, "fay@edit.example", []string{"user"}, "parallel-dialer")
	e.inactive(o, "eve@edit.example")
	name, bad, on := "Dan Dee", "R2-D2", true
	user := []string{"user"}
	got := e.planUsers(o, o.admin, workspace.ActionEdit, nil,
		editOp("bob@edit.example", workspace.UserEdit{SetRoles: user}),
		editOp("cy@edit.example", workspace.UserEdit{SetRoles: user}),
		editOp(o.admin.Email, workspace.UserEdit{SetRoles: user}), // R9: the last admin
		editOp("dan@edit.example", workspace.UserEdit{Name: &name, SetLicenses: []string{"flow", "agent-dialer"}, CallRecording: &on}),
		editOp("fay@edit.example", workspace.UserEdit{SetLicenses: []string{"agent-dialer"}}), // R4
		editOp("dan@edit.example", workspace.UserEdit{}),
		editOp("dan@edit.example", workspace.UserEdit{Name: &bad}),
		editOp("eve@edit.example", workspace.UserEdit{SetLicenses: []string{"flow"}}), // inactive
		editOp("dan@edit.example", workspace.UserEdit{SetLicenses: []string{}}),       // frees agent-dialer
		editOp("fay@edit.example", workspace.UserEdit{SetLicenses: []string{"agent-dialer"}}),
	)
	wantOutcomes(t, got, "changed", "changed", "last_admin", "changed", "license_exhausted", "unchanged: nothing to change",
		"invalid_field", "invalid_field", "changed", "changed")
}

// R12: the enrollment and the sessions go.
func testPlanResetMFA(t *testing.T, e *env) {
	o := e.invitingOrg("mfa")
	bob := e.addUser(o, "bob@mfa.example", []string{"user"}, "flow")
	e.addUser(o, "cy@mfa.example", []string{"user"}, "flow")
	e.enrollMFA(o, "bob@mfa.example")
	sessions := []workspace.BrowserSession{sessiontest.SignedIn(t, e.svc, o.ID, bob.ID)}
	got := e.planUsers(o, o.admin, workspace.ActionResetMFA, sessions, ops("bob@mfa.example", "cy@mfa.example", "ghost@mfa.example")...)
	wantOutcomes(t, got, "changed", "changed", "not_found")
	if after := e.state(o, sessions); !after.Sessions[sessions[0].IDHash] || after.Users[0].MFAEnrolled {
		t.Errorf("after the real run: sessions ended %v, users %+v", after.Sessions, after.Users)
	}
}

// A dry run whose rows all change something keeps none of it: every write
// of the transaction is rolled back, not only the audit events.
func testPlanRolledBack(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	bob := e.addUser(o, "bob@acme.example", []string{"user"}, "flow")
	e.enrollMFA(o, bob.Email)
	_, secret, err := e.svc.IssueToken(e.ctx, workspace.Operator(o.ID), bob.Email, "ci", []string{"users:read"})
	wantNoErr(t, err, "token")
	sessions := []workspace.BrowserSession{sessiontest.SignedIn(t, e.svc, o.ID, bob.ID)}
	before := e.state(o, sessions)

	res, _, err := e.svc.InviteBatch(e.ctx, o.admin, []workspace.InviteInput{row("Ann Lee", "ann@acme.example", "k1", "flow")}, workspace.DryRun)
	if err != nil || res[0].Err != nil {
		t.Fatalf("dry run of an invite: %v / %v", err, res)
	}
	for _, action := range []workspace.UserAction{workspace.ActionResetMFA, workspace.ActionDeactivate} {
		res, _, err := e.svc.UserBatch(e.ctx, o.admin, action, ops(bob.Email), workspace.DryRun)
		if err != nil || res[0].Err != nil || res[0].NoOp != "" {
			t.Fatalf("dry run of %s: %v / %+v; want a change", action, err, res)
		}
	}
	if changed := e.state(o, sessions).changes(before); changed != "" {
		t.Errorf("dry runs kept changes:\n%s", changed)
	}
	if _, err := e.svc.Authenticate(e.ctx, secret); err != nil {
		t.Errorf("bob's token no longer authenticates after dry runs: %v", err)
	}
}

// errStoreDown is a store failure in the middle of a transaction.
var errStoreDown = errors.New("store down")

// failingStore is a store whose transactions fail at their first
// RevokeUserSessions or InsertOutbox, after the writes before it.
type failingStore struct{ workspace.Store }

func (s failingStore) Update(ctx context.Context, fn func(workspace.Tx) error) error {
	return s.Store.Update(ctx, func(tx workspace.Tx) error { return fn(failingTx{tx}) })
}

type failingTx struct{ workspace.Tx }

func (failingTx) RevokeUserSessions(context.Context, string, string, time.Time) error {
	return errStoreDown
}

func (failingTx) InsertOutbox(context.Context, ...workspace.OutboxMessage) error {
	return errStoreDown
}

// A store failure in a dry run is the call's error, as in a real run: the
// rollback that ends every dry run must not turn it into a plan.
func testPlanStoreFailure(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	bob := e.addUser(o, "bob@acme.example", []string{"user"}, "flow")
	before := e.state(o, nil)
	svc := workspace.NewService(failingStore{e.store}, workspace.WithClock(func() time.Time { return e.now }))
	for _, mode := range []workspace.Mode{workspace.DryRun, workspace.Apply} {
		res, pools, err := svc.UserBatch(e.ctx, o.admin, workspace.ActionDeactivate, ops(bob.Email), mode)
		if !errors.Is(err, errStoreDown) || res != nil || pools != nil {
			t.Errorf("user batch (mode %d) over a failing store: %v, %+v; want the store's error and no results", mode, err, res)
		}
		ires, ipools, err := svc.InviteBatch(e.ctx, o.admin, []workspace.InviteInput{row("Ann Lee", "ann@acme.example", "k1", "flow")}, mode)
		if !errors.Is(err, errStoreDown) || ires != nil || ipools.After != nil {
			t.Errorf("invite batch (mode %d) over a failing store: %v, %+v; want the store's error and no results", mode, err, ires)
		}
	}
	if changed := e.state(o, nil).changes(before); changed != "" {
		t.Errorf("failed batches kept changes:\n%s", changed)
	}
}
