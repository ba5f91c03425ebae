package bulk

import (
	"os"
	"path/filepath"
	"testing"
)

// A CSVFile has its header first and quotes what needs quoting; without a
// path it writes nothing and fails nothing.
func TestCSVFile_HeaderThenQuotedRows(t *testing.T) {
	path := filepath.Join(t.TempDir(), "report.csv")
	f, err := CreateCSV(path, []string{"line", "email", "action", "reason"})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Write([]string{"2", "ann@example.com", "update", `licenses flow → agent-dialer, flow; name "Ann" → "Ann Lee"`}); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	want := "line,email,action,reason\n2,ann@example.com,update,\"licenses flow → agent-dialer, flow; name \"\"Ann\"\" → \"\"Ann Lee\"\"\"\n"
	if string(got) != want {
		t.Errorf("file:\n%s\nwant\n%s", got, want)
	}

	none, err := CreateCSV("", []string{"line"})
	if err != nil || none.Write([]string{"1"}) != nil || none.Close() != nil {
		t.Errorf("a CSVFile without a path: %v", err)
	}
}

// Finding 7 (issue 12): a report, which people open in a spreadsheet, has
// formula-like cells quoted; a --failed file, which wsctl reads back as
// input, keeps the admin's rows exactly.
func TestReportQuotesFormulas_FailedFileKeepsRows(t *testing.T) {
	dir := t.TempDir()
	row := []string{"3", "=cmd|' /C calc'!A0", "-x"}
	for _, tc := range []struct {
		create func(string, []string) (*CSVFile, error)
		want   string
	}{
		{CreateReportCSV, "h\n3,'=cmd|' /C calc'!A0,'-x\n"},
		{CreateCSV, "h\n3,=cmd|' /C calc'!A0,-x\n"},
	} {
		path := filepath.Join(dir, "out.csv")
		f, err := tc.create(path, []string{"h"})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Write(row); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tc.want {
			t.Errorf("file %q, want %q", got, tc.want)
		}
	}
}
