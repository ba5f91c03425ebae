package sync

import (
	"slices"
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/cli/clitest"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
)

// A dry run is the server's decision and changes nothing; the sync then
// does exactly that; the same roster again changes nothing and says so,
// exit 0 (a sync is idempotent: running it again is its resume).
func TestSync_DryRunThenApplyThenRerun_AllUnchanged(t *testing.T) {
	live := seeded(t)
	roster := writeFile(t, "roster.csv", theRoster)
	wantRows := []string{
		"2 %s ada@acme.example", "3 %s bob@acme.example", "4 %s di@acme.example", "5 %s fay@acme.example",
		"- not_in_roster cy@acme.example", "- not_in_roster ed@acme.example",
	}
	verbs := func(v ...string) []string {
		out := slices.Clone(wantRows)
		for i, w := range v {
			out[i] = strings.Replace(out[i], "%s", w, 1)
		}
		return out
	}

	dry := env(t, live)
	if err := clitest.Run(NewCmdSync(dry.F, nil), "--csv "+roster+" --dry-run"); err != nil {
		t.Fatalf("dry run: %v\n%s", err, dry.Stderr())
	}
	if got, want := actions(dry.Stdout()), verbs("update", "update", "activate", "invite"); !slices.Equal(got, want) {
		t.Errorf("dry run rows:\n%q\nwant\n%q", got, want)
	}
	for _, want := range []string{
		"Dry run: nothing changed",
		"4 rows: 1 invite, 2 update, 1 activate; 2 not in the roster (left alone: --deactivate-missing deactivates the users and revokes the invites)",
		"without --dry-run",
	} {
		if !strings.Contains(dry.Stderr(), want) {
			t.Errorf("dry run stderr lacks %q:\n%s", want, dry.Stderr())
		}
	}
	checkState(t, live, "after the dry run", before)

	apply := env(t, live)
	if err := clitest.Run(NewCmdSync(apply.F, nil), "--csv "+roster); err != nil {
		t.Fatalf("sync: %v\n%s", err, apply.Stderr())
	}
	if got, want := actions(apply.Stdout()), verbs("update", "update", "activate", "invite"); !slices.Equal(got, want) {
		t.Errorf("sync rows (piped: the server's action names):\n%q\nwant\n%q", got, want)
	}
	if want := "4 rows: 1 invited, 2 updated, 1 activated; 2 not in the roster (left alone"; !strings.Contains(apply.Stderr(), want) {
		t.Errorf("sync stderr lacks %q:\n%s", want, apply.Stderr())
	}
	if strings.Contains(apply.Stderr(), "Dry run") {
		t.Errorf("the sync calls itself a dry run:\n%s", apply.Stderr())
	}
	checkState(t, live, "after the sync", with(before,
		"ada@acme.example", "active flow", "bob@acme.example", "active agent-dialer,flow",
		"di@acme.example", "active flow", "fay@acme.example", "pending"))

	again := env(t, live)
	err := clitest.Run(NewCmdSync(again.F, nil), "--csv "+roster)
	if cmdutil.ExitCode(err) != cmdutil.ExitOK {
		t.Fatalf("second sync: exit %d (%v)\n%s", cmdutil.ExitCode(err), err, again.Stderr())
	}
	if got, want := actions(again.Stdout()), verbs("unchanged", "unchanged", "unchanged", "unchanged"); !slices.Equal(got, want) {
		t.Errorf("second sync rows:\n%q\nwant\n%q", got, want)
	}
	if want := "4 rows: 4 unchanged; 2 not in the roster"; !strings.Contains(again.Stderr(), want) {
		t.Errorf("second sync stderr lacks %q:\n%s", want, again.Stderr())
	}
	if invites, emails := live.InvitesPerEmail(t); invites["fay@acme.example"] != 1 || emails["fay@acme.example"] != 1 {
		t.Errorf("fay: %d invites, %d emails after two syncs; want one of each", invites["fay@acme.example"], emails["fay@acme.example"])
	}
}

