package storetest

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsctl/wsctl/internal/workspace"
)

// Syncing a roster (wsctl users sync): one action per row, the people
// missing from it, licenses settled for the whole roster (R4), R9 for
// deactivations, R2 for invites, R14 for every change, dry runs that agree
// with the real run and keep nothing.
func syncTests() []test {
	return []test{
		{"Sync_EveryActionKind_R1_R4_R8_R10", testSyncActions},
		{"Sync_SwapLicenseInFullPool_ReleasesFreedFirst_R4", testSyncSwap},
		{"Sync_RefusedRowReleasesNothing_LaterClaimRefusedToo_R4", testSyncRefusedReleasesNothing},
		{"Sync_DeactivateMissing_UsersAndInvites_NeverTheCaller_R9_R6", testSyncDeactivateMissing},
		{"Sync_DeactivateMissing_NeverTheLastAdmin_R9", testSyncLastAdmin},
		{"Sync_DeactivateMissing_OnlyThePeopleConfirmed_R9", testSyncConfirmedOnly},
		{"Sync_SignupModeOn_RefusesOnlyInviteRows_R2", testSyncSignupMode},
		{"Sync_SameRosterTwice_SecondAllUnchanged", testSyncIdempotent},
		{"Sync_DryRunAgreesWithRun_KeepsNothing", testSyncDryRun},
		{"Sync_OneAuditEventPerChange_R14", testSyncAudit},
		{"Sync_ConcurrentSyncsNeverExceedThePool_R4", testSyncConcurrent},
		{"Sync_AdminsOnly_R13", testSyncAuthorization},
	}
}

// person is a roster row.
func person(name, email string, roles []string, licenses ...string) workspace.RosterRow {
	return workspace.RosterRow{Name: name, Email: email, Roles: roles, Licenses: licenses}
}

// member is a roster row for someone made by addUser or mustInvite, whose
// name is "Test Person".
func member(email string, roles []string, licenses ...string) workspace.RosterRow {
	return person("Test Person", email, roles, licenses...)
}

// ada is the row of an org's first admin as newOrg made her.
func ada(roles []string) workspace.RosterRow {
	return workspace.RosterRow{Name: "Ada Admin", Email: "ada@acme.example", Roles: roles}
}

var (
	adminRole = []string{"admin"}
	userRole  = []string{"user"}
)

func (e *env) sync(p workspace.Principal, r workspace.Roster, mode workspace.Mode) workspace.SyncResult {
	e.t.Helper()
	res, err := e.svc.SyncUsers(e.ctx, p, r, mode)
	if err != nil {
		e.t.Fatalf("sync: %v", err)
	}
	if len(res.Rows) != len(r.Rows) {
		e.t.Fatalf("%d outcomes for %d rows", len(res.Rows), len(r.Rows))
	}
	return res
}

// syncActions is "action code" per row: the code of a refused or invalid row's error.
func syncActions(outs []workspace.SyncOutcome) []string {
	var got []string
	for _, o := range outs {
		got = append(got, strings.TrimSpace(string(o.Action)+" "+codeOrEmpty(o.Err)))
	}
	return got
}

// missingActions is "email kind action" per person missing from the roster.
func missingActions(ms []workspace.SyncMissing) []string {
	var got []string
	for _, m := range ms {
		got = append(got, m.Email+" "+m.Kind+" "+string(m.Action))
	}
	return got
}

func wantList(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got %q\nwant %q", what, got, want)
	}
}

// ruleLabel finds a rule number (R4) in text people read.
var ruleLabel = regexp.MustCompile(`\bR[0-9]+\b`)

func wantNoRuleLabels(t *testing.T, res workspace.SyncResult) {
	t.Helper()
	outs := slices.Clone(res.Rows)
	for _, m := range res.Missing {
		outs = append(outs, m.SyncOutcome)
	}
	for _, o := range outs {
		if o.Reason == "" || ruleLabel.MatchString(o.Reason) {
			t.Errorf("reason %q: want words people read, without rule labels", o.Reason)
		}
	}
}

