package e2e

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/client"
	"github.com/wsctl/wsctl/internal/testutil/pgtest"
)

// TestTwoServersOneDatabase_RulesHold_R4_R8_R14 runs concurrent invites,
// edits, deactivations, activations and revocations through two workspaced
// processes on one PostgreSQL database, then checks the invariants: no pool
// exceeded, reserved counts equal the pending invites, no edit lost, and one
// audit event per change.
func TestTwoServersOneDatabase_RulesHold_R4_R8_R14(t *testing.T) {
	db := pgtest.NewDatabase(t)
	a := startServerOn(t, db, "--rate-limit", "0")
	b := startServerOn(t, db, "--rate-limit", "0")
	a.invitingOrg("acme")
	for _, p := range []string{"parallel-dialer", "agent-dialer", "flow"} {
		must(t, a.operator("org", "set-licenses", "--org", "acme", "--product", p, "--total", "12"), 0, "set-licenses")
	}
	for i := range 8 {
		must(t, a.operator("user", "add", "--org", "acme", "--name", "Seed User", "--email", fmt.Sprintf("seed%d@acme.example", i), "--role", "user", "--license", "flow"), 0, "seed user")
	}
	ctx := context.Background()
	clients := []*client.Client{client.New(a.url, a.adminTok, http.DefaultClient), client.New(b.url, a.adminTok, http.DefaultClient)}
	products := []string{"parallel-dialer", "agent-dialer", "flow"}

	var done struct {
		invites, revokes, edits, deactivations, activations atomic.Int64
	}
	var wg sync.WaitGroup
	const workers = 16
	for w := range workers {
		c := clients[w%2]
		rng := rand.New(rand.NewPCG(uint64(w), 7))
		wg.Go(func() {
			for i := range 12 {
				switch rng.IntN(5) {
				case 0, 1:
					email := fmt.Sprintf("w%d-%d@acme.example", w, i)
					_, _, err := c.Invite(ctx, schema.InviteRequest{Name: "Racer", Email: email, Roles: []string{"user"}, Licenses: []string{products[rng.IntN(3)]}}, "")
					if okOr(t, err, schema.CodeLicenseExhausted) {
						done.invites.Add(1)
						if rng.IntN(3) == 0 {
							_, err := clients[(w+1)%2].RevokeInvite(ctx, email)
							if okOr(t, err) {
								done.revokes.Add(1)
							}
						}
					}
				case 2:
					ref := fmt.Sprintf("seed%d@acme.example", rng.IntN(8))
					u, etag, err := c.GetUser(ctx, ref)
					if !okOr(t, err) || !u.Active {
						continue
					}
					on := !u.CallRecording
					_, _, err = c.EditUser(ctx, ref, etag, schema.UserEdit{CallRecording: &on})
					if okOr(t, err, schema.CodeEditConflict) {
						done.edits.Add(1)
					}
				case 3:
					_, err := c.Deactivate(ctx, fmt.Sprintf("seed%d@acme.example", rng.IntN(8)))
					if okOr(t, err) {
						done.deactivations.Add(1) // counts no-ops too; checked below
					}
				case 4:
					_, err := c.Activate(ctx, fmt.Sprintf("seed%d@acme.example", rng.IntN(8)), []string{products[rng.IntN(3)]})
					if okOr(t, err, schema.CodeAlreadyActive, schema.CodeLicenseExhausted) {
						done.activations.Add(1)
					}
				}
			}
		})
	}
	wg.Wait()

	pools, err := clients[0].Licenses(ctx)
	if err != nil {
		t.Fatal(err)
	}
	reserved := map[string]int{}
	for page, err := range clients[1].InvitePages(ctx, client.ListInvitesParams{Status: "pending"}) {
		if err != nil {
			t.Fatal(err)
		}
		for _, inv := range page {
			for _, l := range inv.Licenses {
				reserved[l]++
			}
		}
	}
	assigned := map[string]int{}
	for page, err := range clients[0].UserPages(ctx, client.ListUsersParams{Status: "all"}) {
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range page {
			for _, l := range u.Licenses {
				assigned[l]++
			}
		}
	}
	for _, p := range pools {
		if p.Assigned+p.Reserved > p.Total {
			t.Errorf("R4: pool %s exceeded: %+v", p.Product, p)
		}
		if p.Reserved != reserved[p.Product] || p.Assigned != assigned[p.Product] {
			t.Errorf("pool %s = %+v, but pending invites reserve %d and users hold %d", p.Product, p, reserved[p.Product], assigned[p.Product])
		}
	}
	counts := map[string]int{}
	for page, err := range clients[1].AuditPages(ctx, client.AuditParams{}) {
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page {
			counts[e.Action]++
		}
	}
	if got, want := counts["invite.created"], int(done.invites.Load()); got != want {
		t.Errorf("R14: %d invite.created events for %d invites", got, want)
	}
	if got, want := counts["invite.revoked"], int(done.revokes.Load()); got != want {
		t.Errorf("R14: %d invite.revoked events for %d revocations", got, want)
	}
	if got, want := counts["user.edited"], int(done.edits.Load()); got != want {
		t.Errorf("R8/R14: %d user.edited events for %d successful edits (a lost update?)", got, want)
	}
	if got, want := counts["user.activated"], int(done.activations.Load()); got > want {
		t.Errorf("R14: %d user.activated events for at most %d activations", got, want)
	}
	if counts["user.deactivated"] > int(done.deactivations.Load()) {
		t.Errorf("R14: %d user.deactivated events for %d calls", counts["user.deactivated"], done.deactivations.Load())
	}
	t.Logf("two servers: %d invites, %d revocations, %d edits, %d deactivation calls (%d changed), %d activations; pools %+v",
		done.invites.Load(), done.revokes.Load(), done.edits.Load(), done.deactivations.Load(), counts["user.deactivated"], counts["user.activated"], pools)
}

// okOr reports whether err is nil; an API error with one of the allowed
// codes is an expected refusal (false); anything else fails the test.
func okOr(t *testing.T, err error, allowed ...string) bool {
	t.Helper()
	if err == nil {
		return true
	}
	var apiErr *client.APIError
	if errors.As(err, &apiErr) {
		for _, code := range allowed {
			if apiErr.Code() == code {
				return false
			}
		}
	}
	t.Errorf("unexpected error: %v", err)
	return false
}
