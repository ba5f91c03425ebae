package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wsctl/wsctl/internal/workspace"
)

func userTests() []test {
	return []test{
		test{"NewOrg_ThreeLicensesPerProduct_R5", testNewOrgPools},
		test{"SetLicenses_OperatorOnly_NeverBelowUsed_R5", testSetLicenses},
		test{"AutoSignup_AddsUserWithRoleUserNoLicenses_R7", testAutoSignup},
		test{"Edit_ChangesFields_R8", testEditUser},
		test{"Edit_StaleVersionConflicts_R8", testEditConflict},
		test{"Edit_LicenseChangesObeyR4_R8", testEditLicenses},
		test{"Deactivate_ReleasesLicensesRevokesTokens_R9", testDeactivate},
		test{"Deactivate_NotSelf_KeepsAnAdmin_R9", testDeactivateGuards},
		test{"Deactivate_ConcurrentCallsQueue_OneEvent_R9_R14", testConcurrentDeactivate},
		test{"Activate_NeedsLicense_ObeysR4_R10", testActivate},
		test{"ListUsers_ActiveByDefault_Filters_Pages_R11", testListUsers},
		test{"ResetMFA_ClearsEnrollment_R12", testResetMFA},
		test{"ResetMFA_EndsAPITokens_R12", testResetMFAEndsTokens},
		test{"Tokens_ExpireWhenAsked_R13", testTokenExpiry},
		test{"Authorization_AdminsOnly_OrgBound_Scoped_R13", testAuthorization},
		test{"Audit_OneEventPerChange_NoneOnFailure_R14", testAudit},
		test{"Store_RollsBackOnError", testRollback},
		test{"Store_NotFoundErrors", testNotFound},
		test{"Tokens_ManagedOnlyWithUserScopes_R13", testTokenScopes},
		test{"ListUsers_UnknownLicenseIsAnError_SearchIsUnicode_R11", testListUsersEdges},
		test{"Edit_NoChangeWritesNothing_R8_R14", testEditNoOp},
		test{"AutoSignup_DeactivatedPersonRefused_R7_R9", testAutoSignupDeactivated},
		test{"Deactivate_TwoAdminsAtOnceKeepOne_R9", testAdminsDeactivateEachOther},
		test{"Tokens_LastUsedRecorded", testTokenLastUsed},
	}
}

func testNewOrgPools(t *testing.T, e *env) {
	o := e.newOrg("acme")
	pools, err := e.svc.Pools(e.ctx, o.admin)
	wantNoErr(t, err, "pools")
	var got []string
	for _, p := range pools {
		got = append(got, fmt.Sprintf("%s=%d/%d", p.Product, p.Available(), p.Total))
	}
	if fmt.Sprint(got) != "[agent-dialer=3/3 flow=3/3 parallel-dialer=3/3]" {
		t.Errorf("new org pools = %v", got)
	}
	_, err = e.svc.CreateOrg(e.ctx, workspace.OrgInput{Slug: "acme", Name: "Again", AdminName: "X", AdminEmail: "x@x.example"})
	wantCode(t, err, "invalid_field")
}

func testSetLicenses(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	_, err := e.svc.SetLicenseTotal(e.ctx, o.admin, "flow", 10)
	wantCode(t, err, "forbidden")
	op := workspace.Operator(o.ID)
	e.addUser(o, "a@acme.example", []string{"user"}, "flow")
	e.mustInvite(o.admin, "b@acme.example", "flow")
	_, err = e.svc.SetLicenseTotal(e.ctx, op, "flow", 1)
	wantCode(t, err, "total_below_used")
	p, err := e.svc.SetLicenseTotal(e.ctx, op, "flow", 2)
	wantNoErr(t, err, "shrink to used")
	if p.Total != 2 || e.pool(o, "flow").Available() != 0 {
		t.Errorf("after set 2: %+v", e.pool(o, "flow"))
	}
	_, err = e.svc.SetLicenseTotal(e.ctx, op, "crm", 2)
	wantCode(t, err, "not_found")
	_, err = e.svc.SetLicenseTotal(e.ctx, op, "flow", 500)
	wantNoErr(t, err, "grow")
	if e.pool(o, "flow").Available() != 498 {
		t.Errorf("after grow: %+v", e.pool(o, "flow"))
	}
}

