package sync

import (
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/cli/clitest"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
)

// afterOffboarding is the seeded org once theRoster is synced with
// --deactivate-missing: Cy deactivated, Ed's invite revoked.
var afterOffboarding = with(before,
	"ada@acme.example", "active flow", "bob@acme.example", "active agent-dialer,flow", "cy@acme.example", "inactive ",
	"di@acme.example", "active flow", "ed@acme.example", "revoked", "fay@acme.example", "pending")

// Without a terminal and without --yes, a sync that would deactivate
// someone is a usage error naming --yes, decided by the server's dry run:
// it names who, and nothing at all changes.
func TestSync_DeactivateMissing_NoTerminalNoYes_UsageErrorNothingChanged(t *testing.T) {
	live := seeded(t)
	e := env(t, live)
	err := clitest.Run(NewCmdSync(e.F, nil), "--csv "+writeFile(t, "roster.csv", theRoster)+" --deactivate-missing")
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(cmdutil.ErrorMessage(err), "--yes") {
		t.Fatalf("exit %d, %q; want %d naming --yes", cmdutil.ExitCode(err), cmdutil.ErrorMessage(err), cmdutil.ExitUsage)
	}
	for _, want := range []string{"deactivate 1 user and revoke 1 pending invite", "cy@acme.example (user)", "ed@acme.example (invite)"} {
		if !strings.Contains(e.Stderr(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, e.Stderr())
		}
	}
	if e.Stdout() != "" {
		t.Errorf("stdout of a refused sync: %q", e.Stdout())
	}
	checkState(t, live, "after the refused sync", before)
}

// On a terminal, the sync names who would go and asks; yes applies it all,
// no changes nothing.
func TestSync_DeactivateMissing_OnTerminal_AsksFirst(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer bool
		exit   int
		want   map[string]string
	}{
		{"yes", true, cmdutil.ExitOK, afterOffboarding},
		{"no", false, cmdutil.ExitError, before},
	} {
		t.Run(tc.name, func(t *testing.T) {
			live := seeded(t)
			e := env(t, live)
			e.IO.SetTTY(true)
			e.Prompter.ExpectConfirm("and deactivate 1 user and revoke 1 pending invite?", tc.answer)
			err := clitest.Run(NewCmdSync(e.F, nil), "--csv "+writeFile(t, "roster.csv", theRoster)+" --deactivate-missing")
			if cmdutil.ExitCode(err) != tc.exit {
				t.Fatalf("exit %d (%v), want %d\n%s", cmdutil.ExitCode(err), err, tc.exit, e.Stderr())
			}
			if !strings.Contains(e.Stderr(), "cy@acme.example (user): deactivated; licenses flow freed") {
				t.Errorf("the question does not say who goes:\n%s", e.Stderr())
			}
			checkState(t, live, "after answering "+tc.name, tc.want)
		})
	}
}

// --yes skips the question (the fake prompter fails on any), and the
// summary says what became of the people not in the roster.
func TestSync_DeactivateMissing_Yes_NoQuestion(t *testing.T) {
	live := seeded(t)
	e := env(t, live)
	e.IO.SetTTY(true)
	if err := clitest.Run(NewCmdSync(e.F, nil), "--csv "+writeFile(t, "roster.csv", theRoster)+" --deactivate-missing --yes"); err != nil {
		t.Fatalf("sync: %v\n%s", err, e.Stderr())
	}
	if want := "4 rows: 1 invited, 2 updated, 1 activated; 2 not in the roster: 1 deactivated, 1 invite revoked"; !strings.Contains(e.Stderr(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, e.Stderr())
	}
	checkState(t, live, "after the sync", afterOffboarding)
}

// A roster that leaves nobody out needs no --yes, even without a terminal:
// the dry run found nobody to deactivate.
func TestSync_DeactivateMissing_NobodyLeftOut_NeedsNoYes(t *testing.T) {
	live := seeded(t)
	roster := theRoster + "Cy Old,cy@acme.example,user,flow\nEd New,ed@acme.example,user,flow\n"
	e := env(t, live)
	if err := clitest.Run(NewCmdSync(e.F, nil), "--csv "+writeFile(t, "roster.csv", roster)+" --deactivate-missing"); err != nil {
		t.Fatalf("sync: exit %d (%v)\n%s", cmdutil.ExitCode(err), err, e.Stderr())
	}
	if want := "6 rows: 1 invited, 2 updated, 1 activated, 2 unchanged; everyone in the workspace is in the roster"; !strings.Contains(e.Stderr(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, e.Stderr())
	}
	checkState(t, live, "after the sync", with(afterOffboarding, "cy@acme.example", "active flow", "ed@acme.example", "pending"))
}

