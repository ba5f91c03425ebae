package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/api/schema"
)

func syncRow(name, email string, roles []string, licenses ...string) schema.SyncRow {
	return schema.SyncRow{Name: name, Email: email, Roles: roles, Licenses: append([]string{}, licenses...)}
}

func (e *env) sync(token string, req schema.SyncRequest) schema.SyncResponse {
	e.t.Helper()
	out := decode[schema.SyncResponse](e.t, e.post("/api/v1/users/sync", token, req).want(e.t, http.StatusOK))
	if len(out.Rows) != len(req.Rows) {
		e.t.Fatalf("%d results for %d rows", len(out.Rows), len(req.Rows))
	}
	for i, r := range out.Rows {
		if r.Index != i || r.Email != req.Rows[i].Email {
			e.t.Errorf("result %d is of row %d (%s)", i, r.Index, r.Email)
		}
	}
	return out
}

func TestSync_ContractShape(t *testing.T) {
	e := newEnv(t)
	o := e.inviting("acme")
	e.addUser(o, "Bob Stone", "bob@acme.example", []string{"user"}, []string{"flow"})
	e.addUser(o, "Jon Snow", "jon@acme.example", []string{"user"}, []string{"flow"})
	e.invite(o.admin, schema.InviteRequest{Name: "Pat Lee", Email: "pat@acme.example", Roles: []string{"user"}, Licenses: []string{"flow"}})
	req := schema.SyncRequest{Rows: []schema.SyncRow{
		syncRow("Ada Admin", o.adminEmail, []string{"admin"}),
		syncRow("Bob Stone", "bob@acme.example", []string{"user"}, "flow", "agent-dialer"),
		syncRow("Cy Young", "cy@acme.example", []string{"user"}, "parallel-dialer"),
		syncRow("Di 2", "di@acme.example", []string{"user"}, "flow"),
		syncRow("Ed Moss", "ed@acme.example", []string{"user"}, "flow"), // flow: bob, jon, pat
	}}
	a := e.post("/api/v1/users/sync", o.admin, req).want(t, http.StatusOK)

	// The names scripts rely on.
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(a.body, &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"dry_run", "rows", "missing", "summary", "licenses"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("no %q in %s", k, a.body)
		}
	}
	var summary map[string]int
	if err := json.Unmarshal(raw["summary"], &summary); err != nil {
		t.Fatal(err)
	}
	if len(summary) != 9 {
		t.Errorf("summary %v, want the nine actions", summary)
	}

	out := decode[schema.SyncResponse](t, a)
	var got []string
	for _, r := range out.Rows {
		got = append(got, r.Action)
	}
	want := []string{schema.SyncUnchanged, schema.SyncUpdate, schema.SyncInvite, schema.SyncInvalid, schema.SyncRefused}
	if !slices.Equal(got, want) {
		t.Fatalf("actions %v, want %v", got, want)
	}
	if r := out.Rows[1]; r.Reason != "licenses flow → agent-dialer, flow" || r.User == nil || r.Error != nil ||
		!slices.Equal(r.User.Licenses, []string{"agent-dialer", "flow"}) {
		t.Errorf("update row %+v", r)
	}
	if r := out.Rows[2]; r.Invite == nil || r.Invite.Status != "pending" || r.Reason == "" {
		t.Errorf("invite row %+v", r)
	}
	if p := out.Rows[3].Error; p == nil || p.Code != schema.CodeInvalidField || p.Field != "name" || p.Detail != out.Rows[3].Reason || p.RequestID == "" {
		t.Errorf("invalid row problem %+v, reason %q", p, out.Rows[3].Reason)
	}
	if p := out.Rows[4].Error; p == nil || p.Code != schema.CodeLicenseExhausted || p.Product != "flow" || *p.Used != 3 || *p.Total != 3 ||
		!strings.Contains(out.Rows[4].Reason, "no flow license left: 3 of 3 in use") {
		t.Errorf("refused row problem %+v, reason %q", p, out.Rows[4].Reason)
	}
	if len(out.Missing) != 2 || out.Missing[0].Email != "jon@acme.example" || out.Missing[0].Kind != schema.SyncKindUser ||
		out.Missing[0].Action != schema.SyncNotInRoster || out.Missing[0].User == nil ||
		out.Missing[1].Kind != schema.SyncKindInvite || out.Missing[1].Invite == nil {
		t.Errorf("missing %+v", out.Missing)
	}
	if out.DryRun || len(out.Licenses) != 3 {
		t.Errorf("dry_run %v, licenses %+v", out.DryRun, out.Licenses)
	}
	if p := e.pools(o.admin); p["agent-dialer"].Assigned != 1 || p["parallel-dialer"].Reserved != 1 {
		t.Errorf("pools after the sync %+v", p)
	}
	if n := e.outboxTo(o, "cy@acme.example"); n != 1 {
		t.Errorf("%d emails to the invited person", n)
	}
}

