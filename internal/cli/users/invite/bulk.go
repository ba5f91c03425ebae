package invite

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/client"
)

// Outcome statuses of a CSV row (the report's status column).
const (
	StatusInvited  = "invited"
	StatusReplayed = "replayed" // invited by an earlier run of the same file
	StatusFailed   = "failed"
	StatusInvalid  = "invalid" // refused locally, not sent
	StatusSkipped  = "skipped" // not sent: done in an earlier run (--resume) or the run stopped
)

// Outcome is what happened to one row.
type Outcome struct {
	Line   int            `json:"line"`
	Email  string         `json:"email"`
	Status string         `json:"status"`
	Error  string         `json:"error,omitempty"`
	Invite *schema.Invite `json:"invite,omitempty"`
}

// inviter is the part of the client a bulk run needs.
type inviter interface {
	Invite(ctx context.Context, req schema.InviteRequest, idempotencyKey string) (schema.Invite, bool, error)
}

// maxAttempts bounds the retries of a row answered 429 (rate limited).
const maxAttempts = 5

// rowSource yields the rows of a file one at a time, io.EOF after the last.
type rowSource interface {
	Next() (Row, error)
}

// bulkRun sends every valid row, concurrency at a time, as it reads them,
// and reports each outcome as it comes; a failed row never stops the
// others. Errors that would fail every row alike (not signed in, forbidden,
// signup mode on) stop the run: the rows not yet sent are reported as
// skipped and that error returned.
func bulkRun(ctx context.Context, opts *InviteOptions, c inviter, rows rowSource, done doneRows) ([]Outcome, error) {
	report, err := openReport(opts.Report)
	if err != nil {
		return nil, err
	}
	defer report.close()

	var (
		mu       sync.Mutex
		outcomes []Outcome
		fatal    error
	)
	record := func(o Outcome, notices []string) {
		mu.Lock()
		defer mu.Unlock()
		outcomes = append(outcomes, o)
		printOutcome(opts, o, notices)
		report.write(o)
	}
	stop := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if fatal == nil {
			fatal = err
		}
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Every row goes through the workers, so that with one worker the
	// outcomes come in the file's order.
	work := make(chan Row)
	var wg sync.WaitGroup
	for range max(1, opts.Concurrency) {
		wg.Go(func() {
			for row := range work {
				o, notices, err := handleRow(ctx, c, row, done.has(row))
				if err != nil && stopsRun(err) {
					stop(err)
					cancel()
				}
				record(o, notices)
			}
		})
	}
	for {
		row, err := rows.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil { // the file changed since it was checked
			stop(fmt.Errorf("read %s: %w", opts.CSVFile, err))
			cancel()
			break
		}
		work <- row
	}
	close(work)
	wg.Wait()
	slices.SortFunc(outcomes, func(a, b Outcome) int { return a.Line - b.Line })
	if err := report.err(); err != nil {
		return outcomes, fmt.Errorf("write report %s: %w", opts.Report, err)
	}
	return outcomes, fatal
}

func handleRow(ctx context.Context, c inviter, row Row, done bool) (Outcome, []string, error) {
	o := Outcome{Line: row.Line, Email: row.Request.Email}
	switch {
	case done:
		o.Status = StatusSkipped
		return o, nil, nil
	case row.Invalid != nil:
		o.Status, o.Error = StatusInvalid, row.Invalid.Error()
		return o, nil, nil
	case ctx.Err() != nil:
		o.Status, o.Error = StatusSkipped, "not sent: the run stopped"
		return o, nil, nil
	}
	for attempt := 1; ; attempt++ {
		inv, replayed, err := c.Invite(ctx, row.Request, row.IdempotencyKey)
		if err == nil {
			o.Status, o.Invite = StatusInvited, &inv
			if replayed {
				o.Status = StatusReplayed
			}
			return o, inv.Notices, nil
		}
		var apiErr *client.APIError
		if errors.As(err, &apiErr) && apiErr.Status == 429 && attempt < maxAttempts {
			wait := apiErr.RetryAfter
			if wait <= 0 {
				wait = time.Duration(attempt) * time.Second
			}
			select {
			case <-time.After(min(wait, time.Minute)):
				continue
			case <-ctx.Done():
			}
		}
		o.Status, o.Error = StatusFailed, cmdutil.ErrorMessage(err)
		if ctx.Err() != nil && errors.Is(err, context.Canceled) {
			o.Status, o.Error = StatusSkipped, "not sent: the run stopped"
		}
		return o, nil, err
	}
}

// stopsRun is true for errors every other row would meet too.
func stopsRun(err error) bool {
	var apiErr *client.APIError
	if errors.As(err, &apiErr) {
		return apiErr.Status == 401 || apiErr.Status == 403 || apiErr.Code() == schema.CodeSignupModeOn
	}
	var te *client.TransportError
	return errors.As(err, &te)
}