func (e *env) deactivated(o org, email string, roles []string, licenses ...string) workspace.User {
	e.t.Helper()
	e.addUser(o, email, roles, licenses...)
	out, err := e.svc.Deactivate(e.ctx, o.admin, email)
	if err != nil {
		e.t.Fatalf("deactivate %s: %v", email, err)
	}
	return out.Value
}

func (e *env) user(o org, email string) workspace.User {
	e.t.Helper()
	u, err := e.svc.GetUser(e.ctx, o.admin, email)
	if err != nil {
		e.t.Fatalf("get %s: %v", email, err)
	}
	return u
}

func (e *env) pendingInvite(o org, email string) workspace.Invite {
	e.t.Helper()
	var inv workspace.Invite
	err := e.store.View(e.ctx, func(tx workspace.Tx) (err error) {
		inv, err = tx.PendingInviteByEmail(e.ctx, o.ID, email)
		return err
	})
	if err != nil {
		e.t.Fatalf("pending invite of %s: %v", email, err)
	}
	return inv
}

func testSyncActions(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	if _, err := e.svc.SetLicenseTotal(e.ctx, workspace.Operator(o.ID), "parallel-dialer", 5); err != nil {
		t.Fatal(err)
	}
	e.addUser(o, "bob@acme.example", userRole, "flow")
	e.addUser(o, "cat@acme.example", userRole, "flow")
	e.deactivated(o, "dan@acme.example", userRole, "flow")
	e.addUser(o, "ivy@acme.example", userRole, "agent-dialer")
	e.addUser(o, "jon@acme.example", userRole, "parallel-dialer")
	eve := e.mustInvite(o.admin, "eve@acme.example", "flow").Invite
	e.mustInvite(o.admin, "fay@acme.example", "parallel-dialer")
	e.mustInvite(o.admin, "kim@acme.example", "parallel-dialer")
	eveLink := e.pendingInvite(o, "eve@acme.example")

	res := e.sync(o.admin, workspace.Roster{Rows: []workspace.RosterRow{
		ada(adminRole), // 0 the caller, as is
		member("BOB@acme.example", userRole, "flow"),                                   // 1 as is, whatever the case of the email
		member("cat@acme.example", userRole, "flow", "agent-dialer"),                   // 2 a license more
		person("Dan Diaz", "dan@acme.example", []string{"manager"}, "parallel-dialer"), // 3 inactive
		member("eve@acme.example", []string{"manager"}, "flow"),                        // 4 a pending invite, another role
		member("fay@acme.example", userRole, "parallel-dialer"),                        // 5 a pending invite, as is
		person("Gil Gray", "gil@acme.example", userRole, "agent-dialer"),               // 6 nobody
		member("ivy@acme.example", userRole, "agent-dialer"),                           // 7 as is: agent-dialer now 3 of 3
		person("Hal Hill", "hal@acme.example", userRole, "agent-dialer"),               // 8 none left
		person("R2-D2", "r2@acme.example", userRole, "flow"),                           // 9 bad name
		member("crm@acme.example", userRole, "crm"),                                    // 10 unknown product
		member("boss@acme.example", []string{"boss"}, "flow"),                          // 11 unknown role
		person("Gil Again", "Gil@acme.example", userRole, "flow"),                      // 12 twice
		member("nolicense@acme.example", userRole),                                     // 13 an invite needs a license
	}}, workspace.Apply)
	wantList(t, "rows", syncActions(res.Rows), []string{
		"unchanged", "unchanged", "update", "activate", "update", "unchanged", "invite", "unchanged",
		"refused license_exhausted", "invalid invalid_field", "invalid invalid_field", "invalid invalid_field",
		"invalid invalid_field", "invalid invalid_field",
	})
	wantList(t, "missing", missingActions(res.Missing), []string{
		"jon@acme.example user not_in_roster", "kim@acme.example invite not_in_roster",
	})
	wantNoRuleLabels(t, res)

	if r := res.Rows[2].Reason; r != "licenses flow → agent-dialer, flow" {
		t.Errorf("update reason %q", r)
	}
	if r := res.Rows[8].Reason; !strings.Contains(r, "no agent-dialer license left: 3 of 3 in use") {
		t.Errorf("refused reason %q, want the product and the counts", r)
	}
	if ex := as[*workspace.LicenseExhaustedError](t, res.Rows[8].Err); ex.Product != "agent-dialer" || ex.Used != 3 || ex.Total != 3 {
		t.Errorf("row 8: %+v", ex)
	}
	if r := res.Rows[12].Reason; !strings.Contains(r, "listed twice") {
		t.Errorf("duplicate email reason %q", r)
	}
	if n := res.Rows[6].Notices; len(n) != 1 || !strings.Contains(n[0], "that was the last agent-dialer license") {
		t.Errorf("row 6 notices %q", n)
	}

	cat := e.user(o, "cat@acme.example")
	if fmt.Sprint(cat.Licenses) != "[agent-dialer flow]" || res.Rows[2].User == nil || res.Rows[2].User.Version != cat.Version {
		t.Errorf("cat = %+v, row user %+v", cat, res.Rows[2].User)
	}
	dan := e.user(o, "dan@acme.example")
	if !dan.Active || dan.Name != "Dan Diaz" || fmt.Sprint(dan.Roles) != "[manager]" || fmt.Sprint(dan.Licenses) != "[parallel-dialer]" {
		t.Errorf("activated dan = %+v", dan)
	}
	after := e.pendingInvite(o, "eve@acme.example")
	if fmt.Sprint(after.Roles) != "[manager]" || after.ID != eve.ID || after.TokenHash != eveLink.TokenHash || !after.ExpiresAt.Equal(eveLink.ExpiresAt) {
		t.Errorf("updated invite %+v: want the new role, the same link and expiry as %+v", after, eveLink)
	}
	gil := e.pendingInvite(o, "gil@acme.example")
	if gil.Name != "Gil Gray" || fmt.Sprint(gil.Licenses) != "[agent-dialer]" || res.Rows[6].Invite == nil || res.Rows[6].Invite.ID != gil.ID {
		t.Errorf("invited gil = %+v", gil)
	}
	for _, email := range []string{"hal@acme.example", "r2@acme.example", "nolicense@acme.example"} {
		var err error
		_ = e.store.View(e.ctx, func(tx workspace.Tx) error { _, err = tx.PendingInviteByEmail(e.ctx, o.ID, email); return nil })
		if workspace.CodeOf(err) != "not_found" {
			t.Errorf("%s: a refused or invalid row was invited (%v)", email, err)
		}
	}
	for product, used := range map[string]int{"flow": 3, "agent-dialer": 3, "parallel-dialer": 4} {
		if p := e.pool(o, product); p.Used() != used {
			t.Errorf("%s %+v, want %d used", product, p, used)
		}
	}
	if len(res.Pools) != 3 {
		t.Errorf("pools %+v", res.Pools)
	}
}

