package bulk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/clitest"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/client"
)

// testVerb is a verb over files of email[,note]: each row is sent to POST
// /invites/batch of a rowServer. Its outcomes are "done" and "replayed"
// (the server saw the row's key before).
func testVerb(name string) Verb[schema.InviteBatchItem] {
	return Verb[schema.InviteBatchItem]{
		Name:     name,
		Doing:    "Testing",
		Columns:  Columns{Required: []string{"email"}, Optional: []string{"note"}, Key: "email"},
		Statuses: []Status{{Name: "done", Action: "do"}, {Name: "replayed", Summary: "already done", Row: "already done by an earlier run"}},
		Object:   "invite",
		Item: func(rec Record) Item[schema.InviteBatchItem] {
			email := rec.Get("email")
			key := "key-" + strings.ToLower(email)
			return Item[schema.InviteBatchItem]{Key: key, Email: email, Request: schema.InviteBatchItem{
				InviteRequest: schema.InviteRequest{Name: rec.Get("note"), Email: email}, IdempotencyKey: key}}
		},
		Send: func(ctx context.Context, c *client.Client, items []schema.InviteBatchItem) ([]Result, error) {
			out, err := c.SendInviteBatch(ctx, schema.InviteBatchRequest{Invites: items})
			if err != nil {
				return nil, err
			}
			return testResults(out.Results), nil
		},
		Preview: func(ctx context.Context, c *client.Client, items []schema.InviteBatchItem) (Preview, error) {
			out, err := c.SendInviteBatch(ctx, schema.InviteBatchRequest{Invites: items, DryRun: true})
			if err != nil {
				return Preview{}, err
			}
			return Preview{Results: testResults(out.Results), Fields: map[string]any{"licenses": out.Licenses}, Notes: []string{"a note of the verb"}}, nil
		},
	}
}

func testResults(results []schema.InviteBatchResult) []Result {
	out := make([]Result, len(results))
	for i, r := range results {
		switch {
		case r.Status == "failed" && r.Error.Code == schema.CodeSignupModeOn:
			out[i] = Result{Kind: Refused, Error: r.Error.Detail, Stop: &client.APIError{Status: 409, Problem: *r.Error}}
		case r.Status == "failed":
			out[i] = Result{Kind: Refused, Error: r.Error.Detail}
		default:
			out[i] = Result{Kind: Done, Status: r.Status, Object: r.Invite, Notices: r.Invite.Notices}
		}
	}
	return out
}

// rowServer is a loopback stand-in for the API of a batch route: it does
// every row (replaying a key it saw), refuses the emails in refuse, and
// lets hook take over a request (n counts from 1) before that.
type rowServer struct {
	*clitest.Server
	mu       sync.Mutex
	requests []schema.InviteBatchRequest
	seen     map[string]bool
	refuse   map[string]schema.Problem
	notices  map[string][]string
	hook     func(n int, w http.ResponseWriter) bool
}

