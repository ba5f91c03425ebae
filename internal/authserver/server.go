package authserver

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/time/rate"

	"github.com/wsctl/wsctl/internal/authserver/grants"
	"github.com/wsctl/wsctl/internal/authserver/signin"
	"github.com/wsctl/wsctl/internal/ratelimit"
	"github.com/wsctl/wsctl/internal/workspace"
)

// Lifetimes of what the server hands out.
const (
	// AccessTokenLifetime is short (SPEC §3: at most 15 minutes): an access
	// token is checked against the database on every request anyway, and the
	// refresh token renews it.
	AccessTokenLifetime = 10 * time.Minute
	// RefreshTokenLifetime is how long an unused refresh token stays valid;
	// each use replaces it with a new one.
	RefreshTokenLifetime = 30 * 24 * time.Hour
	// DefaultDeviceCodeLifetime is how long a device code waits for approval.
	DefaultDeviceCodeLifetime = 10 * time.Minute
	// authRequestLifetime is the time to sign in, pass MFA and consent.
	authRequestLifetime = 15 * time.Minute
	// codeLifetime is how long an authorization code can be exchanged; the
	// client does so at once.
	codeLifetime = 2 * time.Minute
	// devicePollInterval is what device clients are told to wait between polls.
	devicePollInterval = 5 * time.Second
	// purgeInterval spaces the deletion of expired rows.
	purgeInterval = 10 * time.Minute
)

// The endpoints, under the issuer.
const (
	PathMetadata            = "/.well-known/oauth-authorization-server" // RFC 8414
	PathOpenIDConfiguration = "/.well-known/openid-configuration"       // the same document
	PathAuthorize           = "/oauth/authorize"
	PathToken               = "/oauth/token"
	PathRevoke              = "/oauth/revoke" // RFC 7009
	PathDeviceAuthorization = "/oauth/device_authorization"
	PathKeys                = "/oauth/keys"
	PathUserinfo            = "/oauth/userinfo"
)

// Config configures a Server.
type Config struct {
	// Issuer is the server's public address (workspaced --base-url), with no
	// path. Plain http is accepted for loopback addresses only.
	Issuer string
	// Store keeps the grants. Nil means Service.Store(), which the SQL
	// stores implement.
	Store grants.Store
	// Service is the workspace domain; its store answers health checks.
	Service *workspace.Service
	// Logger receives security events (a refresh token reused) and
	// failures. Nil discards. zitadel itself logs through slog.Default.
	Logger *slog.Logger
	// LoginURL is where /oauth/authorize sends the browser with the id of
	// the pending request; default "/login?authRequest=ID".
	LoginURL func(authRequestID string) string
	// DevicePageURL is where people enter a device's user code: a path on
	// the issuer (default "/device") or an absolute URL.
	DevicePageURL string
	// DeviceCodeLifetime defaults to DefaultDeviceCodeLifetime.
	DeviceCodeLifetime time.Duration
	// Now replaces time.Now for the server's own expiry checks (tests).
	Now func() time.Time
	// RequestRate and RequestBurst limit, per client network, the requests
	// that store a pending authorization (/oauth/authorize and
	// /oauth/device_authorization); zero means DefaultRequestRate and
	// DefaultRequestBurst.
	RequestRate  rate.Limit
	RequestBurst int
}

// A person signs in a few times a day: one new authorization every 2 s per
// client network, 30 at once, is far above that and keeps a script from
// filling the table of pending requests.
const (
	DefaultRequestRate  = rate.Limit(0.5)
	DefaultRequestBurst = 30
)

// Server is the authorization server: its HTTP endpoints, the access-token
// check of the API, and what the sign-in pages call.
type Server struct {
	provider *op.Provider
	storage  *storage
	handler  http.Handler
	issuer   string
	requests *ratelimit.Keyed // new pending authorizations, per client network
	formKey  []byte
}

var _ signin.Authorizations = (*Server)(nil)