// fullPools fills flow with ann, bea, cal and agent-dialer with dee, eli, fin.
func (e *env) fullPools(o org) []workspace.RosterRow {
	e.t.Helper()
	rows := []workspace.RosterRow{ada(adminRole)}
	for _, name := range []string{"ann", "bea", "cal"} {
		e.addUser(o, name+"@acme.example", userRole, "flow")
		rows = append(rows, member(name+"@acme.example", userRole, "flow"))
	}
	for _, name := range []string{"dee", "eli", "fin"} {
		e.addUser(o, name+"@acme.example", userRole, "agent-dialer")
		rows = append(rows, member(name+"@acme.example", userRole, "agent-dialer"))
	}
	return rows
}

func testSyncSwap(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	rows := e.fullPools(o)
	// dee takes ann's flow license, listed before ann gives it up: in roster
	// order with nothing freed first, dee's claim would find flow full.
	rows[4] = member("dee@acme.example", userRole, "flow")
	rows[1] = member("ann@acme.example", userRole, "agent-dialer")
	rows[1], rows[4] = rows[4], rows[1]
	res := e.sync(o.admin, workspace.Roster{Rows: rows}, workspace.Apply)
	wantList(t, "rows", syncActions(res.Rows), []string{"unchanged", "update", "unchanged", "unchanged", "update", "unchanged", "unchanged"})
	if a, d := e.user(o, "ann@acme.example"), e.user(o, "dee@acme.example"); fmt.Sprint(a.Licenses, d.Licenses) != "[agent-dialer] [flow]" {
		t.Errorf("after the swap ann holds %v, dee %v", a.Licenses, d.Licenses)
	}
	for _, product := range []string{"flow", "agent-dialer"} {
		if p := e.pool(o, product); p.Used() != 3 || p.Total != 3 {
			t.Errorf("%s %+v, want still 3 of 3", product, p)
		}
	}
}