func newRowServer(t *testing.T) *rowServer {
	s := &rowServer{Server: clitest.NewServer(t), seen: map[string]bool{}, refuse: map[string]schema.Problem{}, notices: map[string][]string{}}
	s.Handle("POST", "/api/v1/invites/batch", func(w http.ResponseWriter, r *http.Request) {
		var req schema.InviteBatchRequest
		_ = json.NewDecoder(r.Body).Decode(&req)
		s.mu.Lock()
		s.requests = append(s.requests, req)
		n, hook := len(s.requests), s.hook
		s.mu.Unlock()
		if hook != nil && hook(n, w) {
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		out := schema.InviteBatchResponse{DryRun: req.DryRun, Licenses: []schema.LicensePool{{Product: "flow", Total: 3}}}
		for i, it := range req.Invites {
			res := schema.InviteBatchResult{Index: i, Status: "done", Invite: &schema.Invite{Email: it.Email, Status: "pending", Notices: s.notices[it.Email]}}
			if p, ok := s.refuse[it.Email]; ok {
				res = schema.InviteBatchResult{Index: i, Status: "failed", Error: &p}
			} else if s.seen[it.IdempotencyKey] {
				res.Status = "replayed"
			}
			if !req.DryRun && res.Status == "done" {
				s.seen[it.IdempotencyKey] = true
			}
			out.Results = append(out.Results, res)
		}
		clitest.WriteJSON(w, 200, out)
	})
	return s
}

// sent lists the emails of the rows each request sent, in order.
func (s *rowServer) sent() [][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out [][]string
	for _, r := range s.requests {
		var emails []string
		for _, it := range r.Invites {
			emails = append(emails, it.Email)
		}
		out = append(out, emails)
	}
	return out
}

func (s *rowServer) sentRows() []string { return slices.Concat(s.sent()...) }

// testRun is a run's options over a test Env, one worker, no real waits.
func testRun(t *testing.T, srv *rowServer) (Options, *clitest.Env) {
	env := clitest.NewEnv(t)
	o := Options{IO: env.IO, Client: srv.ClientFunc(), Output: cmdutil.OutputOptions{Format: cmdutil.FormatTable},
		Flags: Flags{Concurrency: 1, BatchRows: DefaultBatchRows},
		Retry: Retry{Attempts: 3, wait: func(context.Context, time.Duration) error { return nil }}}
	return o, env
}

func writeCSV(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func emails(n int) string {
	var b strings.Builder
	b.WriteString("email\n")
	for i := range n {
		fmt.Fprintf(&b, "p%02d@example.com\n", i)
	}
	return b.String()
}

// Workers finish in any order; the outcomes come in the file's, to stderr,
// the report, the -o json list (with the API's object under the verb's
// name) and --failed (the failed and invalid rows as the file has them).
func TestRun_OutcomesInFileOrderEverywhere(t *testing.T) {
	srv := newRowServer(t)
	srv.refuse["p07@example.com"] = schema.Problem{Status: 409, Code: schema.CodeEmailTaken, Detail: "p07@example.com is already a user"}
	srv.notices["p03@example.com"] = []string{"that was the last flow license: 3 of 3 in use"}
	input := "note,email\n" + "\"quoted, note\",p07@example.com\n" + ",p01@example.com\n" + ",p01@EXAMPLE.com\n" + "no email,\n"
	for i := 2; i < 30; i++ {
		input += fmt.Sprintf(",p%02d@example.com\n", i)
	}
	o, env := testRun(t, srv)
	dir := t.TempDir()
	o.File, o.Concurrency, o.BatchRows = writeCSV(t, "p.csv", input), 4, 3
	o.Report, o.Failed = filepath.Join(dir, "report.csv"), filepath.Join(dir, "failed.csv")
	o.Output.Format = cmdutil.FormatJSON
	err := Run(context.Background(), testVerb("users test"), o)
	if cmdutil.ExitCode(err) != cmdutil.ExitPartial {
		t.Fatalf("err %v, want exit 3\n%s", err, env.Stderr())
	}
	clitest.WantLines(t, env.Stderr(),
		"line 2 p07@example.com: failed: p07@example.com is already a user\n",
		"line 3 p01@example.com: done\n",
		"line 4 p01@EXAMPLE.com: invalid: email: p01@EXAMPLE.com is already on line 3 of this file\n",
		"line 5: invalid: email: is required\n",
		"line 7 p03@example.com: done\nwarning: line 7 p03@example.com: that was the last flow license: 3 of 3 in use\n",
		"\n32 rows: 28 done, 0 already done, 0 skipped, 4 failed",
		"Report written to "+o.Report,
		"The 4 failed rows are in "+o.Failed+", with the header of "+o.File+": fix them there and run 'wsctl users test --csv "+o.Failed+"'",
		"line 11 p07@example.com: invalid: email: p07@example.com is already on line 2 of this file\n",
		"Failed lines: 2, 4, 5, 11; fix them and run 'wsctl users test --csv "+o.File+" --resume' to send only the rows not done yet",
	)
	var outcomes []struct {
		Line   int            `json:"line"`
		Status string         `json:"status"`
		Invite *schema.Invite `json:"invite"`
	}
	if err := json.Unmarshal([]byte(env.Stdout()), &outcomes); err != nil || len(outcomes) != 32 {
		t.Fatalf("stdout: %v\n%s", err, env.Stdout())
	}
	for i, o := range outcomes {
		if o.Line != i+2 || (o.Status == "done") != (o.Invite != nil) {
			t.Errorf("outcome %d: %+v", i, o)
		}
	}
	report, _ := os.ReadFile(o.Report)
	if lines := strings.Split(string(report), "\n"); len(lines) != 34 || lines[0] != "line,email,status,error" || lines[1] != "2,p07@example.com,failed,p07@example.com is already a user" || lines[4] != "5,,invalid,email: is required" {
		t.Errorf("report:\n%s", report)
	}
	failed, _ := os.ReadFile(o.Failed)
	if string(failed) != "note,email\n\"quoted, note\",p07@example.com\n,p01@EXAMPLE.com\nno email,\n,p07@example.com\n" {
		t.Errorf("failed rows:\n%s", failed)
	}
}

// Batches hold at most --batch-size rows and maxBatchBytes of JSON; a row
// larger than any request may hold is invalid, not sent.
func TestRun_BatchesByRowsAndBytes(t *testing.T) {
	note := strings.Repeat("n", 300<<10)
	huge := strings.Repeat("h", maxBatchBytes)
	tests := []struct {
		name      string
		input     string
		batchRows int
		want      []int // rows per request
		invalid   string
	}{
		{"rows", emails(10), 4, []int{4, 4, 2}, ""},
		{"bytes", "email,note\n" + strings.Repeat(",x\n", 0) + fmt.Sprintf("a@example.com,%[1]s\nb@example.com,%[1]s\nc@example.com,%[1]s\nd@example.com,%[1]s\ne@example.com,%[1]s\n", note), 1000, []int{2, 2, 1}, ""},
		{"a row too large", fmt.Sprintf("email,note\na@example.com,%s\nb@example.com,\n", huge), 1000, []int{1}, "line 2 a@example.com: invalid: the row takes 900 KiB of JSON, more than a request may hold (900 KiB): shorten its cells"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRowServer(t)
			o, env := testRun(t, srv)
			o.File, o.BatchRows = writeCSV(t, "p.csv", tt.input), tt.batchRows
			err := Run(context.Background(), testVerb("users test"), o)
			if (tt.invalid == "") != (err == nil) {
				t.Errorf("err %v", err)
			}
			var got []int
			for _, b := range srv.sent() {
				got = append(got, len(b))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("rows per request %v, want %v", got, tt.want)
			}
			for _, r := range srv.Requests() {
				if len(r.Body) > maxBatchBytes+200 {
					t.Errorf("a request of %d bytes", len(r.Body))
				}
			}
			if tt.invalid != "" {
				clitest.WantLines(t, env.Stderr(), tt.invalid)
			}
		})
	}
}

// A 429, or a 503 with Retry-After from an overloaded server, pauses every
// worker for its Retry-After, not only the one that met it: once it is
// seen, every request waits first. The waits are recorded, not slept.
func TestRun_RetryAfterPausesEveryWorker(t *testing.T) {
	for _, tt := range []struct {
		status int
		code   string
	}{
		{http.StatusTooManyRequests, schema.CodeRateLimited},
		{http.StatusServiceUnavailable, schema.CodeOverloaded},
	} {
		t.Run(tt.code, func(t *testing.T) {
			srv := newRowServer(t)
			var mu sync.Mutex
			var waits []time.Duration
			limited := make(chan struct{})
			var once sync.Once
			srv.hook = func(n int, w http.ResponseWriter) bool {
				switch n {
				case 1:
					w.Header().Set("Retry-After", "30")
					clitest.Problem(w, tt.status, tt.code, "slow down")
					return true
				case 2: // the other worker's first request: answered once the first answer is seen
					select {
					case <-limited:
					case <-time.After(10 * time.Second):
					}
				}
				return false
			}
			o, env := testRun(t, srv)
			o.File, o.Concurrency, o.BatchRows = writeCSV(t, "p.csv", emails(6)), 2, 1
			o.Retry.wait = func(_ context.Context, d time.Duration) error {
				mu.Lock()
				waits = append(waits, d)
				mu.Unlock()
				once.Do(func() { close(limited) })
				return nil
			}
			if err := Run(context.Background(), testVerb("users test"), o); err != nil {
				t.Fatalf("err %v\n%s", err, env.Stderr())
			}
			requests := len(srv.sent())
			long, exact := 0, false
			for _, d := range waits {
				if d > 25*time.Second {
					long++
				}
				exact = exact || d == 30*time.Second
			}
			// Every request after the first two waited, and so did the retry of the first.
			if requests != 7 || long < requests-2+1 || !exact {
				t.Errorf("%d requests, waits %v; want 7 requests, each after the %d preceded by a wait of about 30s", requests, waits, tt.status)
			}
			clitest.WantLines(t, env.Stderr(), "6 rows: 6 done, 0 already done, 0 skipped, 0 failed")
		})
	}
}

// 5xx answers and dropped connections are retried with backoff; when the
// attempts run out, the batch's rows fail (not the run) and the summary
// names them.
func TestRun_RetriesTransientFailures(t *testing.T) {
	dropped := func(w http.ResponseWriter) {
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			_ = conn.Close()
		}
	}
	tests := []struct {
		name     string
		attempts int
		fail     func(n int, w http.ResponseWriter) bool
		wantCode int
		want     string
	}{
		{"two 503s, then through", 3, func(n int, w http.ResponseWriter) bool {
			if n <= 2 {
				clitest.Problem(w, 503, schema.CodeUnavailable, "the database does not answer")
			}
			return n <= 2
		}, 0, "3 rows: 3 done"},
		{"a dropped connection, then through", 3, func(n int, w http.ResponseWriter) bool {
			if n == 1 {
				dropped(w)
			}
			return n == 1
		}, 0, "3 rows: 3 done"},
		{"500s past the attempts", 2, func(n int, w http.ResponseWriter) bool {
			clitest.Problem(w, 500, schema.CodeInternal, "boom")
			return true
		}, cmdutil.ExitPartial, "line 2 p00@example.com: failed: server error: boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRowServer(t)
			srv.hook = tt.fail
			o, env := testRun(t, srv)
			o.File, o.Retry.Attempts = writeCSV(t, "p.csv", emails(3)), tt.attempts
			err := Run(context.Background(), testVerb("users test"), o)
			if cmdutil.ExitCode(err) != tt.wantCode {
				t.Errorf("err %v, want exit %d", err, tt.wantCode)
			}
			clitest.WantLines(t, env.Stderr(), tt.want)
			if tt.wantCode == cmdutil.ExitPartial {
				clitest.WantLines(t, env.Stderr(), "3 rows: 0 done, 0 already done, 0 skipped, 3 failed", "Failed lines: 2-4;")
			}
		})
	}
}

