package storetest

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsctl/wsctl/internal/workspace"
)

// Batches of invites (issue 4): each row its own outcome, R4 across the rows
// and against concurrent batches, idempotent rows, R14 one event per invite.
func inviteBatchTests() []test {
	return []test{
		{"InviteBatch_EachRowItsOwnOutcome_R1_R4", testInviteBatchOutcomes},
		{"InviteBatch_ConcurrentBatchesNeverExceedThePool_R4", testInviteBatchConcurrent},
		{"InviteBatch_RowsAreIdempotentByKey", testInviteBatchIdempotent},
		{"InviteBatch_OneAuditEventAndOneEmailPerInvite_R14_R6", testInviteBatchAuditAndOutbox},
		{"InviteBatch_FullBatch_PoolFillsInOrder_OneEmailEach_R4_R6", testInviteBatchFull},
		{"InviteBatch_ExpiredInviteOfTheEmailIsReplaced_R6", testInviteBatchReplacesExpired},
	}
}

func row(name, email string, key string, licenses ...string) workspace.InviteInput {
	return workspace.InviteInput{Name: name, Email: email, Roles: []string{"user"}, Licenses: licenses, IdempotencyKey: key}
}

func (e *env) batch(p workspace.Principal, rows ...workspace.InviteInput) []workspace.BatchResult {
	e.t.Helper()
	res, _, err := e.svc.InviteBatch(e.ctx, p, rows, workspace.Apply)
	if err != nil {
		e.t.Fatalf("invite batch: %v", err)
	}
	if len(res) != len(rows) {
		e.t.Fatalf("%d results for %d rows", len(res), len(rows))
	}
	return res
}

func testInviteBatchOutcomes(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	e.addUser(o, "user@acme.example", []string{"user"}, "flow")
	res := e.batch(o.admin,
		row("Ann Lee", "ann@acme.example", "k1", "parallel-dialer"),
		row("Bob 2", "bob@acme.example", "k2", "flow"),                       // R1: bad name
		row("Cy Young", "USER@acme.example", "k3", "flow"),                   // R1: a user's email
		row("Di Park", "di@acme.example", "k4", "parallel-dialer"),           // pool: 2 of 3
		row("Ed Moss", "ann@ACME.example", "k5", "flow"),                     // R1: pending invite made by row 0
		row("Flo Rida", "flo@acme.example", "k6", "parallel-dialer"),         // the last one: notice
		row("Gus Grey", "gus@acme.example", "k7", "parallel-dialer", "flow"), // R4: exhausted, flow not taken either
		row("Hal Ray", "hal@acme.example", "", "crm"),                        // R1: unknown product
	)
	want := []string{"", "invalid_field", "email_taken", "", "email_taken", "", "license_exhausted", "invalid_field"}
	for i, r := range res {
		if got := codeOrEmpty(r.Err); got != want[i] {
			t.Errorf("row %d: %q (%v), want %q", i, got, r.Err, want[i])
		}
	}
	if n := res[5].Outcome.Notices; len(n) != 1 || !strings.Contains(n[0], "last parallel-dialer license: 3 of 3") {
		t.Errorf("row 5 notices %v", n)
	}
	if ex := as[*workspace.LicenseExhaustedError](t, res[6].Err); ex.Product != "parallel-dialer" || ex.Used != 3 || ex.Total != 3 {
		t.Errorf("row 6: %+v", ex)
	}
	if p := e.pool(o, "parallel-dialer"); p.Reserved != 3 {
		t.Errorf("parallel-dialer %+v, want 3 reserved", p)
	}
	if p := e.pool(o, "flow"); p.Reserved != 0 || p.Assigned != 1 {
		t.Errorf("flow %+v: a refused row reserved a license", p)
	}

	// Signup mode on refuses every new row (R2), not the replays.
	if err := e.svc.SetSignupMode(e.ctx, o.admin, true); err != nil {
		t.Fatal(err)
	}
	res = e.batch(o.admin, row("Ann Lee", "ann@acme.example", "k1", "parallel-dialer"), row("Ivy Moe", "ivy@acme.example", "k8", "flow"))
	if res[0].Err != nil || !res[0].Outcome.Replayed || codeOrEmpty(res[1].Err) != "signup_mode_on" {
		t.Errorf("with signup mode on: %+v / %v", res[0], res[1].Err)
	}
}

