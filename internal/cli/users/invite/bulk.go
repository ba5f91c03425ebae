package invite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
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

	notices []string
}

// batchInviter is the part of the client a bulk run needs.
type batchInviter interface {
	InviteBatch(ctx context.Context, items []schema.InviteBatchItem) ([]schema.InviteBatchResult, error)
}

// rowSource yields the rows of a file one at a time, io.EOF after the last.
type rowSource interface {
	Next() (Row, error)
}

// retryPolicy says how a batch that met a transient failure (429, 5xx, a
// network error) is sent again: attempts in all, the first included, with
// waits of base·2ⁿ capped at max, half of it random (jitter), so that
// workers that failed together do not come back together. A 429's
// Retry-After is honoured instead, and pauses every worker.
type retryPolicy struct {
	attempts  int
	base, max time.Duration
}

var defaultRetry = retryPolicy{attempts: 8, base: 250 * time.Millisecond, max: 15 * time.Second}

func (p retryPolicy) backoff(attempt int) time.Duration {
	d := min(p.base<<min(attempt-1, 20), p.max)
	if d <= 0 {
		return 0
	}
	return d/2 + rand.N(d/2+1)
}

// seqRow is a row with its place among the rows read, which is the order
// outcomes are reported in.
type seqRow struct {
	seq int
	Row
}

// bulk is one run of 'users invite --csv': rows are read one at a time,
// grouped into batches sent by a pool of workers, and every outcome goes,
// in the file's order, to the outputs (stderr, progress bar, report,
// journal, failed rows, stdout).
type bulk struct {
	opts *InviteOptions
	c    batchInviter
	out  *outputs

	mu         sync.Mutex
	fatal      error     // an error every row would meet: stop sending
	pauseUntil time.Time // set by a 429: no worker sends before
	stopped    chan struct{}
	stopOnce   sync.Once
}

// bulkRun sends every valid row and reports each outcome; a failed row
// never stops the others. An error every row would meet (not signed in,
// forbidden, signup mode on, the server unreachable after retries) stops
// the run: the rows not sent are reported as skipped, and that error
// returned. So does an interrupt (ctx cancelled: Ctrl-C), after the
// requests in flight have finished and the journal is written; a second
// Ctrl-C abandons them.
func bulkRun(ctx context.Context, opts *InviteOptions, c batchInviter, rows rowSource, out *outputs) error {
	b := &bulk{opts: opts, c: c, out: out, stopped: make(chan struct{})}
	reqCtx, abandon := context.WithCancel(context.WithoutCancel(ctx))
	defer abandon()
	finished := make(chan struct{})
	defer close(finished)
	go b.watchInterrupt(ctx, abandon, finished)

	work := make(chan []seqRow)
	var wg sync.WaitGroup
	for range max(1, opts.Concurrency) {
		wg.Go(func() {
			for batch := range work {
				b.sendBatch(reqCtx, batch)
			}
		})
	}
	readErr := b.feed(ctx, rows, work)
	close(work)
	wg.Wait()
	switch {
	case readErr != nil:
		return readErr
	case b.fatalErr() != nil:
		return b.fatalErr()
	case ctx.Err() != nil:
		return ctx.Err()
	}
	return nil
}

// feed reads the rows and hands them to the workers in batches; rows that
// are not to be sent get their outcome at once.
func (b *bulk) feed(ctx context.Context, rows rowSource, work chan<- []seqRow) error {
	size := max(1, b.opts.BatchSize)
	batch, bytes := make([]seqRow, 0, size), 0
	flush := func() {
		if len(batch) == 0 {
			return
		}
		select {
		case work <- batch:
		case <-ctx.Done():
			b.skipAll(batch)
		case <-b.stopped:
			b.skipAll(batch)
		}
		batch, bytes = make([]seqRow, 0, size), 0
	}
	for seq := 0; ; seq++ {
		row, err := rows.Next()
		if errors.Is(err, io.EOF) {
			flush()
			return nil
		}
		if err != nil { // the file changed since it was checked
			b.stop(fmt.Errorf("read %s: %w", b.opts.CSVFile, err))
			flush()
			return nil
		}
		r := seqRow{seq: seq, Row: row}
		switch {
		case b.out.journal.has(row):
			b.out.put(seq, Outcome{Line: row.Line, Email: row.Request.Email, Status: StatusSkipped}, row)
		case row.Invalid != nil:
			b.out.put(seq, Outcome{Line: row.Line, Email: row.Request.Email, Status: StatusInvalid, Error: row.Invalid.Error()}, row)
		case ctx.Err() != nil || b.isStopped():
			b.skipAll([]seqRow{r})
		default:
			n := encodedSize(r.Row)
			if n > maxBatchBytes {
				b.out.put(seq, Outcome{Line: row.Line, Email: row.Request.Email, Status: StatusInvalid,
					Error: fmt.Sprintf("the row takes %d KiB of JSON, more than a request may hold (%d KiB): shorten its cells", n>>10, maxBatchBytes>>10)}, row)
				continue
			}
			if bytes+n > maxBatchBytes {
				flush()
			}
			if batch, bytes = append(batch, r), bytes+n; len(batch) == size {
				flush()
			}
		}
	}
}

