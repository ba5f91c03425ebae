package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/workspace"
)

// findingLines are an audit's findings as "kind product subject".
func findingLines(a schema.LicenseAudit) []string {
	out := []string{}
	for _, f := range a.Findings {
		out = append(out, f.Kind+" "+f.Product+" "+f.Subject)
	}
	return out
}

// GET /api/v1/licenses/audit answers every kind of finding in one audit,
// over real HTTP, each request and answer as docs/openapi.yaml says.
func TestLicenseAudit_EveryKindOfFinding(t *testing.T) {
	e := newEnv(t)
	start := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	e.clock.set(start)
	o := e.inviting("acme")
	e.addUser(o, "Ann Idle", "ann@acme.example", []string{"user"}, []string{"flow", "parallel-dialer"})
	bob := e.addUser(o, "Bob Gone", "bob@acme.example", []string{"user"}, []string{"flow"})
	e.invite(o.admin, schema.InviteRequest{Name: "Cat Late", Email: "cat@acme.example", Roles: []string{"user"}, Licenses: []string{"flow"}})
	e.clock.set(start.Add(6 * 24 * time.Hour))
	e.post("/api/v1/invites/cat@acme.example/resend", o.admin, nil).want(t, http.StatusOK)
	// Deactivation releases licenses (R9), so an inactive holder is
	// written directly to the store.
	err := e.store.Update(e.ctx, func(tx workspace.Tx) error {
		u, err := tx.UserByID(e.ctx, o.id, bob.ID)
		if err != nil {
			return err
		}
		u.Active, u.Version = false, u.Version+1
		return tx.UpdateUser(e.ctx, u)
	})
	if err != nil {
		t.Fatal(err)
	}
	e.clock.set(start.Add(10 * 24 * time.Hour))

	a := decode[schema.LicenseAudit](t, e.get("/api/v1/licenses/audit?max_used=90&max_used=parallel-dialer=20&idle_days=7&stale_invite_days=7", o.admin).want(t, http.StatusOK))
	want := []string{
		"pool_above flow flow",                       // 3 of 3: ann, bob, cat's invite
		"pool_above parallel-dialer parallel-dialer", // 1 of 3, above its own 20%
		"idle_holder flow ann@acme.example",          // never signed in, added 10 days ago
		"idle_holder parallel-dialer ann@acme.example",
		"stale_invite flow cat@acme.example", // invited 10 days ago, resent
		"inactive_holder flow bob@acme.example",
	}
	if got := findingLines(a); !slices.Equal(got, want) {
		t.Errorf("findings:\n got  %q\n want %q", got, want)
	}
	if got, want := a.Findings[0].Detail, "100% used (3 of 3: 2 assigned, 1 reserved), above 90%"; got != want {
		t.Errorf("pool detail %q, want %q", got, want)
	}
	if len(a.Checks) != 12 {
		t.Errorf("%d checks, want 4 kinds × 3 products: %+v", len(a.Checks), a.Checks)
	}
	var pools []schema.LicensePool
	for _, p := range []string{"agent-dialer", "flow", "parallel-dialer"} {
		pools = append(pools, e.pools(o.admin)[p])
	}
	if !slices.Equal(a.Pools, pools) {
		t.Errorf("pools %+v, want as GET /licenses lists them: %+v", a.Pools, pools)
	}

	clean := decode[schema.LicenseAudit](t, e.get("/api/v1/licenses/audit?max_used=100&inactive_holders=false", o.admin).want(t, http.StatusOK))
	if clean.Findings == nil || len(clean.Findings) != 0 || len(clean.Checks) != 3 {
		t.Errorf("a clean audit: %+v, want findings [] and the 3 pool checks", clean)
	}
}

