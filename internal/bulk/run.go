package bulk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"time"

	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/client"
)

// Run does v for every row of the file o.File, or with o.DryRun asks the
// server what it would do and prints the plan (see dryRun). The file is
// read and checked whole first, and the client made only then.
//
// Rows are read one at a time, grouped into batches of o.BatchRows rows and
// at most maxBatchBytes of JSON, and sent by o.Concurrency workers; every
// outcome goes, in the file's order, to the Outputs. A row that fails never
// stops the others. An error every row would meet (not signed in,
// forbidden, StopRun, the server out of reach after retries) stops the run:
// the rows not sent are skipped, and that error returned. So does an
// interrupt (ctx cancelled: Ctrl-C), once the requests in flight have
// finished and the journal is written; a second Ctrl-C abandons them.
func Run[R any](ctx context.Context, v Verb[R], o Options) error {
	f, err := OpenFile(o.IO.In, o.File, v.Columns)
	if err != nil {
		return err
	}
	defer f.Close()
	if o.DryRun {
		return dryRun(ctx, v, o, f)
	}
	if o.Confirm != nil {
		if err := confirm(ctx, v, o, f); err != nil {
			return err
		}
	}
	c, err := o.Client()
	if err != nil {
		return err
	}
	j, err := openJournal(f, v.Name, o.Resume)
	if err != nil {
		return err
	}
	out, err := openOutputs(&o, v.about(), f)
	if err != nil {
		_ = j.close()
		return err
	}
	out.journal = j
	if o.Resume && !j.found {
		out.notice(fmt.Sprintf("No journal of an earlier run of %s over %s: every row is sent.", v.Name, f.Name()))
	}
	rows, err := f.Open()
	if err != nil {
		return out.Finish(err)
	}
	defer rows.Close()
	r := &run[R]{v: v, o: o, c: c, out: out, stopped: make(chan struct{})}
	return out.Finish(r.run(ctx, rows))
}

// confirm passes o.Confirm the server's plan of the rows a run would send:
// with --resume, not those the journal records as done. A file too large
// for one plan cannot be confirmed that way: a usage error says what to do.
func confirm[R any](ctx context.Context, v Verb[R], o Options, f *File) error {
	if v.Preview == nil {
		return fmt.Errorf("'wsctl %s --csv' cannot ask for confirmation: it has no dry run", v.Name)
	}
	var done *journal
	if o.Resume {
		var err error
		if done, err = readJournal(f, v.Name); err != nil {
			return err
		}
	}
	plan, _, err := decide(ctx, v, o, f, done, "before asking for confirmation, wsctl asks the server what the file would change, so confirm with --yes instead, or run the file in parts")
	if err != nil {
		return err
	}
	return o.Confirm(plan)
}

// run is one run of a verb over a file.
type run[R any] struct {
	v   Verb[R]
	o   Options
	c   *client.Client
	out *Outputs
	ctx context.Context // the run's: cancelled by Ctrl-C

	mu         sync.Mutex
	fatal      error     // an error every row would meet: stop sending
	pauseUntil time.Time // set by a 429 or 503 with Retry-After: no worker sends before
	stopped    chan struct{}
	stopOnce   sync.Once
}

// row is a row read, with its place among the rows read, which is the
// order outcomes are reported in.
type row[R any] struct {
	seq  int
	rec  Record
	item Item[R]
}

func (r *run[R]) run(ctx context.Context, rows *Reader) error {
	r.ctx = ctx
	// Requests in flight finish after an interrupt; a second one abandons them.
	reqCtx, abandon := context.WithCancel(context.WithoutCancel(ctx))
	defer abandon()
	finished := make(chan struct{})
	var watcher sync.WaitGroup
	watcher.Go(func() { r.watchInterrupt(ctx, abandon, finished) })
	defer watcher.Wait() // its notice comes before the summary
	defer close(finished)

	work := make(chan []row[R])
	var wg sync.WaitGroup
	for range max(1, r.o.Concurrency) {
		wg.Go(func() {
			for batch := range work {
				r.sendBatch(reqCtx, batch)
			}
		})
	}
	r.feed(ctx, rows, work)
	close(work)
	wg.Wait()
	if err := r.fatalErr(); err != nil {
		return err
	}
	return ctx.Err()
}

