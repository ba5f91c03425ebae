package invite

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/clitest"
	"github.com/wsctl/wsctl/internal/cli/clitest/livetest"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/client"
	"github.com/wsctl/wsctl/internal/workspace"
)

// planOrg is workspaced's real API handler over loopback on SQLite: an org
// with 3 flow licenses, its admin ada@acme.example, a pending invite for
// pat@example.com made by hand and one for fay@example.com made by an
// earlier run of a file (agent-dialer both, so flow stays free). Batch
// requests through its client are recorded.
type planOrg struct {
	live *livetest.Server
	url  string

	mu      sync.Mutex
	batches []schema.InviteBatchRequest
}

func newPlanOrg(t *testing.T) *planOrg {
	t.Helper()
	ctx := context.Background()
	live := livetest.New(t, map[string]int{"flow": 3, "agent-dialer": 5, "parallel-dialer": 5})
	in := workspace.InviteInput{Name: "Pat Doe", Email: "pat@example.com", Roles: []string{"user"}, Licenses: []string{"agent-dialer"}}
	if _, err := live.Svc.Invite(ctx, live.Operator(), in); err != nil {
		t.Fatal(err)
	}
	if _, err := runInvite(t, live.Client, filepath.Join(t.TempDir(), "fay.csv"), CSVHeader+"\nFay Wu,fay@example.com,user,agent-dialer\n", ""); err != nil {
		t.Fatal(err)
	}
	o := &planOrg{live: live}
	u, _ := url.Parse(live.URL)
	rp := httputil.NewSingleHostReverseProxy(u)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/invites/batch") {
			var req schema.InviteBatchRequest
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			_ = json.Unmarshal(body, &req)
			o.mu.Lock()
			o.batches = append(o.batches, req)
			o.mu.Unlock()
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)
	o.url = proxy.URL
	return o
}

func (o *planOrg) client() (*client.Client, error) { return client.New(o.url, o.live.Token, nil), nil }

// state is what a dry run must leave unchanged: the org's invites (any
// status) and the emails queued.
func (o *planOrg) state(t *testing.T) (invites, emails int) {
	t.Helper()
	inv, em := o.live.InvitesPerEmail(t)
	for _, n := range inv {
		invites += n
	}
	for _, n := range em {
		emails += n
	}
	return invites, emails
}

// Five flow rows for a pool of 3, an existing user, a pending invite, the
// very invite an earlier run made, an address the server refuses and a row
// without an email: the server decides the rows in file order, the first
// three flow rows taking the licenses, and nothing changes.
const planFile = "name,email,roles,licenses\n" +
	"Ann Lee,ann@example.com,user,flow\n" + // 2 invite
	"Ada Admin,ada@acme.example,admin,flow\n" + // 3 already a user
	"Bob Stone,bob@example.com,user,flow\n" + // 4 invite
	"Pat Doe,pat@example.com,user,flow\n" + // 5 pending invite (another one)
	"Cy Young,cy@example.com,user,flow\n" + // 6 invite: the last flow license
	"Di Park,di@example.com,user,flow\n" + // 7 pool exhausted
	"Ed Moss,ed@example.com,user,parallel-dialer;flow\n" + // 8 pool exhausted
	"Fay Wu,FAY@example.com,user,agent-dialer\n" + // 9 the very invite an earlier run made
	"Gus,not-an-email,user,flow\n" + // 10 refused by the server
	"Hal,,user,flow\n" // 11 invalid: not sent

