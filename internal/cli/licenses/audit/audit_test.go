package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/clitest"
	"github.com/wsctl/wsctl/internal/cli/clitest/livetest"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/client"
	"github.com/wsctl/wsctl/internal/workspace"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from what the command prints")

func TestNewCmdAudit_Flags(t *testing.T) {
	days := func(n int) *int { return &n }
	tests := []struct {
		argv     string
		maxUsed  []schema.UsageLimit
		idle     *int
		stale    *int
		junit    string
		wantCode int
	}{
		{argv: ""},
		{argv: "--max-used 90", maxUsed: []schema.UsageLimit{{Percent: 90}}},
		{argv: "--max-used flow=80 --max-used 90", maxUsed: []schema.UsageLimit{{Product: "flow", Percent: 80}, {Percent: 90}}},
		{argv: "--max-used flow=80,agent-dialer=92.5", maxUsed: []schema.UsageLimit{{Product: "flow", Percent: 80}, {Product: "agent-dialer", Percent: 92.5}}},
		{argv: "--idle-days 30 --stale-invite-days 14 --junit report.xml", idle: days(30), stale: days(14), junit: "report.xml"},
		{argv: "--idle-days 0", idle: days(0)}, // the server says what days it takes
		{argv: "--max-used eighty", wantCode: cmdutil.ExitUsage},
		{argv: "--max-used =80", wantCode: cmdutil.ExitUsage},
		{argv: "--max-used flow=", wantCode: cmdutil.ExitUsage},
		{argv: "--max-used flow=80%", wantCode: cmdutil.ExitUsage},
		{argv: "--max-used flow:80", wantCode: cmdutil.ExitUsage},
		{argv: "--max-used flow=8=0", wantCode: cmdutil.ExitUsage},
		{argv: "--max-used -5", wantCode: cmdutil.ExitUsage},
		{argv: "--max-used", wantCode: cmdutil.ExitUsage},
		{argv: "--idle-days soon", wantCode: cmdutil.ExitUsage},
		{argv: "--stale-invite-days 1.5", wantCode: cmdutil.ExitUsage},
		{argv: "-o xml", wantCode: cmdutil.ExitUsage},
		{argv: "flow", wantCode: cmdutil.ExitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.argv, func(t *testing.T) {
			env := clitest.NewEnv(t) // fails the test if the command calls the API
			var got *AuditOptions
			err := clitest.Run(NewCmdAudit(env.F, func(o *AuditOptions) error { got = o; return nil }), tt.argv)
			if tt.wantCode != 0 {
				if code := cmdutil.ExitCode(err); code != tt.wantCode || got != nil {
					t.Fatalf("err %v: exit %d, want %d", err, code, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.MaxUsed, tt.maxUsed) || !sameDays(got.IdleDays, tt.idle) || !sameDays(got.StaleInviteDays, tt.stale) || got.JUnit != tt.junit {
				t.Errorf("options %+v (idle %v, stale %v)", got, deref(got.IdleDays), deref(got.StaleInviteDays))
			}
		})
	}
}

func sameDays(a, b *int) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func deref(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

// clock is the server's time, moved by the test.
type clock struct {
	mu sync.Mutex
	at time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.at
}

func (c *clock) set(at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at = at
}

// auditArgs find something of every kind in the workspace of findingsServer.
const auditArgs = "--max-used 90 --max-used parallel-dialer=20 --idle-days 7 --stale-invite-days 7"

// findingsServer is a real workspaced whose audit with auditArgs finds:
// flow 3 of 3 (above 90%), parallel-dialer 1 of 3 (above its 20%), ann
// holding flow and parallel-dialer without ever signing in in 10 days, cat's
// invite for flow pending for 10 days (resent), and bob inactive yet
// holding flow. dan signed in yesterday; agent-dialer is 1 of 3.
func findingsServer(t *testing.T) *livetest.Server {
	t.Helper()
	ctx := context.Background()
	start := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	clk := &clock{at: start}
	srv := livetest.NewAt(t, clk.now, map[string]int{"parallel-dialer": 3, "flow": 3, "agent-dialer": 3})
	srv.AddUser(t, "Ann Idle", "ann@acme.example", []string{"user"}, "flow", "parallel-dialer")
	bob := srv.AddUser(t, "Bob Gone", "bob@acme.example", []string{"user"}, "flow")
	dan := srv.AddUser(t, "Dan Daily", "dan@acme.example", []string{"user"}, "agent-dialer")
	admin, _ := srv.Client()
	if _, _, err := admin.Invite(ctx, schema.InviteRequest{Name: "Cat Late", Email: "cat@acme.example", Roles: []string{"user"}, Licenses: []string{"flow"}}, ""); err != nil {
		t.Fatal(err)
	}
	clk.set(start.Add(6 * 24 * time.Hour))
	if _, err := admin.ResendInvite(ctx, "cat@acme.example"); err != nil {
		t.Fatal(err)
	}
	clk.set(start.Add(9 * 24 * time.Hour))
	// Deactivation releases every license (R9): an inactive holder can
	// only be written directly, as a faulty import might have left one.
	err := srv.Svc.Store().Update(ctx, func(tx workspace.Tx) error {
		if err := tx.SetLastSignIn(ctx, srv.OrgID, dan.ID, clk.now()); err != nil {
			return err
		}
		u, err := tx.UserByID(ctx, srv.OrgID, bob.ID)
		if err != nil {
			return err
		}
		u.Active, u.Version = false, u.Version+1
		return tx.UpdateUser(ctx, u)
	})
	if err != nil {
		t.Fatal(err)
	}
	clk.set(start.Add(10 * 24 * time.Hour))
	return srv
}

var wantTSV = strings.Join([]string{
	"pool_above\tflow\tflow\t100% used (3 of 3: 2 assigned, 1 reserved), above 90%",
	"pool_above\tparallel-dialer\tparallel-dialer\t33.3% used (1 of 3: 1 assigned, 0 reserved), above 20%",
	"idle_holder\tflow\tann@acme.example\tnever signed in; added 2026-11-01, 10 days ago (more than 7)",
	"idle_holder\tparallel-dialer\tann@acme.example\tnever signed in; added 2026-11-01, 10 days ago (more than 7)",
	"stale_invite\tflow\tcat@acme.example\tinvited 2026-11-01, 10 days ago (more than 7), still pending until 2026-11-14",
	"inactive_holder\tflow\tbob@acme.example\tinactive, yet holds this license (deactivation releases every license; free it with 'wsctl users edit bob@acme.example --remove-license flow')",
}, "\n") + "\n"

func TestAuditRun_Outputs(t *testing.T) {
	srv := findingsServer(t)
	run := func(t *testing.T, argv string, tty bool) *clitest.Env {
		t.Helper()
		env := srv.Env(t)
		env.IO.SetStdoutTTY(tty)
		env.IO.SetWidth(300)
		err := clitest.Run(NewCmdAudit(env.F, nil), auditArgs+" "+argv)
		if code := cmdutil.ExitCode(err); code != cmdutil.ExitPartial {
			t.Fatalf("exit %d (%v), want %d: findings", code, err, cmdutil.ExitPartial)
		}
		return env
	}
	t.Run("piped: TSV", func(t *testing.T) {
		env := run(t, "", false)
		if env.Stdout() != wantTSV {
			t.Errorf("stdout:\n%s\nwant:\n%s", env.Stdout(), wantTSV)
		}
		clitest.WantLines(t, env.Stderr(), "6 findings in 12 checks",
			"'wsctl users edit EMAIL --remove-license PRODUCT'", "'wsctl invites revoke EMAIL'", "'wsctl licenses show'")
	})
	t.Run("terminal: table", func(t *testing.T) {
		lines := strings.Split(strings.TrimSuffix(run(t, "", true).Stdout(), "\n"), "\n")
		if len(lines) != 7 || strings.Join(strings.Fields(lines[0]), " ") != "KIND PRODUCT SUBJECT DETAIL" {
			t.Fatalf("table:\n%s", strings.Join(lines, "\n"))
		}
		if f := strings.Fields(lines[5]); f[0] != "stale_invite" || f[1] != "flow" || f[2] != "cat@acme.example" || !strings.HasSuffix(lines[5], "still pending until 2026-11-14") {
			t.Errorf("row %q", lines[5])
		}
	})
	t.Run("csv", func(t *testing.T) {
		out := run(t, "-o csv", false).Stdout()
		if !strings.HasPrefix(out, "kind,product,subject,detail\npool_above,flow,flow,\"100% used (3 of 3: 2 assigned, 1 reserved), above 90%\"\n") || strings.Count(out, "\n") != 7 {
			t.Errorf("csv:\n%s", out)
		}
	})
	t.Run("jq", func(t *testing.T) {
		out := run(t, `--jq '.findings[] | select(.kind == "inactive_holder") | .subject'`, false).Stdout()
		if out != "bob@acme.example\n" {
			t.Errorf("jq: %q", out)
		}
	})
	t.Run("yaml", func(t *testing.T) {
		out := run(t, "-o yaml", false).Stdout()
		clitest.WantLines(t, out, "findings:\n  - detail: '100% used", "    kind: pool_above\n", "pools:\n", "checks:\n")
	})
}

// The JSON of 'licenses audit -o json' is a contract for scripts: its
// shape is kept in testdata/audit.golden (go test -update rewrites it).
func TestAuditRun_JSONGolden(t *testing.T) {
	srv := findingsServer(t)
	env := srv.Env(t)
	err := clitest.Run(NewCmdAudit(env.F, nil), auditArgs+" -o json")
	if code := cmdutil.ExitCode(err); code != cmdutil.ExitPartial {
		t.Fatalf("exit %d (%v), want %d", code, err, cmdutil.ExitPartial)
	}
	golden := filepath.Join("testdata", "audit.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(env.Stdout()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if env.Stdout() != string(want) {
		t.Errorf("-o json differs from %s (if the change is meant, run go test -update and review the diff):\n%s", golden, env.Stdout())
	}
	// The names the issue promises scripts, whatever else is added.
	var doc struct {
		Findings []map[string]any `json:"findings"`
		Pools    []map[string]any `json:"pools"`
	}
	if err := json.Unmarshal(want, &doc); err != nil {
		t.Fatal(err)
	}
	for _, f := range doc.Findings {
		for _, k := range []string{"kind", "product", "subject", "detail"} {
			if _, ok := f[k]; !ok {
				t.Errorf("finding without %q: %v", k, f)
			}
		}
		if !slices.Contains(schema.FindingKinds(), f["kind"].(string)) {
			t.Errorf("unknown kind %v", f["kind"])
		}
	}
	for _, p := range doc.Pools {
		for _, k := range []string{"product", "name", "total", "assigned", "reserved", "available"} {
			if _, ok := p[k]; !ok {
				t.Errorf("pool without %q: %v", k, p)
			}
		}
	}
	if len(doc.Findings) != 6 || len(doc.Pools) != 3 {
		t.Errorf("%d findings and %d pools, want 6 and 3", len(doc.Findings), len(doc.Pools))
	}
}

// The pools of the audit are those of 'licenses show -o json'.
func TestAuditRun_PoolsAsLicensesShowPrintsThem(t *testing.T) {
	srv := findingsServer(t)
	env := srv.Env(t)
	_ = clitest.Run(NewCmdAudit(env.F, nil), "--jq .pools")
	c, _ := srv.Client()
	pools, err := c.Licenses(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []schema.LicensePool
	if err := json.Unmarshal([]byte(env.Stdout()), &got); err != nil {
		t.Fatalf("%v: %s", err, env.Stdout())
	}
	if !slices.Equal(got, pools) {
		t.Errorf("pools %+v, want %+v", got, pools)
	}
}

// What a CI system reads back from --junit: read here with structs of the
// JUnit format, not the writer's own.
type junitDoc struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Suites   []struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Cases    []struct {
			Name      string `xml:"name,attr"`
			Classname string `xml:"classname,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func readJUnit(t *testing.T, path string) junitDoc {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte(`<?xml version="1.0" encoding="UTF-8"?>`)) {
		t.Errorf("no XML declaration: %.60s", data)
	}
	var doc junitDoc
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("parse %s: %v\n%s", path, err, data)
	}
	return doc
}

func TestAuditRun_JUnit(t *testing.T) {
	srv := findingsServer(t)
	path := filepath.Join(t.TempDir(), "licenses.xml")
	env := srv.Env(t)
	err := clitest.Run(NewCmdAudit(env.F, nil), auditArgs+" --junit "+path)
	if code := cmdutil.ExitCode(err); code != cmdutil.ExitPartial {
		t.Fatalf("exit %d (%v), want %d", code, err, cmdutil.ExitPartial)
	}
	doc := readJUnit(t, path)
	if doc.Tests != 12 || doc.Failures != 6 || len(doc.Suites) != 4 {
		t.Fatalf("%d tests, %d failures, %d suites; want 12 checks (4 kinds × 3 products), 6 failing, 4 suites", doc.Tests, doc.Failures, len(doc.Suites))
	}
	var failed []string
	for i, s := range doc.Suites {
		if s.Name != schema.FindingKinds()[i] || s.Tests != 3 || len(s.Cases) != 3 {
			t.Errorf("suite %d: %s with %d tests, %d cases", i, s.Name, s.Tests, len(s.Cases))
		}
		n := 0
		for _, c := range s.Cases {
			if c.Classname != "licenses-audit."+s.Name || c.Name == "" {
				t.Errorf("case %q of class %q", c.Name, c.Classname)
			}
			if c.Failure != nil {
				n++
				failed = append(failed, c.Name)
				if c.Failure.Type != s.Name || c.Failure.Message == "" {
					t.Errorf("failure %+v", c.Failure)
				}
			}
		}
		if n != s.Failures {
			t.Errorf("suite %s says %d failures, has %d", s.Name, s.Failures, n)
		}
	}
	wantFailed := []string{"flow at most 90% used", "parallel-dialer at most 20% used",
		"every flow holder signed in within 7 days", "every parallel-dialer holder signed in within 7 days",
		"no invite holds flow pending for more than 7 days", "no inactive user holds flow"}
	if !slices.Equal(failed, wantFailed) {
		t.Errorf("failed cases:\n got  %q\n want %q", failed, wantFailed)
	}
	stale := doc.Suites[2].Cases[1]
	if stale.Failure == nil || stale.Failure.Text != "cat@acme.example: invited 2026-11-01, 10 days ago (more than 7), still pending until 2026-11-14" {
		t.Errorf("stale invite case %+v", stale)
	}
}

// Several findings of one check and product fail its one case, each on a
// line of the failure; the message counts them.
func TestJUnitReport_SeveralFindingsInOneCase(t *testing.T) {
	audit := schema.LicenseAudit{
		Checks: []schema.LicenseCheck{{Kind: schema.FindingIdleHolder, Product: "flow", Description: "every flow holder signed in within 30 days"}},
		Findings: []schema.LicenseFinding{
			{Kind: schema.FindingIdleHolder, Product: "flow", Subject: "ann@acme.example", Detail: "never signed in"},
			{Kind: schema.FindingIdleHolder, Product: "flow", Subject: "bob@acme.example", Detail: "last signed in long ago"},
		},
	}
	path := filepath.Join(t.TempDir(), "r.xml")
	if err := writeJUnit(path, audit); err != nil {
		t.Fatal(err)
	}
	doc := readJUnit(t, path)
	if len(doc.Suites) != 1 || len(doc.Suites[0].Cases) != 1 || doc.Failures != 1 {
		t.Fatalf("report %+v", doc)
	}
	f := doc.Suites[0].Cases[0].Failure
	if f == nil || f.Message != "2 findings, first ann@acme.example: never signed in" ||
		f.Text != "ann@acme.example: never signed in\nbob@acme.example: last signed in long ago" {
		t.Errorf("failure %+v", f)
	}
}

// Exit 0 with nothing found, 3 with findings, 4 when not signed in or not
// allowed, 2 for a value the server refuses, 1 for other failures.
func TestAuditRun_ExitCodes(t *testing.T) {
	clean := livetest.New(t)
	clean.AddUser(t, "Ann Active", "ann@acme.example", []string{"user"}, "flow")
	busy := findingsServer(t)
	unreachable := func() (*client.Client, error) { return client.New("http://127.0.0.1:1", "x", nil), nil }
	tests := []struct {
		name     string
		client   func() (*client.Client, error)
		argv     string
		wantCode int
		wantErr  string
	}{
		{name: "nothing found", client: clean.Client, argv: "--max-used 90 --idle-days 30 --stale-invite-days 14", wantErr: "no findings in 12 checks"},
		{name: "findings", client: busy.Client, argv: auditArgs, wantCode: cmdutil.ExitPartial},
		{name: "inactive holders always looked for", client: busy.Client, argv: "", wantCode: cmdutil.ExitPartial, wantErr: "1 finding in 3 checks"},
		{name: "a read-only token of an admin", client: busy.TokenClient(t, livetest.Admin, "licenses:read", "users:read"), argv: "", wantCode: cmdutil.ExitPartial},
		{name: "without users:read", client: busy.TokenClient(t, livetest.Admin, "licenses:read"), wantCode: cmdutil.ExitAuth,
			wantErr: "--scope licenses:read,users:read"},
		{name: "without licenses:read", client: busy.TokenClient(t, livetest.Admin, "users:read"), wantCode: cmdutil.ExitAuth},
		{name: "not an admin", client: busy.TokenClient(t, "ann@acme.example", "licenses:read", "users:read"), wantCode: cmdutil.ExitAuth},
		{name: "unknown token", client: func() (*client.Client, error) { return client.New(busy.URL, "wsp_nope", nil), nil }, wantCode: cmdutil.ExitAuth},
		{name: "percent above 100", client: busy.Client, argv: "--max-used 150", wantCode: cmdutil.ExitUsage, wantErr: "--max-used: takes a percentage from 0 to 100"},
		{name: "unknown product", client: busy.Client, argv: "--max-used crm=80", wantCode: cmdutil.ExitUsage, wantErr: `--max-used: unknown product "crm"`},
		{name: "two bare limits", client: busy.Client, argv: "--max-used 80,90", wantCode: cmdutil.ExitUsage, wantErr: "--max-used: "},
		{name: "a product twice", client: busy.Client, argv: "--max-used flow=80 --max-used flow=90", wantCode: cmdutil.ExitUsage, wantErr: "--max-used: "},
		{name: "zero days", client: busy.Client, argv: "--idle-days 0", wantCode: cmdutil.ExitUsage, wantErr: "--idle-days: is a number of days from 1 to 36500, not 0"},
		{name: "a century and a day", client: busy.Client, argv: "--stale-invite-days 36501", wantCode: cmdutil.ExitUsage, wantErr: "--stale-invite-days: "},
		{name: "server unreachable", client: unreachable, wantCode: cmdutil.ExitError},
		{name: "report not writable", client: clean.Client, argv: "--junit " + filepath.Join(t.TempDir(), "no", "such", "dir", "r.xml"), wantCode: cmdutil.ExitError, wantErr: "write the JUnit report"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := clitest.NewEnv(t)
			env.F.Client = tt.client
			err := clitest.Run(NewCmdAudit(env.F, nil), tt.argv)
			if code := cmdutil.ExitCode(err); code != tt.wantCode {
				t.Fatalf("exit %d (%v), want %d", code, err, tt.wantCode)
			}
			if msg := env.Stderr() + cmdutil.ErrorMessage(err); !strings.Contains(msg, tt.wantErr) {
				t.Errorf("stderr and error %q lack %q", msg, tt.wantErr)
			}
		})
	}
}

// With nothing found the report still lists every check, none failing.
func TestAuditRun_JUnitWithoutFindings(t *testing.T) {
	srv := livetest.New(t)
	path := filepath.Join(t.TempDir(), "licenses.xml")
	env := srv.Env(t)
	if err := clitest.Run(NewCmdAudit(env.F, nil), "--max-used flow=90 --junit "+path); err != nil {
		t.Fatal(err)
	}
	doc := readJUnit(t, path)
	if doc.Tests != 4 || doc.Failures != 0 || len(doc.Suites) != 2 || doc.Suites[0].Cases[0].Name != "flow at most 90% used" {
		t.Errorf("report %+v, want flow's pool check and the 3 inactive-holder checks, passing", doc)
	}
	if env.Stdout() != "" {
		t.Errorf("stdout %q, want no rows", env.Stdout())
	}
}

// The hand-written report reads back, through encoding/xml, as exactly
// what went in: markup, quotes, line breaks and tabs escaped, and what XML
// cannot hold replaced by U+FFFD (as encoding/xml itself writes it).
func TestJUnit_EscapesWhatItWrites(t *testing.T) {
	tricky := "a <b> & \"c\" 'd'\n\te\r\x01f"
	report := junitSuites{Name: tricky, Tests: 1, Failures: 1, Suites: []junitSuite{{Name: "pool_above", Tests: 1, Failures: 1,
		Cases: []junitCase{{Name: tricky, Classname: "licenses-audit.pool_above", Failure: &junitFailure{Message: tricky, Type: "pool_above", Text: tricky}}}}}}
	path := filepath.Join(t.TempDir(), "r.xml")
	if err := os.WriteFile(path, report.xml(), 0o644); err != nil {
		t.Fatal(err)
	}
	doc := readJUnit(t, path)
	want := strings.ReplaceAll(tricky, "\x01", "\uFFFD")
	c := doc.Suites[0].Cases[0]
	if c.Name != want || c.Failure == nil || c.Failure.Message != want || c.Failure.Text != want {
		t.Errorf("read back %q / %+v, want %q", c.Name, c.Failure, want)
	}
}
