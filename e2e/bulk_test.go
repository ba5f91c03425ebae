package e2e

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Ctrl-C halfway through a CSV import (a real SIGINT to the real binary):
// the requests in flight finish, the journal records every row done, and
// --resume sends exactly the rest; every person is invited once (issue 4).
func TestInviteCSV_InterruptThenResume_EachRowOnce(t *testing.T) {
	s := startServer(t, "--rate-limit", "0")
	s.invitingOrg("acme")
	must(t, s.operator("org", "set-licenses", "--org", "acme", "--product", "flow", "--total", "10000"), 0, "set-licenses")
	const rows = 3000
	var b strings.Builder
	b.WriteString("name,email,roles,licenses\n")
	for i := range rows {
		fmt.Fprintf(&b, "Person Number,p%05d@example.com,user,flow\n", i)
	}
	path := filepath.Join(t.TempDir(), "people.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(bins.wsctl, "users", "invite", "--csv", path, "--batch-size", "10", "--concurrency", "2")
	cmd.Env = append(s.baseEnv(), "WSCTL_TOKEN="+s.adminTok)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var lines []string
	sc := bufio.NewScanner(stderr)
	interrupted := false
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if !interrupted && strings.HasSuffix(sc.Text(), ": invited") {
			if err := cmd.Process.Signal(os.Interrupt); err != nil {
				t.Fatal(err)
			}
			interrupted = true
		}
	}
	err = cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("interrupted run: %v, want exit 1\n%s", err, strings.Join(lines, "\n"))
	}
	out := strings.Join(lines, "\n")
	if !strings.Contains(out, "Interrupted: finishing the requests in flight") || !strings.Contains(out, "--resume") {
		t.Errorf("the interrupted run does not say what it did:\n%s", tail(out))
	}
	invitedFirst := strings.Count(out, ": invited\n") + boolInt(strings.HasSuffix(out, ": invited"))
	journal, err := os.ReadFile(path + ".users-invite.wsctl-journal")
	if err != nil {
		t.Fatalf("no journal after Ctrl-C: %v", err)
	}
	if n := strings.Count(string(journal), "\n"); n != invitedFirst || n == 0 || n == rows {
		t.Fatalf("journal has %d rows, the run reported %d invited (of %d)", n, invitedFirst, rows)
	}

	r := must(t, s.admin("users", "invite", "--csv", path, "--resume"), 0, "resume")
	want := fmt.Sprintf("%d rows: %d invited, 0 already invited, %d skipped, 0 failed", rows, rows-invitedFirst, invitedFirst)
	if !strings.Contains(r.stderr, want) {
		t.Errorf("resume: want %q\n%s", want, tail(r.stderr))
	}
	list := must(t, s.admin("invites", "list", "-o", "json"), 0, "invites list")
	var invites []map[string]any
	if err := json.Unmarshal([]byte(list.stdout), &invites); err != nil {
		t.Fatal(err)
	}
	seen := map[any]bool{}
	for _, inv := range invites {
		if seen[inv["email"]] {
			t.Errorf("%v invited twice", inv["email"])
		}
		seen[inv["email"]] = true
	}
	if len(seen) != rows {
		t.Errorf("%d people invited, want %d", len(seen), rows)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func tail(s string) string {
	if len(s) > 2000 {
		return "…" + s[len(s)-2000:]
	}
	return s
}

// A file piped to 'users invite --csv -': the dry run is the server's
// decision and changes nothing; the run invites; interrupted or not, the
// same input sent again with --resume skips what is done.
func TestInviteCSV_StdinDryRunThenRun(t *testing.T) {
	s := startServer(t)
	s.invitingOrg("acme")
	must(t, s.operator("org", "set-licenses", "--org", "acme", "--product", "flow", "--total", "2"), 0, "set-licenses")
	input := "name,email,roles,licenses\n" +
		"Ann Lee,ann@acme.example,user,flow\n" +
		"Bob Stone,bob@acme.example,user,flow\n" +
		"Cy Young,cy@acme.example,user,flow\n"
	env := []string{"WSCTL_TOKEN=" + s.adminTok}

	r := must(t, s.run(bins.wsctl, env, input, "users", "invite", "--csv", "-", "--dry-run"), 3, "dry run from stdin")
	if !strings.HasPrefix(r.stdout, "2\tinvite\tann@acme.example\t\n3\tinvite\tbob@acme.example\t\n4\trefused\tcy@acme.example\tno flow license left: 2 of 2 in use") {
		t.Errorf("plan:\n%s", r)
	}
	for _, want := range []string{"Dry run of 3 rows of stdin, nothing changed: invite 2, already invited 0, invalid 0, refused 1",
		"flow: 3 needed, 2 available (2 total, 0 assigned, 0 reserved): 1 short"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("dry run lacks %q:\n%s", want, r)
		}
	}
	if list := must(t, s.admin("invites", "list", "-o", "json"), 0, "invites list"); strings.TrimSpace(list.stdout) != "[]" {
		t.Fatalf("the dry run invited: %s", list.stdout)
	}

	r = must(t, s.run(bins.wsctl, env, input, "users", "invite", "--csv", "-"), 3, "run from stdin")
	if !strings.Contains(r.stderr, "3 rows: 2 invited, 0 already invited, 0 skipped, 1 failed") {
		t.Errorf("run:\n%s", r)
	}
	must(t, s.operator("org", "set-licenses", "--org", "acme", "--product", "flow", "--total", "3"), 0, "set-licenses")
	r = must(t, s.run(bins.wsctl, env, input, "users", "invite", "--csv", "-", "--resume"), 0, "resume from stdin")
	if !strings.Contains(r.stderr, "3 rows: 1 invited, 0 already invited, 2 skipped, 0 failed") {
		t.Errorf("resume:\n%s", r)
	}
}
