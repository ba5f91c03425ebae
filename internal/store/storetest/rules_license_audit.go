package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wsctl/wsctl/internal/workspace"
)

// The license audit of a CI job (issue 13): each kind of finding, decided
// by the domain over one read of the store.
func licenseAuditTests() []test {
	return []test{
		{"LicenseAudit_PoolAbove_BarePercentAndPerProduct_R4", testAuditPoolAbove},
		{"LicenseAudit_PoolAbove_BadLimitsRefused", testAuditBadLimits},
		{"LicenseAudit_IdleHolders_BySignInElseCreation", testAuditIdleHolders},
		{"LicenseAudit_StaleInvites_OnlyPendingOnesHoldingLicenses_R4_R6", testAuditStaleInvites},
		{"LicenseAudit_InactiveHolders_NoneAfterDeactivation_R9", testAuditInactiveHolders},
		{"LicenseAudit_PoolCheckForAnyMember_PeopleForAdmins_R13", testAuditAuthorization},
		{"LicenseAudit_ReadsEveryPage", testAuditPages},
	}
}

const day = 24 * time.Hour

func days(n int) *int { return &n }

// audit runs an audit as p and fails the test on an error.
func (e *env) audit(p workspace.Principal, in workspace.LicenseAuditInput) workspace.LicenseAudit {
	e.t.Helper()
	out, err := e.svc.AuditLicenses(e.ctx, p, in)
	if err != nil {
		e.t.Fatalf("audit %+v: %v", in, err)
	}
	return out
}

// findings are an audit's findings as "kind product subject", in order.
func findings(a workspace.LicenseAudit) []string {
	out := []string{}
	for _, f := range a.Findings {
		out = append(out, fmt.Sprintf("%s %s %s", f.Kind, f.Product, f.Subject))
	}
	return out
}

// checks are an audit's checks as "kind product", in order.
func checks(a workspace.LicenseAudit) []string {
	out := []string{}
	for _, c := range a.Checks {
		out = append(out, fmt.Sprintf("%s %s", c.Kind, c.Product))
	}
	return out
}

func wantItems(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got  %q\n want %q", what, got, want)
	}
}

// signedIn records a completed sign-in of the user at the env's clock.
func (e *env) signedIn(o org, u workspace.User) {
	e.t.Helper()
	err := e.store.Update(e.ctx, func(tx workspace.Tx) error { return tx.SetLastSignIn(e.ctx, o.ID, u.ID, e.now) })
	wantNoErr(e.t, err, "record a sign-in")
}

// Pools (ordered by product): agent-dialer 0 of 3, flow 3 of 3 (2
// assigned, 1 reserved), parallel-dialer 1 of 3.
func testAuditPoolAbove(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	e.addUser(o, "ann@acme.example", []string{"user"}, "flow", "parallel-dialer")
	e.addUser(o, "bob@acme.example", []string{"user"}, "flow")
	e.mustInvite(o.admin, "cat@acme.example", "flow")
	pools := func(limits ...workspace.UsageLimit) workspace.LicenseAudit {
		t.Helper()
		return e.audit(o.admin, workspace.LicenseAuditInput{MaxUsed: limits})
	}

	a := pools(workspace.UsageLimit{Percent: 50})
	wantItems(t, "a bare 50%: only flow (100%)", findings(a), "pool_above flow flow")
	wantItems(t, "a bare percent checks every pool", checks(a), "pool_above agent-dialer", "pool_above flow", "pool_above parallel-dialer")
	if got, want := a.Findings[0].Detail, "100% used (3 of 3: 2 assigned, 1 reserved), above 50%"; got != want {
		t.Errorf("detail %q, want %q", got, want)
	}
	if got := a.Checks[1].Description; got != "flow at most 50% used" {
		t.Errorf("check description %q", got)
	}
	if len(a.Pools) != 3 || a.Pools[1].Product != "flow" || a.Pools[1].Used() != 3 {
		t.Errorf("pools %+v", a.Pools)
	}

	a = pools(workspace.UsageLimit{Percent: 30})
	wantItems(t, "a bare 30%: flow and parallel-dialer (33.3%)", findings(a), "pool_above flow flow", "pool_above parallel-dialer parallel-dialer")
	if got, want := a.Findings[1].Detail, "33.3% used (1 of 3: 1 assigned, 0 reserved), above 30%"; got != want {
		t.Errorf("detail %q, want %q", got, want)
	}

	a = pools(workspace.UsageLimit{Percent: 30}, workspace.UsageLimit{Product: "parallel-dialer", Percent: 40})
	wantItems(t, "a product's own limit wins over the bare one", findings(a), "pool_above flow flow")
	wantItems(t, "checks", checks(a), "pool_above agent-dialer", "pool_above flow", "pool_above parallel-dialer")

	a = pools(workspace.UsageLimit{Product: "Flow", Percent: 100})
	wantItems(t, "100% used is not above 100%", findings(a))
	wantItems(t, "a product's limit alone checks that pool only", checks(a), "pool_above flow")

	a = pools(workspace.UsageLimit{Product: "flow", Percent: 99.5}, workspace.UsageLimit{Product: "agent-dialer", Percent: 0})
	wantItems(t, "flow above 99.5%; an unused pool is not above 0%", findings(a), "pool_above flow flow")

	a = pools()
	wantItems(t, "no limit, no pool check", checks(a))
	wantItems(t, "no limit, no finding", findings(a))
}

