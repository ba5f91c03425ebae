package api

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/workspace"
)

// The three kinds of route. A handler returns an error instead of writing
// one: fail turns it into the problem document.
type (
	// handlerFunc serves a route that needs no token.
	handlerFunc func(w http.ResponseWriter, r *http.Request) error
	// principalFunc serves a route on behalf of an authenticated caller.
	principalFunc func(w http.ResponseWriter, r *http.Request, p workspace.Principal) error
	// failFunc answers an error in the protocol of the route: a problem
	// document (fail) or a SCIM error (failSCIM).
	failFunc func(w http.ResponseWriter, r *http.Request, err error)
)

// probe registers a route with no auth, no rate limit and no queue (health,
// metrics): it must answer while the server is saturated.
func (s *server) probe(pattern string, h http.Handler) {
	s.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		infoOf(r).route = pattern
		h.ServeHTTP(w, r)
	}))
}

// anonymous registers an API route with no bearer token, rate limited per
// client IP.
func (s *server) anonymous(pattern string, h handlerFunc) { s.anonymousAs(pattern, h, s.fail) }

func (s *server) anonymousAs(pattern string, h handlerFunc, fail failFunc) {
	s.work(pattern, fail, func(w http.ResponseWriter, r *http.Request) {
		if err := s.limit(clientKey(r)); err != nil {
			fail(w, r, err)
			return
		}
		if err := h(w, r); err != nil {
			fail(w, r, err)
		}
	})
}

// authenticated registers an API route that needs a bearer token, checked
// against the store on every request so that a revoked token or a
// deactivated user is refused at once (R9); rate limited per token.
func (s *server) authenticated(pattern string, h principalFunc) {
	s.authenticatedAs(pattern, h, s.fail)
}

func (s *server) authenticatedAs(pattern string, h principalFunc, fail failFunc) {
	s.work(pattern, fail, func(w http.ResponseWriter, r *http.Request) {
		p, err := s.authenticate(r)
		if err != nil {
			// Failed attempts count against the client's address, so that
			// guessing tokens is slowed down too.
			if lerr := s.limit(clientKey(r)); lerr != nil {
				err = lerr
			}
			fail(w, r, err)
			return
		}
		if err := s.limit("token:" + p.TokenID); err != nil {
			fail(w, r, err)
			return
		}
		if err := h(w, r, p); err != nil {
			fail(w, r, err)
		}
	})
}

// work registers a route that does the server's work (every API and SCIM
// route): named for the logs and metrics, never cached, and served in its
// turn (Options.Admission), before the token is even looked up, since that
// is work for the database too.
func (s *server) work(pattern string, fail failFunc, h http.HandlerFunc) {
	s.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		infoOf(r).route = pattern
		w.Header().Set("Cache-Control", "no-store")
		release, err := admit(s.queue, r)
		if err != nil {
			fail(w, r, err)
			return
		}
		defer release()
		h(w, r)
	}))
}

// methods are the methods the API uses, probed to tell 404 from 405.
var methods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// unmatched answers a request no route matches: 405 with Allow when the path
// exists with other methods, 404 otherwise.
func (s *server) unmatched(w http.ResponseWriter, r *http.Request) {
	var allowed []string
	for _, m := range methods {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "" && pattern != "/" {
			allowed = append(allowed, m)
		}
	}
	if len(allowed) == 0 {
		s.fail(w, r, &requestError{code: schema.CodeNotFound,
			detail: fmt.Sprintf("no route %s %s (the routes are in /openapi.yaml)", r.Method, r.URL.Path)})
		return
	}
	w.Header().Set("Allow", strings.Join(allowed, ", "))
	s.fail(w, r, &requestError{code: schema.CodeMethodNotAllowed, status: http.StatusMethodNotAllowed,
		detail: fmt.Sprintf("%s does not answer %s; use %s", r.URL.Path, r.Method, strings.Join(allowed, " or "))})
}