func TestSync_SummaryCounts(t *testing.T) {
	e := newEnv(t)
	o := e.inviting("acme")
	e.addUser(o, "Bob Stone", "bob@acme.example", []string{"user"}, []string{"flow"})
	e.addUser(o, "Jon Snow", "jon@acme.example", []string{"user"}, []string{"flow"})
	e.addUser(o, "Dan Diaz", "dan@acme.example", []string{"user"}, []string{"flow"})
	e.post("/api/v1/users/dan@acme.example/deactivate", o.admin, nil).want(t, http.StatusOK)
	e.invite(o.admin, schema.InviteRequest{Name: "Pat Lee", Email: "pat@acme.example", Roles: []string{"user"}, Licenses: []string{"flow"}})
	req := schema.SyncRequest{DeactivateMissing: true, Rows: []schema.SyncRow{
		syncRow("Bob Stone", "bob@acme.example", []string{"user"}, "flow"),
		syncRow("Dan Diaz", "dan@acme.example", []string{"manager"}, "agent-dialer"),
		syncRow("Cy Young", "cy@acme.example", []string{"user"}, "flow"),
		syncRow("Cy Young", "cy@acme.example", []string{"user"}, "flow"),
	}}
	plan := e.sync(o.admin, schema.SyncRequest{DeactivateMissing: true, DryRun: true, Rows: req.Rows})
	out := e.sync(o.admin, req)
	want := schema.SyncSummary{Invite: 1, Activate: 1, Deactivate: 1, Revoke: 1, Unchanged: 1, Invalid: 1, NotInRoster: 1}
	if out.Summary != want || plan.Summary != want || !plan.DryRun {
		t.Errorf("summary %+v, dry run %+v; want %+v", out.Summary, plan.Summary, want)
	}
	counted := schema.SyncSummary{}
	for _, a := range append(actionsOf(out.Rows), missingActionsOf(out.Missing)...) {
		switch a {
		case schema.SyncInvite:
			counted.Invite++
		case schema.SyncActivate:
			counted.Activate++
		case schema.SyncDeactivate:
			counted.Deactivate++
		case schema.SyncRevoke:
			counted.Revoke++
		case schema.SyncUnchanged:
			counted.Unchanged++
		case schema.SyncInvalid:
			counted.Invalid++
		case schema.SyncNotInRoster:
			counted.NotInRoster++
		default:
			t.Errorf("unexpected action %s", a)
		}
	}
	if counted != out.Summary {
		t.Errorf("summary %+v does not count the results %+v", out.Summary, counted)
	}
	// The caller is missing, and listed with the reason she stays.
	if m := out.Missing[0]; m.Email != o.adminEmail || m.Action != schema.SyncNotInRoster || !strings.Contains(m.Reason, "cannot deactivate yourself") {
		t.Errorf("the caller: %+v", m)
	}
	again := e.sync(o.admin, req)
	if again.Summary != (schema.SyncSummary{Unchanged: 3, Invalid: 1, NotInRoster: 1}) {
		t.Errorf("second run %+v", again.Summary)
	}
}

