// Package livetest starts workspaced's real API for the tests of wsctl's
// commands: the real handler over loopback, on a real SQLite file.
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

// Server is workspaced's real API handler over loopback on SQLite: an
// org "acme" (admin ada@acme.example) with signup mode off.
type Server struct {
	URL, Token string
	Svc        *workspace.Service
	OrgID      string
}

// New starts one with total licenses of each product, 1000 each by
// default; it stops at the end of the test.
func New(t *testing.T, totals ...map[string]int) *Server {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "workspace.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	svc := workspace.NewService(store)
	org, err := svc.CreateOrg(ctx, workspace.OrgInput{Slug: "acme", Name: "Acme", AdminName: "Ada Admin", AdminEmail: "ada@acme.example"})
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

// Client is the org's first admin's client, as the factory would make it.
func (s *Server) Client() (*client.Client, error) { return client.New(s.URL, s.Token, nil), nil }

// InvitesPerEmail counts the org's invites (any status) and emails queued, per email.
func (s *Server) InvitesPerEmail(t *testing.T) (invites, emails map[string]int) {
	t.Helper()
	ctx := context.Background()
	invites, emails = map[string]int{}, map[string]int{}
	after := ""
	for {
		page, next, err := s.Svc.ListInvites(ctx, workspace.Operator(s.OrgID), workspace.InviteFilter{After: after, Limit: 500})
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
	msgs, err := s.Svc.Outbox(ctx, workspace.Operator(s.OrgID))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		emails[m.To]++
	}
	return invites, emails
}
