package admission

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

// forever is a MaxWait no test reaches: the waits of these tests end by a
// release or a cancel, never by the clock, unless the test is about expiry.
const forever = time.Hour

// admitNow admits a request that must not wait.
func admitNow(t *testing.T, l *Limiter) func() {
	t.Helper()
	release, err := l.Admit(t.Context())
	if err != nil {
		t.Fatalf("Admit with a free turn: %v", err)
	}
	return release
}

// waitFor polls until cond holds; the test's own timeout bounds it.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		if t.Context().Err() != nil {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// queueUp starts a request in the background once the queue holds want-1
// waiters, and returns once it waits too, so arrivals are ordered.
func queueUp(t *testing.T, l *Limiter, ctx context.Context, want int, admitted func(release func(), err error)) {
	t.Helper()
	go func() { admitted(l.Admit(ctx)) }()
	waitFor(t, "the request to queue", func() bool { return l.Queued() == want })
}

// queueToServe queues a request as the place-th waiter; once admitted it
// calls serve and releases its turn, and wg is done.
func queueToServe(t *testing.T, l *Limiter, place int, wg *sync.WaitGroup, serve func()) {
	t.Helper()
	wg.Add(1)
	queueUp(t, l, t.Context(), place, func(release func(), err error) {
		defer wg.Done()
		if err != nil {
			t.Errorf("waiter %d: %v", place, err)
			return
		}
		serve()
		release()
	})
}

func TestAdmit_ServesWaitersFirstComeFirstServed(t *testing.T) {
	l := New(Config{MaxInFlight: 1, MaxQueue: 10, MaxWait: forever})
	first := admitNow(t, l)
	var (
		mu    sync.Mutex
		order []int
		wg    sync.WaitGroup
	)
	for i := range 5 {
		queueToServe(t, l, i+1, &wg, func() {
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
		})
	}
	first()
	wg.Wait()
	if want := []int{0, 1, 2, 3, 4}; !slices.Equal(order, want) {
		t.Errorf("served in order %v, want %v", order, want)
	}
	if got := l.InFlight(); got != 0 {
		t.Errorf("InFlight after every release = %d, want 0", got)
	}
}

func TestAdmit_ServesMaxInFlightAtOnce(t *testing.T) {
	l := New(Config{MaxInFlight: 3, MaxQueue: 1, MaxWait: forever})
	var releases []func()
	for range 3 {
		releases = append(releases, admitNow(t, l))
	}
	if got := l.InFlight(); got != 3 {
		t.Fatalf("InFlight = %d, want 3", got)
	}
	done := make(chan error, 1)
	queueUp(t, l, t.Context(), 1, func(release func(), err error) {
		if err == nil {
			release()
		}
		done <- err
	})
	releases[1]()
	if err := <-done; err != nil {
		t.Errorf("the waiter, once a turn was free: %v", err)
	}
	releases[0]()
	releases[2]()
	if got := l.InFlight(); got != 0 {
		t.Errorf("InFlight after every release = %d, want 0", got)
	}
}

func TestAdmit_CancelledWaiterLeavesTheQueueAtOnce(t *testing.T) {
	l := New(Config{MaxInFlight: 1, MaxQueue: 10, MaxWait: forever})
	release := admitNow(t, l)
	ctx, cancel := context.WithCancel(t.Context())
	gone := make(chan error, 1)
	queueUp(t, l, ctx, 1, func(release func(), err error) {
		if err == nil {
			release()
		}
		gone <- err
	})
	behind := make(chan error, 1)
	queueUp(t, l, t.Context(), 2, func(release func(), err error) {
		if err == nil {
			release()
		}
		behind <- err
	})

	cancel() // the turn is still taken: only the cancel can end this wait
	if err := <-gone; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled waiter: err %v, want context.Canceled", err)
	}
	if got := l.Queued(); got != 1 {
		t.Errorf("Queued after the cancel = %d, want 1", got)
	}
	if got := l.Shed(); got != 0 {
		t.Errorf("Shed = %d: a client that went away is not shed", got)
	}
	// The turn goes to the one behind, not to the request that left.
	release()
	if err := <-behind; err != nil {
		t.Errorf("waiter behind the cancelled one: %v", err)
	}
	if got := l.InFlight(); got != 0 {
		t.Errorf("InFlight after every release = %d, want 0", got)
	}
}

