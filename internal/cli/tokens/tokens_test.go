package tokens

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/clitest"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
)

// Driven through the noun against a loopback stand-in server; the real
// workspaced is exercised by the end-to-end suite.
func TestTokens(t *testing.T) {
	created := schema.TokenCreated{Token: schema.Token{ID: "tok1", Name: "ci", Scopes: []string{"licenses:read"}, CreatedAt: time.Now()}, Secret: "wst_secret123"}
	tests := []struct {
		name     string
		argv     string
		tty      bool
		wantCode int
		wantOut  string
		wantErr  string
		exactOut bool
	}{
		{name: "create piped prints the secret alone", argv: "create --name ci --scope licenses:read", wantOut: "wst_secret123\n", exactOut: true, wantErr: "shown only this once"},
		{name: "create on a terminal", argv: "create --name ci --scope licenses:read", tty: true, wantOut: "wst_secret123\n", wantErr: "Created token ci"},
		{name: "create json", argv: "create --name ci --scope licenses:read -o json", wantOut: `"token": "wst_secret123"`},
		{name: "create bad scope", argv: "create --name ci --scope users:delete", wantCode: cmdutil.ExitUsage},
		{name: "create missing flags piped", argv: "create --name ci", wantCode: cmdutil.ExitUsage},
		{name: "list", argv: "list", wantOut: "tok1\tci\tlicenses:read\tann@example.com\t"},
		{name: "revoke", argv: "revoke tok1", wantErr: "Revoked token tok1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := clitest.NewEnv(t)
			env.IO.SetTTY(tt.tty)
			srv := clitest.NewServer(t)
			srv.JSON("POST", "/api/v1/tokens", 201, created)
			srv.JSON("GET", "/api/v1/tokens", 200, schema.Page[schema.Token]{Items: []schema.Token{{ID: "tok1", Name: "ci", Scopes: []string{"licenses:read"}, UserEmail: "ann@example.com", CreatedAt: time.Now()}}})
			srv.Handle("DELETE", "/api/v1/tokens/tok1", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })
			env.F.Client = srv.ClientFunc()
			err := clitest.Run(NewCmdTokens(env.F), tt.argv)
			if cmdutil.ExitCode(err) != tt.wantCode {
				t.Fatalf("err %v, want exit %d", err, tt.wantCode)
			}
			if (tt.exactOut && env.Stdout() != tt.wantOut) || !strings.Contains(env.Stdout(), tt.wantOut) {
				t.Errorf("stdout %q, want %q", env.Stdout(), tt.wantOut)
			}
			if !strings.Contains(env.Stderr(), tt.wantErr) {
				t.Errorf("stderr %q lacks %q", env.Stderr(), tt.wantErr)
			}
			if strings.Contains(env.Stderr(), "wst_secret123") {
				t.Error("the secret leaked to stderr")
			}
		})
	}
}