// feed reads the rows and hands them to the workers in batches; rows that
// are not to be sent get their outcome at once.
func (r *run[R]) feed(ctx context.Context, rows *Reader, work chan<- []row[R]) {
	size := max(1, r.o.BatchRows)
	batch, bytes := make([]row[R], 0, size), 0
	flush := func() {
		if len(batch) == 0 {
			return
		}
		select {
		case work <- batch:
		case <-ctx.Done():
			r.skipAll(batch)
		case <-r.stopped:
			r.skipAll(batch)
		}
		batch, bytes = make([]row[R], 0, size), 0
	}
	for seq := 0; ; seq++ {
		rec, err := rows.Next()
		if errors.Is(err, io.EOF) {
			flush()
			return
		}
		if err != nil { // the file changed since it was checked
			r.stop(fmt.Errorf("read %s: %w", r.out.file.Name(), err))
			flush()
			return
		}
		it := r.v.Item(rec)
		if rec.Invalid != nil {
			it.Invalid = rec.Invalid
		}
		rw := row[R]{seq: seq, rec: rec, item: it}
		switch {
		case it.Invalid != nil:
			r.put(rw, Outcome{Status: StatusInvalid, Error: it.Invalid.Error()})
		case r.out.journal.has(it.Key):
			r.put(rw, Outcome{Status: StatusSkipped, earlier: true})
		case ctx.Err() != nil || r.isStopped():
			r.skipAll([]row[R]{rw})
		default:
			n := EncodedSize(it.Request)
			if n > maxBatchBytes {
				r.put(rw, Outcome{Status: StatusInvalid, Error: tooLarge(n)})
				continue
			}
			if bytes+n > maxBatchBytes {
				flush()
			}
			if batch, bytes = append(batch, rw), bytes+n; len(batch) == size {
				flush()
			}
		}
	}
}

// put passes on the outcome of rw, naming its line and email.
func (r *run[R]) put(rw row[R], o Outcome) {
	o.Line, o.Email = rw.rec.Line, rw.item.Email
	if o.Status != StatusSkipped && o.Status != StatusFailed && o.Status != StatusInvalid {
		o.key = rw.item.Key
	}
	r.out.put(rw.seq, o, rw.rec)
}

// maxBatchBytes keeps a request below workspaced's body limit (1 MiB)
// whatever the rows hold: a batch is sent early when its next row would
// take it over. Rows of common sizes (a few hundred bytes) fill whole
// batches well below it.
const maxBatchBytes = 900 << 10

// EncodedSize is what a row takes in a request's JSON, comma included. It
// is measured by encoding the row rather than estimated from its cells: an
// estimate safe for every row (six bytes per byte escaped as \u00XX) would
// cut batches of ordinary rows to a fraction of their size.
func EncodedSize(req any) int {
	b, err := json.Marshal(req)
	if err != nil { // a verb's requests are plain data
		panic(fmt.Sprintf("encode a row: %v", err))
	}
	return len(b) + 1
}

func tooLarge(n int) string {
	return fmt.Sprintf("the row takes %d KiB of JSON, more than a request may hold (%d KiB): shorten its cells", n>>10, maxBatchBytes>>10)
}

func (r *run[R]) skipAll(rows []row[R]) {
	for _, rw := range rows {
		r.put(rw, Outcome{Status: StatusSkipped, Error: "not sent: the run stopped"})
	}
}

