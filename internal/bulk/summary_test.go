package bulk

import (
	"slices"
	"testing"
)

// The summary names failed lines as runs and stops after a few, so that a
// failed batch of a thousand rows is one line a person can read.
func TestStats_FailedLinesAsRuns(t *testing.T) {
	seq := func(from, to int) []int {
		var out []int
		for l := from; l <= to; l++ {
			out = append(out, l)
		}
		return out
	}
	var scattered []int // lines 2, 12, …, 242: 25 runs of one line
	for i := range maxFailedRuns + 5 {
		scattered = append(scattered, 10*i+2)
	}
	const first20 = "2, 12, 22, 32, 42, 52, 62, 72, 82, 92, 102, 112, 122, 132, 142, 152, 162, 172, 182, 192"
	for _, c := range []struct {
		name   string
		lines  []int
		report string
		want   string
	}{
		{"one", []int{7}, "", "7"},
		{"two together and one apart", []int{3, 4, 9}, "", "3, 4, 9"},
		{"a whole batch", seq(2, 1001), "", "2-1001"},
		{"runs and singles", slices.Concat([]int{2}, seq(5, 9), []int{12}), "", "2, 5-9, 12"},
		{"past the cap", scattered, "", first20 + " and 5 more (--report FILE lists every row)"},
		{"past the cap, with a report", scattered, "out.csv", first20 + " and 5 more (out.csv lists every row)"},
		{"the last run grows past the cap", slices.Concat(scattered[:maxFailedRuns], seq(193, 300)), "", first20[:len(first20)-3] + "192-300"},
	} {
		st := &stats{}
		for _, l := range c.lines {
			st.count(Outcome{Line: l, Status: StatusFailed})
			st.count(Outcome{Line: l + 100000, Status: "invited"}) // counted, not listed
		}
		if got := st.failedLines(c.report); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
		if st.failed != len(c.lines) || st.done["invited"] != len(c.lines) {
			t.Errorf("%s: counted %d failed, %d invited; want %d each", c.name, st.failed, st.done["invited"], len(c.lines))
		}
	}
}

// The summary counts in the verb's words and in its order, and says "1 row".
func TestStats_Line(t *testing.T) {
	statuses := []Status{{Name: "deactivated"}, {Name: "unchanged", Summary: "already inactive"}}
	for _, c := range []struct {
		outcomes []string
		want     string
	}{
		{nil, "0 rows: 0 deactivated, 0 already inactive, 0 skipped, 0 failed"},
		{[]string{"deactivated"}, "1 row: 1 deactivated, 0 already inactive, 0 skipped, 0 failed"},
		{[]string{"unchanged", StatusInvalid}, "2 rows: 0 deactivated, 1 already inactive, 0 skipped, 1 failed"},
		{[]string{StatusSkipped, StatusFailed, "deactivated"}, "3 rows: 1 deactivated, 0 already inactive, 1 skipped, 1 failed"},
	} {
		st := &stats{statuses: statuses}
		for i, s := range c.outcomes {
			st.count(Outcome{Line: i + 2, Status: s})
		}
		if got := st.line(); got != c.want {
			t.Errorf("%v: %q, want %q", c.outcomes, got, c.want)
		}
	}
}

func TestPluralize(t *testing.T) {
	for n, want := range map[int]string{0: "0 rows", 1: "1 row", 2: "2 rows", 1000: "1000 rows"} {
		if got := pluralize(n, "1 row", "%d rows"); got != want {
			t.Errorf("pluralize(%d) = %q, want %q", n, got, want)
		}
	}
}
