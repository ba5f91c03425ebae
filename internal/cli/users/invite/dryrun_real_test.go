package invite

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/clitest"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/client"
	"github.com/wsctl/wsctl/internal/workspace"
)

// planOrg is workspaced's real API handler over loopback on SQLite: an org
// with 3 flow licenses, its admin ada@acme.example, and pending invites for
// pat@example.com and fay@example.com (agent-dialer, so flow stays free).
func planOrg(t *testing.T) (newClient func() (*client.Client, error), invites func() int) {
	t.Helper()
	ctx := context.Background()
	live := newLiveServer(t, map[string]int{"flow": 3, "agent-dialer": 5, "parallel-dialer": 5})
	svc, op := live.svc, workspace.Operator(live.orgID)
	for _, in := range []workspace.InviteInput{
		{Name: "Pat Doe", Email: "pat@example.com", Roles: []string{"user"}, Licenses: []string{"agent-dialer"}},
		{Name: "Fay Wu", Email: "fay@example.com", Roles: []string{"user"}, Licenses: []string{"agent-dialer"}},
	} {
		if _, err := svc.Invite(ctx, op, in); err != nil {
			t.Fatal(err)
		}
	}
	invites = func() int {
		list, _, err := svc.ListInvites(ctx, op, workspace.InviteFilter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	return live.client, invites
}

// Five flow rows for a pool of 3, an existing user and a pending invite:
// the first three flow rows that fit take the licenses, in file order, and
// the plan names every other line and why; nothing changes on the server.
const planFile = "name,email,roles,licenses\n" +
	"Ann Lee,ann@example.com,user,flow\n" + // 2 invite
	"Ada Admin,ada@acme.example,admin,flow\n" + // 3 already a user
	"Bob Stone,bob@example.com,user,flow\n" + // 4 invite
	"Pat Doe,pat@example.com,user,flow\n" + // 5 pending invite (another one)
	"Cy Young,cy@example.com,user,flow\n" + // 6 invite: the last flow license
	"Di Park,di@example.com,user,flow\n" + // 7 pool exhausted
	"Ed Moss,ed@example.com,user,parallel-dialer;flow\n" + // 8 pool exhausted
	"Fay Wu,FAY@example.com,user,agent-dialer\n" + // 9 the very invite pending: already invited
	"Gus,not-an-email,user,flow\n" // 10 invalid

func TestInviteCSV_DryRunPlansPoolsUsersAndInvites_RealServer(t *testing.T) {
	newClient, invites := planOrg(t)
	before := invites()
	path := filepath.Join(t.TempDir(), "people.csv")
	stderr, err := runInvite(t, newClient, path, planFile, "--dry-run")
	if cmdutil.ExitCode(err) != cmdutil.ExitPartial {
		t.Fatalf("err %v, want exit 3\n%s", err, stderr)
	}
	for _, want := range []string{
		"3 would be invited, 4 would be refused, 1 already invited. Nothing was sent.",
		"flow: 5 needed, 3 available (3 total, 0 assigned, 0 reserved): 2 short",
		"line 3 ada@acme.example: would be refused: ada@acme.example is already a user",
		"line 5 pat@example.com: would be refused: pat@example.com already has a pending invite",
		"line 7 di@example.com: would be refused: no flow license left: 3 of 3 in use",
		"line 8 ed@example.com: would be refused: no flow license left: 3 of 3 in use",
		"line 9 FAY@example.com: already invited: a pending invite asks for exactly this row",
		"line 10 not-an-email: invalid: email:",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	for _, absent := range []string{"line 2 ", "line 4 ", "line 6 "} {
		if strings.Contains(stderr, absent) {
			t.Errorf("stderr names %q, which would be invited:\n%s", absent, stderr)
		}
	}
	if after := invites(); after != before {
		t.Errorf("the dry run changed the invites: %d before, %d after", before, after)
	}
}

func TestInviteCSV_DryRunJSONIsThePlan_RealServer(t *testing.T) {
	newClient, invites := planOrg(t)
	path := writeFile(t, "people.csv", planFile)
	env := clitest.NewEnv(t)
	env.F.Client = newClient
	err := clitest.Run(NewCmdInvite(env.F, nil), "--csv "+path+" --dry-run -o json")
	if cmdutil.ExitCode(err) != cmdutil.ExitPartial {
		t.Fatalf("err %v\n%s", err, env.Stderr())
	}
	var plan Plan
	if err := json.Unmarshal([]byte(env.Stdout()), &plan); err != nil {
		t.Fatalf("stdout is not a plan: %v\n%s", err, env.Stdout())
	}
	actions := map[int]string{}
	for _, r := range plan.Rows {
		actions[r.Line] = r.Action
	}
	want := map[int]string{2: PlanInvite, 3: PlanRefused, 4: PlanInvite, 5: PlanRefused, 6: PlanInvite, 7: PlanRefused, 8: PlanRefused, 9: PlanReplayed, 10: PlanInvalid}
	for line, action := range want {
		if actions[line] != action {
			t.Errorf("line %d: action %q, want %q", line, actions[line], action)
		}
	}
	wantSum := PlanSummary{Rows: 9, Invite: 3, Invalid: 1, Refused: 4, AlreadyInvited: 1, ServerChecked: true}
	if plan.Summary != wantSum {
		t.Errorf("summary %+v, want %+v", plan.Summary, wantSum)
	}
	var flow *PlanLicense
	for i := range plan.Licenses {
		if plan.Licenses[i].Product == "flow" {
			flow = &plan.Licenses[i]
		}
	}
	if flow == nil || flow.Needed != 5 || flow.Available != 3 || flow.Granted != 3 {
		t.Errorf("flow licenses %+v, want 5 needed, 3 available, 3 granted", flow)
	}
	if invites() != 2 {
		t.Errorf("the dry run changed the invites: %d", invites())
	}
}

// A row the file's journal records as done (an earlier run stopped before
// the end) is planned as already invited, and takes no license.
func TestInviteCSV_DryRunKnowsTheJournalsRows(t *testing.T) {
	env := clitest.NewEnv(t)
	env.F.Client = licensesServer(t).ClientFunc()
	file := "name,email,roles,licenses\nAnn Lee,ann@example.com,user,flow\nBob,bob@example.com,user,flow\n"
	path := writeFile(t, "people.csv", file)
	key := rowKey(schema.InviteRequest{Name: "Ann Lee", Email: "ann@example.com", Roles: []string{"user"}, Licenses: []string{"flow"}})
	if err := os.WriteFile(path+journalSuffix, []byte(key+"\t2\tann@example.com\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := clitest.Run(NewCmdInvite(env.F, nil), "--csv "+path+" --dry-run"); err != nil {
		t.Fatalf("err %v\n%s", err, env.Stderr())
	}
	if !strings.Contains(env.Stdout(), "2\talready invited\tann@example.com") || !strings.Contains(env.Stderr(), "flow: 1 needed, 3 available") {
		t.Errorf("stdout:\n%s\nstderr:\n%s", env.Stdout(), env.Stderr())
	}
	if b, _ := os.ReadFile(path + journalSuffix); !strings.HasPrefix(string(b), key) {
		t.Errorf("the dry run changed the journal: %q", b)
	}
}

// --jq and -o yaml get the same plan object as -o json.
func TestInviteCSV_DryRunPlanThroughJQAndYAML(t *testing.T) {
	file := "name,email,roles,licenses\nAnn Lee,ann@example.com,user,flow\nBob,bob@example.com,user,flow\n"
	for flags, want := range map[string]string{
		"--jq .summary.invite":           "2\n",
		"-o yaml":                        "server_checked: true",
		"--jq '.licenses[0] | .product'": "flow\n",
	} {
		t.Run(flags, func(t *testing.T) {
			env := clitest.NewEnv(t)
			env.F.Client = licensesServer(t).ClientFunc()
			if err := clitest.Run(NewCmdInvite(env.F, nil), "--csv "+writeFile(t, "p.csv", file)+" --dry-run "+flags); err != nil {
				t.Fatalf("err %v\n%s", err, env.Stderr())
			}
			if !strings.Contains(env.Stdout(), want) {
				t.Errorf("stdout lacks %q:\n%s", want, env.Stdout())
			}
		})
	}
}