func TestInviteCSV_DryRunIsTheServersDecision_RealServer(t *testing.T) {
	org := newPlanOrg(t)
	invitesBefore, emailsBefore := org.state(t)
	path := filepath.Join(t.TempDir(), "people.csv")
	stderr, err := runInvite(t, org.client, path, planFile, "--dry-run --batch-size 2")
	if cmdutil.ExitCode(err) != cmdutil.ExitPartial {
		t.Fatalf("err %v, want exit 3\n%s", err, stderr)
	}
	for _, want := range []string{
		"Dry run of 10 rows of " + path + ", nothing changed: invite 3, already invited 1, invalid 1, refused 5",
		"flow: 5 needed, 3 available (3 total, 0 assigned, 0 reserved): 2 short",
		"line 3 ada@acme.example: would be refused: ada@acme.example is already a user",
		"line 5 pat@example.com: would be refused: pat@example.com already has a pending invite",
		"line 6 cy@example.com: that was the last flow license: 3 of 3 in use",
		"line 7 di@example.com: would be refused: no flow license left: 3 of 3 in use",
		"line 8 ed@example.com: would be refused: no flow license left: 3 of 3 in use",
		"line 9 FAY@example.com: already invited",
		"line 10 not-an-email: would be refused: email:",
		"line 11: invalid: email: is required",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	for _, absent := range []string{"line 2 ", "line 4 "} {
		if strings.Contains(stderr, absent) {
			t.Errorf("stderr names %q, which would be invited:\n%s", absent, stderr)
		}
	}
	// One request, whatever --batch-size says: the server's decisions depend
	// on the rows before; the row without an email is not sent.
	if len(org.batches) != 1 || !org.batches[0].DryRun || len(org.batches[0].Invites) != 9 {
		t.Errorf("batch requests %+v; want one dry run of 9 rows", org.batches)
	}
	if invites, emails := org.state(t); invites != invitesBefore || emails != emailsBefore {
		t.Errorf("the dry run changed the org: %d invites, %d emails before; %d, %d after", invitesBefore, emailsBefore, invites, emails)
	}
}

// The plan on stdout: a row per line when piped; -o json the whole plan,
// in the shape of the plans wsctl made before (rows with the invite's
// fields, licenses, summary).
func TestInviteCSV_DryRunPlan_RealServer(t *testing.T) {
	org := newPlanOrg(t)
	path := writeFile(t, "people.csv", planFile)

	env := clitest.NewEnv(t)
	env.F.Client = org.client
	err := clitest.Run(NewCmdInvite(env.F, nil), "--csv "+path+" --dry-run")
	if cmdutil.ExitCode(err) != cmdutil.ExitPartial {
		t.Fatalf("err %v\n%s", err, env.Stderr())
	}
	lines := strings.Split(strings.TrimSuffix(env.Stdout(), "\n"), "\n")
	if len(lines) != 10 || lines[0] != "2\tinvite\tann@example.com\t" || !strings.HasPrefix(lines[1], "3\trefused\tada@acme.example\tada@acme.example is already a user") ||
		!strings.HasPrefix(lines[7], "9\talready invited\tFAY@example.com") || lines[9] != "11\tinvalid\t\temail: is required" {
		t.Errorf("plan:\n%s", env.Stdout())
	}

	env = clitest.NewEnv(t)
	env.F.Client = org.client
	err = clitest.Run(NewCmdInvite(env.F, nil), "--csv "+path+" --dry-run -o json")
	if cmdutil.ExitCode(err) != cmdutil.ExitPartial {
		t.Fatalf("err %v\n%s", err, env.Stderr())
	}
	var plan struct {
		Rows []struct {
			Line     int      `json:"line"`
			Action   string   `json:"action"`
			Email    string   `json:"email"`
			Name     string   `json:"name"`
			Roles    []string `json:"roles"`
			Licenses []string `json:"licenses"`
			Reason   string   `json:"reason"`
		} `json:"rows"`
		Licenses []PlanLicense  `json:"licenses"`
		Summary  map[string]any `json:"summary"`
	}
	if err := json.Unmarshal([]byte(env.Stdout()), &plan); err != nil {
		t.Fatalf("stdout is not a plan: %v\n%s", err, env.Stdout())
	}
	want := map[int]string{2: "invite", 3: "refused", 4: "invite", 5: "refused", 6: "invite", 7: "refused", 8: "refused", 9: "already invited", 10: "refused", 11: "invalid"}
	for _, r := range plan.Rows {
		if r.Action != want[r.Line] {
			t.Errorf("line %d: action %q, want %q", r.Line, r.Action, want[r.Line])
		}
	}
	if r := plan.Rows[6]; r.Line != 8 || r.Name != "Ed Moss" || strings.Join(r.Licenses, ",") != "parallel-dialer,flow" || !strings.HasPrefix(r.Reason, "no flow license left: 3 of 3 in use") {
		t.Errorf("row of line 8: %+v", r)
	}
	wantSum := map[string]any{"rows": 10.0, "invite": 3.0, "already_invited": 1.0, "invalid": 1.0, "refused": 5.0, "server_checked": true}
	for k, v := range wantSum {
		if plan.Summary[k] != v {
			t.Errorf("summary %s = %v, want %v (summary %v)", k, plan.Summary[k], v, plan.Summary)
		}
	}
	var flow *PlanLicense
	for i := range plan.Licenses {
		if plan.Licenses[i].Product == "flow" {
			flow = &plan.Licenses[i]
		}
	}
	if flow == nil || *flow != (PlanLicense{Product: "flow", Total: 3, Available: 3, Needed: 5, Granted: 3, AvailableAfter: 0}) {
		t.Errorf("flow licenses %+v", flow)
	}
}

// --jq and -o yaml get the same plan object as -o json.
func TestInviteCSV_DryRunPlanThroughJQAndYAML_RealServer(t *testing.T) {
	file := "name,email,roles,licenses\nAnn Lee,ann@example.com,user,flow\nBob,bob@example.com,user,flow\n"
	live := livetest.New(t)
	for flags, want := range map[string]string{
		"--jq .summary.invite":           "2\n",
		"-o yaml":                        "server_checked: true",
		"--jq '.licenses[0] | .product'": "flow\n",
		"-o csv":                         "line,action,email,reason\n2,invite,ann@example.com,\n",
	} {
		t.Run(flags, func(t *testing.T) {
			env := clitest.NewEnv(t)
			env.F.Client = live.Client
			if err := clitest.Run(NewCmdInvite(env.F, nil), "--csv "+writeFile(t, "p.csv", file)+" --dry-run "+flags); err != nil {
				t.Fatalf("err %v\n%s", err, env.Stderr())
			}
			if !strings.Contains(env.Stdout(), want) {
				t.Errorf("stdout lacks %q:\n%s", want, env.Stdout())
			}
		})
	}
}

// While users can sign up on their own, the server refuses every invite:
// the plan says so for each row, and exits 3.
func TestInviteCSV_DryRunWithSignupModeOn_RealServer(t *testing.T) {
	live := livetest.New(t)
	if err := live.Svc.SetSignupMode(context.Background(), live.Operator(), true); err != nil {
		t.Fatal(err)
	}
	stderr, err := runInvite(t, live.Client, filepath.Join(t.TempDir(), "p.csv"), "name,email,roles,licenses\nAnn Lee,ann@example.com,user,flow\n", "--dry-run")
	if cmdutil.ExitCode(err) != cmdutil.ExitPartial || !strings.Contains(stderr, "line 2 ann@example.com: would be refused: ") || !strings.Contains(stderr, "sign up") {
		t.Errorf("err %v\n%s", err, stderr)
	}
}

// A dry run the server refuses as a whole (a token that may not invite) is
// an error about the run, with the exit code of its cause.
func TestInviteCSV_DryRunForbidden(t *testing.T) {
	env := clitest.NewEnv(t)
	srv := clitest.NewServer(t)
	srv.Handle("POST", "/api/v1/invites/batch", func(w http.ResponseWriter, r *http.Request) {
		clitest.Problem(w, 403, schema.CodeForbidden, "this token lacks the users:write scope")
	})
	env.F.Client = srv.ClientFunc()
	err := clitest.Run(NewCmdInvite(env.F, nil), "--csv "+writeFile(t, "p.csv", "name,email,roles,licenses\nAnn,ann@example.com,user,flow\n")+" --dry-run")
	if cmdutil.ExitCode(err) != cmdutil.ExitAuth || !strings.Contains(cmdutil.ErrorMessage(err), "users:write") {
		t.Errorf("err %v (exit %d)", err, cmdutil.ExitCode(err))
	}
	if env.Stdout() != "" {
		t.Errorf("a plan was printed: %s", env.Stdout())
	}
}