// A row the reader finds invalid (an empty roles cell, an email twice)
// still names its person: with --deactivate-missing --yes they are neither
// deactivated nor changed, and the rows are reported invalid by line: exit 3.
func TestSync_LocallyInvalidRow_PersonKeptAsIs(t *testing.T) {
	live := seeded(t)
	roster := "name,email,roles,licenses\n" +
		"Ada Admin,ada@acme.example,admin,flow\n" +
		"Bob Ray,bob@acme.example,,flow\n" +
		"Cy Old,cy@acme.example,user,flow\n" +
		"Cy Again,CY@acme.example,admin,parallel-dialer\n" +
		"Di Park,di@acme.example,user,flow\n" +
		"Ed New,ed@acme.example,user,flow\n"
	e := env(t, live)
	err := clitest.Run(NewCmdSync(e.F, nil), "--csv "+writeFile(t, "roster.csv", roster)+" --deactivate-missing --yes")
	if cmdutil.ExitCode(err) != cmdutil.ExitPartial {
		t.Fatalf("exit %d (%v), want %d\n%s", cmdutil.ExitCode(err), err, cmdutil.ExitPartial, e.Stderr())
	}
	rows := tsv(e.Stdout())
	if len(rows) != 6 {
		t.Fatalf("rows:\n%s", e.Stdout())
	}
	for _, want := range [][]string{
		{"3", "invalid", "bob@acme.example", "roles: is required"},
		{"5", "invalid", "CY@acme.example", "email: CY@acme.example is already on line 4 of this file"},
	} {
		found := false
		for _, r := range rows {
			found = found || strings.Join(r, "\t") == strings.Join(want, "\t")
		}
		if !found {
			t.Errorf("no row %q:\n%s", want, e.Stdout())
		}
	}
	if !strings.Contains(e.Stderr(), "everyone in the workspace is in the roster") {
		t.Errorf("stderr:\n%s", e.Stderr())
	}
	checkState(t, live, "after the sync", with(before,
		"ada@acme.example", "active flow", "di@acme.example", "active flow"))
	if u := user(t, live, "cy@acme.example"); strings.Join(u.Roles, ",") != "user" {
		t.Errorf("cy's roles %q: the invalid second row was applied", u.Roles)
	}
}

// An empty licenses cell says the person holds none, as a new org's first
// admin does: the roster can list them, the sync takes away what the row
// does not list, and the same roster again is all unchanged, exit 0.
func TestSync_BlankLicensesCell_MeansNone_SecondRunUnchanged(t *testing.T) {
	live := seeded(t)
	roster := "name,email,roles,licenses\n" +
		"Ada Admin,ada@acme.example,admin,\n" +
		"Bob Ray,bob@acme.example,user,\n" +
		"Cy Old,cy@acme.example,user,flow\n" +
		"Di Park,di@acme.example,user,flow\n" +
		"Ed New,ed@acme.example,user,flow\n"
	path := writeFile(t, "roster.csv", roster)
	e := env(t, live)
	if err := clitest.Run(NewCmdSync(e.F, nil), "--csv "+path); err != nil {
		t.Fatalf("first run: %v\n%s", err, e.Stderr())
	}
	if u := user(t, live, "bob@acme.example"); !u.Active || len(u.Licenses) != 0 {
		t.Errorf("bob after the sync: active %v, licenses %q; want active with none", u.Active, u.Licenses)
	}
	again := env(t, live)
	if err := clitest.Run(NewCmdSync(again.F, nil), "--csv "+path); err != nil {
		t.Fatalf("second run: %v\n%s", err, again.Stderr())
	}
	for _, r := range tsv(again.Stdout()) {
		if r[1] != "unchanged" {
			t.Errorf("second run row %q, want unchanged", r)
		}
	}
}
