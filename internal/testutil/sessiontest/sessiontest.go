// Package sessiontest gives tests a browser session as the sign-in pages
// leave it before consent: the user signed in with password and TOTP.
package sessiontest

import (
	"context"
	"fmt"
	"testing"

	"github.com/wsctl/wsctl/internal/workspace"
)

// SignedIn starts a browser session for the user of orgID and userID and
// binds it, MFA passed; a failure ends the test.
func SignedIn(t testing.TB, svc *workspace.Service, orgID, userID string) workspace.BrowserSession {
	t.Helper()
	sess, err := Start(svc, orgID, userID)
	if err != nil {
		t.Fatal(err)
	}
	return sess
}

// Start is SignedIn for code off the test's goroutine (a fake browser):
// it returns the error instead of ending the test.
func Start(svc *workspace.Service, orgID, userID string) (workspace.BrowserSession, error) {
	ctx := context.Background()
	acc := workspace.NewAccounts(svc)
	u, err := acc.User(ctx, orgID, userID)
	if err != nil {
		return workspace.BrowserSession{}, fmt.Errorf("user %s: %w", userID, err)
	}
	secret, _, err := acc.StartBrowserSession(ctx)
	if err != nil {
		return workspace.BrowserSession{}, err
	}
	_, sess, err := acc.BindBrowserSession(ctx, secret, u, []string{"pwd", "otp"}, true)
	if err != nil {
		return workspace.BrowserSession{}, fmt.Errorf("sign %s in: %w", u.Email, err)
	}
	return sess, nil
}