func printOutcome(opts *InviteOptions, o Outcome, notices []string) {
	ios := opts.IO
	cs := ios.ErrColorScheme()
	switch o.Status {
	case StatusInvited:
		fmt.Fprintf(ios.ErrOut, "%sline %d %s: invited\n", cs.SuccessIcon(), o.Line, o.Email)
	case StatusReplayed:
		fmt.Fprintf(ios.ErrOut, "%sline %d %s: already invited by an earlier run%s\n", cs.SuccessIcon(), o.Line, o.Email, inviteNow(o.Invite))
	case StatusSkipped:
		reason := o.Error
		if reason == "" {
			reason = "done in an earlier run (--resume)"
		}
		fmt.Fprintf(ios.ErrOut, "%sline %d %s: skipped: %s\n", cs.Gray("- "), o.Line, o.Email, reason)
	default:
		fmt.Fprintf(ios.ErrOut, "%sline %d %s: %s: %s\n", cs.FailureIcon(), o.Line, o.Email, o.Status, o.Error)
	}
	for _, n := range notices {
		fmt.Fprintf(ios.ErrOut, "%sline %d %s: %s\n", cs.WarningIcon(), o.Line, o.Email, n)
	}
}

// inviteNow tells what became of a replayed invite, when it is no longer
// pending: "; the invite was accepted since" (or revoked, or expired).
func inviteNow(inv *schema.Invite) string {
	if inv == nil || inv.Status == "" || inv.Status == "pending" {
		return ""
	}
	return fmt.Sprintf("; the invite was %s since", inv.Status)
}

// summarize prints the totals and says what to do next. A run stopped by an
// error that every row would meet (stopped) is not about rows: the error
// itself says what to fix, and there is no row to point at.
func summarize(opts *InviteOptions, outcomes []Outcome, stopped error) error {
	var invited, replayed, skipped int
	var failed []string
	for _, o := range outcomes {
		switch o.Status {
		case StatusInvited:
			invited++
		case StatusReplayed:
			replayed++
		case StatusSkipped:
			skipped++
		default:
			failed = append(failed, strconv.Itoa(o.Line))
		}
	}
	w := opts.IO.ErrOut
	fmt.Fprintf(w, "\n%d rows: %d invited, %d already invited, %d skipped, %d failed\n", len(outcomes), invited, replayed, skipped, len(failed))
	if opts.Report != "" {
		fmt.Fprintf(w, "Report written to %s\n", opts.Report)
	}
	switch {
	case stopped != nil:
		fmt.Fprintln(w, "The run stopped before the end of the file. Once the error below is dealt with, run the same command again: rows already invited are recognised, not invited twice.")
		return nil
	case len(failed) == 0:
		return nil
	case opts.Report != "":
		fmt.Fprintf(w, "Failed lines: %s; fix them and run 'wsctl users invite --csv %s --resume --report %s' to send only the rows not done yet\n",
			strings.Join(failed, ", "), opts.CSVFile, opts.Report)
	default:
		fmt.Fprintf(w, "Failed lines: %s; fix them and run 'wsctl users invite --csv %s' again: rows already invited are recognised, not invited twice\n",
			strings.Join(failed, ", "), opts.CSVFile)
	}
	return &cmdutil.PartialError{}
}

// report writes the --report CSV: line,email,status,error.
type reportWriter struct {
	f *os.File
	w *csv.Writer
}

func openReport(path string) (*reportWriter, error) {
	if path == "" {
		return &reportWriter{}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create report: %w", err)
	}
	w := csv.NewWriter(f)
	_ = w.Write([]string{"line", "email", "status", "error"})
	return &reportWriter{f: f, w: w}, nil
}

func (r *reportWriter) write(o Outcome) {
	if r.w == nil {
		return
	}
	_ = r.w.Write([]string{strconv.Itoa(o.Line), o.Email, o.Status, o.Error})
	r.w.Flush() // a killed run still leaves every finished row on disk
}

func (r *reportWriter) err() error {
	if r.w == nil {
		return nil
	}
	return r.w.Error()
}

func (r *reportWriter) close() {
	if r.f != nil {
		_ = r.f.Close()
	}
}

// doneRows are the rows an earlier run's report records as done: the
// lower-cased email of each such line, for --resume.
type doneRows map[int]string

// has is true when the report's line holds the same email as row: a line
// that now holds another person (rows were inserted) is not skipped.
func (d doneRows) has(row Row) bool {
	email, ok := d[row.Line]
	return ok && email == normalizeEmail(row.Request.Email)
}

// readDone reads a previous report for --resume; a missing report means
// nothing is done yet.
func readDone(path string) (doneRows, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return doneRows{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read report for --resume: %w", err)
	}
	defer f.Close()
	return parseDone(f)
}

func parseDone(r io.Reader) (doneRows, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	done := doneRows{}
	for i := 0; ; i++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return done, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read report for --resume: %w", err)
		}
		if i == 0 || len(rec) < 3 {
			continue
		}
		line, err := strconv.Atoi(rec[0])
		if err != nil {
			continue
		}
		status, reason := rec[2], ""
		if len(rec) > 3 {
			reason = rec[3]
		}
		if status == StatusInvited || status == StatusReplayed || (status == StatusSkipped && reason == "") {
			done[line] = normalizeEmail(rec[1])
		}
	}
}