// New loads (or, on a new database, creates) the server's keys and builds
// the OAuth 2.0 endpoints.
func New(ctx context.Context, cfg Config) (*Server, error) {
	issuer, insecure, err := checkIssuer(cfg.Issuer)
	if err != nil {
		return nil, err
	}
	if cfg.Store == nil && cfg.Service != nil {
		cfg.Store, _ = cfg.Service.Store().(grants.Store)
	}
	if cfg.Store == nil || cfg.Service == nil {
		return nil, errors.New("authserver: Config needs a Service whose store keeps OAuth grants (sqlstore), or a Store")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.LoginURL == nil {
		cfg.LoginURL = func(id string) string { return "/login?authRequest=" + url.QueryEscape(id) }
	}
	if cfg.DeviceCodeLifetime <= 0 {
		cfg.DeviceCodeLifetime = DefaultDeviceCodeLifetime
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	sealing, err := loadSealingKey(ctx, cfg.Store)
	if err != nil {
		return nil, err
	}
	signing, err := loadSigningKey(ctx, cfg.Store)
	if err != nil {
		return nil, err
	}
	st := &storage{
		store:   cfg.Store,
		svc:     cfg.Service,
		client:  &wsctlClient{loginURL: cfg.LoginURL},
		log:     cfg.Logger,
		now:     func() time.Time { return cfg.Now().UTC().Truncate(time.Microsecond) },
		signing: signing,
	}
	device := op.DeviceAuthorizationConfig{
		Lifetime:     cfg.DeviceCodeLifetime,
		PollInterval: devicePollInterval,
		UserCode:     op.UserCodeBase20,
		UserFormPath: "/device",
	}
	switch page := cfg.DevicePageURL; {
	case strings.HasPrefix(page, "/"):
		device.UserFormPath = page
	case page != "":
		device.UserFormURL = page //nolint:staticcheck // an absolute page URL is what this field is for
	}
	config := &op.Config{
		CryptoKey:             sealing.key,
		CryptoKeyId:           sealing.id,
		CodeMethodS256:        true,
		GrantTypeRefreshToken: true,
		SupportedScopes:       supportedScopes,
		SupportedClaims:       op.DefaultSupportedClaims,
		DeviceAuthorization:   device,
	}
	opts := []op.Option{
		// Only AES-256-GCM: zitadel's default also opens the older,
		// unauthenticated AES-CFB form, which we never issued.
		op.WithCrypto(op.NewAES256GCMCrypto(sealing.key, sealing.id)),
		op.WithCustomAuthEndpoint(op.NewEndpoint(PathAuthorize)),
		op.WithCustomTokenEndpoint(op.NewEndpoint(PathToken)),
		op.WithCustomUserinfoEndpoint(op.NewEndpoint(PathUserinfo)),
		op.WithCustomRevocationEndpoint(op.NewEndpoint(PathRevoke)),
		op.WithCustomKeysEndpoint(op.NewEndpoint(PathKeys)),
		op.WithCustomDeviceAuthorizationEndpoint(op.NewEndpoint(PathDeviceAuthorization)),
		// Not served (see Handler): introspection needs confidential
		// clients, and signing out is revoking the refresh token.
		op.WithCustomIntrospectionEndpoint(op.NewEndpoint("/oauth/introspect")),
		op.WithCustomEndSessionEndpoint(op.NewEndpoint("/oauth/end_session")),
		// No CORS: the one client is a command line, and no page of another
		// origin has any business calling these endpoints.
		op.WithCORSOptions(nil),
	}
	if insecure {
		opts = append(opts, op.WithAllowInsecure())
	}
	provider, err := newProvider(config, st, op.StaticIssuer(issuer), opts...)
	if err != nil {
		return nil, fmt.Errorf("authserver: %w", err)
	}
	reqRate, reqBurst := cfg.RequestRate, cfg.RequestBurst
	if reqRate == 0 {
		reqRate = DefaultRequestRate
	}
	if reqBurst == 0 {
		reqBurst = DefaultRequestBurst
	}
	s := &Server{provider: provider, storage: st, issuer: issuer, requests: ratelimit.New(reqRate, reqBurst),
		formKey: deriveKey(sealing.key[:], "signin forms")}
	st.provider = provider
	s.handler = s.routes()
	return s, nil
}

// checkIssuer accepts https, or http on a loopback address (development,
// tests and demos on one machine): zitadel's WithAllowInsecure is given
// only then.
func checkIssuer(raw string) (issuer string, insecure bool, err error) {
	issuer = strings.TrimRight(raw, "/")
	u, err := url.Parse(issuer)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", false, fmt.Errorf("authserver: the issuer %q is not an http(s) URL (set --base-url to the server's public address)", raw)
	}
	if u.Path != "" || u.RawQuery != "" || u.Fragment != "" {
		return "", false, fmt.Errorf("authserver: the issuer %q must have no path: the OAuth endpoints live at /oauth/ on its host", raw)
	}
	if u.Scheme == "https" {
		return issuer, false, nil
	}
	if !isLoopbackHost(u.Hostname()) {
		return "", false, fmt.Errorf("authserver: the issuer %q is plain http on a non-loopback address; serve https (for instance behind a TLS proxy) and pass --base-url https://…", raw)
	}
	return issuer, true, nil
}

func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// routes serves only the endpoints named above; zitadel's router has more
// (its own /healthz, introspection, end_session) that stay closed.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	meta := http.HandlerFunc(s.serveMetadata)
	mux.Handle("GET "+PathMetadata, meta)
	mux.Handle("GET "+PathOpenIDConfiguration, meta)
	mux.Handle(PathAuthorize, s.limitRequests(s.provider))
	// POST only: a code or token in a query string ends up in logs.
	mux.Handle("POST "+PathToken, noStore(s.provider))
	mux.Handle("POST "+PathRevoke, noStore(s.provider))
	mux.Handle("POST "+PathDeviceAuthorization, s.limitRequests(noStore(s.provider)))
	mux.Handle("GET "+PathKeys, s.provider)
	mux.Handle(PathUserinfo, noStore(s.provider))
	return mux
}

// limitRequests answers 429 with Retry-After when the client's network has
// started too many authorizations: each one is a row in the database.
func (s *Server) limitRequests(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if wait, ok := s.requests.Allow(ratelimit.ClientKey(r), time.Now()); !ok {
			secs := int(math.Ceil(wait.Seconds()))
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			http.Error(w, fmt.Sprintf("too many sign-in requests from your network: wait %d seconds and try again", secs), http.StatusTooManyRequests)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// noStore keeps token responses out of caches (RFC 6749 §5.1).
func noStore(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Pragma", "no-cache")
		h.ServeHTTP(w, r)
	})
}

// Handler serves the OAuth 2.0 endpoints: mount it at "/oauth/" and
// "/.well-known/" beside the API.
func (s *Server) Handler() http.Handler { return s.handler }

// Metadata is the RFC 8414 document: zitadel's discovery document, narrowed
// to what this server really offers (the code flow with PKCE S256, refresh,
// the device grant; one public client).
func (s *Server) Metadata(ctx context.Context) *oidc.DiscoveryConfiguration {
	m := op.CreateDiscoveryConfig(op.ContextWithIssuer(ctx, s.issuer), s.provider, s.storage)
	m.IntrospectionEndpoint, m.EndSessionEndpoint, m.CheckSessionIframe = "", "", ""
	m.ResponseTypesSupported = []string{string(oidc.ResponseTypeCode)}
	m.ResponseModesSupported = []string{"query"}
	m.GrantTypesSupported = []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken, oidc.GrantTypeDeviceCode}
	m.CodeChallengeMethodsSupported = []oidc.CodeChallengeMethod{oidc.CodeChallengeMethodS256}
	m.TokenEndpointAuthMethodsSupported = []oidc.AuthMethod{oidc.AuthMethodNone}
	m.RevocationEndpointAuthMethodsSupported = []oidc.AuthMethod{oidc.AuthMethodNone}
	m.TokenEndpointAuthSigningAlgValuesSupported = nil
	m.RevocationEndpointAuthSigningAlgValuesSupported = nil
	m.IntrospectionEndpointAuthMethodsSupported = nil
	m.IntrospectionEndpointAuthSigningAlgValuesSupported = nil
	m.RequestObjectSigningAlgValuesSupported = nil
	m.ScopesSupported = supportedScopes
	return m
}

