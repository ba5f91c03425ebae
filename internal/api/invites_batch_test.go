package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/wsctl/wsctl/internal/api/schema"
)

func item(name, email, key string, licenses ...string) schema.InviteBatchItem {
	return schema.InviteBatchItem{InviteRequest: schema.InviteRequest{Name: name, Email: email, Roles: []string{"user"}, Licenses: licenses}, IdempotencyKey: key}
}

func (e *env) batch(token string, items ...schema.InviteBatchItem) []schema.InviteBatchResult {
	e.t.Helper()
	a := e.post("/api/v1/invites/batch", token, schema.InviteBatchRequest{Invites: items}).want(e.t, http.StatusOK)
	res := decode[schema.InviteBatchResponse](e.t, a).Results
	if len(res) != len(items) {
		e.t.Fatalf("%d results for %d rows", len(res), len(items))
	}
	for i, r := range res {
		if r.Index != i {
			e.t.Errorf("result %d has index %d", i, r.Index)
		}
	}
	return res
}

func TestInviteBatch_EachRowItsOwnOutcome_R1_R4(t *testing.T) {
	e := newEnv(t)
	o := e.inviting("acme")
	res := e.batch(o.admin,
		item("Ann Lee", "ann@acme.example", "k1", "parallel-dialer"),
		item("", "nameless@acme.example", "k2", "flow"),
		item("Bob Stone", "bob@acme.example", "k3", "parallel-dialer"),
		item("Cy Young", o.adminEmail, "k4", "flow"),
		item("Di Park", "di@acme.example", "k5", "parallel-dialer"),
		item("Ed Moss", "ed@acme.example", "k6", "parallel-dialer"),
		item("Flo Bad", "flo@acme.example", strings.Repeat("x", 300), "flow"),
	)
	want := []struct{ status, code string }{
		{"invited", ""}, {"failed", schema.CodeInvalidField}, {"invited", ""}, {"failed", schema.CodeEmailTaken},
		{"invited", ""}, {"failed", schema.CodeLicenseExhausted}, {"failed", schema.CodeInvalidField},
	}
	for i, r := range res {
		code := ""
		if r.Error != nil {
			code = r.Error.Code
			if r.Error.Detail == "" || r.Error.RequestID == "" {
				t.Errorf("row %d: problem without detail or request id: %+v", i, r.Error)
			}
		}
		if r.Status != want[i].status || code != want[i].code {
			t.Errorf("row %d: %s %s, want %s %s", i, r.Status, code, want[i].status, want[i].code)
		}
	}
	if res[1].Error.Field != "name" || res[6].Error.Field != "idempotency_key" {
		t.Errorf("fields %q %q", res[1].Error.Field, res[6].Error.Field)
	}
	if p := res[5].Error; p.Product != "parallel-dialer" || *p.Used != 3 || *p.Total != 3 {
		t.Errorf("exhausted row: %+v", p)
	}
	if n := res[4].Invite.Notices; len(n) != 1 || !strings.Contains(n[0], "last parallel-dialer license") {
		t.Errorf("notices of the last license: %v", n)
	}
	if p := e.pools(o.admin)["parallel-dialer"]; p.Reserved != 3 || p.Available != 0 {
		t.Errorf("pool %+v", p)
	}
}

func TestInviteBatch_SameBatchTwiceInvitesNobodyTwice(t *testing.T) {
	e := newEnv(t)
	o := e.inviting("acme")
	items := []schema.InviteBatchItem{item("Ann Lee", "ann@acme.example", "k1", "flow"), item("Bob Stone", "bob@acme.example", "k2", "flow")}
	first := e.batch(o.admin, items...)
	again := e.batch(o.admin, items...)
	for i := range items {
		if again[i].Status != schema.BatchReplayed || again[i].Invite.ID != first[i].Invite.ID {
			t.Errorf("row %d again: %+v", i, again[i])
		}
		if n := e.outboxTo(o, items[i].Email); n != 1 {
			t.Errorf("%d emails to %s", n, items[i].Email)
		}
	}
	created := 0
	for _, ev := range e.audit(o.admin, "?action=invite.created") {
		if ev.RequestID == "" {
			t.Errorf("audit event without request id: %+v", ev)
		}
		created++
	}
	if created != 2 {
		t.Errorf("%d invite.created events, want one per invite (R14)", created)
	}
}

