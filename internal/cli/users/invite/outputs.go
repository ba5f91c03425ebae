package invite

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

// outputs receive every row's outcome, in the file's order whatever order
// the workers finish in: outcomes that come early wait in held until the
// rows before them are done (at most the rows in flight).
type outputs struct {
	opts *InviteOptions

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
	row Row
}

// openOutputs opens the files a run writes. total is the number of rows,
// for the progress bar; header is the file's header, for --failed.
func openOutputs(opts *InviteOptions, total int, header []string, j *journal) (*outputs, error) {
	out := &outputs{opts: opts, held: map[int]heldOutcome{}, journal: j, started: time.Now()}
	var err error
	if out.report, err = createCSV(opts.Report, []string{"line", "email", "status", "error"}); err != nil {
		return nil, fmt.Errorf("create report: %w", err)
	}
	if out.failed, err = createCSV(opts.Failed, header); err != nil {
		out.report.close()
		return nil, fmt.Errorf("create --failed file: %w", err)
	}
	if opts.Output.IsMachine() {
		out.list = cmdutil.NewListPrinter(opts.IO, opts.Output, outcomeView)
	}
	if opts.IO.IsStderrTTY() {
		out.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(opts.IO.ErrOut),
			progressbar.OptionSetDescription("Inviting"),
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
func (out *outputs) put(seq int, o Outcome, row Row) {
	out.mu.Lock()
	defer out.mu.Unlock()
	out.held[seq] = heldOutcome{o, row}
	emitted := false
	for {
		h, ok := out.held[out.next]
		if !ok {
			break
		}
		delete(out.held, out.next)
		out.next++
		out.emit(h.o, h.row)
		emitted = true
	}
	if emitted {
		// A killed run still leaves every finished row on disk.
		out.keep(out.journal.flush())
		out.keep(out.report.flush())
		out.keep(out.failed.flush())
	}
}

func (out *outputs) emit(o Outcome, row Row) {
	out.stats.count(o)
	out.print(o)
	out.keep(out.report.write([]string{strconv.Itoa(o.Line), o.Email, o.Status, o.Error}))
	switch o.Status {
	case StatusInvited, StatusReplayed:
		out.keep(out.journal.record(row))
	case StatusFailed, StatusInvalid:
		out.keep(out.failed.write(row.Record))
	}
	if out.list != nil {
		o.notices = nil
		out.keep(out.list.Add(o))
	}
	if out.bar != nil {
		_ = out.bar.Add(1)
	}
}

func (out *outputs) keep(err error) {
	if err != nil && out.err == nil {
		out.err = err
	}
}

// print writes a row's line on stderr: every row when stderr is piped (a
// log to keep), only what needs attention under the progress bar.
func (out *outputs) print(o Outcome) {
	ios := out.opts.IO
	cs := ios.ErrColorScheme()
	quiet := out.bar != nil
	var line string
	switch o.Status {
	case StatusInvited:
		line = fmt.Sprintf("%sline %d %s: invited", cs.SuccessIcon(), o.Line, o.Email)
	case StatusReplayed:
		line = fmt.Sprintf("%sline %d %s: already invited by an earlier run%s", cs.SuccessIcon(), o.Line, o.Email, inviteNow(o.Invite))
	case StatusSkipped:
		reason := o.Error
		if reason == "" {
			reason = "done in an earlier run (--resume)"
		}
		line = fmt.Sprintf("%sline %d %s: skipped: %s", cs.Gray("- "), o.Line, o.Email, reason)
	default:
		line, quiet = fmt.Sprintf("%sline %d %s: %s: %s", cs.FailureIcon(), o.Line, o.Email, o.Status, o.Error), false
	}
	if out.bar != nil && (!quiet || len(o.notices) > 0) {
		_ = out.bar.Clear()
	}
	if !quiet {
		fmt.Fprintln(ios.ErrOut, line)
	}
	for _, n := range o.notices {
		fmt.Fprintf(ios.ErrOut, "%sline %d %s: %s\n", cs.WarningIcon(), o.Line, o.Email, n)
	}
}

// notice prints a message about the run as a whole.
func (out *outputs) notice(msg string) {
	out.mu.Lock()
	defer out.mu.Unlock()
	if out.bar != nil {
		_ = out.bar.Clear()
	}
	fmt.Fprintln(out.opts.IO.ErrOut, msg)
}

// close ends the outputs and returns the run's totals. A --failed file
// without rows is removed rather than left to be mistaken for work.
func (out *outputs) close() (*stats, error) {
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
	if out.stats.failed == 0 && out.opts.Failed != "" {
		_ = os.Remove(out.opts.Failed)
	}
	return &out.stats, out.err
}

// csvFile is a CSV file written as rows finish; nil writes nothing.
type csvFile struct {
	f *os.File
	w *csv.Writer
}

func createCSV(path string, header []string) (*csvFile, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	c := &csvFile{f: f, w: csv.NewWriter(f)}
	return c, c.write(header)
}

func (c *csvFile) write(rec []string) error {
	if c == nil {
		return nil
	}
	return c.w.Write(rec)
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
