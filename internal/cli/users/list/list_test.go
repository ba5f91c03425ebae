package list

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/clitest"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
)

func TestNewCmdList_Flags(t *testing.T) {
	tests := []struct {
		argv     string
		want     ListOptions
		wantCode int
	}{
		{argv: "", want: ListOptions{Status: "active"}},
		{argv: "--inactive", want: ListOptions{Status: "inactive"}},
		{argv: "--all --role admin --license flow --search 'ann lee' --limit 5", want: ListOptions{Status: "all", Role: "admin", License: "flow", Search: "ann lee", Limit: 5}},
		{argv: "--all --inactive", wantCode: cmdutil.ExitUsage},
		{argv: "--limit -1", wantCode: cmdutil.ExitUsage},
		{argv: "extra", wantCode: cmdutil.ExitUsage},
		{argv: "-o xml", wantCode: cmdutil.ExitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.argv, func(t *testing.T) {
			env := clitest.NewEnv(t)
			var got *ListOptions
			cmd := NewCmdList(env.F, func(o *ListOptions) error { got = o; return nil })
			err := clitest.Run(cmd, tt.argv)
			if tt.wantCode != 0 {
				if err == nil || cmdutil.ExitCode(err) != tt.wantCode {
					t.Fatalf("err %v (exit %d), want exit %d", err, cmdutil.ExitCode(err), tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != tt.want.Status || got.Role != tt.want.Role || got.License != tt.want.License || got.Search != tt.want.Search || got.Limit != tt.want.Limit {
				t.Errorf("options %+v, want %+v", *got, tt.want)
			}
		})
	}
}

// The server here is a loopback stand-in programmed for the test; the real
// workspaced is exercised by the end-to-end suite.
func usersServer(t *testing.T) *clitest.Server {
	srv := clitest.NewServer(t)
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	srv.Handle("GET", "/api/v1/users", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("cursor") {
		case "":
			clitest.WriteJSON(w, 200, schema.Page[schema.User]{NextCursor: "p2", Items: []schema.User{
				{ID: "u1", Name: "Ann Lee", Email: "ann@example.com", Roles: []string{"admin", "user"}, Licenses: []string{"flow"}, Active: true, CreatedAt: created},
			}})
		case "p2":
			clitest.WriteJSON(w, 200, schema.Page[schema.User]{Items: []schema.User{
				{ID: "u2", Name: "Bob", Email: "bob@example.com", Roles: []string{"user"}, Licenses: []string{}, Active: true, CreatedAt: created},
			}})
		}
	})
	return srv
}

func TestListRun_FollowsEveryPage_R11(t *testing.T) {
	env := clitest.NewEnv(t)
	srv := usersServer(t)
	env.F.Client = srv.ClientFunc()
	cmd := NewCmdList(env.F, nil)
	if err := clitest.Run(cmd, "--role admin"); err != nil {
		t.Fatal(err)
	}
	want := "Ann Lee\tann@example.com\tadmin,user\tflow\ttrue\nBob\tbob@example.com\tuser\t\ttrue\n"
	if env.Stdout() != want {
		t.Errorf("stdout %q, want %q", env.Stdout(), want)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 || !strings.Contains(reqs[0].Path, "status=active") || !strings.Contains(reqs[0].Path, "role=admin") || !strings.Contains(reqs[1].Path, "cursor=p2") {
		t.Errorf("requests %+v", reqs)
	}
}

func TestListRun_LimitStopsEarly(t *testing.T) {
	env := clitest.NewEnv(t)
	srv := usersServer(t)
	env.F.Client = srv.ClientFunc()
	if err := clitest.Run(NewCmdList(env.F, nil), "--limit 1 -o json"); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
	if !strings.HasPrefix(env.Stdout(), "[\n  {\n    \"id\": \"u1\"") || strings.Contains(env.Stdout(), "u2") {
		t.Errorf("stdout %s", env.Stdout())
	}
	if !strings.Contains(srv.Requests()[0].Path, "limit=1") {
		t.Errorf("page size not limited: %s", srv.Requests()[0].Path)
	}
}

func TestListRun_TerminalTable(t *testing.T) {
	env := clitest.NewEnv(t)
	env.IO.SetTTY(true)
	env.F.Client = usersServer(t).ClientFunc()
	if err := clitest.Run(NewCmdList(env.F, nil), ""); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(env.Stdout(), "\n")
	if !strings.HasPrefix(lines[0], "NAME") || !strings.Contains(lines[0], "LICENSES") || !strings.Contains(lines[1], "admin, user") || !strings.Contains(lines[1], "yes") {
		t.Errorf("table:\n%s", env.Stdout())
	}
}

func TestListRun_Forbidden(t *testing.T) {
	env := clitest.NewEnv(t)
	srv := clitest.NewServer(t)
	srv.Handle("GET", "/api/v1/users", func(w http.ResponseWriter, r *http.Request) {
		clitest.Problem(w, 403, schema.CodeForbidden, "only admins list users")
	})
	env.F.Client = srv.ClientFunc()
	err := clitest.Run(NewCmdList(env.F, nil), "")
	if cmdutil.ExitCode(err) != cmdutil.ExitAuth || !strings.Contains(cmdutil.ErrorMessage(err), "users:read") {
		t.Errorf("err %v, message %q", err, cmdutil.ErrorMessage(err))
	}
}

// At 80 columns a long email stays whole: people copy it into the next
// command ('wsctl users edit EMAIL'); the name shrinks instead.
func TestListRun_TableNeverTruncatesEmails(t *testing.T) {
	env := clitest.NewEnv(t)
	env.IO.SetTTY(true)
	env.IO.SetWidth(80)
	srv := clitest.NewServer(t)
	u := schema.User{ID: "usr_06h0e58f2kq3x1v9", Name: "Maximiliane Annabelle Konstantinopoulou-Vandenberghe", Email: "maximiliane.konstantinopoulou@subsidiary.example.com",
		Roles: []string{"manager", "user"}, Licenses: []string{"agent-dialer", "flow", "parallel-dialer"}, Active: true}
	srv.JSON("GET", "/api/v1/users", 200, schema.Page[schema.User]{Items: []schema.User{u}})
	env.F.Client = srv.ClientFunc()
	if err := clitest.Run(NewCmdList(env.F, nil), ""); err != nil {
		t.Fatal(err)
	}
	out := env.Stdout()
	if !strings.Contains(out, u.Email) || strings.Contains(out, u.Name) {
		t.Errorf("want the email whole and the name shrunk:\n%s", out)
	}
	for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if w := len([]rune(l)); w > 80 {
			t.Errorf("line of %d: %q", w, l)
		}
	}
}
