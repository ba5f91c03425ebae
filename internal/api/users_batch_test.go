package api_test

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/testutil/sessiontest"
	"github.com/wsctl/wsctl/internal/workspace"
)

// userBatch sends a user batch that must answer 200, and checks what every
// answer holds: the action, the mode, one result per row in order, and for
// each failed row a whole problem document of the batch's request.
func (e *env) userBatch(token string, req schema.UserBatchRequest) schema.UserBatchResponse {
	e.t.Helper()
	a := e.post("/api/v1/users/batch", token, req).want(e.t, http.StatusOK)
	out := decode[schema.UserBatchResponse](e.t, a)
	if out.Action != req.Action || out.DryRun != req.DryRun || len(out.Licenses) == 0 {
		e.t.Errorf("answer action %q dry_run %v with %d pools, want %q %v and the pools", out.Action, out.DryRun, len(out.Licenses), req.Action, req.DryRun)
	}
	if len(out.Results) != len(req.Users) {
		e.t.Fatalf("%d results for %d rows", len(out.Results), len(req.Users))
	}
	for i, r := range out.Results {
		if r.Index != i {
			e.t.Errorf("result %d has index %d", i, r.Index)
		}
		if (r.Status == schema.BatchFailed) != (r.Error != nil) || (r.Error == nil) != (r.User != nil) {
			e.t.Errorf("row %d: status %s with error %v and user %v", i, r.Status, r.Error, r.User)
		}
		if p := r.Error; p != nil {
			if p.Detail == "" || p.RequestID != a.header.Get(schema.HeaderRequestID) || p.Title == "" {
				e.t.Errorf("row %d: incomplete problem %+v", i, p)
			}
			noRuleLabels(e.t, p.Detail)
		}
	}
	return out
}

// noRuleLabels: what people read never cites the spec's rule numbers.
func noRuleLabels(t testing.TB, detail string) {
	t.Helper()
	if regexp.MustCompile(`\bR[0-9]+\b`).MatchString(detail) {
		t.Errorf("detail cites a rule label: %q", detail)
	}
}

func users(refs ...string) []schema.UserBatchItem {
	out := make([]schema.UserBatchItem, len(refs))
	for i, ref := range refs {
		out[i] = schema.UserBatchItem{User: ref}
	}
	return out
}

// statuses gives each row's status, and the code of failed rows.
func statuses(res []schema.UserBatchResult) []string {
	out := make([]string, len(res))
	for i, r := range res {
		out[i] = r.Status
		if r.Error != nil {
			out[i] += " " + r.Error.Code
		}
	}
	return out
}

func wantStatuses(t *testing.T, res []schema.UserBatchResult, want ...string) {
	t.Helper()
	if got := statuses(res); !slices.Equal(got, want) {
		t.Errorf("rows %q\nwant %q", got, want)
	}
}

// deactivated adds a user and deactivates them, as the operator.
func (e *env) deactivated(o org, name, email string) workspace.User {
	e.t.Helper()
	u := e.addUser(o, name, email, []string{"user"}, []string{"agent-dialer"})
	if _, err := e.svc.Deactivate(e.ctx, workspace.Operator(o.id), u.ID); err != nil {
		e.t.Fatalf("deactivate %s: %v", email, err)
	}
	return u
}

// enrollMFA marks the user enrolled, as a finished TOTP enrollment does.
func (e *env) enrollMFA(o org, userID string) {
	e.t.Helper()
	err := e.store.Update(e.ctx, func(tx workspace.Tx) error {
		u, err := tx.UserByID(e.ctx, o.id, userID)
		if err != nil {
			return err
		}
		u.MFAEnrolled, u.Version = true, u.Version+1
		return tx.UpdateUser(e.ctx, u)
	})
	if err != nil {
		e.t.Fatalf("enroll MFA: %v", err)
	}
}

// sessionEnded reports whether a browser session was ended (R9, R12).
func (e *env) sessionEnded(s workspace.BrowserSession) bool {
	e.t.Helper()
	var got workspace.BrowserSession
	err := e.store.View(e.ctx, func(tx workspace.Tx) (err error) {
		got, err = tx.BrowserSessionByHash(e.ctx, s.IDHash)
		return err
	})
	if err != nil {
		e.t.Fatalf("browser session: %v", err)
	}
	return got.EndedAt != nil
}