func codeOrEmpty(err error) string {
	if err == nil {
		return ""
	}
	return workspace.CodeOf(err)
}

func testInviteBatchConcurrent(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	const batches, perBatch = 6, 5
	var wg sync.WaitGroup
	results := make([][]workspace.BatchResult, batches)
	errs := make([]error, batches)
	for b := range batches {
		wg.Go(func() {
			var rows []workspace.InviteInput
			for i := range perBatch {
				rows = append(rows, row("Racer", fmt.Sprintf("r%d-%d@acme.example", b, i), fmt.Sprintf("k%d-%d", b, i), "parallel-dialer"))
			}
			results[b], _, errs[b] = e.svc.InviteBatch(e.ctx, o.admin, rows, workspace.Apply)
		})
	}
	wg.Wait()
	won := 0
	for b := range batches {
		if errs[b] != nil {
			t.Fatalf("batch %d: %v", b, errs[b])
		}
		for i, r := range results[b] {
			switch code := codeOrEmpty(r.Err); code {
			case "":
				won++
			case "license_exhausted":
			default:
				t.Errorf("batch %d row %d: %v", b, i, r.Err)
			}
		}
	}
	if won != 3 {
		t.Errorf("%d rows of %d concurrent batches won a pool of 3, want exactly 3", won, batches*perBatch)
	}
	if p := e.pool(o, "parallel-dialer"); p.Reserved != 3 || p.Used() > p.Total {
		t.Errorf("pool after the race = %+v", p)
	}
}

func testInviteBatchIdempotent(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	rows := []workspace.InviteInput{row("Ann Lee", "ann@acme.example", "k1", "flow"), row("Bob Stone", "bob@acme.example", "k2", "flow")}
	first := e.batch(o.admin, rows...)
	again := e.batch(o.admin, append(rows, row("Ann Lee", "ann@acme.example", "k1", "flow"))...)
	for i, r := range again {
		if r.Err != nil || !r.Outcome.Replayed || r.Outcome.Invite.ID != first[i%2].Outcome.Invite.ID {
			t.Errorf("replayed row %d: %+v %v", i, r.Outcome, r.Err)
		}
	}
	// A key seen twice in one batch: the second is the replay of the first.
	res := e.batch(o.admin, row("Cy Young", "cy@acme.example", "k3", "flow"), row("Cy Young", "cy@acme.example", "k3", "flow"))
	if res[0].Outcome.Replayed || !res[1].Outcome.Replayed || res[1].Outcome.Invite.ID != res[0].Outcome.Invite.ID {
		t.Errorf("same key twice: %+v / %+v", res[0], res[1])
	}
	// The same key with another invite is refused, the row alone.
	res = e.batch(o.admin, row("Ann Lee", "ann@acme.example", "k1", "agent-dialer"))
	if codeOrEmpty(res[0].Err) != "idempotency_key_reused" {
		t.Errorf("key reused: %v", res[0].Err)
	}
	if p := e.pool(o, "flow"); p.Reserved != 3 {
		t.Errorf("flow %+v, want 3 reserved (ann, bob, cy once each)", p)
	}
}