func TestAdmit_ShedsAtOnceWhenTheQueueIsFull(t *testing.T) {
	l := New(Config{MaxInFlight: 1, MaxQueue: 2, MaxWait: forever})
	release := admitNow(t, l)
	var wg sync.WaitGroup
	for i := range 2 {
		queueToServe(t, l, i+1, &wg, func() {})
	}
	if !l.Saturated(time.Now()) {
		t.Error("Saturated = false with every turn taken and the queue full")
	}
	// Fails without waiting: MaxWait is an hour.
	if _, err := l.Admit(t.Context()); !errors.Is(err, ErrQueueFull) {
		t.Errorf("Admit past the queue's length: err %v, want ErrQueueFull", err)
	}
	if got := l.Shed(); got != 1 {
		t.Errorf("Shed = %d, want 1", got)
	}
	release()
	wg.Wait()
}

func TestAdmit_ShedsAfterMaxWait(t *testing.T) {
	const wait = 50 * time.Millisecond
	l := New(Config{MaxInFlight: 1, MaxQueue: 10, MaxWait: wait})
	release := admitNow(t, l)
	defer release()
	start := time.Now()
	_, err := l.Admit(t.Context())
	if waited := time.Since(start); waited < wait {
		t.Errorf("shed after %s, before MaxWait %s", waited, wait)
	}
	if !errors.Is(err, ErrWaitExpired) {
		t.Errorf("err %v, want ErrWaitExpired", err)
	}
	if got := l.Queued(); got != 0 {
		t.Errorf("Queued after the shed = %d, want 0", got)
	}
	if got := l.Shed(); got != 1 {
		t.Errorf("Shed = %d, want 1", got)
	}
}

// A shed keeps the limiter saturated for a moment, so that a readiness
// probe sees a server that turns requests away, then lets it go.
func TestSaturated_ForAMomentAfterAShed(t *testing.T) {
	l := New(Config{MaxInFlight: 1, MaxQueue: 0, MaxWait: forever})
	if l.Saturated(time.Now()) {
		t.Error("Saturated = true on an idle limiter")
	}
	release := admitNow(t, l)
	if !l.Saturated(time.Now()) {
		t.Error("Saturated = false with the one turn taken and no queue")
	}
	if _, err := l.Admit(t.Context()); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("Admit with no queue: err %v, want ErrQueueFull", err)
	}
	release()
	now := time.Now()
	if !l.Saturated(now) {
		t.Error("Saturated = false just after a shed")
	}
	if l.Saturated(now.Add(2 * saturatedFor)) {
		t.Error("Saturated = true long after the last shed, with nothing in flight")
	}
}

func TestNew_NoLimit(t *testing.T) {
	var l *Limiter = New(Config{MaxInFlight: 0})
	if l != nil {
		t.Fatalf("New with MaxInFlight 0 = %v, want nil (no limit)", l)
	}
	for range 100 {
		release, err := l.Admit(t.Context())
		if err != nil {
			t.Fatalf("nil Limiter: %v", err)
		}
		defer release()
	}
	if l.Saturated(time.Now()) {
		t.Error("a nil Limiter is saturated")
	}
}

func TestRetryAfter_WholeSecondsAtLeastOne(t *testing.T) {
	for _, tt := range []struct {
		wait, want time.Duration
	}{
		{0, time.Second},
		{100 * time.Millisecond, time.Second},
		{time.Second, time.Second},
		{1500 * time.Millisecond, 2 * time.Second},
		{3 * time.Second, 3 * time.Second},
	} {
		if got := New(Config{MaxInFlight: 1, MaxWait: tt.wait}).RetryAfter(); got != tt.want {
			t.Errorf("RetryAfter with MaxWait %s = %s, want %s", tt.wait, got, tt.want)
		}
	}
}