func (s *Server) serveMetadata(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=300")
	op.Discover(w, s.Metadata(r.Context()))
}

// zitadel/oidc gives every op.Provider the package-level op.DefaultEndpoints
// pointer, and the WithCustom*Endpoint options write through it: two
// providers in one process (tests, or an embedding program) share and race
// on one value. newProvider gives each provider its own copy, and leaves a
// fresh copy of zitadel's defaults behind for whoever builds one next.
var (
	providerMu       sync.Mutex
	zitadelEndpoints = *op.DefaultEndpoints
)

func newProvider(config *op.Config, st op.Storage, issuer func(bool) (op.IssuerFromRequest, error), opts ...op.Option) (*op.Provider, error) {
	providerMu.Lock()
	defer providerMu.Unlock()
	mine, pristine := zitadelEndpoints, zitadelEndpoints
	op.DefaultEndpoints = &mine
	defer func() { op.DefaultEndpoints = &pristine }()
	return op.NewProvider(config, st, issuer, opts...)
}

// FormKey is the key that signs the sign-in pages' CSRF tokens of browsers
// without a stored session (signin.Config.FormKey): derived from the
// sealing key, so every server of a database has the same one.
func (s *Server) FormKey() []byte { return s.formKey }

// deriveKey is a key for one purpose, made from a shared secret (HMAC-SHA256).
func deriveKey(secret []byte, purpose string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(purpose))
	return m.Sum(nil)
}