// watchInterrupt tells the person what an interrupt does, and abandons the
// requests in flight on a second one.
func (r *run[R]) watchInterrupt(ctx context.Context, abandon func(), finished <-chan struct{}) {
	select {
	case <-finished:
		if ctx.Err() == nil {
			return
		}
	case <-ctx.Done():
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	defer signal.Stop(sig)
	r.out.notice("Interrupted: finishing the requests in flight and writing the journal (Ctrl-C again to stop at once)")
	select {
	case <-finished:
	case <-sig:
		abandon()
	}
}

// sendBatch sends a batch, again after transient failures, and reports the
// outcome of every row: none is dropped.
func (r *run[R]) sendBatch(ctx context.Context, batch []row[R]) {
	// The feeder may hand over a batch just as the run stops: send nothing more.
	if r.ctx.Err() != nil || r.isStopped() {
		r.skipAll(batch)
		return
	}
	reqs := make([]R, len(batch))
	for i, rw := range batch {
		reqs[i] = rw.item.Request
	}
	var results []Result
	err := r.send(ctx, func(ctx context.Context) (err error) {
		results, err = r.v.Send(ctx, r.c, reqs)
		return err
	})
	if err == nil && len(results) != len(batch) {
		err = fmt.Errorf("%d results for %d rows", len(results), len(batch))
	}
	if err != nil {
		r.failAll(batch, err)
		return
	}
	for i, rw := range batch {
		res := results[i]
		if res.Stop != nil {
			r.stop(res.Stop)
		}
		r.put(rw, res.Outcome(0, ""))
	}
}

// send makes one request, again after transient failures (see Retry), and
// stops the run on an error every row would meet.
func (r *run[R]) send(ctx context.Context, request func(context.Context) error) error {
	policy := r.o.Retry.orDefault()
	for attempt := 1; ; attempt++ {
		if err := r.waitPause(ctx, policy); err != nil {
			return err
		}
		err := request(ctx)
		if err == nil {
			return nil
		}
		wait, transient := r.retryWait(policy, err, attempt)
		if !transient || attempt >= policy.Attempts || r.isStopped() || ctx.Err() != nil {
			if stopsRun(err) {
				r.stop(err)
			}
			return err
		}
		_ = policy.sleep(ctx, wait)
	}
}

// retryWait says whether err is worth another attempt, and after how long.
// A 429, or a 503 with Retry-After, pauses every worker.
func (r *run[R]) retryWait(policy Retry, err error, attempt int) (time.Duration, bool) {
	wait, transient, holdBack := policy.after(err, attempt)
	if holdBack {
		r.pause(wait)
	}
	return wait, transient
}

func (r *run[R]) pause(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if until := time.Now().Add(d); until.After(r.pauseUntil) {
		r.pauseUntil = until
	}
}

// waitPause waits while the server asked every worker to hold back.
func (r *run[R]) waitPause(ctx context.Context, policy Retry) error {
	r.mu.Lock()
	wait := time.Until(r.pauseUntil)
	r.mu.Unlock()
	if wait <= 0 {
		return nil
	}
	return policy.sleep(ctx, wait)
}

// failAll reports every row of a batch that got no answer as failed, with
// the reason; the journal does not count them as done, so --resume (or a
// re-run: idempotency keys make the server replay rows that did go
// through) sends them again.
func (r *run[R]) failAll(batch []row[R], err error) {
	o := Outcome{Status: StatusFailed, Error: cmdutil.ErrorMessage(err)}
	if errors.Is(err, context.Canceled) {
		o = Outcome{Status: StatusSkipped, Error: "not confirmed: the run was stopped while it was sent; --resume sends it again"}
	}
	for _, rw := range batch {
		r.put(rw, o)
	}
}

func (r *run[R]) stop(err error) {
	r.mu.Lock()
	if r.fatal == nil {
		r.fatal = err
	}
	r.mu.Unlock()
	r.stopOnce.Do(func() { close(r.stopped) })
}

func (r *run[R]) isStopped() bool {
	select {
	case <-r.stopped:
		return true
	default:
		return false
	}
}

func (r *run[R]) fatalErr() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.fatal
}
