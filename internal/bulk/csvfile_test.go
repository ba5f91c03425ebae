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