func testAutoSignup(t *testing.T, e *env) {
	o := e.newOrg("acme")
	u, err := e.svc.SignUpAutomatically(e.ctx, o.ID, "Dan Diaz", "dan@acme.example", "req-test")
	wantNoErr(t, err, "auto signup")
	if !u.Active || fmt.Sprint(u.Roles) != "[user]" || len(u.Licenses) != 0 {
		t.Errorf("auto-signed-up user = %+v", u)
	}
	again, err := e.svc.SignUpAutomatically(e.ctx, o.ID, "Dan Diaz", "DAN@acme.example", "req-test")
	wantNoErr(t, err, "second sign-in")
	if again.ID != u.ID {
		t.Error("a second sign-in must find the same user")
	}
	wantNoErr(t, e.svc.SetSignupMode(e.ctx, o.admin, false), "off")
	_, err = e.svc.SignUpAutomatically(e.ctx, o.ID, "Eve", "eve@acme.example", "req-test")
	wantCode(t, err, "forbidden")
}

func testEditUser(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	u := e.addUser(o, "bob@acme.example", []string{"user"}, "flow")
	name, rec := "Robert Smith", true
	out, err := e.svc.EditUser(e.ctx, o.admin, "bob@acme.example", workspace.UserEdit{
		Name: &name, AddRoles: []string{"manager"}, RemoveRoles: []string{"user"},
		AddLicenses: []string{"agent-dialer"}, RemoveLicenses: []string{"flow"}, CallRecording: &rec, IfVersion: u.Version,
	})
	wantNoErr(t, err, "edit")
	got := out.Value
	if got.Name != name || fmt.Sprint(got.Roles) != "[manager]" || fmt.Sprint(got.Licenses) != "[agent-dialer]" || !got.CallRecording || got.Version != u.Version+1 {
		t.Errorf("edited = %+v", got)
	}
	if p := e.pool(o, "flow"); p.Assigned != 0 {
		t.Errorf("removed license still assigned: %+v", p)
	}
	_, err = e.svc.EditUser(e.ctx, o.admin, u.ID, workspace.UserEdit{RemoveRoles: []string{"manager"}, IfVersion: got.Version})
	wantCode(t, err, "invalid_field")
	bad := "R2-D2"
	_, err = e.svc.EditUser(e.ctx, o.admin, u.ID, workspace.UserEdit{Name: &bad, IfVersion: got.Version})
	wantCode(t, err, "invalid_field")
	_, err = e.svc.EditUser(e.ctx, o.admin, "ghost@acme.example", workspace.UserEdit{IfVersion: 1})
	wantCode(t, err, "not_found")
	// The last active admin cannot drop the admin role.
	_, err = e.svc.EditUser(e.ctx, o.admin, o.admin.UserID, workspace.UserEdit{AddRoles: []string{"user"}, RemoveRoles: []string{"admin"}, IfVersion: 1})
	wantCode(t, err, "last_admin")
}

func testEditConflict(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	u := e.addUser(o, "bob@acme.example", []string{"user"}, "flow")
	first, second := "Bob First", "Bob Second"
	_, err := e.svc.EditUser(e.ctx, o.admin, u.ID, workspace.UserEdit{Name: &first, IfVersion: u.Version})
	wantNoErr(t, err, "first admin's edit")
	_, err = e.svc.EditUser(e.ctx, o.admin, u.ID, workspace.UserEdit{Name: &second, IfVersion: u.Version})
	wantCode(t, err, "edit_conflict")
	got, err := e.svc.GetUser(e.ctx, o.admin, u.ID)
	wantNoErr(t, err, "get")
	if got.Name != first {
		t.Errorf("the loser overwrote the winner: name %q", got.Name)
	}
}