func TestUserBatch_EachActionChangesAndReportsItsRows_R8_R9_R10_R12(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("acme")
	bob := e.addUser(o, "Bob Jones", "bob@acme.example", []string{"user"}, []string{"flow"})
	cat := e.addUser(o, "Cat Lee", "cat@acme.example", []string{"user"}, []string{"flow"})
	e.enrollMFA(o, bob.ID)
	before := len(e.audit(o.admin, ""))

	out := e.userBatch(o.admin, schema.UserBatchRequest{Action: "mfa_reset", Users: users(bob.Email)})
	wantStatuses(t, out.Results, "mfa_reset")
	if u := out.Results[0].User; u.MFAEnrolled || u.Email != bob.Email {
		t.Errorf("after mfa_reset: %+v", u)
	}

	out = e.userBatch(o.admin, schema.UserBatchRequest{Action: "deactivate", Users: users("BOB@acme.example", cat.ID)})
	wantStatuses(t, out.Results, "deactivated", "deactivated")
	if u := out.Results[1].User; u.Active || len(u.Licenses) != 0 {
		t.Errorf("after deactivate: %+v", u)
	}
	if p := poolOf(out.Licenses, "flow"); p.Assigned != 0 || p.Available != 3 {
		t.Errorf("flow pool in the answer %+v: the licenses were not released", p)
	}

	out = e.userBatch(o.admin, schema.UserBatchRequest{Action: "activate", Users: []schema.UserBatchItem{
		{User: bob.ID, Licenses: []string{"flow", "agent-dialer"}}, {User: cat.Email, Licenses: []string{"flow"}},
	}})
	wantStatuses(t, out.Results, "activated", "activated")
	if u := out.Results[0].User; !u.Active || !slices.Equal(u.Licenses, []string{"agent-dialer", "flow"}) {
		t.Errorf("after activate: %+v", u)
	}

	out = e.userBatch(o.admin, schema.UserBatchRequest{Action: "edit", Users: []schema.UserBatchItem{
		{User: bob.Email, Name: ptr("Robert Jones"), Roles: []string{"manager", "user"}, Licenses: []string{"parallel-dialer"}, CallRecording: ptr(true)},
		{User: cat.Email, Licenses: []string{}},
	}})
	wantStatuses(t, out.Results, "edited", "edited")
	got := out.Results[0].User
	if got.Name != "Robert Jones" || !slices.Equal(got.Roles, []string{"manager", "user"}) ||
		!slices.Equal(got.Licenses, []string{"parallel-dialer"}) || !got.CallRecording {
		t.Errorf("after edit: %+v", got)
	}
	if u, _ := e.user(o.admin, cat.ID); len(u.Licenses) != 0 || u.Name != "Cat Lee" {
		t.Errorf("licenses [] must remove every license and leave the rest: %+v", u)
	}

	events := e.audit(o.admin, "")
	var actions []string
	for _, ev := range events[:len(events)-before] {
		actions = append(actions, ev.Action)
		if ev.RequestID == "" {
			t.Errorf("audit event without request id: %+v", ev)
		}
	}
	slices.Reverse(actions)
	want := []string{"user.mfa_reset", "user.deactivated", "user.deactivated", "user.activated", "user.activated", "user.edited", "user.edited"}
	if !slices.Equal(actions, want) {
		t.Errorf("audit %v\nwant  %v: one event per changed row", actions, want)
	}
}

func poolOf(pools []schema.LicensePool, product string) schema.LicensePool {
	for _, p := range pools {
		if p.Product == product {
			return p
		}
	}
	return schema.LicensePool{}
}