func testInviteBatchAuditAndOutbox(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	before := len(e.auditActions(o))
	res := e.batch(o.admin, row("Ann Lee", "ann@acme.example", "k1", "flow"), row("Bob 9", "bob@acme.example", "k2", "flow"),
		row("Cy Young", "cy@acme.example", "k3", "flow"))
	e.batch(o.admin, row("Ann Lee", "ann@acme.example", "k1", "flow")) // a replay writes nothing
	actions := e.auditActions(o)[before:]
	if strings.Join(actions, ",") != "invite.created,invite.created" {
		t.Errorf("audit actions %v, want one invite.created per invite", actions)
	}
	msgs, err := e.svc.Outbox(e.ctx, workspace.Operator(o.ID))
	wantNoErr(t, err, "outbox")
	to := map[string]int{}
	for _, m := range msgs {
		to[m.To]++
	}
	if to["ann@acme.example"] != 1 || to["cy@acme.example"] != 1 || to["bob@acme.example"] != 0 {
		t.Errorf("outbox %v, want one email per invite", to)
	}
	// The link of a batch invite works like any other (R6).
	u, err := e.svc.AcceptInvite(e.ctx, workspace.AcceptInput{Token: linkToken(t, e, o, "cy@acme.example"), Email: "cy@acme.example"})
	if err != nil || !u.Active || res[2].Outcome.Invite.Email != u.Email {
		t.Errorf("accept: %+v %v", u, err)
	}
}

// A batch of the most rows a call takes: the pool fills in the rows' order
// (R4), and every invite, and only those, gets its email (R6) and its audit
// event (R14), written many rows per statement.
func testInviteBatchFull(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	const room = workspace.MaxInviteBatch - 20
	if _, err := e.svc.SetLicenseTotal(e.ctx, workspace.Operator(o.ID), "flow", room); err != nil {
		t.Fatal(err)
	}
	var rows []workspace.InviteInput
	for i := range workspace.MaxInviteBatch {
		rows = append(rows, row("Many People", fmt.Sprintf("p%03d@acme.example", i), fmt.Sprintf("key-%d", i), "flow"))
	}
	res := e.batch(o.admin, rows...)
	invited, exhausted := 0, 0
	for i, r := range res {
		switch codeOrEmpty(r.Err) {
		case "":
			invited++
			if r.Outcome.Invite.Email != rows[i].Email || len(r.Outcome.Invite.Licenses) != 1 {
				t.Errorf("row %d: %+v", i, r.Outcome.Invite)
			}
		case "license_exhausted":
			exhausted++
			if i < room {
				t.Errorf("row %d refused before the pool was full", i)
			}
		default:
			t.Errorf("row %d: %v", i, r.Err)
		}
	}
	if invited != room || exhausted != 20 {
		t.Errorf("%d invited, %d exhausted; want %d and 20", invited, exhausted, room)
	}
	if p := e.pool(o, "flow"); p.Reserved != room {
		t.Errorf("flow %+v", p)
	}
	msgs, err := e.svc.Outbox(e.ctx, workspace.Operator(o.ID))
	wantNoErr(t, err, "outbox")
	to := map[string]int{}
	for _, m := range msgs {
		to[m.To]++
	}
	for i, r := range rows {
		if want := map[bool]int{true: 1, false: 0}[i < room]; to[r.Email] != want {
			t.Errorf("row %d: %d emails to %s, want %d", i, to[r.Email], r.Email, want)
		}
	}
	created := 0
	for _, a := range e.auditActions(o) {
		if a == "invite.created" {
			created++
		}
	}
	if created != room {
		t.Errorf("%d invite.created events, want %d", created, room)
	}
}

func testInviteBatchReplacesExpired(t *testing.T, e *env) {
	o := e.invitingOrg("acme")
	e.mustInvite(o.admin, "ann@acme.example", "flow")
	e.now = e.now.Add(workspace.InviteTTL + time.Hour)
	res := e.batch(o.admin, row("Ann Lee", "ann@acme.example", "k1", "flow"))
	if res[0].Err != nil {
		t.Fatalf("re-invite after expiry: %v", res[0].Err)
	}
	actions := e.auditActions(o)
	if got := strings.Join(actions[len(actions)-2:], ","); got != "invite.expired,invite.created" {
		t.Errorf("audit %v", actions)
	}
}
