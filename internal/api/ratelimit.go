package api

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/time/rate"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/ratelimit"
)

// newLimiter is the API's limiter: nil, no limit, when r is 0 or less; a
// burst of 0 means DefaultRateBurst, or a second's worth if that is more.
func newLimiter(r rate.Limit, burst int) *ratelimit.Keyed {
	if burst <= 0 {
		burst = max(DefaultRateBurst, int(math.Ceil(float64(r))))
	}
	return ratelimit.New(r, burst)
}

// limit takes one request from key's bucket; a nil limiter allows all.
func (s *server) limit(key string) error {
	if s.limiter == nil {
		return nil
	}
	wait, ok := s.limiter.Allow(key, time.Now())
	if ok {
		return nil
	}
	return &rateLimitedError{retryAfter: max(1, int(math.Ceil(wait.Seconds()))), limit: s.limiter.Rate()}
}

// clientKey is the rate-limit key of a request without a valid token.
func clientKey(r *http.Request) string { return "ip:" + ratelimit.ClientKey(r) }

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