func testEditLicenses(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	a := e.addUser(o, "a@acme.example", []string{"user"}, "flow")
	e.addUser(o, "b@acme.example", []string{"user"}, "flow")
	c := e.addUser(o, "c@acme.example", []string{"user"}, "agent-dialer")
	out, err := e.svc.EditUser(e.ctx, o.admin, c.ID, workspace.UserEdit{AddLicenses: []string{"flow"}, IfVersion: c.Version})
	wantNoErr(t, err, "take the last flow license")
	if len(out.Notices) != 1 || out.Notices[0] != "that was the last flow license: 3 of 3 in use" {
		t.Errorf("notices = %q", out.Notices)
	}
	_, err = e.svc.EditUser(e.ctx, o.admin, o.admin.UserID, workspace.UserEdit{AddLicenses: []string{"flow"}, IfVersion: 1})
	wantCode(t, err, "license_exhausted")
	// Moving a license: one user releases, another takes, in two edits.
	_, err = e.svc.EditUser(e.ctx, o.admin, a.ID, workspace.UserEdit{RemoveLicenses: []string{"flow"}, IfVersion: a.Version})
	wantNoErr(t, err, "release")
	_, err = e.svc.EditUser(e.ctx, o.admin, o.admin.UserID, workspace.UserEdit{AddLicenses: []string{"flow"}, IfVersion: 1})
	wantNoErr(t, err, "take the released license")
}

func testDeactivate(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	bob := e.addUser(o, "bob@acme.example", []string{"admin"}, "flow", "parallel-dialer")
	_, secret, err := e.svc.IssueToken(e.ctx, workspace.Operator(o.ID), "bob@acme.example", "ci", []string{"licenses:read"})
	wantNoErr(t, err, "issue")
	out, err := e.svc.Deactivate(e.ctx, o.admin, "bob@acme.example")
	wantNoErr(t, err, "deactivate")
	u := out.Value
	if out.NoOp != "" {
		t.Errorf("deactivating an active user reported no change: %q", out.NoOp)
	}
	if u.Active || len(u.Licenses) != 0 {
		t.Errorf("deactivated = %+v", u)
	}
	if p := e.pool(o, "flow"); p.Assigned != 0 {
		t.Errorf("licenses not released: %+v", p)
	}
	if _, err := e.svc.Authenticate(e.ctx, secret); !errors.Is(err, workspace.ErrUnauthenticated) {
		t.Errorf("a deactivated user's token still authenticates: %v", err)
	}
	again, err := e.svc.Deactivate(e.ctx, o.admin, bob.ID)
	wantNoErr(t, err, "deactivate twice")
	if again.Value.Version != u.Version || again.NoOp != "already inactive" {
		t.Errorf("deactivating an inactive user must change nothing and say so: version %d→%d, no-op %q", u.Version, again.Value.Version, again.NoOp)
	}
}

func testDeactivateGuards(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	_, err := e.svc.Deactivate(e.ctx, o.admin, o.admin.Email)
	wantCode(t, err, "self_deactivation")
	e.addUser(o, "bob@acme.example", []string{"admin"}, "flow")
	bob := e.tokenFor(o, "bob@acme.example", workspace.AllScopes...)
	_, err = e.svc.Deactivate(e.ctx, bob, o.admin.Email)
	wantNoErr(t, err, "bob deactivates ada")
	// Bob is now the only active admin; the operator cannot remove him either.
	_, err = e.svc.Deactivate(e.ctx, workspace.Operator(o.ID), "bob@acme.example")
	wantCode(t, err, "last_admin")
	_, err = e.svc.Deactivate(e.ctx, bob, "bob@acme.example")
	wantCode(t, err, "self_deactivation")
}

func testActivate(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	bob := e.addUser(o, "bob@acme.example", []string{"user"}, "flow")
	same, err := e.svc.Activate(e.ctx, o.admin, bob.ID, []string{"flow"})
	wantNoErr(t, err, "activate an active user with the licenses they hold")
	if same.NoOp == "" || same.Value.Version != bob.Version {
		t.Errorf("activating an active user with their own licenses must change nothing and say so: %+v", same)
	}
	_, err = e.svc.Activate(e.ctx, o.admin, bob.ID, []string{"agent-dialer"})
	wantCode(t, err, "already_active")
	_, err = e.svc.Deactivate(e.ctx, o.admin, bob.ID)
	wantNoErr(t, err, "deactivate")
	_, err = e.svc.Activate(e.ctx, o.admin, bob.ID, nil)
	wantCode(t, err, "license_required")
	for i := range 3 {
		e.mustInvite(o.admin, fmt.Sprintf("u%d@acme.example", i), "flow")
	}
	_, err = e.svc.Activate(e.ctx, o.admin, bob.ID, []string{"flow"})
	wantCode(t, err, "license_exhausted")
	out, err := e.svc.Activate(e.ctx, o.admin, "BOB@acme.example", []string{"agent-dialer"})
	wantNoErr(t, err, "activate")
	if !out.Value.Active || fmt.Sprint(out.Value.Licenses) != "[agent-dialer]" {
		t.Errorf("activated = %+v", out.Value)
	}
	if _, err := e.svc.Authenticate(e.ctx, mustSecret(t, e, o, "bob@acme.example")); err != nil {
		t.Errorf("an activated user must sign in again: %v", err)
	}
}