func testAuditBadLimits(t *testing.T, e *env) {
	o := e.newOrg("acme")
	for _, tc := range []struct {
		name   string
		limits []workspace.UsageLimit
	}{
		{"above 100", []workspace.UsageLimit{{Percent: 100.5}}},
		{"negative", []workspace.UsageLimit{{Product: "flow", Percent: -1}}},
		{"unknown product", []workspace.UsageLimit{{Product: "crm", Percent: 80}}},
		{"two bare limits", []workspace.UsageLimit{{Percent: 80}, {Percent: 90}}},
		{"two limits of one product", []workspace.UsageLimit{{Product: "flow", Percent: 80}, {Product: "FLOW", Percent: 90}}},
	} {
		_, err := e.svc.AuditLicenses(e.ctx, o.admin, workspace.LicenseAuditInput{MaxUsed: tc.limits})
		wantCode(t, err, "invalid_field")
		if v := as[*workspace.ValidationError](t, err); v.Field != "max_used" {
			t.Errorf("%s: field %q, want max_used", tc.name, v.Field)
		}
	}
	_, err := e.svc.AuditLicenses(e.ctx, o.admin, workspace.LicenseAuditInput{MaxUsed: []workspace.UsageLimit{{Product: "crm", Percent: 80}}})
	if msg := err.Error(); !strings.Contains(msg, `"crm"`) || !strings.Contains(msg, "agent-dialer, flow, parallel-dialer") {
		t.Errorf("an unknown product's error names it and the known ones: %q", msg)
	}
	for _, in := range []workspace.LicenseAuditInput{{IdleDays: days(0)}, {IdleDays: days(-1)}, {StaleInviteDays: days(workspace.MaxAuditDays + 1)}} {
		_, err := e.svc.AuditLicenses(e.ctx, o.admin, in)
		wantCode(t, err, "invalid_field")
	}
}

func testAuditIdleHolders(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	start := e.now
	e.addUser(o, "never@acme.example", []string{"user"}, "flow")
	away := e.addUser(o, "away@acme.example", []string{"user"}, "flow", "agent-dialer")
	back := e.addUser(o, "back@acme.example", []string{"user"}, "flow")
	e.addUser(o, "gone@acme.example", []string{"user"}, "parallel-dialer")
	_, err := e.svc.Deactivate(e.ctx, o.admin, "gone@acme.example")
	wantNoErr(t, err, "deactivate")
	e.now = start.Add(5 * day)
	e.signedIn(o, away)
	e.now = start.Add(39 * day)
	e.signedIn(o, back) // created 40 days before the audit, signed in since
	e.now = start.Add(40 * day)
	e.addUser(o, "new@acme.example", []string{"user"}, "agent-dialer")

	a := e.audit(o.admin, workspace.LicenseAuditInput{IdleDays: days(30)})
	wantItems(t, "idle for more than 30 days", findings(a),
		"idle_holder agent-dialer away@acme.example",
		"idle_holder flow away@acme.example",
		"idle_holder flow never@acme.example")
	wantItems(t, "checks", checks(a), "idle_holder agent-dialer", "idle_holder flow", "idle_holder parallel-dialer")
	details := map[string]string{}
	for _, f := range a.Findings {
		details[f.Subject] = f.Detail
	}
	if got, want := details["away@acme.example"], "last signed in 2026-11-06, 35 days ago (more than 30)"; got != want {
		t.Errorf("detail of a sign-in long ago: %q, want %q", got, want)
	}
	if got, want := details["never@acme.example"], "never signed in; added 2026-11-01, 40 days ago (more than 30)"; got != want {
		t.Errorf("detail of one who never signed in: %q, want %q", got, want)
	}

	a = e.audit(o.admin, workspace.LicenseAuditInput{IdleDays: days(35)})
	wantItems(t, "35 days exactly is not more than 35", findings(a), "idle_holder flow never@acme.example")
	a = e.audit(o.admin, workspace.LicenseAuditInput{IdleDays: days(40)})
	wantItems(t, "created 40 days ago exactly is not more than 40", findings(a))
}

