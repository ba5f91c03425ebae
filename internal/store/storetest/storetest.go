// Package storetest is the conformance suite every workspace.Store must pass:
// the rules R1–R14 driven through the domain Service over the store, and the
// store's own guarantees (transactions, concurrency, not-found errors).
package storetest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wsctl/wsctl/internal/workspace"
)

// Opener returns a fresh, empty, migrated store; it cleans up after itself.
type Opener func(t *testing.T) workspace.Store

// Run runs the whole suite against stores from open.
func Run(t *testing.T, open Opener) {
	for _, tc := range slices.Concat(inviteTests(), inviteBatchTests(), userTests(), planTests(), syncTests(), identityTests(), licenseAuditTests(), secretTests()) {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newEnv(t, open)) })
	}
}

type test struct {
	name string
	fn   func(t *testing.T, e *env)
}

// env is one test's world: a service over a fresh store and a clock the test moves.
type env struct {
	t     *testing.T
	ctx   context.Context
	store workspace.Store
	svc   *workspace.Service
	now   time.Time
}

func newEnv(t *testing.T, open Opener) *env {
	e := &env{t: t, ctx: context.Background(), store: open(t), now: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)}
	e.svc = workspace.NewService(e.store, workspace.WithClock(func() time.Time { return e.now }), workspace.WithBaseURL("https://ws.example.test"))
	// A store that counts licenses (R4) in counters checks them against
	// the rows once the test is over, whatever the test did.
	if c, ok := e.store.(interface{ CheckPoolCounters(context.Context) error }); ok {
		t.Cleanup(func() {
			if err := c.CheckPoolCounters(context.Background()); err != nil {
				t.Errorf("pool counters drifted from the rows (R4): %v", err)
			}
		})
	}
	return e
}

// org is an org with its first admin, signed in.
type org struct {
	workspace.Org
	admin  workspace.Principal
	secret string
}

// newOrg creates an org; invites stay refused until signupOff (R2).
func (e *env) newOrg(slug string) org {
	e.t.Helper()
	out, err := e.svc.CreateOrg(e.ctx, workspace.OrgInput{Slug: slug, Name: strings.ToUpper(slug) + " Inc", AdminName: "Ada Admin", AdminEmail: "ada@" + slug + ".example"})
	if err != nil {
		e.t.Fatalf("create org %s: %v", slug, err)
	}
	p, err := e.svc.Authenticate(e.ctx, out.Secret)
	if err != nil {
		e.t.Fatalf("authenticate first admin: %v", err)
	}
	return org{Org: out.Org, admin: p, secret: out.Secret}
}

// invitingOrg is an org with signup mode off, ready to invite.
func (e *env) invitingOrg(slug string) org {
	e.t.Helper()
	o := e.newOrg(slug)
	if err := e.svc.SetSignupMode(e.ctx, o.admin, false); err != nil {
		e.t.Fatalf("signup mode off: %v", err)
	}
	return o
}

func (e *env) invite(p workspace.Principal, name, email string, roles, licenses []string) (workspace.InviteOutcome, error) {
	return e.svc.Invite(e.ctx, p, workspace.InviteInput{Name: name, Email: email, Roles: roles, Licenses: licenses})
}

func (e *env) mustInvite(p workspace.Principal, email string, licenses ...string) workspace.InviteOutcome {
	e.t.Helper()
	out, err := e.invite(p, "Test Person", email, []string{"user"}, licenses)
	if err != nil {
		e.t.Fatalf("invite %s: %v", email, err)
	}
	return out
}

// addUser imports an active user through the operator (R1, R4).
func (e *env) addUser(o org, email string, roles []string, licenses ...string) workspace.User {
	e.t.Helper()
	out, err := e.svc.AddUser(e.ctx, workspace.Operator(o.ID), workspace.InviteInput{Name: "Test Person", Email: email, Roles: roles, Licenses: licenses})
	if err != nil {
		e.t.Fatalf("add user %s: %v", email, err)
	}
	return out.Value
}

// tokenFor signs in as an existing user with the given scopes.
func (e *env) tokenFor(o org, email string, scopes ...workspace.Scope) workspace.Principal {
	e.t.Helper()
	names := make([]string, len(scopes))
	for i, s := range scopes {
		names[i] = string(s)
	}
	_, secret, err := e.svc.IssueToken(e.ctx, workspace.Operator(o.ID), email, "test", names)
	if err != nil {
		e.t.Fatalf("issue token for %s: %v", email, err)
	}
	p, err := e.svc.Authenticate(e.ctx, secret)
	if err != nil {
		e.t.Fatalf("authenticate %s: %v", email, err)
	}
	return p
}

// pools are the org's license pools as they stand.
func (e *env) pools(o org) []workspace.LicensePool {
	e.t.Helper()
	pools, err := e.svc.Pools(e.ctx, o.admin)
	if err != nil {
		e.t.Fatalf("pools: %v", err)
	}
	return pools
}

func (e *env) pool(o org, product string) workspace.LicensePool {
	e.t.Helper()
	pools := e.pools(o)
	for _, p := range pools {
		if p.Product == product {
			return p
		}
	}
	e.t.Fatalf("no pool %s in %+v", product, pools)
	return workspace.LicensePool{}
}

func (e *env) auditActions(o org) []string {
	e.t.Helper()
	events, _, err := e.svc.ListAudit(e.ctx, o.admin, workspace.AuditFilter{Limit: 1000})
	if err != nil {
		e.t.Fatalf("audit: %v", err)
	}
	actions := make([]string, len(events))
	for i, ev := range events {
		actions[len(events)-1-i] = ev.Action // oldest first
	}
	return actions
}

// wantCode fails unless err carries the domain code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want error %s, got success", code)
	}
	if got := workspace.CodeOf(err); got != code {
		t.Fatalf("want error %s, got %s: %v", code, got, err)
	}
}

func wantNoErr(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func as[T error](t *testing.T, err error) T {
	t.Helper()
	var target T
	if !errors.As(err, &target) {
		t.Fatalf("want %T, got %v", target, err)
	}
	return target
}
