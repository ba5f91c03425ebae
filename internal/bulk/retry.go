package bulk

import (
	"context"
	"errors"
	"math/rand/v2"
	"syscall"
	"time"

	"github.com/wsctl/wsctl/internal/client"
)

// Retry says how a request that met a transient failure (429, 5xx, a
// network error) is sent again: Attempts in all, the first included, with
// waits of Base·2ⁿ capped at Max, half of it random (jitter), so that
// workers that failed together do not come back together. The Retry-After
// of a 429, or of a 503 (a server too busy to take the request), is
// honoured instead, and pauses every worker.
type Retry struct {
	Attempts  int
	Base, Max time.Duration

	// wait, when set, stands in for the waits (tests).
	wait func(ctx context.Context, d time.Duration) error
}

func (p Retry) orDefault() Retry {
	if p.Attempts == 0 {
		return Retry{Attempts: 8, Base: 250 * time.Millisecond, Max: 15 * time.Second, wait: p.wait}
	}
	return p
}

// sleep waits d, or until ctx is done.
func (p Retry) sleep(ctx context.Context, d time.Duration) error {
	if p.wait != nil {
		return p.wait(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p Retry) backoff(attempt int) time.Duration {
	d := min(p.Base<<min(attempt-1, 20), p.Max)
	if d <= 0 {
		return 0
	}
	return d/2 + rand.N(d/2+1)
}

// maxRetryAfter bounds the wait a 429 or 503 may ask for.
const maxRetryAfter = 2 * time.Minute

// after says whether err is worth another attempt, after how long, and
// whether the server asked every worker to hold back.
func (p Retry) after(err error, attempt int) (wait time.Duration, transient, holdBack bool) {
	var apiErr *client.APIError
	switch {
	case errors.Is(err, context.Canceled):
		return 0, false, false
	case errors.As(err, &apiErr) && asksToHoldBack(apiErr):
		wait = apiErr.RetryAfter
		if wait <= 0 {
			wait = p.backoff(attempt)
		}
		return min(wait, maxRetryAfter), true, true
	case errors.As(err, &apiErr):
		return p.backoff(attempt), apiErr.Status >= 500, false
	}
	// Network errors, a connection dropped mid-answer, a truncated body.
	return p.backoff(attempt), true, false
}

// asksToHoldBack is true of the answers that ask every client to wait
// before sending more: a 429, and a 503 with Retry-After (an overloaded
// server that turned the request away unserved; a 503 without it is a
// failure, retried with backoff like any other 5xx).
func asksToHoldBack(e *client.APIError) bool {
	return e.Status == 429 || e.Status == 503 && e.RetryAfter > 0
}

// stopsRun is true for errors every other batch would meet too.
func stopsRun(err error) bool {
	var (
		apiErr  *client.APIError
		te      *client.TransportError
		stopErr *stopError
	)
	switch {
	case errors.As(err, &stopErr), errors.As(err, &te):
		return true
	case errors.As(err, &apiErr):
		return apiErr.Status == 401 || apiErr.Status == 403
	}
	return false
}

// singleRetry is how a command about one row retries: a few quick
// attempts, since a person is waiting at the terminal.
var singleRetry = Retry{Attempts: 3, Base: 250 * time.Millisecond, Max: 2 * time.Second}

// Once runs fn, a command's one request, again after a transient failure
// (a 5xx, a 429, a connection dropped before the answer came), up to three
// times in all; a server that cannot be reached at all, or a refusal, ends
// it at once. fn must be safe to repeat: a write carries an idempotency
// key, so that a repeat after a lost answer is the server's replay, not a
// second change.
func (p Retry) Once(ctx context.Context, fn func() error) error {
	if p.Attempts == 0 {
		p = Retry{Attempts: singleRetry.Attempts, Base: singleRetry.Base, Max: singleRetry.Max, wait: p.wait}
	}
	for attempt := 1; ; attempt++ {
		err := fn()
		if err == nil || attempt >= p.Attempts || errors.Is(err, syscall.ECONNREFUSED) {
			return err
		}
		wait, transient, _ := p.after(err, attempt)
		var apiErr *client.APIError
		if !transient || (errors.As(err, &apiErr) && apiErr.Status == 501) {
			return err
		}
		if err := p.sleep(ctx, min(wait, p.Max)); err != nil {
			return err
		}
	}
}