func mustSecret(t *testing.T, e *env, o org, email string) string {
	_, secret, err := e.svc.IssueToken(e.ctx, workspace.Operator(o.ID), email, "t", []string{"users:read"})
	wantNoErr(t, err, "issue token")
	return secret
}

func testListUsers(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	e.addUser(o, "carl@acme.example", []string{"manager"}, "flow")
	e.addUser(o, "bea@acme.example", []string{"user"}, "agent-dialer")
	gone := e.addUser(o, "dora@acme.example", []string{"user"}, "flow")
	_, err := e.svc.Deactivate(e.ctx, o.admin, gone.ID)
	wantNoErr(t, err, "deactivate")
	emails := func(f workspace.UserFilter) []string {
		t.Helper()
		us, _, err := e.svc.ListUsers(e.ctx, o.admin, f)
		wantNoErr(t, err, "list")
		var out []string
		for _, u := range us {
			out = append(out, u.Email)
		}
		return out
	}
	cases := []struct {
		f    workspace.UserFilter
		want string
	}{
		{workspace.UserFilter{}, "[ada@acme.example bea@acme.example carl@acme.example]"},
		{workspace.UserFilter{Status: workspace.UsersInactive}, "[dora@acme.example]"},
		{workspace.UserFilter{Status: workspace.UsersAll}, "[ada@acme.example bea@acme.example carl@acme.example dora@acme.example]"},
		{workspace.UserFilter{Role: workspace.RoleManager}, "[carl@acme.example]"},
		{workspace.UserFilter{License: "agent-dialer"}, "[bea@acme.example]"},
		{workspace.UserFilter{Search: "CARL"}, "[carl@acme.example]"},
		{workspace.UserFilter{Search: "%"}, "[]"},
	}
	for _, c := range cases {
		if got := fmt.Sprint(emails(c.f)); got != c.want {
			t.Errorf("list %+v = %s, want %s", c.f, got, c.want)
		}
	}
	var all []string
	f := workspace.UserFilter{Status: workspace.UsersAll, Limit: 3}
	for {
		page, next, err := e.svc.ListUsers(e.ctx, o.admin, f)
		wantNoErr(t, err, "page")
		for _, u := range page {
			all = append(all, u.Email)
		}
		if next == "" {
			break
		}
		f.After = next
	}
	if len(all) != 4 || !slices.IsSorted(all) {
		t.Errorf("pages = %v", all)
	}
}

func testResetMFA(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	bob := e.addUser(o, "bob@acme.example", []string{"user"}, "flow")
	wantNoErr(t, e.store.Update(e.ctx, func(tx workspace.Tx) error {
		u, err := tx.UserByID(e.ctx, o.ID, bob.ID)
		if err != nil {
			return err
		}
		u.MFAEnrolled, u.Version = true, u.Version+1
		return tx.UpdateUser(e.ctx, u)
	}), "enroll mfa")
	out, err := e.svc.ResetMFA(e.ctx, o.admin, "bob@acme.example")
	wantNoErr(t, err, "reset")
	u := out.Value
	if u.MFAEnrolled {
		t.Error("MFA still enrolled after reset")
	}
	reader := e.tokenFor(o, "ada@acme.example", workspace.ScopeUsersRead, workspace.ScopeUsersWrite)
	_, err = e.svc.ResetMFA(e.ctx, reader, bob.ID)
	wantCode(t, err, "forbidden")
}

