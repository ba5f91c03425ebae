// Package ratelimit keeps a token bucket per key (an API token, a client's
// network) for workspaced's request limits: the API, the sign-in forms and
// the OAuth endpoints that store a request.
package ratelimit

import (
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Keyed is a token bucket per key. A nil *Keyed allows everything.
type Keyed struct {
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

// New allows r events per second per key, burst at once (at least 1); it
// returns nil, no limit, when r is 0 or less.
func New(r rate.Limit, burst int) *Keyed {
	if r <= 0 {
		return nil
	}
	burst = max(burst, 1)
	// A bucket refills completely in burst/r; past that, forgetting it
	// changes nothing but the memory it holds.
	refill := time.Duration(float64(burst) / float64(r) * float64(time.Second))
	return &Keyed{rate: r, burst: burst, idle: max(10*time.Minute, refill), buckets: map[string]*bucket{}}
}

// Rate is the events per second allowed per key.
func (l *Keyed) Rate() rate.Limit { return l.rate }

// Allow takes one event from key's bucket at now, or says how long to wait
// for one (taking nothing).
func (l *Keyed) Allow(key string, now time.Time) (wait time.Duration, ok bool) {
	if l == nil {
		return 0, true
	}
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
	if !res.OK() { // only when burst < 1, which New prevents
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
func (l *Keyed) sweep(now time.Time) {
	for k, b := range l.buckets {
		if now.Sub(b.seen) > l.idle {
			delete(l.buckets, k)
		}
	}
	l.lastSweep = now
}

// ClientKey is the key of a request's sender: the peer's IPv4 address, or
// the /64 network of an IPv6 one (a single host is commonly given a whole
// /64, and could otherwise spread its requests over as many buckets as it
// has addresses). X-Forwarded-For is not trusted: any client can set it.
func ClientKey(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	addr = addr.Unmap()
	if addr.Is4() {
		return addr.String()
	}
	return netip.PrefixFrom(addr, 64).Masked().String()
}
