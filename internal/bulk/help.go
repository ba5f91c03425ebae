package bulk

import (
	"fmt"
	"strings"

	"github.com/wsctl/wsctl/internal/api/schema"
)

// Help is what every bulk verb's long help says about --csv: the file, how
// rows are sent, the journal, the flags, the outputs and the dry run. A
// verb's help adds what its rows mean.
func (v Verb[R]) Help() string {
	a := v.about()
	header := fmt.Sprintf("The file needs the header `%s` (columns in any order, no others).", v.Columns.Header())
	if len(v.Columns.Optional) > 0 {
		header = fmt.Sprintf("The file needs the column `%s`, and may have any of `%s` (in any order, no others).",
			v.Columns.Header(), strings.Join(v.Columns.Optional, ","))
	}
	repeated := ""
	if v.Columns.Key != "" {
		repeated = ", or whose " + v.Columns.Key + " is already on an earlier line,"
	}
	paragraphs := []string{
		header + " UTF-8 with or without a BOM, LF or CRLF line ends, quoted fields and spaces around cells are all fine; --csv - reads the file from stdin. " +
			"The whole file is read and checked before anything is sent: a bad header or malformed line is a usage error (exit 2); a row with an empty required cell" +
			repeated + " is reported by line and not sent. The server decides the rest, row by row.",

		"Rows are sent in batches, a few requests at a time (--concurrency); a 429 answer, or a 503 with Retry-After from a busy server, pauses every worker for its Retry-After, and other 5xx answers and network failures are retried with growing, jittered waits. " +
			"A failed row never stops the others; an error every row would meet (not signed in, forbidden, the server gone) stops the run. " +
			"On a terminal a progress bar shows rows done, rate and time left, and only the rows that need attention are printed; piped, every row gets a line on stderr naming its line number and email. " +
			"A summary ends the run; the exit status is 3 when some rows failed or were invalid.",

		fmt.Sprintf("A journal beside the file (FILE%s, or under $XDG_STATE_HOME/wsctl/journals when that directory is read-only) records every row done as it finishes; ",
			journalName(v.Name)) +
			"each command keeps its own. The journal of stdin is always under $XDG_STATE_HOME, found again only when the very same input is sent again. " +
			"Ctrl-C lets the requests in flight finish and writes the journal (Ctrl-C again stops at once). It is removed when every row is done.",
	}
	flags := fmt.Sprintf(`  --dry-run      ask the server what it would do with each row, and
                 change nothing
  --resume       skip the rows the journal records as done
  --report FILE  write a CSV of line,email,status,error as rows finish
  --failed FILE  write the failed and invalid rows, with the file's own
                 header, ready to fix and run again
  --concurrency  requests in flight at once (default %d; %d rows a request)`, DefaultConcurrency, DefaultBatchRows)

	var statuses, actions []string
	for _, s := range a.statuses {
		if s.row() != s.Name {
			statuses = append(statuses, fmt.Sprintf("%s (%s)", s.Name, s.row()))
		} else {
			statuses = append(statuses, s.Name)
		}
		actions = append(actions, s.action())
	}
	outputs := "With -o json or yaml, stdout gets a list of every row's outcome: line, email, status, error"
	if a.object != "" {
		outputs += fmt.Sprintf(", and %[1]s: the API's %[1]s for the rows done", a.object)
	}
	outputs += ". status is " + strings.Join(statuses, ", ") + ", failed, invalid (refused before sending) or skipped; error says why a row failed. -o csv gives line, email, status, error."
	dry := fmt.Sprintf("--dry-run sends every row in one request (at most %d rows) that the server decides as it would for real and then undoes: nothing changes, nothing is journaled. ", schema.MaxPlanRows) +
		"stdout gets a row per line: line, action, email, reason; action is " + strings.Join(actions, ", ") + ", invalid or refused (the server would refuse the row). " +
		"stderr gets a summary and the rows that need attention. With -o json or yaml, stdout gets the plan as one object: rows (line, action, email, reason and what the row asks for) and summary (rows per action). " +
		"The exit status is 3 when some row is invalid or would be refused. " +
		"The plan decides the rows in the file's order; a run sends batches a few at a time, which may finish in another order, so where rows compete for the last licenses a run with --concurrency 1 follows the plan exactly."

	var b strings.Builder
	for _, p := range paragraphs {
		b.WriteString(wrap(p, helpWidth) + "\n\n")
	}
	b.WriteString(flags + "\n\n")
	b.WriteString(wrap(outputs, helpWidth) + "\n\n")
	b.WriteString(wrap(dry, helpWidth) + "\n")
	return b.String()
}

const helpWidth = 76

// wrap breaks text into lines of at most width characters, between words.
func wrap(text string, width int) string {
	var b strings.Builder
	n := 0
	for _, w := range strings.Fields(text) {
		switch {
		case n == 0:
		case n+1+len(w) > width:
			b.WriteByte('\n')
			n = 0
		default:
			b.WriteByte(' ')
			n++
		}
		b.WriteString(w)
		n += len(w)
	}
	return b.String()
}