func TestInviteBatch_ConcurrentBatchesNeverExceedThePool_R4(t *testing.T) {
	e := newEnv(t)
	o := e.inviting("acme")
	const batches, rows = 8, 4
	var wg sync.WaitGroup
	var mu sync.Mutex
	invited := 0
	for b := range batches {
		wg.Go(func() {
			var items []schema.InviteBatchItem
			for i := range rows {
				items = append(items, item("Racer", fmt.Sprintf("r%d-%d@acme.example", b, i), fmt.Sprintf("k%d-%d", b, i), "flow"))
			}
			for _, r := range e.batch(o.admin, items...) {
				mu.Lock()
				if r.Status == schema.BatchInvited {
					invited++
				} else if r.Error == nil || r.Error.Code != schema.CodeLicenseExhausted {
					t.Errorf("unexpected result %+v", r)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if p := e.pools(o.admin)["flow"]; invited != 3 || p.Reserved != 3 {
		t.Errorf("%d invited, pool %+v: a pool of 3 must give exactly 3", invited, p)
	}
}

func TestInviteBatch_WholeRequestProblems(t *testing.T) {
	e := newEnv(t)
	o := e.inviting("acme")
	e.send(call{method: http.MethodPost, path: "/api/v1/invites/batch", token: o.admin, body: `{"invites":[]}`, bad: true}).
		problem(t, http.StatusBadRequest, schema.CodeInvalidRequest)
	many := make([]schema.InviteBatchItem, 1001)
	for i := range many {
		many[i] = item("Many", fmt.Sprintf("m%d@acme.example", i), "", "flow")
	}
	e.send(call{method: http.MethodPost, path: "/api/v1/invites/batch", token: o.admin, body: schema.InviteBatchRequest{Invites: many}, bad: true}).
		problem(t, http.StatusBadRequest, schema.CodeInvalidRequest)
	reader := e.token(o, o.adminEmail, "users:read")
	e.post("/api/v1/invites/batch", reader, schema.InviteBatchRequest{Invites: many[:1]}).problem(t, http.StatusForbidden, schema.CodeForbidden)
	if n := e.pools(o.admin)["flow"].Reserved; n != 0 {
		t.Errorf("refused requests reserved %d licenses", n)
	}
}

// A batch applied keeps the usual body limit; the same body as a dry run
// (a whole file's plan) is taken, decided and kept nowhere (R1: the long
// names are refused row by row).
func TestInviteBatch_BodyOverOneMiB_OnlyAsADryRun(t *testing.T) {
	e := newEnv(t)
	o := e.inviting("acme")
	long := strings.Repeat("a", 100_000)
	rows := make([]schema.InviteBatchItem, 12)
	for i := range rows {
		rows[i] = item(long, fmt.Sprintf("p%d@acme.example", i), "", "flow")
	}
	p := e.send(call{method: http.MethodPost, path: "/api/v1/invites/batch", token: o.admin, body: schema.InviteBatchRequest{Invites: rows}, bad: true}).
		problem(t, http.StatusBadRequest, schema.CodeInvalidRequest)
	if !strings.Contains(p.Detail, "larger than") {
		t.Errorf("detail %q does not say the body is too large", p.Detail)
	}
	out := decode[schema.InviteBatchResponse](t, e.post("/api/v1/invites/batch", o.admin, schema.InviteBatchRequest{Invites: rows, DryRun: true}).want(t, http.StatusOK))
	if !out.DryRun || len(out.Results) != len(rows) || out.Results[0].Error == nil || out.Results[0].Error.Field != "name" {
		t.Fatalf("dry run of a large body: dry_run %v, %d results, first %+v", out.DryRun, len(out.Results), out.Results[0])
	}
	if n := e.pools(o.admin)["flow"].Reserved; n != 0 {
		t.Errorf("a refused or dry-run batch reserved %d licenses", n)
	}
}