func testSyncRefusedReleasesNothing(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	rows := e.fullPools(o)
	// ann would give flow up for agent-dialer, which is full: refused, so she
	// keeps flow, and gus, who counted on her flow license, is refused too.
	rows[1] = member("ann@acme.example", userRole, "agent-dialer")
	rows = append(rows, person("Gus Gold", "gus@acme.example", userRole, "flow"))
	res := e.sync(o.admin, workspace.Roster{Rows: rows}, workspace.Apply)
	wantList(t, "rows", syncActions(res.Rows), []string{"unchanged", "refused license_exhausted", "unchanged", "unchanged",
		"unchanged", "unchanged", "unchanged", "refused license_exhausted"})
	if ex := as[*workspace.LicenseExhaustedError](t, res.Rows[1].Err); ex.Product != "agent-dialer" {
		t.Errorf("ann refused for %+v, want agent-dialer", ex)
	}
	if ex := as[*workspace.LicenseExhaustedError](t, res.Rows[7].Err); ex.Product != "flow" || ex.Used != 3 || ex.Total != 3 {
		t.Errorf("gus refused for %+v, want flow 3 of 3", ex)
	}
	if a := e.user(o, "ann@acme.example"); fmt.Sprint(a.Licenses) != "[flow]" || a.Version != 1 {
		t.Errorf("refused ann changed: %+v", a)
	}
	if res.Rows[1].User == nil || res.Rows[1].User.Email != "ann@acme.example" {
		t.Errorf("a refused row shows the person as is: %+v", res.Rows[1].User)
	}
	for _, product := range []string{"flow", "agent-dialer"} {
		if p := e.pool(o, product); p.Used() != 3 {
			t.Errorf("%s %+v", product, p)
		}
	}
	if got := e.auditActions(o); got[len(got)-1] != "user.added" {
		t.Errorf("a sync refusing everything wrote %v", got)
	}
}

func testSyncDeactivateMissing(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	e.addUser(o, "bob@acme.example", userRole, "flow")
	e.addUser(o, "carl@acme.example", adminRole, "agent-dialer")
	e.addUser(o, "dora@acme.example", userRole, "flow", "parallel-dialer")
	e.deactivated(o, "gone@acme.example", userRole, "flow")
	e.mustInvite(o.admin, "pat@acme.example", "flow")
	secret := mustSecret(t, e, o, "dora@acme.example")
	rows := []workspace.RosterRow{member("bob@acme.example", userRole, "flow")}

	res := e.sync(o.admin, workspace.Roster{Rows: rows}, workspace.Apply)
	wantList(t, "missing without deactivate_missing", missingActions(res.Missing), []string{
		"ada@acme.example user not_in_roster", "carl@acme.example user not_in_roster",
		"dora@acme.example user not_in_roster", "pat@acme.example invite not_in_roster",
	})

	res = e.sync(o.admin, workspace.Roster{Rows: rows, DeactivateMissing: true}, workspace.Apply)
	wantList(t, "rows", syncActions(res.Rows), []string{"unchanged"})
	wantList(t, "missing", missingActions(res.Missing), []string{
		"ada@acme.example user not_in_roster", "carl@acme.example user deactivate",
		"dora@acme.example user deactivate", "pat@acme.example invite revoke",
	})
	wantNoRuleLabels(t, res)
	if r := res.Missing[0].Reason; r != workspace.ErrSelfDeactivation.Error() {
		t.Errorf("the caller's reason %q, want that you cannot deactivate yourself", r)
	}
	if r := res.Missing[2].Reason; !strings.Contains(r, "flow, parallel-dialer freed") {
		t.Errorf("deactivation reason %q", r)
	}
	if u := e.user(o, "ada@acme.example"); !u.Active {
		t.Error("the caller was deactivated")
	}
	dora := e.user(o, "dora@acme.example")
	if dora.Active || len(dora.Licenses) != 0 || res.Missing[2].User.Active {
		t.Errorf("dora = %+v", dora)
	}
	if _, err := e.svc.Authenticate(e.ctx, secret); err == nil {
		t.Error("a deactivated user's token still works")
	}
	cancelled, err := e.svc.OutboxWithStatus(e.ctx, workspace.Operator(o.ID), workspace.OutboxCancelled)
	wantNoErr(t, err, "outbox")
	if len(cancelled) != 1 || cancelled[0].To != "pat@acme.example" {
		t.Errorf("cancelled emails %+v, want pat's", cancelled)
	}
	for _, product := range []string{"flow", "agent-dialer", "parallel-dialer"} {
		want := map[string]int{"flow": 1, "agent-dialer": 0, "parallel-dialer": 0}[product]
		if p := e.pool(o, product); p.Used() != want {
			t.Errorf("%s %+v, want %d used (bob's)", product, p, want)
		}
	}
	// Inactive users and past invites are nobody a roster misses.
	res = e.sync(o.admin, workspace.Roster{Rows: rows, DeactivateMissing: true}, workspace.Apply)
	wantList(t, "missing again", missingActions(res.Missing), []string{"ada@acme.example user not_in_roster"})
}