// Security finding 11 (issue 12): an MFA reset left the user's API tokens
// working, although whoever asked for the reset suspects the account.
func testResetMFAEndsTokens(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	e.addUser(o, "bob@acme.example", []string{"admin"}, "flow")
	_, secret, err := e.svc.IssueToken(e.ctx, workspace.Operator(o.ID), "bob@acme.example", "bob's", []string{"users:read"})
	wantNoErr(t, err, "issue")
	_, other, err := e.svc.IssueToken(e.ctx, workspace.Operator(o.ID), "ada@acme.example", "ada's", []string{"users:read"})
	wantNoErr(t, err, "issue ada's")
	_, err = e.svc.Authenticate(e.ctx, secret)
	wantNoErr(t, err, "bob's token before the reset")
	_, err = e.svc.ResetMFA(e.ctx, o.admin, "bob@acme.example")
	wantNoErr(t, err, "reset")
	_, err = e.svc.Authenticate(e.ctx, secret)
	wantCode(t, err, "unauthenticated")
	_, err = e.svc.Authenticate(e.ctx, other)
	wantNoErr(t, err, "another user's token after the reset")
}

// Security finding 11 (issue 12): API tokens never expired. One made with
// a lifetime works until then and not a moment after; one made without
// works until revoked; a lifetime out of bounds is refused.
func testTokenExpiry(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	made, err := e.svc.CreateToken(e.ctx, o.admin, workspace.TokenInput{Name: "ci", Scopes: []string{"licenses:read"}, ExpiresIn: 90 * 24 * time.Hour}, "")
	wantNoErr(t, err, "create expiring")
	forever, err := e.svc.CreateToken(e.ctx, o.admin, workspace.TokenInput{Name: "forever", Scopes: []string{"licenses:read"}}, "")
	wantNoErr(t, err, "create lasting")
	if want := e.now.Add(90 * 24 * time.Hour); made.Token.ExpiresAt == nil || !made.Token.ExpiresAt.Equal(want) || forever.Token.ExpiresAt != nil {
		t.Fatalf("expiries %v and %v, want %v and none", made.Token.ExpiresAt, forever.Token.ExpiresAt, want)
	}
	list, err := e.svc.ListTokens(e.ctx, o.admin)
	wantNoErr(t, err, "list")
	for _, tok := range list {
		if tok.ID == made.Token.ID && (tok.ExpiresAt == nil || !tok.ExpiresAt.Equal(*made.Token.ExpiresAt)) {
			t.Errorf("the stored expiry %v, want %v", tok.ExpiresAt, made.Token.ExpiresAt)
		}
	}
	e.now = e.now.Add(90*24*time.Hour - time.Second)
	_, err = e.svc.Authenticate(e.ctx, made.Secret)
	wantNoErr(t, err, "a second before its expiry")
	e.now = e.now.Add(time.Second)
	_, err = e.svc.Authenticate(e.ctx, made.Secret)
	wantCode(t, err, "unauthenticated")
	_, err = e.svc.Authenticate(e.ctx, forever.Secret)
	wantNoErr(t, err, "a token without expiry")
	for _, d := range []time.Duration{-time.Hour, time.Second, workspace.MaxTokenLifetime + time.Hour} {
		_, err := e.svc.CreateToken(e.ctx, o.admin, workspace.TokenInput{Name: "bad", Scopes: []string{"licenses:read"}, ExpiresIn: d}, "")
		wantCode(t, err, "invalid_field")
	}
}

