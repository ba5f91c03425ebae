package invite

import (
	"cmp"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/bulk"
	"github.com/wsctl/wsctl/internal/cli/clitest"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
)

func TestNewCmdInvite_Flags(t *testing.T) {
	tests := []struct {
		argv     string
		want     InviteOptions
		wantCode int
	}{
		{argv: "--name 'Ann Lee' --email ann@example.com --role admin,user --license flow --license parallel-dialer",
			want: InviteOptions{Name: "Ann Lee", Email: "ann@example.com", Roles: []string{"admin", "user"}, Licenses: []string{"flow", "parallel-dialer"}, CSV: csvFlags(bulk.Flags{})}},
		{argv: "--csv people.csv --dry-run", want: InviteOptions{CSV: csvFlags(bulk.Flags{File: "people.csv", DryRun: true})}},
		{argv: "--csv p.csv --report r.csv --failed f.csv --resume --concurrency 4",
			want: InviteOptions{CSV: csvFlags(bulk.Flags{File: "p.csv", Report: "r.csv", Failed: "f.csv", Resume: true, Concurrency: 4})}},
		{argv: "--csv p.csv --resume", want: InviteOptions{CSV: csvFlags(bulk.Flags{File: "p.csv", Resume: true})}},
		{argv: "--csv - --batch-size 10", want: InviteOptions{CSV: csvFlags(bulk.Flags{File: "-", BatchRows: 10})}},
		{argv: "--csv p.csv --email ann@example.com", wantCode: cmdutil.ExitUsage},
		{argv: "--csv p.csv --dry-run --report r.csv", wantCode: cmdutil.ExitUsage},
		{argv: "--csv p.csv --dry-run --failed f.csv", wantCode: cmdutil.ExitUsage},
		{argv: "--csv p.csv --batch-size 1001", wantCode: cmdutil.ExitUsage},
		{argv: "--email a@example.com --failed f.csv", wantCode: cmdutil.ExitUsage},
		{argv: "--csv p.csv --concurrency 0", wantCode: cmdutil.ExitUsage},
		{argv: "--email a@example.com --dry-run", wantCode: cmdutil.ExitUsage},
		{argv: "--csv p.csv --report p.csv", wantCode: cmdutil.ExitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.argv, func(t *testing.T) {
			env := clitest.NewEnv(t)
			var got *InviteOptions
			err := clitest.Run(NewCmdInvite(env.F, func(o *InviteOptions) error { got = o; return nil }), tt.argv)
			if tt.wantCode != 0 {
				if cmdutil.ExitCode(err) != tt.wantCode {
					t.Fatalf("err %v, want exit %d", err, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			g := *got
			g.IO, g.Prompter, g.Client, g.Output = nil, nil, nil, cmdutil.OutputOptions{}
			if !reflect.DeepEqual(g, tt.want) {
				t.Errorf("options\n%+v\nwant\n%+v", g, tt.want)
			}
		})
	}
}

// csvFlags is f with the defaults of the flags it leaves unset.
func csvFlags(f bulk.Flags) bulk.Flags {
	f.Concurrency = cmp.Or(f.Concurrency, bulk.DefaultConcurrency)
	f.BatchRows = cmp.Or(f.BatchRows, bulk.DefaultBatchRows)
	return f
}

// inviteServer is a loopback stand-in for workspaced's POST /invites (the real
// server is exercised by the end-to-end suite). refuse maps an email to the
// problem to answer; replay lists idempotency keys to answer as replays.
type inviteServer struct {
	*clitest.Server
	mu     sync.Mutex
	keys   []string
	refuse map[string]schema.Problem
	replay map[string]bool
}

func newInviteServer(t *testing.T) *inviteServer {
	s := &inviteServer{Server: clitest.NewServer(t), refuse: map[string]schema.Problem{}, replay: map[string]bool{}}
	// answer is the outcome of one invite: its status, the invite, or the problem.
	answer := func(req schema.InviteRequest, key string) (int, schema.Invite, *schema.Problem) {
		s.mu.Lock()
		s.keys = append(s.keys, key)
		p, refused := s.refuse[req.Email]
		replayed := s.replay[key]
		s.mu.Unlock()
		if refused {
			return p.Status, schema.Invite{}, &p
		}
		inv := schema.Invite{ID: "inv-" + req.Email, Name: req.Name, Email: req.Email, Roles: req.Roles, Licenses: req.Licenses,
			Status: "pending", ExpiresAt: time.Now().Add(7 * 24 * time.Hour), CreatedAt: time.Now()}
		if req.Email == "last@example.com" {
			inv.Notices = []string{"that was the last flow license: 3 of 3 in use"}
		}
		if replayed {
			return 200, inv, nil
		}
		return 201, inv, nil
	}
	s.Handle("POST", "/api/v1/invites", func(w http.ResponseWriter, r *http.Request) {
		var req schema.InviteRequest
		_ = json.NewDecoder(r.Body).Decode(&req)
		status, inv, p := answer(req, r.Header.Get(schema.HeaderIdempotencyKey))
		switch {
		case p != nil:
			clitest.WriteProblem(w, *p)
		case status == 200:
			w.Header().Set(schema.HeaderIdempotentReplay, "true")
			clitest.WriteJSON(w, 200, inv)
		default:
			clitest.WriteJSON(w, 201, inv)
		}
	})
	s.Handle("POST", "/api/v1/invites/batch", func(w http.ResponseWriter, r *http.Request) {
		var req schema.InviteBatchRequest
		_ = json.NewDecoder(r.Body).Decode(&req)
		var out schema.InviteBatchResponse
		for i, it := range req.Invites {
			status, inv, p := answer(it.InviteRequest, it.IdempotencyKey)
			if p != nil && (p.Status == 401 || p.Status == 403) { // about the whole request
				clitest.WriteProblem(w, *p)
				return
			}
			res := schema.InviteBatchResult{Index: i, Status: schema.BatchInvited, Invite: &inv}
			switch {
			case p != nil:
				res = schema.InviteBatchResult{Index: i, Status: schema.BatchFailed, Error: p}
			case status == 200:
				res.Status = schema.BatchReplayed
			}
			out.Results = append(out.Results, res)
		}
		clitest.WriteJSON(w, 200, out)
	})
	return s
}

func TestInvite_One_Piped(t *testing.T) {
	env := clitest.NewEnv(t)
	srv := newInviteServer(t)
	env.F.Client = srv.ClientFunc()
	err := clitest.Run(NewCmdInvite(env.F, nil), "--name 'Ann Lee' --email last@example.com --role user --license flow")
	if err != nil {
		t.Fatal(err)
	}
	if env.Stdout() != "" {
		t.Errorf("stdout %q: nothing but data goes there", env.Stdout())
	}
	// Not a terminal: plain message, the server's notice on stderr (R4).
	if !strings.HasPrefix(env.Stderr(), "warning: that was the last flow license: 3 of 3 in use\nInvited last@example.com") {
		t.Errorf("stderr %q", env.Stderr())
	}
	if body := srv.Requests()[0].Body; body != `{"name":"Ann Lee","email":"last@example.com","roles":["user"],"licenses":["flow"]}` {
		t.Errorf("body %s", body)
	}
}

func TestInvite_One_JSON(t *testing.T) {
	env := clitest.NewEnv(t)
	env.F.Client = newInviteServer(t).ClientFunc()
	if err := clitest.Run(NewCmdInvite(env.F, nil), "--name Ann --email ann@example.com --role user --license flow -o json"); err != nil {
		t.Fatal(err)
	}
	var inv map[string]any
	if err := json.Unmarshal([]byte(env.Stdout()), &inv); err != nil || inv["status"] != "pending" || inv["expires_at"] == nil {
		t.Errorf("stdout %s (%v)", env.Stdout(), err)
	}
}

func TestInvite_One_MissingFlagsWithoutTerminalIsUsageError_R1(t *testing.T) {
	env := clitest.NewEnv(t)
	err := clitest.Run(NewCmdInvite(env.F, nil), "--name Ann --role user")
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "--email, --license") {
		t.Errorf("err %v", err)
	}
}

func TestInvite_One_PromptsForMissingFlagsOnTerminal(t *testing.T) {
	env := clitest.NewEnv(t)
	env.IO.SetTTY(true)
	srv := newInviteServer(t)
	srv.JSON("GET", "/api/v1/licenses", 200, schema.Page[schema.LicensePool]{Items: []schema.LicensePool{
		{Product: "parallel-dialer", Total: 3, Assigned: 3}, {Product: "flow", Total: 3, Assigned: 1, Available: 2},
	}})
	env.F.Client = srv.ClientFunc()
	env.Prompter.ExpectInput("Email", "ann@example.com")
	env.Prompter.ExpectMultiSelect("Roles", []string{"manager", "user"})
	env.Prompter.ExpectMultiSelect("Licenses", []string{"flow (2 of 3 available)"})
	if err := clitest.Run(NewCmdInvite(env.F, nil), "--name Ann"); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if body := reqs[len(reqs)-1].Body; body != `{"name":"Ann","email":"ann@example.com","roles":["manager","user"],"licenses":["flow"]}` {
		t.Errorf("body %s", body)
	}
	if !strings.Contains(env.Stderr(), "✓ Invited ann@example.com") {
		t.Errorf("stderr %q", env.Stderr())
	}
}

func TestInvite_One_SignupModeOnSaysHowToTurnItOff_R2(t *testing.T) {
	env := clitest.NewEnv(t)
	srv := newInviteServer(t)
	srv.refuse["ann@example.com"] = schema.Problem{Status: 409, Code: schema.CodeSignupModeOn, Detail: "invites are refused while users can sign up on their own"}
	env.F.Client = srv.ClientFunc()
	err := clitest.Run(NewCmdInvite(env.F, nil), "--name Ann --email ann@example.com --role user --license flow")
	if cmdutil.ExitCode(err) != 1 || !strings.Contains(cmdutil.ErrorMessage(err), "wsctl signup-mode off") {
		t.Errorf("err %v / %q", err, cmdutil.ErrorMessage(err))
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const people = "name,email,roles,licenses\r\n" +
	"Ann Lee,ann@example.com,user,flow\r\n" +
	"Bob,bob@example.com,user,parallel-dialer\r\n" +
	"Cy,cy@example.com,,flow\r\n" +
	"Di,last@example.com,admin|user,flow;parallel-dialer\r\n"

func TestInviteCSV_FailedRowsDoNotStopOthers_PartialExit(t *testing.T) {
	env := clitest.NewEnv(t)
	srv := newInviteServer(t)
	used, total := 3, 3
	srv.refuse["bob@example.com"] = schema.Problem{Status: 409, Code: schema.CodeLicenseExhausted, Detail: "no parallel-dialer license left: 3 of 3 in use", Product: "parallel-dialer", Used: &used, Total: &total}
	env.F.Client = srv.ClientFunc()
	csvPath := writeFile(t, "people.csv", people)
	report := filepath.Join(t.TempDir(), "report.csv")

	err := clitest.Run(NewCmdInvite(env.F, nil), "--csv "+csvPath+" --report "+report)
	if cmdutil.ExitCode(err) != cmdutil.ExitPartial {
		t.Fatalf("err %v, want exit 3", err)
	}
	stderr := env.Stderr()
	for _, want := range []string{
		"line 2 ann@example.com: invited",
		"line 3 bob@example.com: failed: no parallel-dialer license left: 3 of 3 in use",
		"line 4 cy@example.com: invalid: roles: is required",
		"line 5 last@example.com: invited",
		"line 5 last@example.com: that was the last flow license",
		"4 rows: 2 invited, 0 already invited, 0 skipped, 2 failed",
		"Failed lines: 3, 4",
		"--resume' to send only the rows not done yet",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if len(srv.keys) != 3 {
		t.Errorf("%d rows sent, want 3 (the invalid one is not sent)", len(srv.keys))
	}
	for _, k := range srv.keys {
		if !strings.HasPrefix(k, "wsctl-csv-") {
			t.Errorf("row sent without an idempotency key: %q", k)
		}
	}
	got, _ := os.ReadFile(report)
	wantReport := "line,email,status,error\n2,ann@example.com,invited,\n3,bob@example.com,failed,"
	if !strings.HasPrefix(string(got), wantReport) || !strings.Contains(string(got), "4,cy@example.com,invalid,roles: is required") {
		t.Errorf("report:\n%s", got)
	}
}

func TestInviteCSV_RerunIsIdempotentAndResumeSkipsDoneRows(t *testing.T) {
	env := clitest.NewEnv(t)
	srv := newInviteServer(t)
	srv.refuse["bob@example.com"] = schema.Problem{Status: 409, Code: schema.CodeEmailTaken, Detail: "bob@example.com is already a user"}
	env.F.Client = srv.ClientFunc()
	csvPath := writeFile(t, "people.csv", people)
	report := filepath.Join(t.TempDir(), "report.csv")
	_ = clitest.Run(NewCmdInvite(env.F, nil), "--csv "+csvPath+" --report "+report)
	firstKeys := append([]string(nil), srv.keys...)

	// Same file again: same keys, so the server can replay instead of inviting twice.
	srv.keys = nil
	for _, k := range firstKeys {
		srv.replay[k] = true
	}
	env2 := clitest.NewEnv(t)
	env2.F.Client = srv.ClientFunc()
	_ = clitest.Run(NewCmdInvite(env2.F, nil), "--csv "+csvPath)
	if !reflect.DeepEqual(srv.keys, firstKeys) {
		t.Errorf("keys of the re-run %v differ from %v", srv.keys, firstKeys)
	}
	if !strings.Contains(env2.Stderr(), "line 2 ann@example.com: already invited by an earlier run") {
		t.Errorf("stderr:\n%s", env2.Stderr())
	}

	// --resume sends only the rows the report does not record as done.
	srv.keys = nil
	delete(srv.refuse, "bob@example.com")
	env3 := clitest.NewEnv(t)
	env3.F.Client = srv.ClientFunc()
	err := clitest.Run(NewCmdInvite(env3.F, nil), "--csv "+csvPath+" --report "+report+" --resume")
	if len(srv.keys) != 1 {
		t.Errorf("resume sent %d rows, want 1 (bob); stderr:\n%s", len(srv.keys), env3.Stderr())
	}
	if cmdutil.ExitCode(err) != cmdutil.ExitPartial { // line 4 is still invalid
		t.Errorf("err %v", err)
	}
	if !strings.Contains(env3.Stderr(), "line 2 ann@example.com: skipped: done in an earlier run") {
		t.Errorf("stderr:\n%s", env3.Stderr())
	}
}

func TestInviteCSV_StopsOnForbidden(t *testing.T) {
	env := clitest.NewEnv(t)
	srv := newInviteServer(t)
	for _, e := range []string{"ann@example.com", "bob@example.com", "last@example.com"} {
		srv.refuse[e] = schema.Problem{Status: 403, Code: schema.CodeForbidden, Detail: "this token may not invite"}
	}
	env.F.Client = srv.ClientFunc()
	err := clitest.Run(NewCmdInvite(env.F, nil), "--csv "+writeFile(t, "p.csv", people)+" --batch-size 1 --concurrency 1")
	if cmdutil.ExitCode(err) != cmdutil.ExitAuth {
		t.Errorf("err %v, want exit 4", err)
	}
	if len(srv.keys) != 1 || !strings.Contains(env.Stderr(), "line 5 last@example.com: skipped: not sent") {
		t.Errorf("%d sent; stderr:\n%s", len(srv.keys), env.Stderr())
	}
}

func TestInviteCSV_RetriesRateLimitedRows(t *testing.T) {
	env := clitest.NewEnv(t)
	srv := clitest.NewServer(t)
	var calls int
	srv.Handle("POST", "/api/v1/invites/batch", func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls == 1 {
			w.Header().Set("Retry-After", "0")
			clitest.Problem(w, 429, schema.CodeRateLimited, "slow down")
			return
		}
		clitest.WriteJSON(w, 200, schema.InviteBatchResponse{Results: []schema.InviteBatchResult{
			{Index: 0, Status: schema.BatchInvited, Invite: &schema.Invite{Email: "ann@example.com"}}}})
	})
	env.F.Client = srv.ClientFunc()
	err := clitest.Run(NewCmdInvite(env.F, nil), "--csv "+writeFile(t, "p.csv", "name,email,roles,licenses\nAnn,ann@example.com,user,flow\n"))
	if err != nil || calls != 2 {
		t.Errorf("err %v, calls %d", err, calls)
	}
}

func TestInviteCSV_Concurrency(t *testing.T) {
	env := clitest.NewEnv(t)
	srv := newInviteServer(t)
	env.F.Client = srv.ClientFunc()
	var b strings.Builder
	b.WriteString("name,email,roles,licenses\n")
	for i := range 40 {
		b.WriteString("Person,p" + string(rune('a'+i%26)) + string(rune('a'+i/26)) + "@example.com,user,flow\n")
	}
	out := filepath.Join(t.TempDir(), "r.csv")
	if err := clitest.Run(NewCmdInvite(env.F, nil), "--csv "+writeFile(t, "p.csv", b.String())+" --concurrency 8 --report "+out+" -o json"); err != nil {
		t.Fatal(err)
	}
	var outcomes []struct {
		bulk.Outcome
		Invite *schema.Invite `json:"invite"`
	}
	if err := json.Unmarshal([]byte(env.Stdout()), &outcomes); err != nil || len(outcomes) != 40 {
		t.Fatalf("%d outcomes (%v)\n%s", len(outcomes), err, env.Stdout())
	}
	for i, o := range outcomes {
		if o.Line != i+2 || o.Status != "invited" || o.Invite == nil || o.Invite.Email != o.Email {
			t.Errorf("outcome %d: %+v, invite %+v; want line %d invited, with its invite", i, o.Outcome, o.Invite, i+2)
		}
	}
}

func TestInviteCSV_BadHeaderIsUsageError(t *testing.T) {
	env := clitest.NewEnv(t)
	err := clitest.Run(NewCmdInvite(env.F, nil), "--csv "+writeFile(t, "p.csv", "name,mail,roles,licenses\n"))
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), CSVHeader) {
		t.Errorf("err %v", err)
	}
	err = clitest.Run(NewCmdInvite(env.F, nil), "--csv /nonexistent/p.csv")
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Errorf("missing file: %v", err)
	}
}

// The summary lists the failed lines only when the failures are about rows;
// --resume (the file's journal) continues after any failure.
func TestInviteCSV_NextStepFitsTheFailure(t *testing.T) {
	tests := []struct {
		name       string
		refuse     *schema.Problem
		flags      string
		wantCode   int
		wantNext   string
		wantAbsent []string
	}{
		{name: "row failures without a report: run the file again", flags: "",
			wantCode: cmdutil.ExitPartial, wantNext: "Failed lines: 4; fix it and run 'wsctl users invite --csv ",
			wantAbsent: []string{"--report"}},
		{name: "row failures with a report: resume", flags: "--report REPORT",
			wantCode: cmdutil.ExitPartial, wantNext: "--resume' to send only the rows not done yet"},
		{name: "signup mode on stops the run: no row to fix", refuse: &schema.Problem{Status: 409, Code: schema.CodeSignupModeOn, Detail: "invites are refused while users can sign up on their own"},
			wantCode: cmdutil.ExitError, wantNext: "run the same command with --resume", wantAbsent: []string{"Failed lines", "--report"}},
		{name: "forbidden stops the run", refuse: &schema.Problem{Status: 403, Code: schema.CodeForbidden, Detail: "only admins can do this"}, flags: "--report REPORT",
			wantCode: cmdutil.ExitAuth, wantAbsent: []string{"Failed lines"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := clitest.NewEnv(t)
			srv := newInviteServer(t)
			if tt.refuse != nil {
				for _, e := range []string{"ann@example.com", "bob@example.com", "last@example.com"} {
					srv.refuse[e] = *tt.refuse
				}
			}
			env.F.Client = srv.ClientFunc()
			report := writeFile(t, "report.csv", "")
			flags := strings.ReplaceAll(tt.flags, "REPORT", report)
			err := clitest.Run(NewCmdInvite(env.F, nil), "--csv "+writeFile(t, "people.csv", people)+" "+flags)
			if cmdutil.ExitCode(err) != tt.wantCode {
				t.Fatalf("err %v, want exit %d", err, tt.wantCode)
			}
			stderr := env.Stderr()
			if !strings.Contains(stderr, strings.ReplaceAll(tt.wantNext, "REPORT", report)) {
				t.Errorf("stderr lacks %q:\n%s", tt.wantNext, stderr)
			}
			for _, absent := range tt.wantAbsent {
				if strings.Contains(stderr, absent) && !strings.Contains(flags, absent) {
					t.Errorf("stderr has %q:\n%s", absent, stderr)
				}
			}
		})
	}
}

func TestInviteHelp_DocumentsTheRowReportOfMachineOutput(t *testing.T) {
	cmd := NewCmdInvite(clitest.NewEnv(t).F, nil)
	for _, want := range []string{"-o json", "line, email, status, error", "invite", "name,email,roles,licenses", "FILE.users-invite.wsctl-journal"} {
		if !strings.Contains(cmd.Long, want) {
			t.Errorf("help lacks %q", want)
		}
	}
	if label := regexp.MustCompile(`\bR[0-9]+\b`).FindString(cmd.Long + cmd.Example); label != "" {
		t.Errorf("help cites the rule label %s:\n%s", label, cmd.Long)
	}
}

// A single invite carries the key a CSV row of the same person would
// have, and is sent again after a transient failure: a 503, then the
// server's answer lost with a dropped connection — the repeat is the
// server's replay, and this run reports it as its own invite.
func TestInvite_One_RetriedWithTheSameKey_ReplayIsThisRunsInvite(t *testing.T) {
	env := clitest.NewEnv(t)
	srv := clitest.NewServer(t)
	calls := 0
	srv.Handle("POST", "/api/v1/invites", func(w http.ResponseWriter, r *http.Request) {
		calls++
		switch calls {
		case 1:
			clitest.WriteJSON(w, http.StatusServiceUnavailable, schema.Problem{Status: 503, Code: "unavailable", Detail: "try again"})
		default:
			w.Header().Set(schema.HeaderIdempotentReplay, "true")
			clitest.WriteJSON(w, http.StatusOK, schema.Invite{ID: "inv_1", Name: "Ann", Email: "ann@example.com", Roles: []string{"user"}, Licenses: []string{"flow"}, Status: "pending"})
		}
	})
	env.F.Client = srv.ClientFunc()
	if err := clitest.Run(NewCmdInvite(env.F, nil), "--name Ann --email ann@example.com --role user --license flow"); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2 (one retry)", len(reqs))
	}
	k1, k2 := reqs[0].Header.Get(schema.HeaderIdempotencyKey), reqs[1].Header.Get(schema.HeaderIdempotencyKey)
	if k1 == "" || k1 != k2 {
		t.Errorf("idempotency keys %q and %q, want one key on both", k1, k2)
	}
	if !strings.Contains(env.Stderr(), "Invited ann@example.com") {
		t.Errorf("stderr %q, want this run's invite", env.Stderr())
	}

	// Run again later (a person unsure it worked): the same key, and the
	// server's replay says it was done before.
	env2 := clitest.NewEnv(t)
	env2.F.Client = srv.ClientFunc()
	if err := clitest.Run(NewCmdInvite(env2.F, nil), "--name Ann --email ann@example.com --role user --license flow"); err != nil {
		t.Fatal(err)
	}
	if got := srv.Requests()[2].Header.Get(schema.HeaderIdempotencyKey); got != k1 {
		t.Errorf("a re-run's key %q, want %q", got, k1)
	}
	if !strings.Contains(env2.Stderr(), "Already invited ann@example.com") {
		t.Errorf("stderr %q, want already invited", env2.Stderr())
	}
}