func testSyncLastAdmin(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	e.addUser(o, "bob@acme.example", userRole, "flow")
	e.addUser(o, "carl@acme.example", adminRole, "flow")
	// Ada demotes herself in the roster and carl is missing: one of the two
	// admins must stay, so the demotion (first in order) goes, carl stays.
	res := e.sync(o.admin, workspace.Roster{DeactivateMissing: true, Rows: []workspace.RosterRow{
		ada(userRole),
		member("bob@acme.example", userRole, "agent-dialer"),
	}}, workspace.Apply)
	wantList(t, "rows", syncActions(res.Rows), []string{"update", "update"})
	wantList(t, "missing", missingActions(res.Missing), []string{"carl@acme.example user refused"})
	if code := codeOrEmpty(res.Missing[0].Err); code != "last_admin" || !res.Missing[0].User.Active {
		t.Errorf("carl: %s %+v", code, res.Missing[0].User)
	}
	if u := e.user(o, "carl@acme.example"); !u.Active || fmt.Sprint(u.Licenses) != "[flow]" {
		t.Errorf("the last admin was changed: %+v", u)
	}

	// The operator is nobody's self: the last admin, missing, is refused.
	res = e.sync(workspace.Operator(o.ID), workspace.Roster{DeactivateMissing: true, Rows: []workspace.RosterRow{
		ada(userRole), member("bob@acme.example", userRole, "agent-dialer"),
	}}, workspace.Apply)
	wantList(t, "missing", missingActions(res.Missing), []string{"carl@acme.example user refused"})
	// And a row may not demote the last admin either.
	res = e.sync(workspace.Operator(o.ID), workspace.Roster{Rows: []workspace.RosterRow{
		member("carl@acme.example", userRole, "flow"),
	}}, workspace.Apply)
	wantList(t, "rows", syncActions(res.Rows), []string{"refused last_admin"})
}

func testSyncSignupMode(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	e.addUser(o, "bob@acme.example", userRole, "flow")
	e.mustInvite(o.admin, "pat@acme.example", "flow")
	e.deactivated(o, "dan@acme.example", userRole, "flow")
	wantNoErr(t, e.svc.SetSignupMode(e.ctx, o.admin, true), "signup mode on")
	res := e.sync(o.admin, workspace.Roster{Rows: []workspace.RosterRow{
		ada(adminRole),
		member("bob@acme.example", []string{"manager"}, "flow"),
		member("pat@acme.example", userRole, "agent-dialer"),
		member("dan@acme.example", userRole, "flow"),
		member("new@acme.example", userRole, "flow"),
	}}, workspace.Apply)
	wantList(t, "rows", syncActions(res.Rows), []string{"unchanged", "update", "update", "activate", "refused signup_mode_on"})
	if r := res.Rows[4].Reason; !strings.Contains(r, "wsctl signup-mode off") {
		t.Errorf("signup mode reason %q, want how to turn it off", r)
	}
}

