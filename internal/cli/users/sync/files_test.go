package sync

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/cli/clitest"
	"github.com/wsctl/wsctl/internal/cli/clitest/livetest"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
)

// A row the license pool cannot serve is refused and the others go
// through: exit 3. --report lists every row and person not in the roster;
// --failed holds the refused and invalid rows as the roster has them
// (its own column order, no BOM, LF), ready to fix.
func TestSync_RefusedRow_ExitPartial_ReportAndFailedFiles(t *testing.T) {
	live := livetest.New(t, map[string]int{"flow": 1})
	roster := "\ufeffemail,name,licenses,roles\r\n" +
		"ann@example.com,Ann Lee,flow,user\r\n" +
		"bob@example.com,Bob Stone,flow,user\r\n" +
		"cy@example.com,Cy Young,,user\r\n" +
		"di@example.com,Di Park,parallel-dialer,manager|user\r\n"
	dir := t.TempDir()
	report, failed := filepath.Join(dir, "report.csv"), filepath.Join(dir, "failed.csv")
	e := env(t, live)
	err := clitest.Run(NewCmdSync(e.F, nil), "--csv "+writeFile(t, "roster.csv", roster)+" --report "+report+" --failed "+failed)
	if cmdutil.ExitCode(err) != cmdutil.ExitPartial {
		t.Fatalf("exit %d (%v), want %d\n%s", cmdutil.ExitCode(err), err, cmdutil.ExitPartial, e.Stderr())
	}

	rows := readCSV(t, report)
	if !slices.Equal(rows[0], []string{"line", "email", "action", "reason"}) || len(rows) != 6 {
		t.Fatalf("report:\n%q", rows)
	}
	want := [][]string{
		{"2", "ann@example.com", "invite"}, {"3", "bob@example.com", "refused"}, {"4", "cy@example.com", "invalid"},
		{"5", "di@example.com", "invite"}, {"", "ada@acme.example", "not_in_roster"},
	}
	for i, w := range want {
		if r := rows[i+1]; !slices.Equal(r[:3], w) || r[3] == "" {
			t.Errorf("report row %d: %q, want %q and a reason", i+1, r, w)
		}
	}
	if !strings.HasPrefix(rows[2][3], "no flow license left: 1 of 1 in use") || rows[3][3] != "licenses: at least one license is required" {
		t.Errorf("reasons: %q, %q", rows[2][3], rows[3][3])
	}

	got, _ := os.ReadFile(failed)
	if want := "email,name,licenses,roles\nbob@example.com,Bob Stone,flow,user\ncy@example.com,Cy Young,,user\n"; string(got) != want {
		t.Errorf("--failed:\n%s\nwant\n%s", got, want)
	}
	for _, want := range []string{
		"4 rows: 2 invited, 1 refused, 1 invalid; 1 not in the roster",
		"line 3 bob@example.com: refused: no flow license left",
		"line 4 cy@example.com: invalid: licenses: at least one license is required",
		"line 2 ann@example.com: that was the last flow license",
		"Report written to " + report,
		"2 refused or invalid rows are in " + failed,
	} {
		if !strings.Contains(e.Stderr(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, e.Stderr())
		}
	}

	// Fixed in the roster (Bob takes another product), the same sync
	// finishes: the rows done come out unchanged, and --failed, with
	// nothing in it, is removed rather than left to be mistaken for work.
	fixed := strings.Replace(strings.Replace(roster, "Bob Stone,flow", "Bob Stone,agent-dialer", 1), "Cy Young,,", "Cy Young,agent-dialer,", 1)
	again := env(t, live)
	if err := clitest.Run(NewCmdSync(again.F, nil), "--csv "+writeFile(t, "roster.csv", fixed)+" --failed "+failed); err != nil {
		t.Fatalf("fixed roster: %v\n%s", err, again.Stderr())
	}
	if want := "4 rows: 2 invited, 2 unchanged"; !strings.Contains(again.Stderr(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, again.Stderr())
	}
	if _, err := os.Stat(failed); !os.IsNotExist(err) {
		t.Errorf("--failed without failed rows is still there: %v", err)
	}
}
