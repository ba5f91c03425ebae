package tokens

import (
	"strings"
	"testing"
	"time"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/clitest"
)

// On a terminal the table fits the width by shrinking names and scopes; the
// id (needed by 'tokens revoke ID') and the email are never cut.
func TestTokensList_TableNeverTruncatesIDsAndEmails(t *testing.T) {
	tok := schema.Token{
		ID:        "tok_06h0e58f2kq3x1v9zj5m",
		Name:      "deploy pipeline of the billing service",
		Scopes:    []string{"users:read", "users:write", "licenses:read", "settings:write", "mfa:reset", "audit:read"},
		UserEmail: "barbara.mcallister@example.com",
		CreatedAt: time.Now().Add(-72 * time.Hour),
	}
	for _, width := range []int{120, 80} {
		env := clitest.NewEnv(t)
		env.IO.SetTTY(true)
		env.IO.SetWidth(width)
		srv := clitest.NewServer(t)
		srv.JSON("GET", "/api/v1/tokens", 200, schema.Page[schema.Token]{Items: []schema.Token{tok}})
		env.F.Client = srv.ClientFunc()
		if err := clitest.Run(NewCmdTokens(env.F), "list"); err != nil {
			t.Fatal(err)
		}
		out := env.Stdout()
		if !strings.Contains(out, tok.ID+" ") || !strings.Contains(out, tok.UserEmail+" ") {
			t.Errorf("width %d: id or email cut:\n%s", width, out)
		}
		if !strings.Contains(out, "…") {
			t.Errorf("width %d: nothing shrunk:\n%s", width, out)
		}
		for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
			if w := len([]rune(l)); w > width {
				t.Errorf("width %d: line of %d: %q", width, w, l)
			}
		}
	}
}
