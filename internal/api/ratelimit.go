package api

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/wsctl/wsctl/internal/api/schema"
)

// limiter keeps one token bucket per key: a token id, or a client address
// for requests without a valid token.
type limiter struct {
	rate  rate.Limit
	burst int
	idle  time.Duration // a bucket unused this long is full again and can go

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// newLimiter returns nil, meaning no limit, when r is 0 or less.
func newLimiter(r rate.Limit, burst int) *limiter {
	if r <= 0 {
		return nil
	}
	if burst <= 0 {
		burst = max(DefaultRateBurst, int(math.Ceil(float64(r))))
	}
	// A bucket refills completely in burst/r; past that, forgetting it
	// changes nothing but the memory it holds.
	refill := time.Duration(float64(burst) / float64(r) * float64(time.Second))
	return &limiter{rate: r, burst: burst, idle: max(10*time.Minute, refill), buckets: map[string]*bucket{}}
}

// allow takes one request from key's bucket, or says how long to wait.
func (l *limiter) allow(key string, now time.Time) (wait time.Duration, ok bool) {
	l.mu.Lock()
	b := l.buckets[key]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(l.rate, l.burst)}
		l.buckets[key] = b
	}
	b.seen = now
	if now.Sub(l.lastSweep) > time.Minute {
		l.sweep(now)
	}
	l.mu.Unlock()

	res := b.lim.ReserveN(now, 1)
	if !res.OK() {
		return time.Second, false
	}
	if wait = res.DelayFrom(now); wait > 0 {
		res.CancelAt(now)
		return wait, false
	}
	return 0, true
}

// sweep forgets idle buckets, so that clients that come and go do not grow
// the map forever. Called with l.mu held.
func (l *limiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if now.Sub(b.seen) > l.idle {
			delete(l.buckets, k)
		}
	}
	l.lastSweep = now
}

// limit takes one request from key's bucket; a nil limiter allows all.
func (s *server) limit(key string) error {
	if s.limiter == nil {
		return nil
	}
	wait, ok := s.limiter.allow(key, time.Now())
	if ok {
		return nil
	}
	return &rateLimitedError{retryAfter: max(1, int(math.Ceil(wait.Seconds()))), limit: s.limiter.rate}
}

// clientKey is the rate-limit key of a request without a valid token. The
// peer address is used as is: X-Forwarded-For can be forged.
func clientKey(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return "ip:" + host
}

// rateLimitedError is 429 with Retry-After in whole seconds.
type rateLimitedError struct {
	retryAfter int
	limit      rate.Limit
}

func (e *rateLimitedError) Error() string {
	return fmt.Sprintf("too many requests: wait %d s and try again (this server allows %g requests per second per token)", e.retryAfter, float64(e.limit))
}
func (e *rateLimitedError) Code() string { return schema.CodeRateLimited }

func (e *rateLimitedError) setHeaders(h http.Header) {
	h.Set("Retry-After", strconv.Itoa(e.retryAfter))
}
