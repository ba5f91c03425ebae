// Package api is workspaced's HTTP API (docs/openapi.yaml): it decodes a
// request, authenticates the caller, calls the domain and encodes the answer.
//
// The rules live in internal/workspace; this package only translates: JSON in
// and out (the shapes of internal/api/schema), domain errors to RFC 9457
// problem documents, and the HTTP mechanics around them (request ids, rate
// limits, ETags, idempotency keys, cursors, metrics and access logs).
package api

import (
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/wsctl/wsctl/internal/admission"
	"github.com/wsctl/wsctl/internal/ratelimit"
	"github.com/wsctl/wsctl/internal/workspace"
)

// Defaults for Options: generous enough that no person or script notices
// them, low enough that a runaway loop does not take the server down.
const (
	DefaultRateLimit    rate.Limit = 100 // requests per second per token
	DefaultRateBurst               = 200
	DefaultMaxBodyBytes int64      = 1 << 20
)

// Options configure the handler. The zero value is valid: no rate limit, no
// logging, a private metrics registry.
type Options struct {
	// Logger receives one access-log line per request and the cause of every
	// internal error. Nil discards.
	Logger *slog.Logger
	// RateLimit is the sustained rate allowed per token, or per client IP for
	// requests without a valid token; 0 disables rate limiting (workspaced
	// serve passes DefaultRateLimit unless told otherwise).
	RateLimit rate.Limit
	// RateBurst is how many requests may come at once; 0 means
	// DefaultRateBurst (or the rate itself when that is higher).
	RateBurst int
	// Registry receives the HTTP metrics and is what /metrics serves; nil
	// means a new registry with the Go and process collectors.
	Registry *prometheus.Registry
	// MetricsElsewhere keeps /metrics off this handler: they say how busy
	// the server is and what fails, which is not for anyone who can reach
	// the API. workspaced serve serves them on --metrics-listen, with
	// MetricsHandler; here /metrics then answers 404 saying so.
	MetricsElsewhere bool
	// MaxBodyBytes bounds a request body; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// AccessTokens checks the bearer tokens that are not API tokens (wsp_…):
	// OAuth 2.0 access tokens of the authorization server. Nil accepts API
	// tokens only.
	AccessTokens AccessTokenVerifier
	// Admission bounds the API and SCIM requests served at once and queues
	// the others; a shed request gets 503 overloaded with Retry-After, and
	// /readyz answers 503 while it is saturated. Nil serves every request
	// at once. Share it with Admit for the routes mounted beside the API.
	Admission *admission.Limiter
}

// server holds what every handler needs. One per New.
type server struct {
	svc     *workspace.Service
	tokens  AccessTokenVerifier // nil: API tokens only
	log     *slog.Logger
	limiter *ratelimit.Keyed   // nil when rate limiting is off
	queue   *admission.Limiter // nil: the work routes are served at once
	metrics *metrics
	// metricsElsewhere: /metrics is served on another listener (Options).
	metricsElsewhere bool
	maxBody          int64
	mux              *http.ServeMux
}

// New returns the HTTP handler of the whole API, probes and metrics included.
func New(svc *workspace.Service, opts Options) http.Handler {
	s := &server{
		svc:              svc,
		tokens:           opts.AccessTokens,
		log:              opts.Logger,
		limiter:          newLimiter(opts.RateLimit, opts.RateBurst),
		queue:            opts.Admission,
		metrics:          newMetrics(opts.Registry, opts.Admission),
		metricsElsewhere: opts.MetricsElsewhere,
		maxBody:          opts.MaxBodyBytes,
		mux:              http.NewServeMux(),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBodyBytes
	}
	s.routes()
	return s.observe(s.mux)
}

// routes is the table of every route: docs/api-routes.md in code.
func (s *server) routes() {
	// Probes and metadata: no auth, never rate limited.
	s.probe("GET /healthz", http.HandlerFunc(s.healthz))
	s.probe("GET /readyz", http.HandlerFunc(s.readyz))
	if s.metricsElsewhere {
		s.probe("GET /metrics", http.HandlerFunc(s.metricsNotHere))
	} else {
		s.probe("GET /metrics", s.metrics.handler)
	}
	s.probe("GET /openapi.yaml", http.HandlerFunc(serveOpenAPI))

	s.authenticated("GET /api/v1/me", s.me)

	s.authenticated("GET /api/v1/users", s.listUsers)
	s.authenticated("POST /api/v1/users/batch", s.userBatch)
	s.authenticated("GET /api/v1/users/{user}", s.getUser)
	s.authenticated("PATCH /api/v1/users/{user}", s.editUser)
	s.authenticated("POST /api/v1/users/{user}/deactivate", s.deactivateUser)
	s.authenticated("POST /api/v1/users/{user}/activate", s.activateUser)
	s.authenticated("POST /api/v1/users/{user}/mfa-reset", s.resetMFA)
	s.authenticated("POST /api/v1/users/{user}/unlock", s.unlockUser)
	s.authenticated("POST /api/v1/users/sync", s.syncUsers)

	s.authenticated("GET /api/v1/invites", s.listInvites)
	s.authenticated("POST /api/v1/invites", s.createInvite)
	s.authenticated("POST /api/v1/invites/batch", s.createInviteBatch)
	s.authenticated("POST /api/v1/invites/{invite}/resend", s.resendInvite)
	s.authenticated("POST /api/v1/invites/{invite}/revoke", s.revokeInvite)
	// The signup link's token is the credential here (R6).
	s.anonymous("POST /api/v1/invites/accept", s.acceptInvite)

	s.authenticated("GET /api/v1/licenses", s.listLicensePools)
	s.authenticated("GET /api/v1/licenses/audit", s.auditLicenses)

	s.authenticated("GET /api/v1/settings/signup-mode", s.getSignupMode)
	s.authenticated("PUT /api/v1/settings/signup-mode", s.setSignupMode)

	s.authenticated("GET /api/v1/audit", s.listAudit)

	s.authenticated("GET /api/v1/tokens", s.listTokens)
	s.authenticated("POST /api/v1/tokens", s.createToken)
	s.authenticated("DELETE /api/v1/tokens/{id}", s.revokeToken)

	s.mountSCIM()

	s.mux.Handle("/", http.HandlerFunc(s.unmatched))
}
