package sync

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/clitest"
	"github.com/wsctl/wsctl/internal/cli/clitest/livetest"
	"github.com/wsctl/wsctl/internal/workspace"
)

// These tests drive 'users sync' against workspaced's real API
// (livetest: loopback, a SQLite file), as an admin would.

// seeded is the org "acme" as a roster finds it: Ada the admin (no
// license), Bob and Cy active with flow, Di inactive, and a pending invite
// for Ed.
func seeded(t *testing.T, totals ...map[string]int) *livetest.Server {
	t.Helper()
	live := livetest.New(t, totals...)
	ctx, op := context.Background(), workspace.Operator(live.OrgID)
	for _, p := range []workspace.InviteInput{
		{Name: "Bob Ray", Email: "bob@acme.example", Roles: []string{"user"}, Licenses: []string{"flow"}},
		{Name: "Cy Old", Email: "cy@acme.example", Roles: []string{"user"}, Licenses: []string{"flow"}},
		{Name: "Di Park", Email: "di@acme.example", Roles: []string{"user"}, Licenses: []string{"flow"}},
	} {
		if _, err := live.Svc.AddUser(ctx, op, p); err != nil {
			t.Fatal(err)
		}
	}
	c, _ := live.Client()
	if _, err := c.Deactivate(ctx, "di@acme.example"); err != nil {
		t.Fatal(err)
	}
	req := schema.InviteRequest{Name: "Ed New", Email: "ed@acme.example", Roles: []string{"user"}, Licenses: []string{"flow"}}
	if _, _, err := c.Invite(ctx, req, ""); err != nil {
		t.Fatal(err)
	}
	return live
}

// theRoster updates Ada and Bob, activates Di, invites Fay, and leaves
// out Cy (a user) and Ed (a pending invite).
const theRoster = "name,email,roles,licenses\n" +
	"Ada Admin,ada@acme.example,admin,flow\n" +
	"Bob Ray,bob@acme.example,user,flow;agent-dialer\n" +
	"Di Park,di@acme.example,user,flow\n" +
	"Fay Wu,fay@acme.example,manager|user,parallel-dialer\n"

// env is a command environment whose client talks to live; piped unless
// the test makes it a terminal.
func env(t *testing.T, live *livetest.Server) *clitest.Env {
	t.Helper()
	e := clitest.NewEnv(t)
	e.F.Client = live.Client
	return e
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// user is the user with email as the API has them now.
func user(t *testing.T, live *livetest.Server, email string) schema.User {
	t.Helper()
	c, _ := live.Client()
	u, _, err := c.GetUser(context.Background(), email)
	if err != nil {
		t.Fatalf("get %s: %v", email, err)
	}
	return u
}

// inviteStatus is the status of the newest invite of email, "" for none.
func inviteStatus(t *testing.T, live *livetest.Server, email string) string {
	t.Helper()
	invites, _, err := live.Svc.ListInvites(context.Background(), workspace.Operator(live.OrgID), workspace.InviteFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	status := ""
	for _, inv := range invites {
		if inv.Email == email {
			status = string(inv.Status)
		}
	}
	return status
}

// tsv splits piped output into rows of cells.
func tsv(out string) [][]string {
	var rows [][]string
	for line := range strings.Lines(out) {
		rows = append(rows, strings.Split(strings.TrimSuffix(line, "\n"), "\t"))
	}
	return rows
}

// actions are the first three cells of each row: line, action, email.
func actions(out string) []string {
	var got []string
	for _, r := range tsv(out) {
		if len(r) < 4 {
			got = append(got, "malformed: "+strings.Join(r, "\t"))
			continue
		}
		got = append(got, strings.Join(r[:3], " "))
	}
	return got
}

// stateOf says what a test needs to know of the seeded people.
func stateOf(t *testing.T, live *livetest.Server) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, email := range []string{"ada@acme.example", "bob@acme.example", "cy@acme.example", "di@acme.example"} {
		u := user(t, live, email)
		state := "inactive"
		if u.Active {
			state = "active"
		}
		out[email] = state + " " + strings.Join(u.Licenses, ",")
	}
	for _, email := range []string{"ed@acme.example", "fay@acme.example"} {
		out[email] = inviteStatus(t, live, email)
	}
	return out
}

var before = map[string]string{
	"ada@acme.example": "active ", "bob@acme.example": "active flow", "cy@acme.example": "active flow",
	"di@acme.example": "inactive ", "ed@acme.example": "pending", "fay@acme.example": "",
}

func checkState(t *testing.T, live *livetest.Server, when string, want map[string]string) {
	t.Helper()
	got := stateOf(t, live)
	for email, w := range want {
		if got[email] != w {
			t.Errorf("%s: %s is %q, want %q", when, email, got[email], w)
		}
	}
}

func with(base map[string]string, changes ...string) map[string]string {
	out := map[string]string{}
	for k, v := range base {
		out[k] = v
	}
	for i := 0; i+1 < len(changes); i += 2 {
		out[changes[i]] = changes[i+1]
	}
	return out
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func column(rows [][]string, i int) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r[i])
	}
	return out
}