// maxBatchBytes keeps a request below workspaced's body limit (1 MiB)
// whatever the rows hold: a batch is sent early when its next row would
// take it over. Rows of common sizes (a few hundred bytes) fill whole
// batches well below it.
const maxBatchBytes = 900 << 10

// encodedSize is what a row takes in a request's JSON, comma included. It
// is measured by encoding the row rather than estimated from its cells: an
// estimate safe for every row (six bytes per byte escaped as \u00XX) would
// cut batches of ordinary rows to a fraction of their size.
func encodedSize(r Row) int {
	b, err := json.Marshal(schema.InviteBatchItem{InviteRequest: r.Request, IdempotencyKey: r.IdempotencyKey})
	if err != nil { // strings and slices of strings always encode
		panic(fmt.Sprintf("encode row %d: %v", r.Line, err))
	}
	return len(b) + 1
}

func (b *bulk) skipAll(rows []seqRow) {
	for _, r := range rows {
		b.out.put(r.seq, Outcome{Line: r.Line, Email: r.Request.Email, Status: StatusSkipped, Error: "not sent: the run stopped"}, r.Row)
	}
}

// watchInterrupt tells the person what an interrupt does, and abandons the
// requests in flight on a second one.
func (b *bulk) watchInterrupt(ctx context.Context, abandon func(), finished <-chan struct{}) {
	select {
	case <-finished:
		return
	case <-ctx.Done():
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	defer signal.Stop(sig)
	b.out.notice("Interrupted: finishing the requests in flight and writing the journal (Ctrl-C again to stop at once)")
	select {
	case <-finished:
	case <-sig:
		abandon()
	}
}

// sendBatch sends a batch, again after transient failures, and reports the
// outcome of every row: none is dropped.
func (b *bulk) sendBatch(ctx context.Context, batch []seqRow) {
	items := make([]schema.InviteBatchItem, len(batch))
	for i, r := range batch {
		items[i] = schema.InviteBatchItem{InviteRequest: r.Request, IdempotencyKey: r.IdempotencyKey}
	}
	policy := b.opts.retry
	for attempt := 1; ; attempt++ {
		if err := b.waitPause(ctx); err != nil {
			b.failAll(batch, err)
			return
		}
		results, err := b.c.InviteBatch(ctx, items)
		if err == nil {
			b.report(batch, results)
			return
		}
		wait, transient := b.retryWait(err, attempt)
		if !transient || attempt >= policy.attempts || b.isStopped() || ctx.Err() != nil {
			if stopsRun(err) {
				b.stop(err)
			}
			b.failAll(batch, err)
			return
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
		}
	}
}

// retryWait says whether err is worth another attempt, and after how long.
func (b *bulk) retryWait(err error, attempt int) (time.Duration, bool) {
	var apiErr *client.APIError
	switch {
	case errors.Is(err, context.Canceled):
		return 0, false
	case errors.As(err, &apiErr) && apiErr.Status == 429:
		wait := apiErr.RetryAfter
		if wait <= 0 {
			wait = b.opts.retry.backoff(attempt)
		}
		wait = min(wait, 2*time.Minute)
		b.pause(wait)
		return wait, true
	case errors.As(err, &apiErr):
		return b.opts.retry.backoff(attempt), apiErr.Status >= 500
	}
	// Network errors, a connection dropped mid-answer, a truncated body.
	return b.opts.retry.backoff(attempt), true
}

func (b *bulk) pause(d time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if until := time.Now().Add(d); until.After(b.pauseUntil) {
		b.pauseUntil = until
	}
}

// waitPause waits while a 429 asked every worker to hold back.
func (b *bulk) waitPause(ctx context.Context) error {
	b.mu.Lock()
	wait := time.Until(b.pauseUntil)
	b.mu.Unlock()
	if wait <= 0 {
		return nil
	}
	select {
	case <-time.After(wait):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (b *bulk) report(batch []seqRow, results []schema.InviteBatchResult) {
	for i, r := range batch {
		res := results[i]
		o := Outcome{Line: r.Line, Email: r.Request.Email, Invite: res.Invite}
		switch res.Status {
		case schema.BatchInvited, schema.BatchReplayed:
			o.Status = StatusInvited
			if res.Status == schema.BatchReplayed {
				o.Status = StatusReplayed
			}
			if res.Invite != nil {
				o.notices = res.Invite.Notices
			}
		default:
			o.Status, o.Error = StatusFailed, "the server gave no reason"
			if res.Error != nil {
				o.Error = res.Error.Detail
				if res.Error.Code == schema.CodeSignupModeOn {
					b.stop(&client.APIError{Status: res.Error.Status, Problem: *res.Error})
				}
			}
		}
		b.out.put(r.seq, o, r.Row)
	}
}

// failAll reports every row of a batch that got no answer as failed, with
// the reason; the journal does not count them as done, so --resume (or a
// re-run: the server replays rows that did go through) sends them again.
func (b *bulk) failAll(batch []seqRow, err error) {
	msg := cmdutil.ErrorMessage(err)
	status := StatusFailed
	if errors.Is(err, context.Canceled) {
		status, msg = StatusSkipped, "not confirmed: the run was stopped while it was sent; --resume sends it again"
	}
	for _, r := range batch {
		b.out.put(r.seq, Outcome{Line: r.Line, Email: r.Request.Email, Status: status, Error: msg}, r.Row)
	}
}

func (b *bulk) stop(err error) {
	b.mu.Lock()
	if b.fatal == nil {
		b.fatal = err
	}
	b.mu.Unlock()
	b.stopOnce.Do(func() { close(b.stopped) })
}

func (b *bulk) isStopped() bool {
	select {
	case <-b.stopped:
		return true
	default:
		return false
	}
}

func (b *bulk) fatalErr() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.fatal
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
func summarize(opts *InviteOptions, st *stats, journalPath string, stopped error) error {
	w := opts.IO.ErrOut
	fmt.Fprintf(w, "\n%d rows: %d invited, %d already invited, %d skipped, %d failed", st.total, st.invited, st.replayed, st.skipped, st.failed)
	if secs := st.elapsed.Seconds(); secs > 0 && st.invited+st.replayed > 0 {
		fmt.Fprintf(w, " in %s (%.0f rows/s)", st.elapsed.Round(time.Millisecond), float64(st.invited+st.replayed)/secs)
	}
	fmt.Fprintln(w)
	if opts.Report != "" {
		fmt.Fprintf(w, "Report written to %s\n", opts.Report)
	}
	if opts.Failed != "" && st.failed > 0 {
		fmt.Fprintf(w, "The %d failed rows are in %s, with the header of %s: fix them there and run 'wsctl users invite --csv %s'\n", st.failed, opts.Failed, opts.CSVFile, opts.Failed)
	}
	switch {
	case errors.Is(stopped, context.Canceled):
		fmt.Fprintf(w, "Interrupted. What was done is recorded in %s: run the same command with --resume to send the rest.\n", journalPath)
		return nil
	case stopped != nil:
		fmt.Fprintf(w, "The run stopped before the end of the file. Once the error below is dealt with, run the same command with --resume (the journal %s records what was done): rows already invited are never invited twice.\n", journalPath)
		return nil
	case st.failed == 0:
		return nil
	}
	fmt.Fprintf(w, "Failed lines: %s; fix them and run 'wsctl users invite --csv %s --resume' to send only the rows not done yet (rows already invited are recognised, never invited twice)\n",
		st.failedLines(opts.Report), opts.CSVFile)
	return &cmdutil.PartialError{}
}

// stats are the totals of a run. Only the first runs of failed lines are
// kept, so that a file of any size runs in the same memory.
type stats struct {
	total, invited, replayed, skipped, failed int
	failedRuns                                []lineRun
	unlisted                                  int // failed lines past the runs kept
	elapsed                                   time.Duration
}

// lineRun is consecutive failed lines, first to last.
type lineRun struct{ first, last int }

// maxFailedRuns bounds the failed lines the summary names: a whole batch
// that failed is one run ("2-1001"), scattered failures one each.
const maxFailedRuns = 20

func (s *stats) count(o Outcome) {
	s.total++
	switch o.Status {
	case StatusInvited:
		s.invited++
	case StatusReplayed:
		s.replayed++
	case StatusSkipped:
		s.skipped++
	default:
		s.failed++
		switch n := len(s.failedRuns); {
		case n > 0 && s.failedRuns[n-1].last+1 == o.Line:
			s.failedRuns[n-1].last = o.Line
		case n < maxFailedRuns:
			s.failedRuns = append(s.failedRuns, lineRun{o.Line, o.Line})
		default:
			s.unlisted++
		}
	}
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
