package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"

	"github.com/wsctl/wsctl/internal/admission"
	"github.com/wsctl/wsctl/internal/api/schema"
)

// admit waits for the request's turn (Options.Admission). A shed request
// gets an overloadedError; one whose client went away, the context's error.
func admit(l *admission.Limiter, r *http.Request) (release func(), err error) {
	if l == nil {
		return func() {}, nil
	}
	if err := readSmallBody(r); err != nil {
		return nil, err
	}
	release, err = l.Admit(r.Context())
	if errors.Is(err, admission.ErrQueueFull) || errors.Is(err, admission.ErrWaitExpired) {
		return nil, shed(l, err)
	}
	return release, err
}

// smallBody is the largest request body read before the request waits.
// Every single-item request is far smaller; a batch or a sync may be larger
// and is left unread, so that a full queue holds at most this much of each.
const smallBody = 64 << 10

// readSmallBody reads a small request body into memory before the request
// waits its turn: net/http notices that a client went away (and cancels
// the request's context) only once the body has been read, and a waiter
// whose client is gone must leave the queue at once. A request whose body
// stays unread finds out when its turn comes.
func readSmallBody(r *http.Request) error {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength <= 0 || r.ContentLength > smallBody {
		return nil
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return badRequest("read the request body: %v", err)
	}
	r.Body = io.NopCloser(bytes.NewReader(data))
	return nil
}

// Admit serves next only in its turn of l, answering a shed request 503
// overloaded with Retry-After as a problem document: for the routes
// mounted beside the API (OAuth 2.0, sign-in pages), which share its turns.
// A nil l serves every request at once.
func Admit(l *admission.Limiter, next http.Handler) http.Handler {
	if l == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		release, err := admit(l, r)
		if err != nil {
			setProblemHeaders(w, err)
			writeProblem(w, problemOf(err))
			return
		}
		defer release()
		next.ServeHTTP(w, r)
	})
}

// overloadedError is 503 overloaded: the server did not serve the request,
// or, from /readyz, says it cannot take more.
type overloadedError struct {
	detail     string
	retryAfter int // seconds; 0: no Retry-After
}

func (e *overloadedError) Error() string { return e.detail }
func (e *overloadedError) Code() string  { return schema.CodeOverloaded }

func (e *overloadedError) setHeaders(h http.Header) {
	if e.retryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(e.retryAfter))
	}
}

// shed is the answer to a request l turned away for reason.
func shed(l *admission.Limiter, reason error) *overloadedError {
	cfg := l.Config()
	secs := int(math.Ceil(l.RetryAfter().Seconds()))
	why := fmt.Sprintf("this request waited %s without its turn coming", cfg.MaxWait)
	if errors.Is(reason, admission.ErrQueueFull) {
		why = fmt.Sprintf("%d requests were already waiting", cfg.MaxQueue)
	}
	return &overloadedError{
		detail:     fmt.Sprintf("the server is overloaded: %s; nothing was done, send it again in %d s", why, secs),
		retryAfter: secs,
	}
}

// saturated is /readyz's answer while l cannot take more.
func saturated(l *admission.Limiter) *overloadedError {
	cfg := l.Config()
	return &overloadedError{detail: fmt.Sprintf(
		"the server is saturated: it serves %d requests at once and turns requests away after %s in its queue; send new requests to another instance until this answers 200",
		cfg.MaxInFlight, cfg.MaxWait)}
}