func testAuthorization(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	other := e.invitingOrg("other")
	bob := e.addUser(o, "bob@acme.example", []string{"user"}, "flow")
	e.mustInvite(o.admin, "pat@acme.example", "flow")
	outsider := other.admin
	name := "Hacked"
	attempts := map[string]func() error{
		"get":       func() error { _, err := e.svc.GetUser(e.ctx, outsider, bob.ID); return err },
		"get email": func() error { _, err := e.svc.GetUser(e.ctx, outsider, bob.Email); return err },
		"edit": func() error {
			_, err := e.svc.EditUser(e.ctx, outsider, bob.ID, workspace.UserEdit{Name: &name, IfVersion: bob.Version})
			return err
		},
		"deactivate": func() error { _, err := e.svc.Deactivate(e.ctx, outsider, bob.ID); return err },
		"activate":   func() error { _, err := e.svc.Activate(e.ctx, outsider, bob.ID, []string{"flow"}); return err },
		"mfa reset":  func() error { _, err := e.svc.ResetMFA(e.ctx, outsider, bob.ID); return err },
		"resend":     func() error { _, err := e.svc.ResendInvite(e.ctx, outsider, "pat@acme.example"); return err },
		"revoke":     func() error { _, err := e.svc.RevokeInvite(e.ctx, outsider, "pat@acme.example"); return err },
	}
	for name, try := range attempts {
		if err := try(); workspace.CodeOf(err) != "not_found" {
			t.Errorf("another org's admin: %s = %v, want not_found", name, err)
		}
	}
	users, _, err := e.svc.ListUsers(e.ctx, outsider, workspace.UserFilter{Status: workspace.UsersAll})
	wantNoErr(t, err, "outsider list")
	for _, u := range users {
		if u.OrgID != other.ID {
			t.Errorf("another org's list shows %s", u.Email)
		}
	}

	manager := e.addUser(o, "max@acme.example", []string{"manager"}, "agent-dialer")
	m := e.tokenFor(o, manager.Email, workspace.AllScopes...)
	_, _, err = e.svc.ListUsers(e.ctx, m, workspace.UserFilter{})
	wantCode(t, err, "forbidden")
	_, err = e.svc.GetUser(e.ctx, m, bob.ID)
	wantCode(t, err, "forbidden")
	_, err = e.svc.GetUser(e.ctx, m, "nobody@acme.example")
	wantCode(t, err, "forbidden") // no hint of who exists
	if self, err := e.svc.GetUser(e.ctx, m, manager.Email); err != nil || self.ID != manager.ID {
		t.Errorf("a manager reads themself: %v", err)
	}
	_, err = e.invite(m, "Zed", "zed@acme.example", []string{"user"}, []string{"flow"})
	wantCode(t, err, "forbidden")

	ro := e.tokenFor(o, o.admin.Email, workspace.ScopeLicensesRead)
	_, err = e.invite(ro, "Zed", "zed@acme.example", []string{"user"}, []string{"flow"})
	wantCode(t, err, "forbidden")
	if _, err := e.svc.Pools(e.ctx, ro); err != nil {
		t.Errorf("licenses:read reads pools: %v", err)
	}
	_, err = e.svc.CreateToken(e.ctx, ro, workspace.TokenInput{Name: "escalate", Scopes: []string{"users:write"}}, "")
	wantCode(t, err, "forbidden")
	_, _, err = e.svc.ListAudit(e.ctx, ro, workspace.AuditFilter{})
	wantCode(t, err, "forbidden")
}

func testAudit(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	bob := e.addUser(o, "bob@acme.example", []string{"user"}, "flow")
	e.mustInvite(o.admin, "pat@acme.example", "flow")
	_, err := e.svc.ResendInvite(e.ctx, o.admin, "pat@acme.example")
	wantNoErr(t, err, "resend")
	_, err = e.svc.RevokeInvite(e.ctx, o.admin, "pat@acme.example")
	wantNoErr(t, err, "revoke")
	rec := true
	_, err = e.svc.EditUser(e.ctx, o.admin, bob.ID, workspace.UserEdit{CallRecording: &rec, IfVersion: bob.Version})
	wantNoErr(t, err, "edit")
	_, err = e.svc.ResetMFA(e.ctx, o.admin, bob.ID)
	wantNoErr(t, err, "mfa")
	_, err = e.svc.Deactivate(e.ctx, o.admin, bob.ID)
	wantNoErr(t, err, "deactivate")
	_, err = e.svc.Activate(e.ctx, o.admin, bob.ID, []string{"flow"})
	wantNoErr(t, err, "activate")
	created, err := e.svc.CreateToken(e.ctx, o.admin, workspace.TokenInput{Name: "ci", Scopes: []string{"licenses:read"}}, "")
	tok := created.Token
	wantNoErr(t, err, "token")
	wantNoErr(t, e.svc.RevokeToken(e.ctx, o.admin, tok.ID), "revoke token")
	// Failures and no-op changes write nothing.
	_, err = e.invite(o.admin, "Bob", "bob@acme.example", []string{"user"}, []string{"flow"})
	wantCode(t, err, "email_taken")
	wantNoErr(t, e.svc.SetSignupMode(e.ctx, o.admin, false), "set to current value")

	want := "[org.created signup_mode.changed user.added invite.created invite.resent invite.revoked user.edited user.mfa_reset user.deactivated user.activated token.created token.revoked]"
	if got := fmt.Sprint(e.auditActions(o)); got != want {
		t.Errorf("audit = %s\nwant    %s", got, want)
	}
	events, _, err := e.svc.ListAudit(e.ctx, o.admin, workspace.AuditFilter{Action: "user.deactivated"})
	wantNoErr(t, err, "filter")
	if len(events) != 1 || events[0].Actor != "ada@acme.example" || events[0].Target != "bob@acme.example" ||
		string(events[0].Before) == "" || string(events[0].After) == "" {
		t.Errorf("deactivation event = %+v", events)
	}
	since, _, err := e.svc.ListAudit(e.ctx, o.admin, workspace.AuditFilter{Since: e.now.Add(time.Millisecond)})
	wantNoErr(t, err, "since")
	if len(since) != 0 {
		t.Errorf("events after now: %d", len(since))
	}
}

