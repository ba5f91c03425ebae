package cmdutil

import (
	"slices"
	"testing"
)

// Finding 7 of the security review (issue 12): -o csv wrote cells starting
// with =, +, -, @ as they were, which a spreadsheet runs as formulas.
func TestSpreadsheetSafe_FormulaCellsAreQuoted(t *testing.T) {
	in := []string{"=HYPERLINK(\"http://evil\")", "+1+1", "-2", "@SUM(A1)", "\tx", "\rx", "ada@acme.example", "Ada", "", "a=b", "'already"}
	want := []string{"'=HYPERLINK(\"http://evil\")", "'+1+1", "'-2", "'@SUM(A1)", "'\tx", "'\rx", "ada@acme.example", "Ada", "", "a=b", "'already"}
	orig := slices.Clone(in)
	if got := SpreadsheetSafe(in); !slices.Equal(got, want) {
		t.Errorf("SpreadsheetSafe(%q) = %q, want %q", in, got, want)
	}
	if !slices.Equal(in, orig) {
		t.Errorf("the record given was changed: %q", in)
	}
	clean := []string{"a", "b"}
	if got := SpreadsheetSafe(clean); &got[0] != &clean[0] {
		t.Error("a record with nothing to quote was copied")
	}
}