func testSyncIdempotent(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	e.addUser(o, "cat@acme.example", userRole, "flow")
	e.deactivated(o, "dan@acme.example", userRole, "flow")
	e.mustInvite(o.admin, "eve@acme.example", "flow")
	e.mustInvite(o.admin, "old@acme.example", "flow")
	e.addUser(o, "jon@acme.example", userRole, "parallel-dialer")
	roster := workspace.Roster{DeactivateMissing: true, Rows: []workspace.RosterRow{
		ada(adminRole),
		member("cat@acme.example", []string{"manager", "user"}, "agent-dialer"),
		member("dan@acme.example", userRole, "parallel-dialer"),
		member("eve@acme.example", userRole, "flow", "agent-dialer"),
		{Name: "Gil Gray", Email: "gil@acme.example", Roles: userRole, Licenses: []string{"flow"}},
	}}
	first := e.sync(o.admin, roster, workspace.Apply)
	wantList(t, "first run", syncActions(first.Rows), []string{"unchanged", "update", "activate", "update", "invite"})
	wantList(t, "first run missing", missingActions(first.Missing), []string{"jon@acme.example user deactivate", "old@acme.example invite revoke"})
	events, emails := len(e.auditActions(o)), e.outboxCount(o)
	second := e.sync(o.admin, roster, workspace.Apply)
	wantList(t, "second run", syncActions(second.Rows), []string{"unchanged", "unchanged", "unchanged", "unchanged", "unchanged"})
	if len(second.Missing) != 0 {
		t.Errorf("second run missing %q", missingActions(second.Missing))
	}
	if len(e.auditActions(o)) != events || e.outboxCount(o) != emails {
		t.Errorf("the second run wrote: %d→%d events, %d→%d emails", events, len(e.auditActions(o)), emails, e.outboxCount(o))
	}
}

func (e *env) outboxCount(o org) int {
	e.t.Helper()
	msgs, err := e.svc.Outbox(e.ctx, workspace.Operator(o.ID))
	if err != nil {
		e.t.Fatalf("outbox: %v", err)
	}
	return len(msgs)
}

// storeState is everything a sync may change, as read through the domain.
func (e *env) storeState(o org) string {
	e.t.Helper()
	users, _, err := e.svc.ListUsers(e.ctx, o.admin, workspace.UserFilter{Status: workspace.UsersAll, Limit: 1000})
	wantNoErr(e.t, err, "users")
	invites, _, err := e.svc.ListInvites(e.ctx, o.admin, workspace.InviteFilter{Limit: 1000})
	wantNoErr(e.t, err, "invites")
	pools, err := e.svc.Pools(e.ctx, o.admin)
	wantNoErr(e.t, err, "pools")
	var b strings.Builder
	for _, u := range users {
		fmt.Fprintf(&b, "user %s %q %v %v active=%v v%d\n", u.Email, u.Name, u.Roles, u.Licenses, u.Active, u.Version)
	}
	for _, i := range invites {
		fmt.Fprintf(&b, "invite %s %q %v %v %s %s %s\n", i.Email, i.Name, i.Roles, i.Licenses, i.Status, i.TokenHash, i.ExpiresAt)
	}
	for _, p := range pools {
		fmt.Fprintf(&b, "pool %+v\n", p)
	}
	fmt.Fprintf(&b, "audit %d outbox %d\n", len(e.auditActions(o)), e.outboxCount(o))
	return b.String()
}