// On a terminal, stdout is a table whose header is LINE ACTION EMAIL
// REASON, the actions done read in the past tense, and the people not in
// the roster come last with "-" for a line.
func TestSync_TableOnTerminal_PastTenseAndMissingLast(t *testing.T) {
	live := seeded(t)
	e := env(t, live)
	e.IO.SetStdoutTTY(true)
	e.IO.SetWidth(200)
	if err := clitest.Run(NewCmdSync(e.F, nil), "--csv "+writeFile(t, "roster.csv", theRoster)); err != nil {
		t.Fatalf("sync: %v\n%s", err, e.Stderr())
	}
	var got [][]string
	for line := range strings.Lines(e.Stdout()) {
		got = append(got, strings.Fields(line))
	}
	want := [][]string{
		{"LINE", "ACTION", "EMAIL", "REASON"},
		{"2", "updated", "ada@acme.example"}, {"3", "updated", "bob@acme.example"},
		{"4", "activated", "di@acme.example"}, {"5", "invited", "fay@acme.example"},
		{"-", "not", "in"}, {"-", "not", "in"},
	}
	if len(got) != len(want) {
		t.Fatalf("table:\n%s", e.Stdout())
	}
	for i, w := range want {
		if len(got[i]) < len(w) || !slices.Equal(got[i][:len(w)], w) {
			t.Errorf("table line %d: %q, want it to start with %q\n%s", i+1, got[i], w, e.Stdout())
		}
	}
	if strings.Contains(e.Stdout(), "\t") || strings.Index(e.Stdout(), "cy@acme.example") > strings.Index(e.Stdout(), "ed@acme.example") {
		t.Errorf("table:\n%s", e.Stdout())
	}
}

// --csv - reads the roster from stdin (BOM and CRLF included).
func TestSync_RosterFromStdin(t *testing.T) {
	live := seeded(t)
	e := env(t, live)
	e.IO.In = strings.NewReader("\ufeff" + strings.ReplaceAll(theRoster, "\n", "\r\n"))
	if err := clitest.Run(NewCmdSync(e.F, nil), "--csv - --dry-run"); err != nil {
		t.Fatalf("dry run from stdin: %v\n%s", err, e.Stderr())
	}
	if got := actions(e.Stdout()); len(got) != 6 || got[3] != "5 invite fay@acme.example" {
		t.Errorf("rows from stdin: %q", got)
	}
	if !strings.Contains(e.Stderr(), "4 rows: 1 invite, 2 update, 1 activate") {
		t.Errorf("stderr:\n%s", e.Stderr())
	}
	checkState(t, live, "after a dry run from stdin", before)
}

// While the server decides, a terminal's stderr shows what it is waiting
// for; the line is cleared before the summary.
func TestSync_ProgressOnTerminal(t *testing.T) {
	live := seeded(t)
	e := env(t, live)
	e.IO.SetStderrTTY(true)
	if err := clitest.Run(NewCmdSync(e.F, nil), "--csv "+writeFile(t, "roster.csv", theRoster)+" --dry-run"); err != nil {
		t.Fatalf("dry run: %v\n%s", err, e.Stderr())
	}
	stderr := e.Stderr()
	at := strings.Index(stderr, "Deciding 4 rows of ")
	cleared := strings.Index(stderr, "\r\033[KDry run: nothing changed")
	if at < 0 || cleared < at {
		t.Errorf("stderr on a terminal: %q", stderr)
	}

	piped := env(t, live)
	if err := clitest.Run(NewCmdSync(piped.F, nil), "--csv "+writeFile(t, "roster.csv", theRoster)+" --dry-run"); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(piped.Stderr(), "Deciding") || strings.Contains(piped.Stderr(), "\r") {
		t.Errorf("piped stderr has the progress line: %q", piped.Stderr())
	}
}
