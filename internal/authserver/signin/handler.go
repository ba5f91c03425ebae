package signin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/wsctl/wsctl/internal/ratelimit"
	"github.com/wsctl/wsctl/internal/workspace"
)

// Config is what the sign-in pages need.
type Config struct {
	// Service is the domain; Accounts its sign-in rules (made from Service
	// when nil; tests pass one with cheap password hashing).
	Service  *workspace.Service
	Accounts *workspace.Accounts
	// Authorizations is the OAuth 2.0 server the pages finish requests of.
	Authorizations Authorizations
	// BaseURL is the public address of workspaced (the OAuth issuer). With
	// https the session cookie is __Host-ws_session and Secure; with http
	// (loopback development) it is ws_session. The upstream provider
	// redirects to BaseURL + /login/upstream/callback.
	BaseURL string
	Logger  *slog.Logger
	// UpstreamHTTPClient talks to the orgs' identity providers (default:
	// a client with a 15-second timeout).
	UpstreamHTTPClient *http.Client
	// RateLimit and RateBurst bound the form posts of one client IP address
	// (defaults: one every 2 seconds, 30 at once).
	RateLimit rate.Limit
	RateBurst int
	// FormKey signs the CSRF tokens of browsers that have no stored
	// session yet; servers sharing a database must share it (workspaced
	// derives it from the authorization server's sealing key). Nil: a
	// random key of this handler's own.
	FormKey []byte
}

// Default rate of form posts per client IP address.
const (
	DefaultRateLimit = rate.Limit(0.5)
	DefaultRateBurst = 30
)

// Paths are the paths the handler serves, for mounting on a shared mux
// (a path ending in / stands for its subtree).
var Paths = []string{"/login", "/login/", "/consent", "/device", "/signup", "/signup/", "/logout"}

const minPasswordLength = workspace.MinPasswordLength

// Handler serves the sign-in pages.
type Handler struct {
	accounts *workspace.Accounts
	authz    Authorizations
	baseURL  string
	secure   bool
	log      *slog.Logger
	pages    pages
	limiter  *ratelimit.Keyed // per client network, for the form posts
	formKey  []byte           // signs anonymous browsers' CSRF tokens (Config.FormKey)
	upstream *http.Client
	mux      *http.ServeMux

	connectorsMu sync.Mutex
	connectors   map[string]upstreamConnector // by org and configuration
}

// New returns the handler of the sign-in pages. It panics when Config lacks
// Service, Authorizations or BaseURL, which is a wiring mistake.
func New(cfg Config) http.Handler {
	h, err := newHandler(cfg)
	if err != nil {
		panic("signin.New: " + err.Error())
	}
	return h
}

func newHandler(cfg Config) (*Handler, error) {
	if cfg.Service == nil || cfg.Authorizations == nil || cfg.BaseURL == "" {
		return nil, errors.New("Service, Authorizations and BaseURL are required")
	}
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("BaseURL %q is not an http(s) URL", cfg.BaseURL)
	}
	p, err := parsePages()
	if err != nil {
		return nil, err
	}
	h := &Handler{accounts: cfg.Accounts, authz: cfg.Authorizations, baseURL: base.String(),
		secure: base.Scheme == "https", log: cfg.Logger, pages: p, upstream: cfg.UpstreamHTTPClient,
		connectors: map[string]upstreamConnector{}}
	if h.accounts == nil {
		h.accounts = workspace.NewAccounts(cfg.Service)
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.upstream == nil {
		h.upstream = &http.Client{Timeout: 15 * time.Second}
	}
	limit, burst := cfg.RateLimit, cfg.RateBurst
	if limit == 0 {
		limit = DefaultRateLimit
	}
	if burst == 0 {
		burst = DefaultRateBurst
	}
	h.limiter = ratelimit.New(limit, burst)
	if h.formKey = cfg.FormKey; len(h.formKey) == 0 {
		h.formKey = []byte(workspace.RandomToken())
	}
	h.routes()
	return h, nil
}

