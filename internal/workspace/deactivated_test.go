package workspace_test

import (
	"errors"
	"testing"

	"github.com/wsctl/wsctl/internal/workspace"
)

// A sign-in or a token that was checked before a deactivation and is
// written after it is refused: each write reads the user again in its own
// transaction (R9). e2e/deactivation_race_test.go races them for real.
func TestDeactivatedUser_GetsNoSessionOrTokenFromAnEarlierCheck_R9(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *accountsEnv) {
		bea, err := e.svc.AddUser(e.ctx, workspace.Operator(e.org.ID), workspace.InviteInput{Name: "Bea", Email: "bea@acme.example",
			Roles: []string{"admin"}, Licenses: []string{"flow"}})
		if err != nil {
			t.Fatal(err)
		}
		_, secret, err := e.svc.IssueToken(e.ctx, workspace.Operator(e.org.ID), "bea@acme.example", "ci", []string{"users:write", "users:read"})
		if err != nil {
			t.Fatal(err)
		}
		// Bea's token is checked and her sign-in page has read her: both
		// while she is active.
		bearer, err := e.svc.Authenticate(e.ctx, secret)
		if err != nil {
			t.Fatal(err)
		}
		session, _, err := e.acc.StartBrowserSession(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		admin := workspace.Principal{OrgID: e.org.ID, UserID: e.admin.ID, Email: e.admin.Email, Roles: []workspace.Role{workspace.RoleAdmin}, Scopes: workspace.AllScopes}
		if _, err := e.svc.Deactivate(e.ctx, admin, "bea@acme.example"); err != nil {
			t.Fatal(err)
		}

		if _, _, err := e.acc.BindBrowserSession(e.ctx, session, bea.Value, []string{"pwd"}, true); !errors.Is(err, workspace.ErrUserDeactivated) {
			t.Errorf("a session bound after the deactivation: %v, want ErrUserDeactivated", err)
		}
		if _, err := e.svc.CreateToken(e.ctx, bearer, workspace.TokenInput{Name: "mine", Scopes: []string{"users:read"}}, ""); !errors.Is(err, workspace.ErrUnauthenticated) {
			t.Errorf("a token created after the deactivation: %v, want ErrUnauthenticated", err)
		}
		if _, _, err := e.svc.IssueToken(e.ctx, workspace.Operator(e.org.ID), "bea@acme.example", "again", []string{"users:read"}); workspace.CodeOf(err) != "invalid_field" {
			t.Errorf("the operator issued a token to a deactivated user: %v, want a field error", err)
		}
	})
}