func testRollback(t *testing.T, e *env) {
	o := e.newOrg("acme")
	boom := errors.New("boom")
	err := e.store.Update(e.ctx, func(tx workspace.Tx) error {
		if err := tx.SetAutoSignup(e.ctx, o.ID, false); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update returned %v, want the callback's error", err)
	}
	if on, _ := e.svc.SignupMode(e.ctx, o.admin); !on {
		t.Error("a failed transaction's write was kept")
	}
	ctx, cancel := context.WithCancel(e.ctx)
	cancel()
	if err := e.store.Update(ctx, func(workspace.Tx) error { return nil }); err == nil {
		t.Error("Update with a cancelled context succeeded")
	}

	// A context cancelled between two writes of a transaction (a client gone
	// mid-batch): the next write fails and nothing of the transaction stays.
	ctx, cancel = context.WithCancel(e.ctx)
	defer cancel()
	var second error
	err = e.store.Update(ctx, func(tx workspace.Tx) error {
		if err := tx.SetAutoSignup(ctx, o.ID, false); err != nil {
			return err
		}
		cancel()
		second = tx.SetAutoSignup(ctx, o.ID, true)
		return second
	})
	if !errors.Is(second, context.Canceled) || err == nil {
		t.Errorf("write after cancel: %v; Update: %v; want context.Canceled and an error", second, err)
	}
	if on, _ := e.svc.SignupMode(e.ctx, o.admin); !on {
		t.Error("the write before the cancel was kept")
	}
}

func testNotFound(t *testing.T, e *env) {
	o := e.newOrg("acme")
	err := e.store.View(e.ctx, func(tx workspace.Tx) error {
		checks := map[string]error{}
		_, checks["user id"] = tx.UserByID(e.ctx, o.ID, "usr_nope")
		_, checks["user email"] = tx.UserByEmail(e.ctx, o.ID, "nope@acme.example")
		_, checks["invite"] = tx.InviteByID(e.ctx, o.ID, "inv_nope")
		_, checks["org"] = tx.OrgBySlug(e.ctx, "nope")
		_, checks["token"] = tx.TokenByHash(e.ctx, "nope")
		_, checks["pools"] = tx.Pools(e.ctx, "org_nope", e.now)
		for what, err := range checks {
			if workspace.CodeOf(err) != "not_found" {
				t.Errorf("%s: got %v, want not_found", what, err)
			}
		}
		return nil
	})
	wantNoErr(t, err, "view")
}

func testConcurrentDeactivate(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	bob := e.addUser(o, "bob@acme.example", []string{"user"}, "flow")
	var wg sync.WaitGroup
	errs := make([]error, 10)
	for i := range errs {
		wg.Go(func() { _, errs[i] = e.svc.Deactivate(e.ctx, o.admin, bob.ID) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("concurrent deactivation %d: %v (concurrent changes of one user must queue, not fail)", i, err)
		}
	}
	events, _, err := e.svc.ListAudit(e.ctx, o.admin, workspace.AuditFilter{Action: "user.deactivated"})
	wantNoErr(t, err, "audit")
	if len(events) != 1 {
		t.Errorf("%d user.deactivated events for one deactivation", len(events))
	}
}

func testTokenScopes(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	ro := e.tokenFor(o, o.admin.Email, workspace.ScopeLicensesRead)
	_, err := e.svc.ListTokens(e.ctx, ro)
	wantCode(t, err, "forbidden")
	_, err = e.svc.CreateToken(e.ctx, ro, workspace.TokenInput{Name: "ci", Scopes: []string{"licenses:read"}}, "")
	wantCode(t, err, "forbidden")
	wantCode(t, e.svc.RevokeToken(e.ctx, ro, o.admin.TokenID), "forbidden")
	if _, err := e.svc.Authenticate(e.ctx, o.secret); err != nil {
		t.Fatalf("the first admin's token was revoked by a read-only token: %v", err)
	}
}

func testListUsersEdges(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	_, err := e.svc.AddUser(e.ctx, workspace.Operator(o.ID), workspace.InviteInput{Name: "Élodie Durand", Email: "elodie@acme.example", Roles: []string{"user"}, Licenses: []string{"flow"}})
	wantNoErr(t, err, "add")
	_, _, err = e.svc.ListUsers(e.ctx, o.admin, workspace.UserFilter{License: "nope"})
	wantCode(t, err, "invalid_field")
	for _, q := range []string{"élodie", "ÉLODIE", "Durand"} {
		us, _, err := e.svc.ListUsers(e.ctx, o.admin, workspace.UserFilter{Search: q})
		wantNoErr(t, err, "search")
		if len(us) != 1 || us[0].Email != "elodie@acme.example" {
			t.Errorf("search %q = %+v", q, us)
		}
	}
}

func testEditNoOp(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	bob := e.addUser(o, "bob@acme.example", []string{"user"}, "flow")
	before := len(e.auditActions(o))
	out, err := e.svc.EditUser(e.ctx, o.admin, bob.ID, workspace.UserEdit{AddLicenses: []string{"flow"}, AddRoles: []string{"user"}, IfVersion: bob.Version})
	wantNoErr(t, err, "no-op edit")
	if out.Value.Version != bob.Version || len(e.auditActions(o)) != before {
		t.Errorf("an edit that changes nothing wrote: version %d→%d, events %d→%d", bob.Version, out.Value.Version, before, len(e.auditActions(o)))
	}
}

func testAutoSignupDeactivated(t *testing.T, e *env) {
	o := e.newOrg("acme")
	u, err := e.svc.SignUpAutomatically(e.ctx, o.ID, "Dan Diaz", "dan@acme.example", "")
	wantNoErr(t, err, "sign up")
	_, err = e.svc.Deactivate(e.ctx, o.admin, u.ID)
	wantNoErr(t, err, "deactivate")
	_, err = e.svc.SignUpAutomatically(e.ctx, o.ID, "Dan Diaz", "dan@acme.example", "")
	wantCode(t, err, "forbidden")
}

func testAdminsDeactivateEachOther(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	e.addUser(o, "bob@acme.example", []string{"admin"}, "flow")
	bob := e.tokenFor(o, "bob@acme.example", workspace.AllScopes...)
	for range 5 {
		var wg sync.WaitGroup
		var errA, errB error
		wg.Go(func() { _, errA = e.svc.Deactivate(e.ctx, o.admin, "bob@acme.example") })
		wg.Go(func() { _, errB = e.svc.Deactivate(e.ctx, bob, o.admin.Email) })
		wg.Wait()
		n := 0
		wantNoErr(t, e.store.View(e.ctx, func(tx workspace.Tx) (err error) { n, err = tx.CountActiveAdmins(e.ctx, o.ID); return err }), "count")
		if n != 1 || (errA == nil) == (errB == nil) {
			t.Fatalf("two admins deactivating each other: %d active admins left, errors %v / %v; want exactly one to win", n, errA, errB)
		}
		// Put both back for the next round.
		op := workspace.Operator(o.ID)
		for _, email := range []string{"bob@acme.example", o.admin.Email} {
			if _, err := e.svc.Activate(e.ctx, op, email, []string{"agent-dialer"}); err != nil && workspace.CodeOf(err) != "already_active" {
				t.Fatal(err)
			}
		}
		o.admin = e.tokenFor(o, o.admin.Email, workspace.AllScopes...)
		bob = e.tokenFor(o, "bob@acme.example", workspace.AllScopes...)
	}
}

func testTokenLastUsed(t *testing.T, e *env) {
	o := e.newOrg("acme")
	toks, err := e.svc.ListTokens(e.ctx, o.admin)
	wantNoErr(t, err, "list")
	if len(toks) != 1 || toks[0].LastUsedAt == nil || !toks[0].LastUsedAt.Equal(e.now) {
		t.Errorf("last used = %v, want %v", toks[0].LastUsedAt, e.now)
	}
}