func testAuditStaleInvites(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	start := e.now
	e.mustInvite(o.admin, "kept@acme.example", "flow", "parallel-dialer") // resent: pending ever since
	e.mustInvite(o.admin, "lapsed@acme.example", "flow")                  // never resent: expired
	e.mustInvite(o.admin, "revoked@acme.example", "agent-dialer")
	_, err := e.svc.RevokeInvite(e.ctx, o.admin, "revoked@acme.example")
	wantNoErr(t, err, "revoke")
	e.now = start.Add(6 * day)
	_, err = e.svc.ResendInvite(e.ctx, o.admin, "kept@acme.example")
	wantNoErr(t, err, "resend")
	e.now = start.Add(9 * day)
	e.mustInvite(o.admin, "fresh@acme.example", "agent-dialer")
	e.now = start.Add(10 * day)

	a := e.audit(o.admin, workspace.LicenseAuditInput{StaleInviteDays: days(7)})
	wantItems(t, "pending for more than 7 days", findings(a),
		"stale_invite flow kept@acme.example",
		"stale_invite parallel-dialer kept@acme.example")
	wantItems(t, "checks", checks(a), "stale_invite agent-dialer", "stale_invite flow", "stale_invite parallel-dialer")
	if got, want := a.Findings[0].Detail, "invited 2026-11-01, 10 days ago (more than 7), still pending until 2026-11-14"; got != want {
		t.Errorf("detail %q, want %q", got, want)
	}
	if p := e.pool(o, "flow"); p.Reserved != 1 {
		t.Errorf("the expired invite should hold nothing and the stale one its license: %+v", p)
	}
	a = e.audit(o.admin, workspace.LicenseAuditInput{StaleInviteDays: days(10)})
	wantItems(t, "10 days exactly is not more than 10", findings(a))
}

func testAuditInactiveHolders(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	e.addUser(o, "left@acme.example", []string{"user"}, "flow")
	_, err := e.svc.Deactivate(e.ctx, o.admin, "left@acme.example")
	wantNoErr(t, err, "deactivate")
	e.addUser(o, "ann@acme.example", []string{"user"}, "flow", "agent-dialer")
	e.addUser(o, "bob@acme.example", []string{"user"}, "flow")
	in := workspace.LicenseAuditInput{InactiveHolders: true}

	a := e.audit(o.admin, in)
	wantItems(t, "deactivation released every license", findings(a))
	wantItems(t, "checks", checks(a), "inactive_holder agent-dialer", "inactive_holder flow", "inactive_holder parallel-dialer")

	// Deactivation through the domain releases every license (R9), so an
	// inactive holder can only be made by writing the row directly, as a
	// faulty import or a bug of an earlier version might have left it.
	err = e.store.Update(e.ctx, func(tx workspace.Tx) error {
		u, err := tx.UserByEmail(e.ctx, o.ID, "ann@acme.example")
		if err != nil {
			return err
		}
		u.Active, u.Version = false, u.Version+1
		return tx.UpdateUser(e.ctx, u)
	})
	wantNoErr(t, err, "write an inactive holder")
	a = e.audit(o.admin, in)
	wantItems(t, "an inactive user holding licenses", findings(a),
		"inactive_holder agent-dialer ann@acme.example",
		"inactive_holder flow ann@acme.example")
	if d := a.Findings[1].Detail; !strings.Contains(d, "inactive") || !strings.Contains(d, "'wsctl users edit ann@acme.example --remove-license flow'") {
		t.Errorf("detail %q should say what is wrong and how to free the license", d)
	}
	a = e.audit(o.admin, workspace.LicenseAuditInput{IdleDays: days(1)})
	wantItems(t, "the inactive-holder check runs only when asked", checks(a), "idle_holder agent-dialer", "idle_holder flow", "idle_holder parallel-dialer")
}

