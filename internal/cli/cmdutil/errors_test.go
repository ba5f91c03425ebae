package cmdutil

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/client"
)

func apiErr(status int, code, detail string) *client.APIError {
	return &client.APIError{Status: status, Problem: schema.Problem{Status: status, Code: code, Detail: detail}, URL: "http://ws.example:8080/api/v1/users", Method: "GET"}
}

func TestExitCode(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, 0},
		{"plain", errors.New("boom"), 1},
		{"flag error", FlagErrorf("bad"), 2},
		{"wrapped flag error", fmt.Errorf("x: %w", FlagErrorf("bad")), 2},
		{"cobra unknown command", errors.New(`unknown command "x" for "wsctl"`), 2},
		{"cobra unknown flag", errors.New("unknown flag: --nope"), 2},
		{"partial", &PartialError{}, 3},
		{"auth", AuthErrorf("no token"), 4},
		{"api 401", apiErr(401, schema.CodeUnauthenticated, "bad token"), 4},
		{"api 403 wrapped", fmt.Errorf("deactivate: %w", apiErr(403, schema.CodeForbidden, "admins only")), 4},
		{"api 409", apiErr(409, schema.CodeLicenseExhausted, "none left"), 1},
		{"api 500", apiErr(500, schema.CodeInternal, "oops"), 1},
		{"cancel", CancelError, 1},
		{"silent", SilentError, 1},
		{"transport", &client.TransportError{BaseURL: "http://x", Err: errors.New("refused")}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ExitCode(tt.err); got != tt.want {
				t.Errorf("ExitCode(%v) = %d, want %d", tt.err, got, tt.want)
			}
		})
	}
}

func TestErrorMessage_SaysWhatToDoNext(t *testing.T) {
	withScope := apiErr(403, schema.CodeForbidden, "this token may not change users")
	withScope.Scope = client.ScopeUsersWrite
	exhausted := apiErr(409, schema.CodeLicenseExhausted, "no parallel-dialer license left: 3 of 3 in use")
	exhausted.Problem.Product = "parallel-dialer"
	limited := apiErr(429, schema.CodeRateLimited, "too many requests")
	limited.RetryAfter = 5 * time.Second
	server := apiErr(500, schema.CodeInternal, "database unreachable")
	server.Problem.RequestID = "req-42"
	tests := []struct {
		name string
		err  error
		want []string
	}{
		{"401", apiErr(401, schema.CodeUnauthenticated, "token expired"), []string{"not signed in to http://ws.example:8080", "token expired", "WSCTL_TOKEN", "wsctl auth login"}},
		{"403 with scope", withScope, []string{"forbidden", "this token may not change users", "users:write", "wsctl tokens create"}},
		{"license exhausted R4", fmt.Errorf("invite ann@x.io: %w", exhausted), []string{"invite ann@x.io: no parallel-dialer license left: 3 of 3 in use", "--remove-license parallel-dialer", "wsctl invites revoke"}},
		{"signup mode on R2", apiErr(409, schema.CodeSignupModeOn, "invites are refused while signup mode is on"), []string{"wsctl signup-mode off"}},
		{"rate limited", limited, []string{"try again in 5s"}},
		{"server error", server, []string{"database unreachable", "req-42"}},
		{"cancel", CancelError, []string{"cancelled"}},
		{"flag", FlagErrorf("--email is required"), []string{"--email is required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := ErrorMessage(tt.err)
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q lacks %q", msg, w)
				}
			}
		})
	}
	if ErrorMessage(SilentError) != "" || ErrorMessage(&PartialError{}) != "" {
		t.Error("silent and partial errors print nothing more")
	}
	// The server's own next step is not repeated.
	for _, e := range []*client.APIError{
		apiErr(409, schema.CodeSignupModeOn, "turn it off with 'wsctl signup-mode off'"),
		apiErr(409, schema.CodeLicenseExhausted, "no flow license left: 3 of 3 in use (free one with 'wsctl users edit USER --remove-license flow')"),
		apiErr(401, schema.CodeUnauthenticated, "token revoked; sign in again with 'wsctl auth login'"),
	} {
		if msg := ErrorMessage(e); strings.Count(msg, "'wsctl ") != 1 {
			t.Errorf("hint repeated: %q", msg)
		}
	}
	scoped := apiErr(403, schema.CodeForbidden, "forbidden: this token lacks the users:read scope")
	scoped.Scope = client.ScopeUsersRead
	if msg := ErrorMessage(fmt.Errorf("list users: %w", scoped)); strings.Count(msg, "forbidden") != 1 || strings.Count(msg, "users:read") != 2 {
		t.Errorf("forbidden message %q", msg)
	}
}
