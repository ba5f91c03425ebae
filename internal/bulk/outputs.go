package bulk

import (
	"encoding/csv"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/wsctl/wsctl/internal/cli/cmdutil"
)

// Outputs take every row's outcome, in the file's order, to where it goes:
// a line on stderr (or the progress bar on a terminal), --report, --failed,
// the journal, the -o json|yaml|csv list on stdout, and the summary's
// totals. A run's workers finish in any order: outcomes that come early
// wait in held until the rows before them are done (at most the rows in
// flight).
type Outputs struct {
	o    *Options
	verb about
	file *File

	mu      sync.Mutex
	next    int
	held    map[int]heldOutcome
	stats   stats
	started time.Time

	bar     *progressbar.ProgressBar // nil when stderr is not a terminal
	report  *csvFile                 // --report: line,email,status,error
	failed  *csvFile                 // --failed: the failed rows as the file has them
	journal *journal
	list    *cmdutil.ListPrinter[Outcome] // -o json|yaml|csv: the outcomes on stdout
	err     error                         // the first write error
}

type heldOutcome struct {
	o   Outcome
	rec Record
}

// openOutputs opens the files a run writes (o.Report, o.Failed).
func openOutputs(o *Options, verb about, f *File) (*Outputs, error) {
	out := &Outputs{o: o, verb: verb, file: f, held: map[int]heldOutcome{}, started: time.Now()}
	out.stats.statuses = verb.statuses
	var err error
	if out.report, err = createReportCSV(o.Report, []string{"line", "email", "status", "error"}); err != nil {
		return nil, fmt.Errorf("create report: %w", err)
	}
	if out.failed, err = createCSV(o.Failed, f.Header); err != nil {
		_ = out.report.close()
		return nil, fmt.Errorf("create --failed file: %w", err)
	}
	if o.Output.IsMachine() {
		out.list = cmdutil.NewListPrinter(o.IO, o.Output, outcomeView)
	}
	if o.IO.IsStderrTTY() {
		out.bar = progressbar.NewOptions(f.Rows,
			progressbar.OptionSetWriter(o.IO.ErrOut),
			progressbar.OptionSetDescription(verb.doing),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("rows"),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionSetWidth(30),
		)
	}
	return out, nil
}

// put takes the outcome of the row read seq-th and passes on every outcome
// now in order.
func (out *Outputs) put(seq int, o Outcome, rec Record) {
	out.mu.Lock()
	defer out.mu.Unlock()
	out.held[seq] = heldOutcome{o, rec}
	emitted := false
	for {
		h, ok := out.held[out.next]
		if !ok {
			break
		}
		delete(out.held, out.next)
		out.next++
		out.emit(h)
		emitted = true
	}
	if emitted {
		// A killed run still leaves every finished row on disk.
		out.keep(out.journal.flush())
		out.keep(out.report.flush())
		out.keep(out.failed.flush())
	}
}

func (out *Outputs) emit(h heldOutcome) {
	o := h.o
	out.stats.count(o)
	out.print(o)
	out.keep(out.report.write([]string{strconv.Itoa(o.Line), o.Email, o.Status, o.Error}))
	switch o.Status {
	case StatusSkipped:
	case StatusFailed, StatusInvalid:
		out.keep(out.failed.write(h.rec.Fields))
	default:
		out.keep(out.journal.record(o.key, o.Line, o.Email))
	}
	if out.list != nil {
		o.objectName = out.verb.object
		out.keep(out.list.Add(o))
	}
	if out.bar != nil {
		_ = out.bar.Add(1)
	}
}

func (out *Outputs) keep(err error) {
	if err != nil && out.err == nil {
		out.err = err
	}
}

// print writes a row's line on stderr: every row when stderr is piped (a
// log to keep), only what needs attention under the progress bar.
func (out *Outputs) print(o Outcome) {
	ios := out.o.IO
	cs := ios.ErrColorScheme()
	quiet := out.bar != nil
	var line string
	switch o.Status {
	case StatusSkipped:
		reason := o.Error
		if reason == "" {
			reason = "done in an earlier run (--resume)"
		}
		line = fmt.Sprintf("%s%s: skipped: %s", cs.Gray("- "), where(o.Line, o.Email), reason)
	case StatusFailed, StatusInvalid:
		line, quiet = fmt.Sprintf("%s%s: %s: %s", cs.FailureIcon(), where(o.Line, o.Email), o.Status, o.Error), false
	default:
		line = fmt.Sprintf("%s%s: %s", cs.SuccessIcon(), where(o.Line, o.Email), out.verb.status(o.Status).row())
		if o.Detail != "" {
			line += "; " + o.Detail
		}
	}
	if out.bar != nil && (!quiet || len(o.Notices) > 0) {
		_ = out.bar.Clear()
	}
	if !quiet {
		fmt.Fprintln(ios.ErrOut, line)
	}
	for _, n := range o.Notices {
		fmt.Fprintf(ios.ErrOut, "%s%s: %s\n", cs.WarningIcon(), where(o.Line, o.Email), n)
	}
}

// where names a row in messages: "line 4 ann@example.com", or "line 4"
// when its email is empty.
func where(line int, email string) string {
	if email == "" {
		return fmt.Sprintf("line %d", line)
	}
	return fmt.Sprintf("line %d %s", line, email)
}

// notice prints a message about the run as a whole.
func (out *Outputs) notice(msg string) {
	out.mu.Lock()
	defer out.mu.Unlock()
	if out.bar != nil {
		_ = out.bar.Clear()
	}
	fmt.Fprintln(out.o.IO.ErrOut, msg)
}

// close ends the outputs and returns the run's totals. A --failed file
// without rows is removed rather than left to be mistaken for work.
func (out *Outputs) close() (*stats, error) {
	out.mu.Lock()
	defer out.mu.Unlock()
	out.stats.elapsed = time.Since(out.started)
	if out.bar != nil {
		_ = out.bar.Finish()
	}
	if out.list != nil {
		out.keep(out.list.Close())
	}
	out.keep(out.report.close())
	out.keep(out.failed.close())
	if out.stats.failed == 0 && out.o.Failed != "" {
		_ = os.Remove(out.o.Failed)
	}
	return &out.stats, out.err
}

// csvFile is a CSV file written as rows finish; nil writes nothing.
type csvFile struct {
	f *os.File
	w *csv.Writer
	// cells prepares a row's cells: a report, which people open in a
	// spreadsheet, has formula-like cells quoted; a --failed file, which
	// wsctl reads back, keeps them as they were.
	cells func([]string) []string
}

// createReportCSV is createCSV for a file people read: a report.
func createReportCSV(path string, header []string) (*csvFile, error) {
	c, err := createCSV(path, header)
	if c != nil {
		c.cells = cmdutil.SpreadsheetSafe
	}
	return c, err
}

// createCSV creates path with header as its first row; nil for no path.
func createCSV(path string, header []string) (*csvFile, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	c := &csvFile{f: f, w: csv.NewWriter(f), cells: func(rec []string) []string { return rec }}
	return c, c.write(header)
}

func (c *csvFile) write(rec []string) error {
	if c == nil {
		return nil
	}
	return c.w.Write(c.cells(rec))
}

func (c *csvFile) flush() error {
	if c == nil {
		return nil
	}
	c.w.Flush()
	return c.w.Error()
}

func (c *csvFile) close() error {
	if c == nil {
		return nil
	}
	err := c.flush()
	if cerr := c.f.Close(); err == nil {
		err = cerr
	}
	return err
}
