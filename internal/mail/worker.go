package mail

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"sync"
	"time"

	"github.com/wsctl/wsctl/internal/workspace"
)

// MessageSender delivers one message; a *PermanentError says not to retry.
type MessageSender interface {
	Send(ctx context.Context, m workspace.OutboxMessage) error
}

// WorkerOptions tune a Worker; zero values take the defaults.
type WorkerOptions struct {
	// Owner names this worker in leases (default: host, pid and a random part).
	Owner string
	// Concurrency is how many messages are in flight at once (default 4).
	Concurrency int
	// SendTimeout bounds one delivery (default 30s).
	SendTimeout time.Duration
	// Lease is how long a claimed message is this worker's (default three
	// times SendTimeout): a worker that dies mid-send holds it that long,
	// then another sends it again. It must outlast a send and its record.
	Lease time.Duration
	// PollInterval is how often an idle worker looks for due messages (default 1s).
	PollInterval time.Duration
	// MaxAttempts is how many deliveries are tried before the message is
	// marked failed (default 8).
	MaxAttempts int
	// Backoff is the delay after the first failed attempt, doubled after each
	// further one up to MaxBackoff, with jitter (defaults 30s and 1h).
	Backoff, MaxBackoff time.Duration
	Logger              *slog.Logger
	Metrics             *Metrics
	Now                 func() time.Time
}

// DefaultMaxAttempts is how many deliveries a message gets before it fails.
const DefaultMaxAttempts = 8

func (o *WorkerOptions) setDefaults() {
	if o.Owner == "" {
		o.Owner = defaultOwner()
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.SendTimeout <= 0 {
		o.SendTimeout = 30 * time.Second
	}
	if o.Lease <= 0 {
		o.Lease = 3 * o.SendTimeout
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.Backoff <= 0 {
		o.Backoff = 30 * time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = time.Hour
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

func defaultOwner() string {
	host, _ := os.Hostname()
	var b [4]byte
	_, _ = crand.Read(b[:])
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// Worker delivers the outbox of every org in a store. Several workers, in
// one process or in several servers sharing a database, may run at once: a
// message is leased to one of them while it is sent. Delivery is at least
// once: a worker that dies after the SMTP server took a message but before
// recording it leaves the lease to expire, and the message is sent again.
type Worker struct {
	store  workspace.Store
	sender MessageSender
	opts   WorkerOptions
}

// NewWorker returns a worker over store that sends with sender.
func NewWorker(store workspace.Store, sender MessageSender, opts WorkerOptions) *Worker {
	opts.setDefaults()
	return &Worker{store: store, sender: sender, opts: opts}
}

// Owner is the name this worker leases messages under.
func (w *Worker) Owner() string { return w.opts.Owner }

// Run delivers until ctx ends, then returns once the messages in flight
// are sent and recorded (each within SendTimeout).
func (w *Worker) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for range w.opts.Concurrency {
		wg.Go(func() { w.loop(ctx) })
	}
	wg.Wait()
}

func (w *Worker) loop(ctx context.Context) {
	for ctx.Err() == nil {
		worked, err := w.DeliverOne(ctx)
		if err != nil && ctx.Err() == nil {
			w.opts.Logger.Warn("outbox: claiming a message failed", "error", err)
		}
		if worked && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
		case <-time.After(w.opts.PollInterval):
		}
	}
}

// DeliverOne claims one due message, sends it and records the outcome; it
// reports false when none was due. Once claimed, the message is finished
// even if ctx ends meanwhile.
func (w *Worker) DeliverOne(ctx context.Context) (bool, error) {
	now := w.opts.Now().UTC()
	var msgs []workspace.OutboxMessage
	err := w.store.Update(ctx, func(tx workspace.Tx) (err error) {
		msgs, err = tx.ClaimOutbox(ctx, w.opts.Owner, now, now.Add(w.opts.Lease), 1)
		return err
	})
	if err != nil || len(msgs) == 0 {
		return false, err
	}
	m := msgs[0]
	ctx = context.WithoutCancel(ctx)
	sendCtx, cancel := context.WithTimeout(ctx, w.opts.SendTimeout)
	// The sign-up link is put together only now, in memory: the outbox
	// keeps its secret sealed, apart from the bodies.
	sendErr := w.sender.Send(sendCtx, m.Rendered())
	cancel()
	return true, w.record(ctx, m, sendErr)
}

// record writes the outcome of one attempt: sent, a retry after backoff, or
// failed (a permanent error, or the last attempt).
func (w *Worker) record(ctx context.Context, m workspace.OutboxMessage, sendErr error) error {
	log := w.opts.Logger.With("message", m.ID, "attempt", m.Attempts)
	var mark func(workspace.Tx) error
	var permanent *PermanentError
	switch {
	case sendErr == nil:
		mark = func(tx workspace.Tx) error { return tx.MarkOutboxSent(ctx, m.ID, w.opts.Now().UTC()) }
		log.Info("outbox: sent")
		w.opts.Metrics.sent()
	case errors.As(sendErr, &permanent) || m.Attempts >= w.opts.MaxAttempts:
		reason := shorten(sendErr.Error())
		if permanent == nil {
			reason = fmt.Sprintf("gave up after %d attempts: %s", m.Attempts, reason)
		}
		mark = func(tx workspace.Tx) error { return tx.MarkOutboxFailed(ctx, m.ID, w.opts.Owner, reason) }
		log.Warn("outbox: failed for good", "error", reason)
		w.opts.Metrics.failed()
	default:
		next := w.opts.Now().UTC().Add(w.backoff(m.Attempts))
		reason := shorten(sendErr.Error())
		mark = func(tx workspace.Tx) error { return tx.MarkOutboxRetry(ctx, m.ID, w.opts.Owner, reason, next) }
		log.Info("outbox: will retry", "error", reason, "next_attempt_at", next)
		w.opts.Metrics.retried()
	}
	err := w.store.Update(ctx, mark)
	var nf *workspace.NotFoundError
	if errors.As(err, &nf) {
		// The lease ran out and another worker holds the message now.
		log.Warn("outbox: lease lost before the outcome was recorded")
		return nil
	}
	return err
}

// backoff is the delay after attempt n (1-based): Backoff doubled per
// further attempt, capped at MaxBackoff, then jittered to between half and
// all of it so that messages failed together do not retry together.
func (w *Worker) backoff(n int) time.Duration {
	d := w.opts.Backoff
	for i := 1; i < n && d < w.opts.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, w.opts.MaxBackoff)
	return d/2 + rand.N(d/2+1)
}

func shorten(s string) string {
	const limit = 500
	if len(s) > limit {
		return s[:limit] + "…"
	}
	return s
}
