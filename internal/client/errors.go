package client

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/wsctl/wsctl/internal/api/schema"
)

// APIError is an error answer (HTTP 4xx/5xx) of the server.
type APIError struct {
	Status  int
	Problem schema.Problem
	// RetryAfter is the wait the server asked for (429, 503); zero if none.
	RetryAfter time.Duration

	// Method and URL of the request, for messages (never holds a token).
	Method string
	URL    string
	// Scope is the token scope the route needs, when known; it lets the CLI
	// tell a forbidden user what to ask for.
	Scope string
}

// Error is the server's own explanation (the problem's detail).
func (e *APIError) Error() string {
	switch {
	case e.Problem.Detail != "":
		return e.Problem.Detail
	case e.Problem.Title != "":
		return e.Problem.Title
	}
	return fmt.Sprintf("HTTP %d %s", e.Status, http.StatusText(e.Status))
}

// Code is the problem's machine-readable code (schema.Code*), or "".
func (e *APIError) Code() string { return e.Problem.Code }

// Host is the host:port the failing request went to.
func (e *APIError) Host() string {
	if i := strings.Index(e.URL, "://"); i >= 0 {
		rest := e.URL[i+3:]
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			return e.URL[:i+3+j]
		}
		return e.URL
	}
	return e.URL
}

func newAPIError(req *http.Request, resp *http.Response, body []byte, scope string) *APIError {
	e := &APIError{
		Status:     resp.StatusCode,
		RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()),
		Method:     req.Method,
		URL:        req.URL.String(),
		Scope:      scope,
	}
	if err := json.Unmarshal(body, &e.Problem); err != nil || (e.Problem.Detail == "" && e.Problem.Title == "" && e.Problem.Code == "") {
		e.Problem = schema.Problem{
			Status: resp.StatusCode,
			Title:  http.StatusText(resp.StatusCode),
			Detail: strings.TrimSpace(firstLine(string(body))),
		}
	}
	if e.Problem.Status == 0 {
		e.Problem.Status = resp.StatusCode
	}
	if e.Problem.RequestID == "" {
		e.Problem.RequestID = resp.Header.Get(schema.HeaderRequestID)
	}
	return e
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP date.
// A wait past maxRetryAfter is taken as maxRetryAfter: a proxy answering
// "Retry-After: 9999999999" overflowed the duration into a negative wait,
// and a large one would leave a bulk run waiting for days (found by
// FuzzProblemDecoder).
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil && secs >= 0 {
		return time.Duration(min(secs, int64(maxRetryAfter/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now), maxRetryAfter)
	}
	return 0
}

// maxRetryAfter is the longest wait a Retry-After can ask of wsctl.
const maxRetryAfter = 10 * time.Minute