func TestUserBatch_ABadRowFailsAlone(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("acme")
	bob := e.addUser(o, "Bob Jones", "bob@acme.example", []string{"user"}, []string{"flow"})
	cat := e.addUser(o, "Cat Lee", "cat@acme.example", []string{"user"}, []string{"flow"})

	out := e.userBatch(o.admin, schema.UserBatchRequest{Action: "deactivate", Users: users("ghost@acme.example", bob.Email, o.adminEmail)})
	wantStatuses(t, out.Results, "failed not_found", "deactivated", "failed self_deactivation")
	if p := out.Results[0].Error; p.Status != http.StatusNotFound || !strings.Contains(p.Detail, "ghost@acme.example") {
		t.Errorf("not found row: %+v", p)
	}
	if p := out.Results[2].Error; p.Status != http.StatusConflict {
		t.Errorf("self row: %+v, want the 409 of POST /users/{user}/deactivate", p)
	}

	out = e.userBatch(o.admin, schema.UserBatchRequest{Action: "edit", Users: []schema.UserBatchItem{
		{User: cat.Email, Name: ptr("R2-D2"), CallRecording: ptr(true)},
		{User: cat.Email, Roles: []string{}},
		{User: cat.Email, Roles: []string{"king"}},
		{User: cat.Email, CallRecording: ptr(true)},
	}})
	wantStatuses(t, out.Results, "failed invalid_field", "failed invalid_field", "failed invalid_field", "edited")
	for i, field := range []string{"name", "roles", "roles"} {
		if p := out.Results[i].Error; p.Field != field || p.Status != http.StatusUnprocessableEntity {
			t.Errorf("row %d: %+v, want 422 naming %s", i, p, field)
		}
	}
	if u, _ := e.user(o.admin, cat.ID); u.Name != "Cat Lee" || !u.CallRecording {
		t.Errorf("cat %+v: the refused row changed her, or the good one did not", u)
	}
}

func TestUserBatch_AlreadyInactiveIsUnchanged(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("acme")
	dan := e.deactivated(o, "Dan Diaz", "dan@acme.example")
	before := len(e.audit(o.admin, ""))

	out := e.userBatch(o.admin, schema.UserBatchRequest{Action: "deactivate", Users: users(dan.Email)})
	wantStatuses(t, out.Results, "unchanged")
	if u := out.Results[0].User; u.Unchanged != "already inactive" || u.Active {
		t.Errorf("unchanged row: %+v", u)
	}
	out = e.userBatch(o.admin, schema.UserBatchRequest{Action: "edit", Users: []schema.UserBatchItem{{User: dan.Email, Name: ptr("Dan Diaz")}}})
	if wantStatuses(t, out.Results, "unchanged"); out.Results[0].User.Unchanged != "nothing to change" {
		t.Errorf("edit to the same name: %+v", out.Results[0].User)
	}
	if after := len(e.audit(o.admin, "")); after != before {
		t.Errorf("%d audit events written by rows that changed nothing", after-before)
	}
}

// Demoting every admin in one batch: the rows run in order, so the last
// one, which would leave the org without an active admin, is refused.
func TestUserBatch_KeepsTheLastAdminAcrossRows_R9(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("acme")
	e.addUser(o, "Bob Jones", "bob@acme.example", []string{"admin"}, []string{"flow"})
	e.addUser(o, "Cat Lee", "cat@acme.example", []string{"admin"}, []string{"flow"})
	demote := func(refs ...string) []schema.UserBatchItem {
		rows := users(refs...)
		for i := range rows {
			rows[i].Roles = []string{"user"}
		}
		return rows
	}

	out := e.userBatch(o.admin, schema.UserBatchRequest{Action: "edit", DryRun: true, Users: demote("bob@acme.example", "cat@acme.example", o.adminEmail)})
	wantStatuses(t, out.Results, "edited", "edited", "failed last_admin")
	out = e.userBatch(o.admin, schema.UserBatchRequest{Action: "edit", Users: demote("bob@acme.example", "cat@acme.example", o.adminEmail)})
	wantStatuses(t, out.Results, "edited", "edited", "failed last_admin")
	if p := out.Results[2].Error; p.Status != http.StatusConflict || !strings.Contains(p.Detail, "at least one active admin") {
		t.Errorf("last admin row: %+v", p)
	}
	if me, _ := e.user(o.admin, o.adminEmail); !slices.Contains(me.Roles, "admin") {
		t.Errorf("the last admin lost the role: %+v", me)
	}
}