// An error every row would meet stops the run: nothing more is sent, the
// rows not sent are skipped, and the summary says how to go on.
func TestRun_StopsOnForbidden(t *testing.T) {
	srv := newRowServer(t)
	srv.hook = func(n int, w http.ResponseWriter) bool {
		clitest.Problem(w, 403, schema.CodeForbidden, "this token may not do this")
		return true
	}
	o, env := testRun(t, srv)
	o.File, o.Concurrency, o.BatchRows = writeCSV(t, "p.csv", emails(8)), 2, 1
	err := Run(context.Background(), testVerb("users test"), o)
	if cmdutil.ExitCode(err) != cmdutil.ExitAuth || !strings.HasPrefix(err.Error(), "users test stopped: ") {
		t.Fatalf("err %v, want exit 4", err)
	}
	sent := len(srv.sent())
	if sent < 1 || sent > 2 {
		t.Errorf("%d requests; want those in flight only (at most 2)", sent)
	}
	clitest.WantLines(t, env.Stderr(),
		"line 9 p07@example.com: skipped: not sent: the run stopped",
		fmt.Sprintf("8 rows: 0 done, 0 already done, %d skipped, %d failed", 8-sent, sent),
		"The run stopped before the end of the file. Once the error below is dealt with, run the same command with --resume")
	if strings.Contains(env.Stderr(), "Failed lines") {
		t.Errorf("a stopped run points at lines:\n%s", env.Stderr())
	}
}

