package scim_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wsctl/wsctl/internal/workspace"
)

// TestRandomMix_SCIMAndWsctl_PoolsExactAndAudited_R4_R14 runs a random mix
// of SCIM changes and wsctl's (invites, edits, deactivations,
// activations) at once, then checks that every pool's assigned and
// reserved counts are what users and pending invites hold, never over its
// total, and that every change left an audit event. WSCTL_MIX_SEED
// replays a run; the seed is printed.
func TestRandomMix_SCIMAndWsctl_PoolsExactAndAudited_R4_R14(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("WSCTL_MIX_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (rerun with WSCTL_MIX_SEED=%d)", seed, seed)
	onEachStore(t, func(t *testing.T, e *env) {
		o := e.newOrg("acme")
		if err := e.svc.SetSignupMode(e.ctx, o.admin, false); err != nil {
			t.Fatal(err)
		}
		m := &mix{e: e, o: o}
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := rand.New(rand.NewPCG(seed, uint64(w)))
				for range 25 {
					m.step(t, r)
				}
			}()
		}
		wg.Wait()
		m.check(t)
	})
}

var (
	mixEmails   = []string{"a@acme.example", "b@acme.example", "c@acme.example", "d@acme.example", "e@acme.example", "f@acme.example"}
	mixProducts = []string{"parallel-dialer", "agent-dialer", "flow"}
)

// mix is the shared state of one run: how many changes succeeded.
type mix struct {
	e     *env
	o     org
	steps atomic.Int64
}

func (m *mix) done() { m.steps.Add(1) }

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func someProducts(r *rand.Rand) []string {
	var out []string
	for _, p := range mixProducts {
		if r.IntN(2) == 0 {
			out = append(out, p)
		}
	}
	return out
}

// scimID finds the SCIM id of email, "" when SCIM does not see them.
func (m *mix) scimID(email string) string {
	users, _, err := m.e.svc.ProvisionedUsers(m.e.ctx, m.e.scimPrincipal(m.o), workspace.ProvisionFilter{Conditions: []workspace.ProvisionCondition{{Attr: workspace.ByEmail, Op: workspace.MatchEqual, Value: email}}, Limit: 1})
	if err != nil || len(users) == 0 {
		return ""
	}
	return users[0].ID
}

// step makes one random change; a refusal by a rule is fine, a server
// error is not.
func (m *mix) step(t *testing.T, r *rand.Rand) {
	e, o := m.e, m.o
	email := pick(r, mixEmails)
	licenses := someProducts(r)
	switch r.IntN(9) {
	case 0: // SCIM POST
		m.scim(t, email, "POST", "/scim/v2/Users", person(email, licenses...))
	case 1, 2: // SCIM PATCH: deactivate, or activate / add licenses
		id := m.scimID(email)
		if id == "" {
			return
		}
		body := deactivate()
		if r.IntN(2) == 0 {
			body = fmt.Sprintf(`{"Operations":[{"op":"replace","value":{"active":true,"urn:wsctl:params:scim:schemas:extension:workspace:2.0:User:licenses":%q}}]}`,
				strings.Join(licenses, ","))
		}
		m.scim(t, email, "PATCH", "/scim/v2/Users/"+id, body)
	case 3: // SCIM DELETE
		if id := m.scimID(email); id != "" {
			m.scim(t, email, "DELETE", "/scim/v2/Users/"+id, nil)
		}
	case 4: // wsctl users invite
		_, err := e.svc.Invite(e.ctx, o.admin, workspace.InviteInput{Name: "Mix Person", Email: email, Roles: []string{"user"}, Licenses: licenses})
		m.wsctl(t, email, err, "")
	case 5: // wsctl invites revoke
		_, err := e.svc.RevokeInvite(e.ctx, o.admin, email)
		m.wsctl(t, email, err, "")
	case 6: // wsctl users edit --add-license/--remove-license
		out, err := e.svc.EditUser(e.ctx, o.admin, email, workspace.UserEdit{AddLicenses: licenses, RemoveLicenses: []string{pick(r, mixProducts)}})
		m.wsctl(t, email, err, out.NoOp)
	case 7: // wsctl users deactivate
		out, err := e.svc.Deactivate(e.ctx, o.admin, email)
		m.wsctl(t, email, err, out.NoOp)
	case 8: // wsctl users activate --license
		out, err := e.svc.Activate(e.ctx, o.admin, email, licenses)
		m.wsctl(t, email, err, out.NoOp)
	}
}

