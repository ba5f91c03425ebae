package bulk

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/clitest"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
)

// A dry run reads every row, sends every valid one in one request marked
// dry_run whatever --batch-size says, and prints the plan in the verb's
// words: a row per line on stdout, the rows that need attention and a
// summary on stderr; exit 3 when a row is invalid or would be refused. It
// keeps no journal.
func TestDryRun_OneRequestAndThePlan(t *testing.T) {
	srv := newRowServer(t)
	srv.refuse["p03@example.com"] = schema.Problem{Status: 409, Code: schema.CodeEmailTaken, Detail: "p03@example.com is already a user"}
	srv.seen["key-p01@example.com"] = true
	srv.notices["p02@example.com"] = []string{"that was the last flow license: 3 of 3 in use"}
	o, env := testRun(t, srv)
	path := writeCSV(t, "p.csv", "email\np00@example.com\np01@example.com\np02@example.com\np03@example.com\n\nP00@example.com\n")
	o.File, o.DryRun, o.BatchRows = path, true, 1
	err := Run(context.Background(), testVerb("users test"), o)
	if cmdutil.ExitCode(err) != cmdutil.ExitPartial {
		t.Fatalf("err %v, want exit 3\n%s", err, env.Stderr())
	}
	if len(srv.requests) != 1 || !srv.requests[0].DryRun || len(srv.requests[0].Invites) != 4 {
		t.Errorf("requests %+v; want one dry run of the 4 valid rows", srv.requests)
	}
	want := "2\tdo\tp00@example.com\t\n" +
		"3\talready done\tp01@example.com\t\n" +
		"4\tdo\tp02@example.com\t\n" +
		"5\trefused\tp03@example.com\tp03@example.com is already a user\n" +
		"7\tinvalid\tP00@example.com\temail: P00@example.com is already on line 2 of this file\n"
	if env.Stdout() != want {
		t.Errorf("plan:\n%s\nwant\n%s", env.Stdout(), want)
	}
	clitest.WantLines(t, env.Stderr(),
		"Dry run of 5 rows of "+path+", nothing changed: do 2, already done 1, invalid 1, refused 1\n"+
			"a note of the verb\n"+
			"Rows that need attention:\n"+
			"  line 3 p01@example.com: already done\n"+
			"  line 4 p02@example.com: do\n"+
			"  line 4 p02@example.com: that was the last flow license: 3 of 3 in use\n"+
			"  line 5 p03@example.com: would be refused: p03@example.com is already a user\n"+
			"  line 7 P00@example.com: invalid: email: P00@example.com is already on line 2 of this file\n")
	if strings.Contains(env.Stderr(), "line 2 p00") {
		t.Errorf("the usual row is listed:\n%s", env.Stderr())
	}
	if journals, _ := filepath.Glob(path + ".*"); len(journals) != 0 {
		t.Errorf("a dry run left %v", journals)
	}
	if len(srv.seen) != 1 {
		t.Errorf("the server was asked to change things: %v", srv.seen)
	}
}

// -o json prints the plan as one object: rows with what they ask for, the
// verb's fields, and the summary counting rows per action.
func TestDryRun_JSONPlan(t *testing.T) {
	srv := newRowServer(t)
	o, env := testRun(t, srv)
	o.File, o.DryRun, o.Output.Format = writeCSV(t, "p.csv", "note,email\nfirst,a@example.com\n"), true, cmdutil.FormatJSON
	if err := Run(context.Background(), testVerb("users test"), o); err != nil {
		t.Fatalf("err %v\n%s", err, env.Stderr())
	}
	var plan map[string]json.RawMessage
	if err := json.Unmarshal([]byte(env.Stdout()), &plan); err != nil {
		t.Fatalf("%v\n%s", err, env.Stdout())
	}
	if got := string(plan["rows"]); !strings.Contains(strings.Join(strings.Fields(got), ""),
		`{"line":2,"action":"do","email":"a@example.com","idempotency_key":"key-a@example.com","licenses":null,"name":"first","roles":null}`) {
		t.Errorf("rows %s", got)
	}
	if got := strings.Join(strings.Fields(string(plan["summary"])), ""); got != `{"rows":1,"do":1,"already_done":0,"invalid":0,"refused":0,"server_checked":true}` {
		t.Errorf("summary %s", got)
	}
	if !strings.Contains(string(plan["licenses"]), `"product": "flow"`) {
		t.Errorf("licenses %s", plan["licenses"])
	}
	clitest.WantLines(t, env.Stderr(), "Dry run of 1 row of ")
}

// A file whose rows do not fit in one dry-run request is a usage error: its
// plan would not be the server's decision.
func TestDryRun_TooManyRowsIsUsageError(t *testing.T) {
	srv := newRowServer(t)
	o, _ := testRun(t, srv)
	o.File, o.DryRun = writeCSV(t, "p.csv", emails(schema.MaxPlanRows+1)), true
	err := Run(context.Background(), testVerb("users test"), o)
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "a dry run asks the server about every row in one request, which holds at most 50000 rows and 31 MiB; "+o.File+" has 50001 rows to send") {
		t.Errorf("err %v, want exit 2", err)
	}
	if len(srv.requests) != 0 {
		t.Errorf("%d requests sent", len(srv.requests))
	}
}

// A dry run the server refuses as a whole is an error with its cause's exit
// code, and prints no plan.
func TestDryRun_ServerRefusesTheRequest(t *testing.T) {
	srv := newRowServer(t)
	srv.hook = func(n int, w http.ResponseWriter) bool {
		clitest.Problem(w, 403, schema.CodeForbidden, "this token may not do this")
		return true
	}
	o, env := testRun(t, srv)
	o.File, o.DryRun = writeCSV(t, "p.csv", emails(2)), true
	err := Run(context.Background(), testVerb("users test"), o)
	if cmdutil.ExitCode(err) != cmdutil.ExitAuth || !strings.HasPrefix(err.Error(), "dry run of ") {
		t.Errorf("err %v, want exit 4", err)
	}
	if env.Stdout() != "" {
		t.Errorf("stdout %q", env.Stdout())
	}
}

// Every row invalid: nothing to ask the server, and the plan says so.
func TestDryRun_NoValidRowSendsNothing(t *testing.T) {
	srv := newRowServer(t)
	o, env := testRun(t, srv)
	o.File, o.DryRun = writeCSV(t, "p.csv", "email,note\n,x\n"), true
	err := Run(context.Background(), testVerb("users test"), o)
	if cmdutil.ExitCode(err) != cmdutil.ExitPartial || len(srv.requests) != 0 {
		t.Errorf("err %v, %d requests", err, len(srv.requests))
	}
	clitest.WantLines(t, env.Stdout(), "2\tinvalid\t\temail: is required\n")
	clitest.WantLines(t, env.Stderr(), "Dry run of 1 row of "+o.File+", nothing changed: do 0, already done 0, invalid 1, refused 0")
}