// Activating more users than the pool holds: the first rows take the
// licenses (the last one with a notice), the rest are refused naming the
// product and the counts.
func TestUserBatch_ActivateRowsShareAFullPool_R4_R10(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("acme")
	e.addUser(o, "Al Held", "al@acme.example", []string{"user"}, []string{"flow"})
	var rows []schema.UserBatchItem
	for i := range 4 {
		u := e.deactivated(o, "Sleeper", fmt.Sprintf("s%d@acme.example", i))
		rows = append(rows, schema.UserBatchItem{User: u.Email, Licenses: []string{"flow"}})
	}

	out := e.userBatch(o.admin, schema.UserBatchRequest{Action: "activate", Users: rows})
	wantStatuses(t, out.Results, "activated", "activated", "failed license_exhausted", "failed license_exhausted")
	if n := out.Results[1].User.Notices; !slices.Contains(n, "that was the last flow license: 3 of 3 in use") {
		t.Errorf("notices of the last license: %q", n)
	}
	for _, r := range out.Results[2:] {
		if p := r.Error; p.Status != http.StatusConflict || p.Product != "flow" || *p.Used != 3 || *p.Total != 3 ||
			!strings.Contains(p.Detail, "no flow license left: 3 of 3 in use") {
			t.Errorf("refused row: %+v", p)
		}
	}
	if p := poolOf(out.Licenses, "flow"); p.Assigned != 3 || p.Available != 0 {
		t.Errorf("flow pool in the answer: %+v", p)
	}
	if p := e.pools(o.admin)["flow"]; p.Assigned != 3 {
		t.Errorf("flow pool: %+v", p)
	}
}

func TestUserBatch_ForbiddenWithoutTheActionsScope_R13(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("acme")
	bob := e.addUser(o, "Bob Jones", "bob@acme.example", []string{"user"}, []string{"flow"})
	e.addUser(o, "Max Mgr", "max@acme.example", []string{"manager"}, []string{"flow"})
	writer := e.token(o, o.adminEmail, "users:read", "users:write")
	resetter := e.token(o, o.adminEmail, "mfa:reset")
	manager := e.token(o, "max@acme.example", "users:read", "users:write", "mfa:reset")

	for _, c := range []struct{ token, action string }{
		{writer, "mfa_reset"}, {resetter, "deactivate"}, {resetter, "edit"}, {resetter, "activate"},
		{manager, "deactivate"}, {manager, "mfa_reset"},
	} {
		for _, dry := range []bool{false, true} {
			p := e.post("/api/v1/users/batch", c.token, schema.UserBatchRequest{Action: c.action, DryRun: dry, Users: users(bob.Email)}).
				problem(t, http.StatusForbidden, schema.CodeForbidden)
			noRuleLabels(t, p.Detail)
		}
	}
	if u, tag := e.user(o.admin, bob.ID); !u.Active || tag != `"1"` {
		t.Errorf("bob %+v (ETag %s): a forbidden batch changed him", u, tag)
	}
	e.userBatch(resetter, schema.UserBatchRequest{Action: "mfa_reset", Users: users(bob.Email)})
	if _, tag := e.user(o.admin, bob.ID); tag != `"2"` {
		t.Errorf("bob's ETag %s after the allowed MFA reset, want \"2\"", tag)
	}
}

func TestUserBatch_WholeRequestProblems(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("acme")
	e.addUser(o, "Bob Jones", "bob@acme.example", []string{"user"}, []string{"flow"})
	bad := func(body any, wantInDetail string) {
		t.Helper()
		p := e.send(call{method: http.MethodPost, path: "/api/v1/users/batch", token: o.admin, body: body, bad: true}).
			problem(t, http.StatusBadRequest, schema.CodeInvalidRequest)
		if !strings.Contains(p.Detail, wantInDetail) {
			t.Errorf("detail %q, want it to name %q", p.Detail, wantInDetail)
		}
		noRuleLabels(t, p.Detail)
	}
	bad(`{"action":"delete","users":[{"user":"bob@acme.example"}]}`, `"delete"`)
	bad(`{"users":[{"user":"bob@acme.example"}]}`, "deactivate, activate, edit, mfa_reset")
	bad(`{"action":"deactivate","users":[]}`, "at least one user")
	bad(`{"action":"deactivate","users":[{"user":"bob@acme.example","nmae":"x"}]}`, "nmae")
	for _, c := range []struct{ action, row, field string }{
		{"deactivate", `"licenses":["flow"]`, `"licenses"`},
		{"mfa_reset", `"call_recording":true`, `"call_recording"`},
		{"activate", `"licenses":["flow"],"name":"Bob"`, `"name"`},
		{"activate", `"roles":[]`, `"roles"`},
	} {
		bad(fmt.Sprintf(`{"action":%q,"users":[{"user":"bob@acme.example"},{"user":"bob@acme.example",%s}]}`, c.action, c.row), "users[1] has "+c.field)
	}

	many := users(slices.Repeat([]string{"ghost@acme.example"}, workspace.MaxInviteBatch+1)...)
	bad(schema.UserBatchRequest{Action: "deactivate", Users: many}, "at most 1000")
	// A dry run may hold a whole file.
	out := e.userBatch(o.admin, schema.UserBatchRequest{Action: "deactivate", DryRun: true, Users: many})
	if out.Results[workspace.MaxInviteBatch].Error.Code != schema.CodeNotFound {
		t.Errorf("last row of a large dry run: %+v", out.Results[workspace.MaxInviteBatch])
	}
	if u, tag := e.user(o.admin, "bob@acme.example"); !u.Active || tag != `"1"` {
		t.Errorf("a refused request changed bob: %+v (ETag %s)", u, tag)
	}
}