func (m *mix) scim(t *testing.T, email, method, path string, body any) {
	a := m.e.do(method, path, m.o.scim, body)
	switch {
	case a.status >= 500:
		t.Errorf("%s %s: %d %s", method, path, a.status, a.body)
	case a.status < 300:
		m.done()
	}
}

func (m *mix) wsctl(t *testing.T, email string, err error, noop string) {
	switch {
	case err != nil && workspace.CodeOf(err) == "internal":
		t.Errorf("%s: %v", email, err)
	case err == nil && noop == "":
		m.done()
	}
}

// check compares every pool with what users and pending invites hold
// (R4), and the changes with the audit events (R14).
func (m *mix) check(t *testing.T) {
	e, o := m.e, m.o
	users, _, err := e.svc.ListUsers(e.ctx, o.admin, workspace.UserFilter{Status: workspace.UsersAll, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	invites, _, err := e.svc.ListInvites(e.ctx, o.admin, workspace.InviteFilter{Status: workspace.InvitePending, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	pools, err := e.svc.Pools(e.ctx, o.admin)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pools {
		assigned, reserved := 0, 0
		for _, u := range users {
			if slices.Contains(u.Licenses, p.Product) {
				assigned++
				if !u.Active {
					t.Errorf("inactive %s holds %s (R9)", u.Email, p.Product)
				}
			}
		}
		for _, inv := range invites {
			if slices.Contains(inv.Licenses, p.Product) {
				reserved++
			}
		}
		if p.Assigned != assigned || p.Reserved != reserved || p.Used() > p.Total {
			t.Errorf("pool %s: %d assigned, %d reserved of %d; users hold %d, invites %d (R4)", p.Product, p.Assigned, p.Reserved, p.Total, assigned, reserved)
		}
	}
	// Every write of a user is one version and one user.* event, its
	// creation included; every invite is one invite.created event, and
	// each revoked one an invite.revoked event.
	events, _, err := e.svc.ListAudit(e.ctx, o.admin, workspace.AuditFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	logged := map[string]int{}
	for _, ev := range events {
		logged[ev.Target+" "+strings.SplitN(ev.Action, ".", 2)[0]]++
		if ev.Action == "invite.revoked" {
			logged[ev.Target+" revoked"]++
		}
	}
	for _, u := range users {
		if u.Email != o.adminEmail && logged[u.Email+" user"] != u.Version {
			t.Errorf("%s: version %d, %d user events (R14)", u.Email, u.Version, logged[u.Email+" user"])
		}
	}
	all, _, err := e.svc.ListInvites(e.ctx, o.admin, workspace.InviteFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	made, revoked := map[string]int{}, map[string]int{}
	for _, inv := range all {
		made[inv.Email]++
		if inv.Status == workspace.InviteRevoked {
			revoked[inv.Email]++
		}
	}
	for _, email := range mixEmails {
		if logged[email+" invite"]-logged[email+" revoked"] != made[email] || logged[email+" revoked"] != revoked[email] {
			t.Errorf("%s: %d invites (%d revoked), events %d invite.*, %d invite.revoked (R14)",
				email, made[email], revoked[email], logged[email+" invite"], logged[email+" revoked"])
		}
	}
	t.Logf("%d changes made, %d audit events, %d users, %d pending invites", m.steps.Load(), len(events), len(users), len(invites))
	if m.steps.Load() < 10 {
		t.Errorf("only %d changes succeeded: the mix tests little", m.steps.Load())
	}
}

// scimPrincipal is the principal of o's SCIM token, for reading as SCIM does.
func (e *env) scimPrincipal(o org) workspace.Principal {
	p, err := e.svc.Authenticate(e.ctx, o.scim)
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}
