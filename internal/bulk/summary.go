package bulk

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/wsctl/wsctl/internal/cli/cmdutil"
)

// Finish closes the outputs, prints the summary, says what to do next, and
// returns the run's error: stopped (an error every row would meet, or an
// interrupt) when there is one, else a *cmdutil.PartialError (exit 3) when
// some rows failed or were invalid. A journal left by a run with every row
// done is removed.
func (out *Outputs) Finish(stopped error) error {
	st, writeErr := out.close()
	jerr := out.journal.close()
	if jerr == nil && stopped == nil && st.failed == 0 && st.unsent == 0 {
		jerr = out.journal.remove()
	}
	partial := out.summarize(st, stopped)
	switch {
	case errors.Is(stopped, context.Canceled):
		return stopped
	case stopped != nil:
		return fmt.Errorf("%s stopped: %w", out.verb.name, stopped)
	case writeErr != nil:
		return fmt.Errorf("write the outcomes: %w", writeErr)
	case jerr != nil:
		return fmt.Errorf("journal: %w", jerr)
	}
	return partial
}

// summarize prints the totals and the next step. A run stopped by an error
// every row would meet is not about rows: the error itself says what to
// fix, and there is no row to point at.
func (out *Outputs) summarize(st *stats, stopped error) error {
	w, f, name := out.o.IO.ErrOut, out.file, out.verb.name
	fmt.Fprintf(w, "\n%s", st.line())
	if done := st.doneRows(); done > 0 {
		if secs := st.elapsed.Seconds(); secs > 0 {
			fmt.Fprintf(w, " in %s (%.0f rows/s)", st.elapsed.Round(time.Millisecond), float64(done)/secs)
		}
	}
	fmt.Fprintln(w)
	if out.o.Report != "" {
		fmt.Fprintf(w, "Report written to %s\n", out.o.Report)
	}
	if out.o.Failed != "" && st.failed > 0 {
		fmt.Fprintf(w, "%s in %s, with the header of %s: fix %s there and run 'wsctl %s --csv %s'\n",
			pluralize(st.failed, "The failed row is", "The %d failed rows are"), out.o.Failed,
			f.Name(), pluralize(st.failed, "it", "them"), name, out.o.Failed)
	}
	again := "run the same command with --resume"
	if f.IsStdin() {
		again = "send the same input to the same command with --resume"
	}
	switch {
	case errors.Is(stopped, context.Canceled) && out.journal != nil:
		fmt.Fprintf(w, "Interrupted. What was done is recorded in %s: %s to send the rest.\n", out.journal.path, again)
		return nil
	case stopped != nil && out.journal != nil:
		fmt.Fprintf(w, "The run stopped before the end of the file. Once the error below is dealt with, %s (the journal %s records what was done): the rows done are not sent again.\n", again, out.journal.path)
		return nil
	case stopped != nil:
		return nil
	case st.failed == 0:
		return nil
	}
	them := pluralize(st.failed, "it", "them")
	next := fmt.Sprintf("fix %s and run 'wsctl %s --csv %s --resume' to send only the rows not done yet (the rows done are recognised and not sent again)", them, name, f.Path)
	switch {
	case out.journal == nil:
		next = fmt.Sprintf("fix %s and run 'wsctl %s --csv %s' again", them, name, f.Path)
	case f.IsStdin():
		next = fmt.Sprintf("fix %s and send %[1]s again (--failed FILE writes the failed rows ready to fix)", them)
	}
	fmt.Fprintf(w, "Failed lines: %s; %s\n", st.failedLines(out.o.Report), next)
	return &cmdutil.PartialError{}
}

// stats are the totals of a run. Only the first runs of failed lines are
// kept, so that a file of any size runs in the same memory.
type stats struct {
	statuses []Status // the verb's, in its order
	total    int
	done     map[string]int // rows done, by status
	skipped  int
	unsent   int // skipped rows not done before: the run stopped
	failed   int // failed and invalid
	// failedRuns are the first runs of consecutive failed lines.
	failedRuns []lineRun
	unlisted   int // failed lines past the runs kept
	elapsed    time.Duration
}

// lineRun is consecutive failed lines, first to last.
type lineRun struct{ first, last int }

// maxFailedRuns bounds the failed lines the summary names: a whole batch
// that failed is one run ("2-1001"), scattered failures one each.
const maxFailedRuns = 20

func (s *stats) count(o Outcome) {
	s.total++
	switch o.Status {
	case StatusSkipped:
		s.skipped++
		if !o.earlier {
			s.unsent++
		}
	case StatusFailed, StatusInvalid:
		s.failed++
		switch n := len(s.failedRuns); {
		case n > 0 && s.failedRuns[n-1].last+1 == o.Line:
			s.failedRuns[n-1].last = o.Line
		case n < maxFailedRuns:
			s.failedRuns = append(s.failedRuns, lineRun{o.Line, o.Line})
		default:
			s.unlisted++
		}
	default:
		if s.done == nil {
			s.done = map[string]int{}
		}
		s.done[o.Status]++
	}
}

func (s *stats) doneRows() int {
	n := 0
	for _, c := range s.done {
		n += c
	}
	return n
}

// line is the summary: "4 rows: 2 invited, 0 already invited, 0 skipped,
// 2 failed", the verb's outcomes in its order.
func (s *stats) line() string {
	parts := make([]string, 0, len(s.statuses)+2)
	for _, st := range s.statuses {
		parts = append(parts, fmt.Sprintf("%d %s", s.done[st.Name], st.summary()))
	}
	parts = append(parts, fmt.Sprintf("%d skipped", s.skipped), fmt.Sprintf("%d failed", s.failed))
	return pluralize(s.total, "1 row", "%d rows") + ": " + strings.Join(parts, ", ")
}

// failedLines names the failed lines, "3, 4, 7-120", then says where the
// rest are: in the report when there is one (report is its path, or "").
func (s *stats) failedLines(report string) string {
	var parts []string
	for _, r := range s.failedRuns {
		switch r.last - r.first {
		case 0:
			parts = append(parts, strconv.Itoa(r.first))
		case 1:
			parts = append(parts, strconv.Itoa(r.first), strconv.Itoa(r.last))
		default:
			parts = append(parts, fmt.Sprintf("%d-%d", r.first, r.last))
		}
	}
	text := strings.Join(parts, ", ")
	switch {
	case s.unlisted > 0 && report != "":
		text += fmt.Sprintf(" and %d more (%s lists every row)", s.unlisted, report)
	case s.unlisted > 0:
		text += fmt.Sprintf(" and %d more (--report FILE lists every row)", s.unlisted)
	}
	return text
}

// pluralize says n things: one when n is 1, else many with n for its %d
// (if it has one).
func pluralize(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return strings.ReplaceAll(many, "%d", strconv.Itoa(n))
}
