package e2e

import (
	"context"
	"database/sql"
	"errors"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/client"
	"github.com/wsctl/wsctl/internal/store"
	"github.com/wsctl/wsctl/internal/testutil/pgtest"
	"github.com/wsctl/wsctl/internal/workspace"
)

// raceRounds is how many times each race is run: before the fix, a session
// or a new token slipped past the deactivation in one round in ten or more,
// so 200 rounds all miss it with a chance below 10⁻⁹.
const raceRounds = 200

// A person signing in (a browser session bound to them, as the sign-in
// pages do, here by the test's own service on the database) while an admin
// deactivates them through a server: either the
// deactivation ends the new session or the sign-in is refused. Before the
// fix, the session was bound after the deactivation had ended the others,
// and came back to life with a reactivation (R9).
func TestSignInRacingDeactivation_LeavesNoLiveSession_R9(t *testing.T) {
	r := newRace(t)
	out, err := r.svc.AddUser(r.ctx, workspace.Operator(r.org.ID), workspace.InviteInput{Name: "Sam Racer", Email: "sam@acme.example",
		Roles: []string{"user"}, Licenses: []string{"flow"}})
	if err != nil {
		t.Fatal(err)
	}
	acc := workspace.NewAccounts(r.svc)
	rng := rand.New(rand.NewPCG(testSeed(t, "WSCTL_RACE_SEED"), 9))
	refused := r.raceDeactivation("sam@acme.example", func() (attempt func() bool) {
		// As the sign-in pages do: the person is read when their password
		// is checked, and the session bound to them a moment later.
		sam, err := acc.User(r.ctx, r.org.ID, out.Value.ID)
		if err != nil {
			t.Fatal(err)
		}
		session, _, err := acc.StartBrowserSession(r.ctx)
		if err != nil {
			t.Fatal(err)
		}
		return func() bool {
			time.Sleep(time.Duration(rng.IntN(600)) * time.Microsecond) // either may come first
			_, _, err := acc.BindBrowserSession(r.ctx, session, sam, []string{"pwd", "otp"}, true)
			if err != nil && !errors.Is(err, workspace.ErrUserDeactivated) {
				t.Error(err)
			}
			return err != nil
		}
	}, `SELECT COUNT(*) FROM browser_sessions s JOIN users u ON u.id = s.user_id WHERE u.active = 0 AND s.ended_at IS NULL`, "a live session")
	t.Logf("%d sign-ins raced a deactivation: %d refused, %d ended by it", raceRounds, refused, raceRounds-refused)
}

// An admin creating an API token for themself while another admin, on the
// other server, deactivates them: the token is refused or revoked with the
// others, never left live for a deactivated user (R9).
func TestTokenCreatedRacingDeactivation_IsNotLeftLive_R9(t *testing.T) {
	r := newRace(t)
	if _, err := r.svc.AddUser(r.ctx, workspace.Operator(r.org.ID), workspace.InviteInput{Name: "Bea Admin", Email: "bea@acme.example",
		Roles: []string{"admin"}, Licenses: []string{"flow"}}); err != nil {
		t.Fatal(err)
	}
	refused := r.raceDeactivation("bea@acme.example", func() (attempt func() bool) {
		_, secret, err := r.svc.IssueToken(r.ctx, workspace.Operator(r.org.ID), "bea@acme.example", "race", []string{"users:write", "users:read"})
		if err != nil {
			t.Fatal(err)
		}
		bea := client.New(r.other.url, secret, http.DefaultClient)
		return func() bool {
			_, err := bea.CreateToken(r.ctx, schema.TokenRequest{Name: "mine", Scopes: []string{"users:read"}}, "")
			var apiErr *client.APIError
			refused := errors.As(err, &apiErr) && apiErr.Status == http.StatusUnauthorized
			if err != nil && !refused {
				t.Error(err)
			}
			return refused
		}
	}, `SELECT COUNT(*) FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE u.active = 0 AND t.revoked_at IS NULL`, "a live API token")
	t.Logf("%d token creations raced a deactivation: %d refused, %d revoked by it", raceRounds, refused, raceRounds-refused)
}

// The operator cannot issue a token to a deactivated user: it would come
// to life when they are activated again (R9).
func TestIssueToken_RefusedForADeactivatedUser_R9(t *testing.T) {
	r := newRace(t)
	if _, err := r.svc.AddUser(r.ctx, workspace.Operator(r.org.ID), workspace.InviteInput{Name: "Sam Gone", Email: "sam@acme.example",
		Roles: []string{"user"}, Licenses: []string{"flow"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.admin.Deactivate(r.ctx, "sam@acme.example"); err != nil {
		t.Fatal(err)
	}
	res := must(t, r.main.operator("token", "issue", "--org", "acme", "--email", "sam@acme.example", "--scope", "users:read"), 1, "token issue for a deactivated user")
	if res.stdout != "" {
		t.Errorf("a token was printed: %q", res.stdout)
	}
	r.noLiveSignIn(`SELECT COUNT(*) FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE u.active = 0 AND t.revoked_at IS NULL`, "a live API token")
}

// race is two servers on one PostgreSQL database, an admin client of the
// first, and the test's own service on the database (the operator, and the
// sign-in pages).
type race struct {
	t           *testing.T
	ctx         context.Context
	main, other *server
	admin       *client.Client
	svc         *workspace.Service
	org         workspace.Org
	conn        *sql.DB
}

func newRace(t *testing.T) *race {
	db := pgtest.NewDatabase(t)
	r := &race{t: t, ctx: context.Background(), conn: openDB(t, db)}
	r.main = startServerOn(t, db, "--rate-limit", "0")
	r.other = startServerOn(t, db, "--rate-limit", "0")
	r.admin = client.New(r.main.url, r.main.invitingOrg("acme"), http.DefaultClient)
	st, err := store.Open(r.ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r.svc = workspace.NewService(st)
	if r.org, err = r.svc.OrgBySlug(r.ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	return r
}

// noLiveSignIn fails the test unless the count query finds nothing.
// raceDeactivation runs raceRounds rounds of: round's preparation, then its
// attempt on one side while an admin deactivates email on the other; then
// query must count nothing live (R9), and the user is activated again. It
// returns how many attempts were refused.
func (r *race) raceDeactivation(email string, round func() (attempt func() (refused bool)), query, what string) int {
	r.t.Helper()
	refused := 0
	for range raceRounds {
		attempt := round()
		var wg sync.WaitGroup
		wg.Go(func() {
			if _, err := r.admin.Deactivate(r.ctx, email); err != nil {
				r.t.Error(err)
			}
		})
		wg.Go(func() {
			if attempt() {
				refused++
			}
		})
		wg.Wait()
		r.noLiveSignIn(query, what)
		if _, err := r.admin.Activate(r.ctx, email, []string{"flow"}); err != nil {
			r.t.Fatal(err)
		}
	}
	return refused
}

func (r *race) noLiveSignIn(query, what string) {
	r.t.Helper()
	if n := queryInt(r.t, r.conn, query); n > 0 {
		r.t.Fatalf("R9: a deactivated user holds %s (%d)", what, n)
	}
}