func testSyncDryRun(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	rows := e.fullPools(o)
	e.deactivated(o, "dan@acme.example", userRole, "parallel-dialer")
	e.addUser(o, "jon@acme.example", adminRole, "parallel-dialer")
	e.mustInvite(o.admin, "pat@acme.example", "parallel-dialer")
	e.mustInvite(o.admin, "old@acme.example", "parallel-dialer")
	e.now = e.now.Add(workspace.InviteTTL + time.Hour) // old and pat expire
	e.mustInvite(o.admin, "kim@acme.example", "parallel-dialer")
	rows[1] = member("ann@acme.example", userRole, "agent-dialer") // refused: agent-dialer is full
	rows = append(rows,
		member("dan@acme.example", []string{"manager"}, "parallel-dialer"), // 7
		member("pat@acme.example", userRole, "parallel-dialer"),            // 8 expired: invited again
		person("New Person", "new@acme.example", userRole, "parallel-dialer"),
		person("Zed Zane", "zed@acme.example", userRole, "parallel-dialer"),
		person("Gus Gold", "gus@acme.example", userRole, "flow"), // counted on ann's flow
		member("bad", userRole, "flow"),
	)
	roster := workspace.Roster{Rows: rows, DeactivateMissing: true}
	before := e.storeState(o)
	plan := e.sync(o.admin, roster, workspace.DryRun)
	if after := e.storeState(o); after != before {
		t.Errorf("the dry run changed the store:\nbefore\n%s\nafter\n%s", before, after)
	}
	done := e.sync(o.admin, roster, workspace.Apply)
	wantList(t, "real run", syncActions(done.Rows), []string{"unchanged", "refused license_exhausted", "unchanged", "unchanged",
		"unchanged", "unchanged", "unchanged", "activate", "invite", "invite", "refused license_exhausted",
		"refused license_exhausted", "invalid invalid_field"})
	wantList(t, "dry run rows", syncActions(plan.Rows), syncActions(done.Rows))
	for i := range done.Rows {
		if plan.Rows[i].Reason != done.Rows[i].Reason {
			t.Errorf("row %d: dry run says %q, the run %q", i, plan.Rows[i].Reason, done.Rows[i].Reason)
		}
	}
	wantList(t, "dry run missing", missingActions(plan.Missing), missingActions(done.Missing))
	wantList(t, "missing", missingActions(done.Missing), []string{"jon@acme.example user deactivate", "kim@acme.example invite revoke"})
	if fmt.Sprint(plan.Pools) != fmt.Sprint(done.Pools) {
		t.Errorf("pools: dry run %+v, run %+v", plan.Pools, done.Pools)
	}
	if after := e.storeState(o); after == before {
		t.Error("the real run changed nothing")
	}
}

func testSyncAudit(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	e.mustInvite(o.admin, "old@acme.example", "flow")
	e.now = e.now.Add(workspace.InviteTTL + time.Hour)
	e.addUser(o, "cat@acme.example", userRole, "flow")
	e.deactivated(o, "dan@acme.example", userRole, "flow")
	e.mustInvite(o.admin, "eve@acme.example", "flow")
	e.mustInvite(o.admin, "pat@acme.example", "agent-dialer")
	e.addUser(o, "jon@acme.example", userRole, "parallel-dialer")
	before := len(e.auditActions(o))
	emails := e.outboxCount(o)
	o.admin.RequestID = "req-sync"
	e.sync(o.admin, workspace.Roster{DeactivateMissing: true, Rows: []workspace.RosterRow{
		ada(adminRole),
		member("old@acme.example", userRole, "flow"), // expired: marked so, invited again
		member("cat@acme.example", userRole, "agent-dialer"),
		member("dan@acme.example", userRole, "flow"),
		member("eve@acme.example", []string{"manager"}, "flow"),
	}}, workspace.Apply)
	got := e.auditActions(o)[before:]
	slices.Sort(got)
	wantList(t, "events", got, []string{"invite.created", "invite.edited", "invite.expired", "invite.revoked",
		"user.activated", "user.deactivated", "user.edited"})
	events, _, err := e.svc.ListAudit(e.ctx, o.admin, workspace.AuditFilter{Limit: 7})
	wantNoErr(t, err, "audit")
	for _, ev := range events {
		actor, request := "ada@acme.example", "req-sync"
		if ev.Action == "invite.expired" { // the system's doing, nobody's request
			actor, request = "system", ""
		}
		if ev.Actor != actor || ev.RequestID != request || ev.Target == "" || len(ev.After) == 0 {
			t.Errorf("event %s: actor %s, request %q, target %q", ev.Action, ev.Actor, ev.RequestID, ev.Target)
		}
	}
	if n := e.outboxCount(o); n != emails+1 {
		t.Errorf("%d emails queued, want one for the one invite", n-emails)
	}
}

