// Package livetest runs workspaced's real API handler over loopback on a
// real SQLite file, for CLI tests of what the server decides.
package livetest

import (
	"context"
	"maps"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/wsctl/wsctl/internal/api"
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
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "workspace.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	svc := workspace.NewService(store)
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

// Client is the first admin's client, as the factory would make it: a
// Factory.Client.
func (s *Server) Client() (*client.Client, error) { return client.New(s.URL, s.Token, nil), nil }

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