// A dry run answers what the batch would do and keeps nothing: no user
// changed, no session ended, no token revoked, no audit event, no license
// taken or freed.
func TestUserBatch_DryRunKeepsNothing(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("acme")
	bob := e.addUser(o, "Bob Jones", "bob@acme.example", []string{"admin"}, []string{"flow"})
	dan := e.deactivated(o, "Dan Diaz", "dan@acme.example")
	e.enrollMFA(o, bob.ID)
	bobToken := e.token(o, bob.Email, "users:read")
	session := sessiontest.SignedIn(t, e.svc, o.id, bob.ID)
	beforeBob, bobTag := e.user(o.admin, bob.ID)
	beforeDan, danTag := e.user(o.admin, dan.ID)
	beforeAudit, beforePools := e.audit(o.admin, ""), e.pools(o.admin)

	for _, c := range []struct {
		req    schema.UserBatchRequest
		status []string
	}{
		{schema.UserBatchRequest{Action: "deactivate", Users: users(bob.Email, dan.Email)}, []string{"deactivated", "unchanged"}},
		{schema.UserBatchRequest{Action: "mfa_reset", Users: users(bob.Email)}, []string{"mfa_reset"}},
		{schema.UserBatchRequest{Action: "activate", Users: []schema.UserBatchItem{{User: dan.Email, Licenses: []string{"flow"}}}}, []string{"activated"}},
		{schema.UserBatchRequest{Action: "edit", Users: []schema.UserBatchItem{{User: bob.Email, Name: ptr("Robert Jones"), Licenses: []string{"parallel-dialer"}}}}, []string{"edited"}},
	} {
		c.req.DryRun = true
		out := e.userBatch(o.admin, c.req)
		wantStatuses(t, out.Results, c.status...)
		if c.req.Action == "deactivate" {
			if u := out.Results[0].User; u.Active || poolOf(out.Licenses, "flow").Assigned != 0 {
				t.Errorf("the plan must show what the batch would do: %+v, pools %+v", u, out.Licenses)
			}
		}
	}

	if u, tag := e.user(o.admin, bob.ID); tag != bobTag || !u.Active || !u.MFAEnrolled || u.Name != beforeBob.Name {
		t.Errorf("bob after dry runs: %+v (ETag %s, was %s)", u, tag, bobTag)
	}
	if u, tag := e.user(o.admin, dan.ID); tag != danTag || u.Active != beforeDan.Active {
		t.Errorf("dan after dry runs: %+v (ETag %s, was %s)", u, tag, danTag)
	}
	if e.sessionEnded(session) {
		t.Error("a dry run ended bob's browser session")
	}
	e.get("/api/v1/me", bobToken).want(t, http.StatusOK) // a dry run revoked no token
	if after := e.audit(o.admin, ""); len(after) != len(beforeAudit) {
		t.Errorf("%d audit events kept by dry runs", len(after)-len(beforeAudit))
	}
	for product, p := range e.pools(o.admin) {
		if p != beforePools[product] {
			t.Errorf("pool %s %+v, was %+v", product, p, beforePools[product])
		}
	}

	// The same batch for real does what the plan said.
	out := e.userBatch(o.admin, schema.UserBatchRequest{Action: "deactivate", Users: users(bob.Email, dan.Email)})
	wantStatuses(t, out.Results, "deactivated", "unchanged")
	if !e.sessionEnded(session) {
		t.Error("deactivating bob left his browser session")
	}
	e.get("/api/v1/me", bobToken).problem(t, http.StatusUnauthorized, schema.CodeUnauthenticated)
}