func (h *Handler) routes() {
	m := http.NewServeMux()
	// Every POST goes through the per-IP limit and the CSRF check (form).
	m.HandleFunc("GET /login", h.loginPage)
	m.Handle("POST /login", h.form(h.loginSubmit))
	m.HandleFunc("GET /login/mfa", h.mfaPage)
	m.Handle("POST /login/mfa", h.form(h.mfaSubmit))
	m.HandleFunc("GET /login/mfa/enroll", h.enrollPage)
	m.Handle("POST /login/mfa/enroll", h.form(h.enrollSubmit))
	m.HandleFunc("GET /login/upstream", h.upstreamChoose)
	m.HandleFunc("GET /login/upstream/{org}", h.upstreamStart)
	m.HandleFunc("GET /login/upstream/callback", h.upstreamCallback)
	m.HandleFunc("GET /consent", h.consentPage)
	m.Handle("POST /consent", h.form(h.consentSubmit))
	m.HandleFunc("GET /device", h.devicePage)
	m.Handle("POST /device", h.form(h.deviceSubmit))
	m.HandleFunc("GET /signup", h.signupPage)
	m.Handle("POST /signup", h.form(h.signupSubmit))
	m.HandleFunc("GET /signup/enroll", h.signupEnrollPage)
	m.Handle("POST /signup/enroll", h.form(h.signupEnrollSubmit))
	m.Handle("POST /logout", h.form(h.logoutSubmit))
	h.mux = m
}

// ServeHTTP sets the headers every page has, then serves it.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", contentSecurityPolicy)
	hd.Set("Cache-Control", "no-store")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	if r.Header.Get("X-Request-ID") == "" {
		r.Header.Set("X-Request-ID", workspace.RandomToken()[:16])
	}
	h.mux.ServeHTTP(w, r)
}

func requestID(r *http.Request) string { return r.Header.Get("X-Request-ID") }

// failed shows what went wrong. Errors of the person's own doing have their
// message; anything else is logged and shown as an internal error with a
// reference to find it in the log.
func (h *Handler) failed(w http.ResponseWriter, r *http.Request, err error) {
	var locked *workspace.SignInLockedError
	var refused *workspace.UpstreamRefusedError
	var busy *workspace.HashBusyError
	var throttled *workspace.SignInThrottledError
	var fast *tooFast
	switch {
	case errors.As(err, &fast):
		h.tooMany(w, r, "Too many attempts", fast.wait, err)
	case errors.As(err, &throttled):
		h.tooMany(w, r, "Too many attempts", time.Until(throttled.Until), err)
	case errors.As(err, &busy):
		h.tooMany(w, r, "Too many sign-ins at once", busy.RetryAfter, err)
	case errors.As(err, &locked):
		h.tooMany(w, r, "Sign-in locked", time.Until(locked.Until), err)
	case errors.Is(err, workspace.ErrUserDeactivated):
		h.message(w, r, http.StatusForbidden, "Account deactivated", []string{capitalize(err.Error()) + "."}, nil)
	case errors.Is(err, workspace.ErrInviteInvalid):
		h.message(w, r, http.StatusGone, "This signup link does not work any more", []string{capitalize(err.Error()) + "."}, nil)
	case errors.As(err, &refused):
		h.message(w, r, http.StatusForbidden, "You cannot sign in here", []string{capitalize(err.Error()) + "."}, nil)
	case errors.Is(err, workspace.ErrSessionInvalid):
		h.message(w, r, http.StatusForbidden, "Your session has ended", []string{capitalize(err.Error()) + "."}, nil)
	case workspace.CodeOf(err) != "internal":
		h.message(w, r, http.StatusBadRequest, "That did not work", []string{capitalize(err.Error()) + "."}, nil)
	default:
		h.log.Error("sign-in page", "path", r.URL.Path, "error", err, "request_id", requestID(r))
		h.render(w, r, http.StatusInternalServerError, "message", view{Title: "Something went wrong",
			Paragraphs: []string{"Something went wrong on our side. Try again in a moment; if it keeps happening, tell your admin the reference below."},
			RequestID:  requestID(r)})
	}
}

// tooMany answers 429 with the wait before the next attempt as Retry-After
// (whole seconds, rounded up, at least one).
func (h *Handler) tooMany(w http.ResponseWriter, r *http.Request, title string, wait time.Duration, err error) {
	w.Header().Set("Retry-After", strconv.Itoa(max(int(math.Ceil(wait.Seconds())), 1)))
	h.message(w, r, http.StatusTooManyRequests, title, []string{capitalize(err.Error()) + "."}, nil)
}

// capitalize starts a message with a capital letter, unless it starts with
// an email address.
func capitalize(s string) string {
	first, _, _ := strings.Cut(s, " ")
	if s == "" || strings.Contains(first, "@") {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// see303 sends the browser on with a GET (after a POST, too).
func see303(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// orgSlugOf names the org of an id, for comparing with a request's org hint.
func (h *Handler) orgSlugOf(ctx context.Context, orgID string) string {
	org, err := h.accounts.OrgByID(ctx, orgID)
	if err != nil {
		return ""
	}
	return org.Slug
}