// The pool check alone is for any member with licenses:read (as
// GET /licenses); the checks that read people are for admins with
// users:read too (R13).
func TestLicenseAudit_Authorization_R13(t *testing.T) {
	e := newEnv(t)
	o := e.inviting("acme")
	e.addUser(o, "Mia Manager", "mia@acme.example", []string{"manager"}, []string{"flow"})
	e.addUser(o, "Cid Robot", "ci@acme.example", []string{"admin"}, []string{"flow"})
	licensesOnly := e.token(o, "ci@acme.example", "licenses:read")
	usersOnly := e.token(o, "ci@acme.example", "users:read")
	both := e.token(o, "ci@acme.example", "licenses:read", "users:read")
	manager := e.token(o, "mia@acme.example", "licenses:read", "users:read")
	const poolsOnly = "/api/v1/licenses/audit?max_used=50&inactive_holders=false"

	for _, tok := range []string{licensesOnly, manager, both} {
		a := decode[schema.LicenseAudit](t, e.get(poolsOnly, tok).want(t, http.StatusOK))
		if got := findingLines(a); !slices.Equal(got, []string{"pool_above flow flow"}) {
			t.Errorf("findings %q", got)
		}
	}
	for _, q := range []string{"", "?idle_days=30", "?stale_invite_days=14&inactive_holders=false"} {
		e.get("/api/v1/licenses/audit"+q, licensesOnly).problem(t, http.StatusForbidden, schema.CodeForbidden)
		e.get("/api/v1/licenses/audit"+q, manager).problem(t, http.StatusForbidden, schema.CodeForbidden)
		e.get("/api/v1/licenses/audit"+q, both).want(t, http.StatusOK)
	}
	e.get(poolsOnly, usersOnly).problem(t, http.StatusForbidden, schema.CodeForbidden)
	e.get("/api/v1/licenses/audit", "").problem(t, http.StatusUnauthorized, schema.CodeUnauthenticated)
}

func TestLicenseAudit_BadQueryIsAProblem(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("acme")
	for _, tc := range []struct {
		query  string
		status int
		field  string
		bad    bool // against docs/openapi.yaml too
	}{
		{query: "max_used=eighty", status: http.StatusBadRequest, bad: true},
		{query: "max_used==80", status: http.StatusBadRequest, bad: true},
		{query: "idle_days=soon", status: http.StatusBadRequest, bad: true},
		{query: "inactive_holders=maybe", status: http.StatusBadRequest, bad: true},
		{query: "max_used=150", status: http.StatusUnprocessableEntity, field: "max_used"},
		{query: "max_used=crm=80", status: http.StatusUnprocessableEntity, field: "max_used"},
		{query: "max_used=80&max_used=90", status: http.StatusUnprocessableEntity, field: "max_used"},
		{query: "max_used=flow=80&max_used=FLOW=90", status: http.StatusUnprocessableEntity, field: "max_used"},
		{query: "idle_days=0", status: http.StatusUnprocessableEntity, field: "idle_days", bad: true},
		{query: "stale_invite_days=36501", status: http.StatusUnprocessableEntity, field: "stale_invite_days", bad: true},
	} {
		t.Run(tc.query, func(t *testing.T) {
			code := schema.CodeInvalidRequest
			if tc.status == http.StatusUnprocessableEntity {
				code = schema.CodeInvalidField
			}
			a := e.send(call{method: http.MethodGet, path: "/api/v1/licenses/audit?" + tc.query, token: o.admin, bad: tc.bad})
			p := a.problem(t, tc.status, code)
			if p.Field != tc.field {
				t.Errorf("field %q, want %q (%s)", p.Field, tc.field, p.Detail)
			}
		})
	}
}

// The answer's JSON names are a contract (SPEC §4): kind, product, subject,
// detail of each finding; pools as GET /licenses has them.
func TestLicenseAudit_JSONNames(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("acme")
	e.addUser(o, "Ann Holder", "ann@acme.example", []string{"user"}, []string{"flow"})
	a := e.get("/api/v1/licenses/audit?max_used=flow=10", o.admin).want(t, http.StatusOK)
	var raw map[string][]map[string]any
	if err := json.Unmarshal(a.body, &raw); err != nil {
		t.Fatal(err)
	}
	keys := func(m map[string]any) string {
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		slices.Sort(ks)
		return fmt.Sprint(ks)
	}
	if len(raw["findings"]) != 1 || keys(raw["findings"][0]) != "[detail kind product subject]" {
		t.Errorf("findings %v", raw["findings"])
	}
	if len(raw["pools"]) != 3 || keys(raw["pools"][0]) != "[assigned available name product reserved total]" {
		t.Errorf("pools %v", raw["pools"])
	}
}
