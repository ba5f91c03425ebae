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

// bulkRun sends every valid row, concurrency at a time, and reports each
// outcome as it comes; a failed row never stops the others. Errors that would
// fail every row alike (not signed in, forbidden, signup mode on) stop the
// run: the rows not yet sent are reported as skipped and that error returned.
func bulkRun(ctx context.Context, opts *InviteOptions, c inviter, rows []Row, done map[int]bool) ([]Outcome, error) {
	report, err := openReport(opts.Report)
	if err != nil {
		return nil, err
	}
	defer report.close()

	var (
		mu       sync.Mutex
		outcomes = make([]Outcome, 0, len(rows))
		fatal    error
	)
	record := func(o Outcome, notices []string) {
		mu.Lock()
		defer mu.Unlock()
		outcomes = append(outcomes, o)
		printOutcome(opts, o, notices)
		report.write(o)
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
				o, notices, err := handleRow(ctx, c, row, done[row.Line])
				if err != nil && stopsRun(err) {
					mu.Lock()
					if fatal == nil {
						fatal = err
						cancel()
					}
					mu.Unlock()
				}
				record(o, notices)
			}
		})
	}
	for _, row := range rows {
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
		fmt.Fprintf(ios.ErrOut, "%sline %d %s: already invited by an earlier run of this file\n", cs.SuccessIcon(), o.Line, o.Email)
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

// summarize prints the totals and says what to do about the failed rows.
func summarize(opts *InviteOptions, outcomes []Outcome) error {
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
	if len(failed) == 0 {
		return nil
	}
	next := fmt.Sprintf("fix them and run 'wsctl users invite --csv %s --resume --report FILE' to send only the rows not done yet", opts.CSVFile)
	if opts.Report != "" {
		next = fmt.Sprintf("fix them and run 'wsctl users invite --csv %s --resume --report %s' to send only the rows not done yet", opts.CSVFile, opts.Report)
	}
	fmt.Fprintf(w, "Failed lines: %s; %s\n", strings.Join(failed, ", "), next)
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

// readDone reads a previous report and returns the lines already invited,
// keyed by line and checked against the email, for --resume.
func readDone(path string, rows []Row) (map[int]bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return map[int]bool{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read report for --resume: %w", err)
	}
	defer f.Close()
	return parseDone(f, rows)
}

func parseDone(r io.Reader, rows []Row) (map[int]bool, error) {
	recs, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("read report for --resume: %w", err)
	}
	emailAt := map[int]string{}
	for _, row := range rows {
		emailAt[row.Line] = strings.ToLower(row.Request.Email)
	}
	done := map[int]bool{}
	for i, rec := range recs {
		if i == 0 || len(rec) < 3 {
			continue
		}
		line, err := strconv.Atoi(rec[0])
		if err != nil {
			continue
		}
		ok := rec[2] == StatusInvited || rec[2] == StatusReplayed || (rec[2] == StatusSkipped && (len(rec) < 4 || rec[3] == ""))
		if ok && emailAt[line] == strings.ToLower(rec[1]) {
			done[line] = true
		}
	}
	return done, nil
}