func testAuditAuthorization(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	e.addUser(o, "mia@acme.example", []string{"manager"}, "flow")
	e.addUser(o, "ci@acme.example", []string{"admin"}, "flow")
	licensesOnly := e.tokenFor(o, "ci@acme.example", workspace.ScopeLicensesRead)
	usersOnly := e.tokenFor(o, "ci@acme.example", workspace.ScopeUsersRead)
	both := e.tokenFor(o, "ci@acme.example", workspace.ScopeLicensesRead, workspace.ScopeUsersRead)
	manager := e.tokenFor(o, "mia@acme.example", workspace.ScopeLicensesRead, workspace.ScopeUsersRead)
	pools := workspace.LicenseAuditInput{MaxUsed: []workspace.UsageLimit{{Percent: 50}}}
	people := []workspace.LicenseAuditInput{{InactiveHolders: true}, {IdleDays: days(1)}, {StaleInviteDays: days(1)}}

	for _, p := range []workspace.Principal{licensesOnly, manager, both} {
		a := e.audit(p, pools)
		wantItems(t, "any member may check the pools", findings(a), "pool_above flow flow")
	}
	for _, in := range people {
		_, err := e.svc.AuditLicenses(e.ctx, licensesOnly, in)
		if wantCode(t, err, "forbidden"); as[*workspace.ForbiddenError](t, err).Scope != "users:read" {
			t.Errorf("%+v without users:read: %v", in, err)
		}
		_, err = e.svc.AuditLicenses(e.ctx, manager, in)
		wantCode(t, err, "forbidden")
		e.audit(both, in)
	}
	_, err := e.svc.AuditLicenses(e.ctx, usersOnly, pools)
	if wantCode(t, err, "forbidden"); as[*workspace.ForbiddenError](t, err).Scope != "licenses:read" {
		t.Errorf("without licenses:read: %v", err)
	}

	// Nothing crosses orgs: another org's idle holder is not this one's finding.
	other := e.invitingOrg("globex")
	e.addUser(other, "old@globex.example", []string{"user"}, "flow")
	e.now = e.now.Add(60 * day)
	a := e.audit(o.admin, workspace.LicenseAuditInput{IdleDays: days(30)})
	wantItems(t, "acme's idle holders only", findings(a), "idle_holder flow ci@acme.example", "idle_holder flow mia@acme.example")
}

// More holders and invites than one page of the store: every one is read.
func testAuditPages(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	op := workspace.Operator(o.ID)
	const n = workspace.MaxPageSize + 1
	_, err := e.svc.SetLicenseTotal(e.ctx, op, "flow", 2*n)
	wantNoErr(t, err, "grow flow")
	// Written directly: n users through the domain would take n transactions.
	err = e.store.Update(e.ctx, func(tx workspace.Tx) error {
		for i := range n {
			u := workspace.User{ID: fmt.Sprintf("usr_page%04d", i), OrgID: o.ID, Name: "Page Holder", Email: fmt.Sprintf("holder%04d@acme.example", i),
				Roles: []workspace.Role{workspace.RoleUser}, Licenses: []string{"flow"}, Active: true, CreatedAt: e.now, UpdatedAt: e.now, Version: 1}
			if err := tx.InsertUser(e.ctx, u); err != nil {
				return err
			}
		}
		return nil
	})
	wantNoErr(t, err, "insert holders")
	ins := make([]workspace.InviteInput, n)
	for i := range ins {
		ins[i] = workspace.InviteInput{Name: "Page Invitee", Email: fmt.Sprintf("invitee%04d@acme.example", i), Roles: []string{"user"}, Licenses: []string{"flow"}}
	}
	for _, batch := range [][]workspace.InviteInput{ins[:workspace.MaxInviteBatch], ins[workspace.MaxInviteBatch:]} {
		results, _, err := e.svc.InviteBatch(e.ctx, o.admin, batch, workspace.Apply)
		wantNoErr(t, err, "invite batch")
		for _, r := range results {
			wantNoErr(t, r.Err, "invite")
		}
	}
	e.now = e.now.Add(2 * day)

	a := e.audit(o.admin, workspace.LicenseAuditInput{IdleDays: days(1), StaleInviteDays: days(1)})
	idle, stale := 0, 0
	for _, f := range a.Findings {
		switch f.Kind {
		case workspace.FindingIdleHolder:
			idle++
		case workspace.FindingStaleInvite:
			stale++
		}
	}
	if idle != n || stale != n {
		t.Errorf("%d idle holders and %d stale invites found, want %d of each", idle, stale, n)
	}
	if last := a.Findings[len(a.Findings)-1]; last.Subject != fmt.Sprintf("invitee%04d@acme.example", n-1) {
		t.Errorf("findings end with %+v, want the last invitee's", last)
	}
}