func testSyncConcurrent(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	const syncs, perSync = 4, 3
	var wg sync.WaitGroup
	results := make([]workspace.SyncResult, syncs)
	errs := make([]error, syncs)
	for s := range syncs {
		wg.Go(func() {
			rows := []workspace.RosterRow{ada(adminRole)}
			for i := range perSync {
				rows = append(rows, workspace.RosterRow{Name: "Racer", Email: fmt.Sprintf("r%d-%d@acme.example", s, i), Roles: userRole, Licenses: []string{"flow"}})
			}
			results[s], errs[s] = e.svc.SyncUsers(e.ctx, o.admin, workspace.Roster{Rows: rows}, workspace.Apply)
		})
	}
	wg.Wait()
	invited := 0
	for s := range syncs {
		if errs[s] != nil {
			t.Fatalf("sync %d: %v", s, errs[s])
		}
		for i, r := range results[s].Rows[1:] {
			switch got := syncActions([]workspace.SyncOutcome{r})[0]; got {
			case "invite":
				invited++
			case "refused license_exhausted":
			default:
				t.Errorf("sync %d row %d: %s", s, i+1, got)
			}
		}
	}
	if p := e.pool(o, "flow"); invited != 3 || p.Used() != 3 {
		t.Errorf("%d invited, pool %+v: a pool of 3 must give exactly 3", invited, p)
	}
}

func testSyncAuthorization(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	e.addUser(o, "max@acme.example", []string{"manager"}, "flow")
	roster := workspace.Roster{Rows: []workspace.RosterRow{ada(adminRole)}, DeactivateMissing: true}
	for name, p := range map[string]workspace.Principal{
		"manager":         e.tokenFor(o, "max@acme.example", workspace.AllScopes...),
		"admin read-only": e.tokenFor(o, "ada@acme.example", workspace.ScopeUsersRead),
	} {
		_, err := e.svc.SyncUsers(e.ctx, p, roster, workspace.Apply)
		if workspace.CodeOf(err) != "forbidden" {
			t.Errorf("%s: %v, want forbidden", name, err)
		}
	}
	if u := e.user(o, "max@acme.example"); !u.Active {
		t.Error("a forbidden sync deactivated someone")
	}
	_, err := e.svc.SyncUsers(e.ctx, o.admin, workspace.Roster{DeactivateMissing: true}, workspace.Apply)
	wantCode(t, err, "invalid_field")
}

// A sync applied after a confirmation deactivates and revokes only the
// people confirmed: someone missing who was not shown (added since the
// question) stays, listed with the reason; an empty list is nobody, not
// everyone.
func testSyncConfirmedOnly(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	e.addUser(o, "bob@acme.example", userRole, "flow")
	e.addUser(o, "new@acme.example", userRole, "flow")
	e.mustInvite(o.admin, "pat@acme.example", "flow")
	rows := []workspace.RosterRow{ada(adminRole)}

	res := e.sync(o.admin, workspace.Roster{Rows: rows, DeactivateMissing: true, Confirmed: []string{"BOB@acme.example"}}, workspace.Apply)
	wantList(t, "missing", missingActions(res.Missing), []string{
		"bob@acme.example user deactivate", "new@acme.example user not_in_roster", "pat@acme.example invite not_in_roster",
	})
	if r := res.Missing[1].Reason; !strings.Contains(r, "not among the people you confirmed") {
		t.Errorf("reason for someone not confirmed: %q", r)
	}
	if !e.user(o, "new@acme.example").Active || e.user(o, "bob@acme.example").Active {
		t.Error("the sync went beyond the people confirmed, or missed one")
	}
	res = e.sync(o.admin, workspace.Roster{Rows: rows, DeactivateMissing: true, Confirmed: []string{}}, workspace.Apply)
	wantList(t, "missing, nobody confirmed", missingActions(res.Missing), []string{
		"new@acme.example user not_in_roster", "pat@acme.example invite not_in_roster",
	})
}
