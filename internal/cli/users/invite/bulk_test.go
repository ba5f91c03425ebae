package invite

import (
	"fmt"
	"testing"
)

// The summary names failed lines as runs and stops after a few, so that a
// failed batch of a thousand rows is one line a person can read.
func TestStats_FailedLinesAsRuns(t *testing.T) {
	failed := func(lines ...int) *stats {
		st := &stats{}
		for _, l := range lines {
			st.count(Outcome{Line: l, Status: StatusFailed})
			st.count(Outcome{Line: l + 100000, Status: StatusInvited}) // not listed
		}
		return st
	}
	seq := func(from, to int) []int {
		var out []int
		for l := from; l <= to; l++ {
			out = append(out, l)
		}
		return out
	}
	many := []int{}
	for i := range maxFailedRuns + 5 {
		many = append(many, 10*i+2)
	}
	for _, c := range []struct {
		name  string
		lines []int
		want  string
	}{
		{"one", []int{7}, "7"},
		{"two apart and two together", []int{3, 4, 9}, "3, 4, 9"},
		{"a whole batch", seq(2, 1001), "2-1001"},
		{"runs and singles", append(append([]int{2}, seq(5, 9)...), 12), "2, 5-9, 12"},
		{"past the cap", many, fmt.Sprintf("%s and 5 more (--report FILE lists every row)", failed(many[:maxFailedRuns]...).failedLines())},
	} {
		st := failed(c.lines...)
		if got := st.failedLines(); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
		if st.failed != len(c.lines) || st.invited != len(c.lines) {
			t.Errorf("%s: counted %d failed, %d invited; want %d each", c.name, st.failed, st.invited, len(c.lines))
		}
	}
}
