package signin

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// ipLimiter is a token bucket per client IP address for the form posts:
// it slows password and code guessing from one address, where the lockout
// slows guessing against one account.
type ipLimiter struct {
	limit rate.Limit
	burst int

	mu        sync.Mutex
	clients   map[string]*ipBucket
	lastSweep time.Time
}

type ipBucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// idleAfter is how long an address's bucket is kept after its last post.
const idleAfter = 10 * time.Minute

func newIPLimiter(limit rate.Limit, burst int) *ipLimiter {
	return &ipLimiter{limit: limit, burst: burst, clients: map[string]*ipBucket{}}
}

// allow takes one post from ip's bucket; when it is empty, wait is how long
// until the next post is allowed.
func (l *ipLimiter) allow(ip string, now time.Time) (ok bool, wait time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) > time.Minute {
		for k, b := range l.clients {
			if now.Sub(b.seen) > idleAfter {
				delete(l.clients, k)
			}
		}
		l.lastSweep = now
	}
	b, found := l.clients[ip]
	if !found {
		b = &ipBucket{lim: rate.NewLimiter(l.limit, l.burst)}
		l.clients[ip] = b
	}
	b.seen = now
	res := b.lim.ReserveN(now, 1)
	if !res.OK() {
		return false, time.Minute
	}
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
}
