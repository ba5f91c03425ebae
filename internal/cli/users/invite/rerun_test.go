package invite

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/cli/clitest"
	"github.com/wsctl/wsctl/internal/cli/clitest/livetest"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/client"
)

// realServer is workspaced's API handler over loopback with a SQLite store:
// an org with signup mode off and 20 licenses per product, and the client of
// its first admin.
func realServer(t *testing.T) func() (*client.Client, error) {
	t.Helper()
	return livetest.New(t, map[string]int{"parallel-dialer": 20, "agent-dialer": 20, "flow": 20}).Client
}

// runInvite runs 'users invite --csv' with the file's content and returns its stderr.
func runInvite(t *testing.T, newClient func() (*client.Client, error), path, content, flags string) (string, error) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	env := clitest.NewEnv(t)
	env.F.Client = newClient
	err := clitest.Run(NewCmdInvite(env.F, nil), "--csv "+path+" "+flags)
	return env.Stderr(), err
}

// Fixing a bad row, as the summary says to, or inserting a row must not turn
// the rows invited by the first run into failures: each row's idempotency key
// comes from what it asks for, so the server replays them.
func TestInviteCSV_RerunAfterFixingAndInsertingRows_RealServer(t *testing.T) {
	newClient := realServer(t)
	path := filepath.Join(t.TempDir(), "people.csv")
	const header = "name,email,roles,licenses\n"
	ann := "Ann Lee,ann@example.com,user,flow\n"
	bob := "Bob Stone,bob@example.com,manager|user,parallel-dialer;flow\n"
	di := "Di Park,di@example.com,user,agent-dialer\n"

	stderr, err := runInvite(t, newClient, path, header+ann+bob+"Cy,not-an-email,user,flow\n"+di, "")
	if cmdutil.ExitCode(err) != cmdutil.ExitPartial || !strings.Contains(stderr, "3 invited, 0 already invited, 0 skipped, 1 failed") {
		t.Fatalf("first run: err %v\n%s", err, stderr)
	}

	// Fix line 4 and insert a row before it: every line below moves down.
	stderr, err = runInvite(t, newClient, path, header+ann+bob+"Ed Moss,ed@example.com,user,flow\n"+"Cy Young,cy@example.com,user,flow\n"+di, "")
	if err != nil {
		t.Fatalf("second run: err %v\n%s", err, stderr)
	}
	for _, want := range []string{
		"line 2 ann@example.com: already invited",
		"line 3 bob@example.com: already invited",
		"line 4 ed@example.com: invited",
		"line 5 cy@example.com: invited",
		"line 6 di@example.com: already invited",
		"5 rows: 2 invited, 3 already invited, 0 skipped, 0 failed",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("second run lacks %q:\n%s", want, stderr)
		}
	}

	// The same rows, reordered, with other spacing, case and separators.
	reordered := header + "Di Park,DI@example.com , user ,agent-dialer\n" + "Bob  Stone,Bob@Example.com,user;Manager,flow|parallel-dialer\n"
	stderr, err = runInvite(t, newClient, path, reordered, "")
	if err != nil || !strings.Contains(stderr, "2 rows: 0 invited, 2 already invited") {
		t.Errorf("reordered: err %v\n%s", err, stderr)
	}
}
