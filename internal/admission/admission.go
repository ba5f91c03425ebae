// Package admission bounds how many requests a server works on at once: the
// others wait their turn, first come first served, for a bounded time.
//
// Without it every request starts at once and they queue where the server
// cannot see them (database/sql hands a free connection to a random waiter,
// SQLite's writer to whoever retries first), so under load some wait far
// longer than their turn and a client cannot tell a busy server from a dead
// one. With it the queue is in one place, fair, bounded in time and length,
// and what does not fit is turned away at once with a hint of when to come
// back.
package admission

import (
	"container/list"
	"context"
	"errors"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// Shed errors: the request was turned away without being served.
var (
	// ErrQueueFull: Config.MaxQueue requests were already waiting.
	ErrQueueFull = errors.New("admission: queue full")
	// ErrWaitExpired: the request waited Config.MaxWait without its turn coming.
	ErrWaitExpired = errors.New("admission: wait expired")
)

// saturatedFor is how long a shed request keeps Saturated true: long enough
// for a load balancer's probe to see a server that sheds now and then.
const saturatedFor = time.Second

// Config sizes a Limiter.
type Config struct {
	// MaxInFlight is how many requests are served at once; 0 or less
	// means no limit (New returns nil).
	MaxInFlight int
	// MaxQueue is how many requests may wait for their turn; one more is
	// shed at once. 0 or less: none wait, past MaxInFlight every request is
	// shed.
	MaxQueue int
	// MaxWait is how long a request may wait for its turn before it is
	// shed; 0: it is shed at once when no turn is free.
	MaxWait time.Duration
}

// Limiter admits requests by Config. A nil *Limiter admits every request at
// once. Its methods are safe for concurrent use.
type Limiter struct {
	cfg Config

	mu       sync.Mutex
	inFlight int       // turns taken, including those just handed to a waiter
	queue    list.List // of chan struct{}, closed when that waiter's turn comes

	shed     atomic.Uint64
	lastShed atomic.Int64 // unix nanoseconds; 0: never
}

// New returns a Limiter for cfg, or nil (no limit) when cfg.MaxInFlight is
// 0 or less.
func New(cfg Config) *Limiter {
	if cfg.MaxInFlight <= 0 {
		return nil
	}
	cfg.MaxQueue = max(cfg.MaxQueue, 0)
	cfg.MaxWait = max(cfg.MaxWait, 0)
	return &Limiter{cfg: cfg}
}

// Config is the configuration the Limiter was made with.
func (l *Limiter) Config() Config { return l.cfg }

// Admit waits for a turn: it returns once the request may be served, with
// the release to call exactly once when it has been. It fails with
// ErrQueueFull or ErrWaitExpired when the request is shed, or with ctx's
// error when ctx ends first (the client went away); the request then left
// the queue at once.
func (l *Limiter) Admit(ctx context.Context) (release func(), err error) {
	if l == nil {
		return func() {}, nil
	}
	l.mu.Lock()
	// A free turn goes to the first waiter, never to a newcomer.
	if l.inFlight < l.cfg.MaxInFlight && l.queue.Len() == 0 {
		l.inFlight++
		l.mu.Unlock()
		return l.release, nil
	}
	if l.queue.Len() >= l.cfg.MaxQueue {
		l.mu.Unlock()
		return nil, l.shedNow(ErrQueueFull)
	}
	turn := make(chan struct{})
	place := l.queue.PushBack(turn)
	l.mu.Unlock()
	return l.wait(ctx, turn, place)
}

// wait waits in place for turn, for MaxWait at most.
func (l *Limiter) wait(ctx context.Context, turn chan struct{}, place *list.Element) (release func(), err error) {
	timer := time.NewTimer(l.cfg.MaxWait)
	defer timer.Stop()
	select {
	case <-turn:
		return l.release, nil
	case <-ctx.Done():
		err = ctx.Err()
	case <-timer.C:
		err = ErrWaitExpired
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	select {
	case <-turn:
		// The turn came just as the wait ended. Served late is better
		// than shed; a client that went away hands it on.
		if err == ErrWaitExpired {
			return l.release, nil
		}
		l.handOn()
		return nil, err
	default:
	}
	l.queue.Remove(place)
	if err == ErrWaitExpired {
		return nil, l.shedNow(err)
	}
	return nil, err
}

func (l *Limiter) shedNow(reason error) error {
	l.shed.Add(1)
	l.lastShed.Store(time.Now().UnixNano())
	return reason
}

func (l *Limiter) release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.handOn()
}

// handOn gives a turn that ends to the first waiter, or frees it. l.mu is
// held.
func (l *Limiter) handOn() {
	if first := l.queue.Front(); first != nil {
		l.queue.Remove(first)
		close(first.Value.(chan struct{}))
		return
	}
	l.inFlight--
}

// InFlight is how many admitted requests have not been released yet.
func (l *Limiter) InFlight() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.inFlight
}

// Queued is how many requests are waiting for their turn.
func (l *Limiter) Queued() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.queue.Len()
}

// Shed is how many requests have been turned away since New.
func (l *Limiter) Shed() uint64 { return l.shed.Load() }

// Saturated says whether, at now, the limiter cannot take more: every turn
// is taken and the queue is full, so the next request would be shed at
// once, or it shed a request less than a second before. A nil Limiter is
// never saturated.
func (l *Limiter) Saturated(now time.Time) bool {
	if l == nil {
		return false
	}
	l.mu.Lock()
	full := l.inFlight >= l.cfg.MaxInFlight && l.queue.Len() >= l.cfg.MaxQueue
	l.mu.Unlock()
	if full {
		return true
	}
	last := l.lastShed.Load()
	return last != 0 && now.Sub(time.Unix(0, last)) < saturatedFor
}

// RetryAfter is how long a shed client should wait before trying again: the
// longest wait, in whole seconds and at least one. A request shed after
// MaxWait had at least that much work ahead of it, so sooner would most
// likely meet the same queue.
func (l *Limiter) RetryAfter() time.Duration {
	return max(time.Second, time.Duration(math.Ceil(l.cfg.MaxWait.Seconds()))*time.Second)
}