func actionsOf(rows []schema.SyncRowResult) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r.Action)
	}
	return out
}

func missingActionsOf(ms []schema.SyncMissing) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Action)
	}
	return out
}

func TestSync_MalformedIs400(t *testing.T) {
	e := newEnv(t)
	o := e.inviting("acme")
	for name, body := range map[string]string{
		"not JSON":      `{"rows":`,
		"no rows":       `{"rows":[]}`,
		"rows missing":  `{"deactivate_missing":true}`,
		"unknown field": `{"rows":[{"name":"Ann Lee","email":"ann@acme.example","roles":["user"],"licenses":["flow"]}],"delete_all":true}`,
		"two values":    `{"rows":[]}{}`,
	} {
		t.Run(name, func(t *testing.T) {
			e.send(call{method: http.MethodPost, path: "/api/v1/users/sync", token: o.admin, body: body, bad: true}).
				problem(t, http.StatusBadRequest, schema.CodeInvalidRequest)
		})
	}
	e.send(call{method: http.MethodPost, path: "/api/v1/users/sync", token: o.admin, body: `{"rows":[{"name":1}]}`, bad: true}).
		problem(t, http.StatusUnprocessableEntity, schema.CodeInvalidField)
	tooMany := `{"rows":[` + strings.Repeat(`{},`, 50000) + `{}]}`
	e.send(call{method: http.MethodPost, path: "/api/v1/users/sync", token: o.admin, body: tooMany, bad: true}).
		problem(t, http.StatusBadRequest, schema.CodeInvalidRequest)
	if p := e.pools(o.admin)["flow"]; p.Reserved != 0 {
		t.Errorf("refused requests reserved licenses: %+v", p)
	}
}

// A roster is always a whole file: its body may pass the usual 1 MiB limit
// when it is applied, not only in a dry run.
func TestSync_WholeRosterOverOneMiB_EvenApplied(t *testing.T) {
	e := newEnv(t)
	o := e.inviting("acme")
	long := strings.Repeat("a", 100_000) // a name too long: the row is invalid, the request fine
	rows := []schema.SyncRow{syncRow("Ada Admin", o.adminEmail, []string{"admin"})}
	for i := range 12 {
		rows = append(rows, syncRow(long, fmt.Sprintf("p%d@acme.example", i), []string{"user"}, "flow"))
	}
	out := e.sync(o.admin, schema.SyncRequest{Rows: rows})
	if out.Summary.Invalid != 12 || out.Summary.Unchanged != 1 || out.Rows[1].Error.Field != "name" {
		t.Errorf("summary %+v, row 1 %+v", out.Summary, out.Rows[1].Error)
	}
}

func TestSync_ForbiddenWithoutScope_R13(t *testing.T) {
	e := newEnv(t)
	o := e.inviting("acme")
	e.addUser(o, "Max Power", "max@acme.example", []string{"manager"}, []string{"flow"})
	req := schema.SyncRequest{DeactivateMissing: true, Rows: []schema.SyncRow{syncRow("Ada Admin", o.adminEmail, []string{"admin"})}}
	for name, token := range map[string]string{
		"admin with users:read":    e.token(o, o.adminEmail, "users:read"),
		"manager with every scope": e.token(o, "max@acme.example", "users:read", "users:write", "licenses:read", "settings:write", "mfa:reset", "audit:read"),
	} {
		t.Run(name, func(t *testing.T) {
			e.post("/api/v1/users/sync", token, req).problem(t, http.StatusForbidden, schema.CodeForbidden)
		})
	}
	if u, _ := e.user(o.admin, "max@acme.example"); !u.Active {
		t.Error("a forbidden sync deactivated someone")
	}
	e.post("/api/v1/users/sync", "", req).problem(t, http.StatusUnauthorized, schema.CodeUnauthenticated)
}