// A row refused for a reason every row would meet (Result.Stop) stops the
// run too, with that reason.
func TestRun_StopResult(t *testing.T) {
	srv := newRowServer(t)
	srv.refuse["p01@example.com"] = schema.Problem{Status: 409, Code: schema.CodeSignupModeOn, Detail: "invites are refused while users can sign up on their own"}
	o, env := testRun(t, srv)
	o.File, o.BatchRows = writeCSV(t, "p.csv", emails(5)), 1
	err := Run(context.Background(), testVerb("users test"), o)
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.Code() != schema.CodeSignupModeOn || cmdutil.ExitCode(err) != cmdutil.ExitError {
		t.Fatalf("err %v", err)
	}
	if got := srv.sentRows(); !slices.Equal(got, []string{"p00@example.com", "p01@example.com"}) {
		t.Errorf("sent %v", got)
	}
	clitest.WantLines(t, env.Stderr(), "line 3 p01@example.com: failed: invites are refused", "line 6 p04@example.com: skipped: not sent: the run stopped")
}

func TestStopsRun(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{StopRun(errors.New("sign-up mode is on")), true},
		{fmt.Errorf("send: %w", StopRun(errors.New("x"))), true},
		{&client.APIError{Status: 401}, true},
		{&client.APIError{Status: 403}, true},
		{&client.TransportError{Err: errors.New("connection refused")}, true},
		{&client.APIError{Status: 409}, false},
		{&client.APIError{Status: 500}, false},
		{errors.New("3 results for 4 rows"), false},
	} {
		if got := stopsRun(c.err); got != c.want {
			t.Errorf("stopsRun(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

// Ctrl-C (ctx cancelled) lets the requests in flight finish, sends nothing
// more, and leaves a journal of what was done: --resume sends exactly the
// rest, and removes the journal once every row is done.
func TestRun_InterruptThenResume(t *testing.T) {
	srv := newRowServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv.hook = func(n int, w http.ResponseWriter) bool {
		if n == 1 {
			cancel() // Ctrl-C while the first batch is in flight
		}
		return false
	}
	o, env := testRun(t, srv)
	path := writeCSV(t, "p.csv", emails(6))
	o.File, o.BatchRows = path, 2
	err := Run(ctx, testVerb("users test"), o)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want interrupted", err)
	}
	if got := srv.sentRows(); !slices.Equal(got, []string{"p00@example.com", "p01@example.com"}) {
		t.Errorf("sent %v; want the batch in flight only", got)
	}
	journal := path + ".users-test.wsctl-journal"
	b, err := os.ReadFile(journal)
	if n := strings.Count(string(b), "\n"); err != nil || n != 2 || !strings.Contains(string(b), "\t2\tp00@example.com\n") {
		t.Errorf("journal (%v):\n%s", err, b)
	}
	clitest.WantLines(t, env.Stderr(),
		"Interrupted: finishing the requests in flight and writing the journal",
		"6 rows: 2 done, 0 already done, 4 skipped, 0 failed",
		"Interrupted. What was done is recorded in "+journal+": run the same command with --resume to send the rest.")

	srv.hook = nil
	o, env = testRun(t, srv)
	o.File, o.Resume = path, true
	if err := Run(context.Background(), testVerb("users test"), o); err != nil {
		t.Fatalf("resume: %v\n%s", err, env.Stderr())
	}
	if got := srv.sent(); len(got) != 2 || !slices.Equal(got[1], []string{"p02@example.com", "p03@example.com", "p04@example.com", "p05@example.com"}) {
		t.Errorf("resume sent %v; want the 4 rows not done", got)
	}
	clitest.WantLines(t, env.Stderr(), "line 2 p00@example.com: skipped: done in an earlier run (--resume)", "6 rows: 4 done, 0 already done, 2 skipped, 0 failed")
	if _, err := os.Stat(journal); !os.IsNotExist(err) {
		t.Errorf("the journal of a finished run is left behind: %v", err)
	}
}

// Each verb has its own journal of a file: --resume of one never skips the
// rows another did.
func TestRun_JournalIsPerVerb(t *testing.T) {
	srv := newRowServer(t)
	srv.refuse["p02@example.com"] = schema.Problem{Status: 409, Code: schema.CodeEmailTaken, Detail: "taken"}
	path := writeCSV(t, "p.csv", emails(3))
	run := func(verb string, resume bool) string {
		t.Helper()
		o, env := testRun(t, srv)
		o.File, o.Resume = path, resume
		_ = Run(context.Background(), testVerb(verb), o)
		return env.Stderr()
	}
	run("users invite", false) // p00, p01 done; p02 refused: the journal stays
	if _, err := os.Stat(path + ".users-invite.wsctl-journal"); err != nil {
		t.Fatal(err)
	}
	before := len(srv.sentRows())
	stderr := run("users deactivate", true)
	if got := srv.sentRows()[before:]; len(got) != 3 {
		t.Errorf("deactivate --resume sent %v; the invite journal made it skip rows", got)
	}
	clitest.WantLines(t, stderr, "No journal of an earlier run of users deactivate over "+path+": every row is sent.")

	delete(srv.refuse, "p02@example.com")
	before = len(srv.sentRows())
	stderr = run("users invite", true)
	if got := srv.sentRows()[before:]; !slices.Equal(got, []string{"p02@example.com"}) {
		t.Errorf("invite --resume sent %v, want p02 only\n%s", got, stderr)
	}
}

// A file on stdin is checked whole, then sent; its journal is in the state
// directory, named by a hash of the input: the same input sent again with
// --resume skips the rows done, another input finds no journal.
func TestRun_Stdin(t *testing.T) {
	state, tmp := t.TempDir(), t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	t.Setenv("TMPDIR", tmp)
	srv := newRowServer(t)
	srv.refuse["p01@example.com"] = schema.Problem{Status: 409, Code: schema.CodeEmailTaken, Detail: "taken"}
	run := func(input string, resume bool) (string, error) {
		t.Helper()
		o, env := testRun(t, srv)
		o.File, o.Resume = Stdin, resume
		env.IO.In = strings.NewReader(input)
		err := Run(context.Background(), testVerb("users test"), o)
		return env.Stderr(), err
	}
	stderr, err := run(emails(3), false)
	if cmdutil.ExitCode(err) != cmdutil.ExitPartial {
		t.Fatalf("err %v\n%s", err, stderr)
	}
	clitest.WantLines(t, stderr, "line 3 p01@example.com: failed: taken", "Failed lines: 3; fix it and send it again (--failed FILE writes the failed rows ready to fix)")
	journals, _ := filepath.Glob(filepath.Join(state, "wsctl", "journals", "stdin-*.users-test.wsctl-journal"))
	if len(journals) != 1 {
		t.Fatalf("journals of stdin: %v", journals)
	}

	delete(srv.refuse, "p01@example.com")
	before := len(srv.sentRows())
	if stderr, err = run(emails(3), true); err != nil {
		t.Fatalf("resume: %v\n%s", err, stderr)
	}
	if got := srv.sentRows()[before:]; !slices.Equal(got, []string{"p01@example.com"}) {
		t.Errorf("resume of the same input sent %v, want p01 only", got)
	}
	before = len(srv.sentRows())
	stderr, _ = run(emails(4), true)
	if got := srv.sentRows()[before:]; len(got) != 4 {
		t.Errorf("another input sent %v, want every row", got)
	}
	clitest.WantLines(t, stderr, "No journal of an earlier run of users test over stdin: every row is sent.")
	if left, _ := filepath.Glob(filepath.Join(tmp, "*")); len(left) != 0 {
		t.Errorf("copies of stdin left behind: %v", left)
	}
}

// A file that cannot be sent is a usage error before the client is made.
func TestRun_BadFileIsUsageErrorBeforeAnyRequest(t *testing.T) {
	for name, input := range map[string]string{
		"bad header":     "mail\nann@example.com\n",
		"malformed line": "email\nann@example.com\n\"bob@example.com\n",
		"no rows":        "email\n",
	} {
		t.Run(name, func(t *testing.T) {
			o, _ := testRun(t, newRowServer(t))
			o.Client = func() (*client.Client, error) { t.Error("the client was made"); return nil, errors.New("no") }
			o.File = writeCSV(t, "p.csv", input)
			if err := Run(context.Background(), testVerb("users test"), o); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
				t.Errorf("err %v, want exit 2", err)
			}
		})
	}
}

// The summary speaks of one row as one row.
func TestRun_SummaryOfOneRow(t *testing.T) {
	srv := newRowServer(t)
	o, env := testRun(t, srv)
	o.File = writeCSV(t, "p.csv", "email\np01@example.com\n")
	if err := Run(context.Background(), testVerb("users test"), o); err != nil {
		t.Fatal(err)
	}
	clitest.WantLines(t, env.Stderr(), "\n1 row: 1 done, 0 already done, 0 skipped, 0 failed in ")

	srv.refuse["p00@example.com"] = schema.Problem{Status: 409, Code: schema.CodeEmailTaken, Detail: "taken"}
	o, env = testRun(t, srv)
	o.File, o.Failed = writeCSV(t, "q.csv", emails(2)), filepath.Join(t.TempDir(), "failed.csv")
	_ = Run(context.Background(), testVerb("users test"), o)
	clitest.WantLines(t, env.Stderr(),
		"line 3 p01@example.com: already done by an earlier run",
		"2 rows: 0 done, 1 already done, 0 skipped, 1 failed",
		"The failed row is in "+o.Failed+", with the header of "+o.File+": fix it there and run",
		"Failed lines: 2; fix it and run")
}
