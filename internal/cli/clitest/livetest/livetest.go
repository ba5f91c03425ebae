// Package livetest runs workspaced's real API handler over loopback on a
// real SQLite file, for CLI tests of what the server decides.
package livetest

import (
	"context"
	"fmt"
	"maps"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wsctl/wsctl/internal/api"
	"github.com/wsctl/wsctl/internal/cli/clitest"
	"github.com/wsctl/wsctl/internal/client"
	"github.com/wsctl/wsctl/internal/store/sqlite"
	"github.com/wsctl/wsctl/internal/workspace"
)

// Admin is the email of the org's first admin, whose token Server.Client
// uses.
const Admin = "ada@acme.example"

// Server is the real API of an org "acme" (admin Admin) with signup mode off.
type Server struct {
	URL   string
	Token string // the first admin's API token
	Svc   *workspace.Service
	OrgID string
}

// New starts a Server, stopped at test cleanup, with total licenses of
// each product: 1000 each unless totals say otherwise.
func New(t testing.TB, totals ...map[string]int) *Server {
	t.Helper()
	return NewAt(t, time.Now, totals...)
}

// NewAt is New with the server's clock: what it decides by time (idle
// users, stale invites, expiry) follows now, which the test moves.
func NewAt(t testing.TB, now func() time.Time, totals ...map[string]int) *Server {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "workspace.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	svc := workspace.NewService(store, workspace.WithClock(now))
	org, err := svc.CreateOrg(ctx, workspace.OrgInput{Slug: "acme", Name: "Acme", AdminName: "Ada Admin", AdminEmail: Admin})
	if err != nil {
		t.Fatal(err)
	}
	op := workspace.Operator(org.Org.ID)
	if err := svc.SetSignupMode(ctx, op, false); err != nil {
		t.Fatal(err)
	}
	total := map[string]int{"parallel-dialer": 1000, "agent-dialer": 1000, "flow": 1000}
	for _, m := range totals {
		maps.Copy(total, m)
	}
	for p, n := range total {
		if _, err := svc.SetLicenseTotal(ctx, op, p, n); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(api.New(svc, api.Options{}))
	t.Cleanup(srv.Close)
	return &Server{URL: srv.URL, Token: org.Secret, Svc: svc, OrgID: org.Org.ID}
}

// TokenClient is a Factory.Client whose token is a new one of the user
// with the given scopes, issued by the operator.
func (s *Server) TokenClient(t testing.TB, email string, scopes ...string) func() (*client.Client, error) {
	t.Helper()
	_, secret, err := s.Svc.IssueToken(context.Background(), s.Operator(), email, "test", scopes)
	if err != nil {
		t.Fatalf("issue a token for %s: %v", email, err)
	}
	return func() (*client.Client, error) { return client.New(s.URL, secret, nil), nil }
}

// Client is the first admin's client, as the factory would make it: a
// Factory.Client.
func (s *Server) Client() (*client.Client, error) { return client.New(s.URL, s.Token, nil), nil }

// Env is a test Factory whose commands talk to s as its first admin.
func (s *Server) Env(t testing.TB) *clitest.Env {
	t.Helper()
	env := clitest.NewEnv(t)
	env.F.Client = s.Client
	return env
}

// Operator is the principal of workspaced's operator commands in the org.
func (s *Server) Operator() workspace.Principal { return workspace.Operator(s.OrgID) }

// AddUser adds an active user directly, as 'workspaced user add' does.
func (s *Server) AddUser(t testing.TB, name, email string, roles []string, licenses ...string) workspace.User {
	t.Helper()
	out, err := s.Svc.AddUser(context.Background(), s.Operator(), workspace.InviteInput{Name: name, Email: email, Roles: roles, Licenses: licenses})
	if err != nil {
		t.Fatalf("add %s: %v", email, err)
	}
	return out.Value
}

// User reads a user as the store has it.
func (s *Server) User(t testing.TB, email string) workspace.User {
	t.Helper()
	u, err := s.Svc.GetUser(context.Background(), s.Operator(), email)
	if err != nil {
		t.Fatalf("read %s: %v", email, err)
	}
	return u
}

// EnrollMFA marks a user's MFA as set up, as a finished enrollment leaves it.
func (s *Server) EnrollMFA(t testing.TB, email string) {
	t.Helper()
	ctx := context.Background()
	err := s.Svc.Store().Update(ctx, func(tx workspace.Tx) error {
		u, err := tx.UserByEmail(ctx, s.OrgID, email)
		if err != nil {
			return err
		}
		u.MFAEnrolled, u.Version = true, u.Version+1
		return tx.UpdateUser(ctx, u)
	})
	if err != nil {
		t.Fatalf("enroll the MFA of %s: %v", email, err)
	}
}

// Pools are the org's license pools now.
func (s *Server) Pools(t testing.TB) map[string]workspace.LicensePool {
	t.Helper()
	pools, err := s.Svc.Pools(context.Background(), s.Operator())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]workspace.LicensePool{}
	for _, p := range pools {
		out[p.Product] = p
	}
	return out
}

// DeactivateUser deactivates a user directly, as an earlier change would
// have.
func (s *Server) DeactivateUser(t testing.TB, email string) {
	t.Helper()
	if _, err := s.Svc.Deactivate(context.Background(), s.Operator(), email); err != nil {
		t.Fatalf("deactivate %s: %v", email, err)
	}
}

// State describes what a change can touch: every user (active or not,
// with their version, which grows with every change), the license pools and
// the number of audit events. A dry run leaves it as it was.
func (s *Server) State(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	after := ""
	for {
		users, next, err := s.Svc.ListUsers(ctx, s.Operator(), workspace.UserFilter{Status: workspace.UsersAll, After: after, Limit: workspace.MaxPageSize})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range users {
			fmt.Fprintf(&b, "%s %q active=%v roles=%v licenses=%v recording=%v mfa=%v version=%d\n",
				u.Email, u.Name, u.Active, u.Roles, u.Licenses, u.CallRecording, u.MFAEnrolled, u.Version)
		}
		if next == "" {
			break
		}
		after = next
	}
	pools := s.Pools(t)
	for _, p := range slices.Sorted(maps.Keys(pools)) {
		fmt.Fprintf(&b, "pool %s: %d of %d used\n", p, pools[p].Used(), pools[p].Total)
	}
	events, before := 0, ""
	for {
		page, next, err := s.Svc.ListAudit(ctx, s.Operator(), workspace.AuditFilter{Before: before, Limit: workspace.MaxPageSize})
		if err != nil {
			t.Fatal(err)
		}
		events += len(page)
		if next == "" {
			break
		}
		before = next
	}
	fmt.Fprintf(&b, "%d audit events\n", events)
	return b.String()
}

// WriteFile writes content to a file name in a new temporary directory and
// returns its path.
func WriteFile(t testing.TB, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// InvitesPerEmail counts the org's invites (any status) and emails queued, per email.
func (s *Server) InvitesPerEmail(t testing.TB) (invites, emails map[string]int) {
	t.Helper()
	ctx := context.Background()
	invites, emails = map[string]int{}, map[string]int{}
	after := ""
	for {
		page, next, err := s.Svc.ListInvites(ctx, s.Operator(), workspace.InviteFilter{After: after, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		for _, inv := range page {
			invites[inv.Email]++
		}
		if next == "" {
			break
		}
		after = next
	}
	msgs, err := s.Svc.Outbox(ctx, s.Operator())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		emails[m.To]++
	}
	return invites, emails
}
