// Package hubspottest is a stand-in for HubSpot's OAuth 2.0 in tests,
// written from HubSpot's public documentation: an authorize page where a
// HubSpot user logs in, chooses one of their HubSpot accounts (portals) and
// connects the app; a token endpoint; and the access-token information
// endpoint. It runs on 127.0.0.1 and holds everything in memory.
package hubspottest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Portal is a HubSpot account (hub_id and its domain).
type Portal struct {
	ID     int64
	Domain string
}

// User is a HubSpot user: their user_id, email, and the accounts they may
// choose from.
type User struct {
	ID      int64
	Email   string
	Portals []Portal
}

// Config is the app registered at this HubSpot: its client credentials
// and its one redirect URL.
type Config struct {
	ClientID, ClientSecret, RedirectURL string
	AppID                               int64
}

// Server is the running stand-in.
type Server struct {
	URL string
	cfg Config

	mu        sync.Mutex
	users     map[int64]*User
	codes     map[string]grant // authorization codes, each used once
	tokens    map[string]grant // access tokens
	redirects []string         // every redirect back to the app, in order
}

type grant struct {
	userID int64
	portal Portal
	scopes []string
}

// New starts the server; it stops when the test ends.
func New(t testing.TB, cfg Config, users ...User) *Server {
	t.Helper()
	if cfg.AppID == 0 {
		cfg.AppID = 777
	}
	s := &Server{cfg: cfg, users: map[int64]*User{}, codes: map[string]grant{}, tokens: map[string]grant{}}
	for _, u := range users {
		s.AddUser(u)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /oauth/authorize", s.authorize)
	mux.HandleFunc("POST /oauth/login", s.login)
	mux.HandleFunc("POST /oauth/choose", s.choose)
	mux.HandleFunc("POST /oauth/connect", s.connect)
	mux.HandleFunc("POST /oauth/v1/token", s.token)
	mux.HandleFunc("GET /oauth/v1/access-tokens/{token}", s.tokenInfo)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// The endpoints, as workspaced org set-idp --kind hubspot takes them.
func (s *Server) AuthorizeURL() string { return s.URL + "/oauth/authorize" }
func (s *Server) TokenURL() string     { return s.URL + "/oauth/v1/token" }
func (s *Server) TokenInfoURL() string { return s.URL + "/oauth/v1/access-tokens/{token}" }

// AddUser adds (or replaces) a HubSpot user.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = &u
}

// SetEmail changes a HubSpot user's email, as they can in their HubSpot
// profile; their user id stays.
func (s *Server) SetEmail(userID int64, email string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[userID].Email = email
}

// Redirects are the URLs the browser was sent back to the app with
// (code and state), in order.
func (s *Server) Redirects() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.redirects)
}

// authRequest is the app's authorization request, carried from page to
// page in a hidden field.
type authRequest struct {
	State  string
	Scopes []string
	raw    string
}

func (s *Server) parseRequest(raw string) (authRequest, error) {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return authRequest{}, err
	}
	switch {
	case q.Get("client_id") != s.cfg.ClientID:
		return authRequest{}, fmt.Errorf("unknown client_id %q", q.Get("client_id"))
	case q.Get("redirect_uri") != s.cfg.RedirectURL:
		return authRequest{}, fmt.Errorf("redirect_uri %q does not match the app's redirect URL", q.Get("redirect_uri"))
	case !slices.Contains(strings.Fields(q.Get("scope")), "oauth"):
		return authRequest{}, fmt.Errorf("scope %q lacks oauth", q.Get("scope"))
	}
	return authRequest{State: q.Get("state"), Scopes: strings.Fields(q.Get("scope")), raw: raw}, nil
}

var pages = template.Must(template.New("").Parse(`
{{define "top"}}<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{.Title}} | HubSpot</title></head><body><h1>{{.Title}}</h1>{{with .Error}}<p id="error" role="alert">{{.}}</p>{{end}}{{end}}
{{define "login"}}{{template "top" .}}
<form method="post" action="/oauth/login"><input type="hidden" name="request" value="{{.Request}}">
<label for="hs-email">Email address</label><input id="hs-email" name="email" type="email">
<button id="hs-login" type="submit">Log in</button></form></body></html>{{end}}
{{define "choose"}}{{template "top" .}}
<p>Signed in as {{.User.Email}}. Choose the account to connect.</p>
<form method="post" action="/oauth/choose"><input type="hidden" name="request" value="{{.Request}}"><input type="hidden" name="user" value="{{.User.ID}}">
{{range .User.Portals}}<p><input type="radio" id="hs-portal-{{.ID}}" name="portal" value="{{.ID}}"><label for="hs-portal-{{.ID}}">{{.Domain}} ({{.ID}})</label></p>{{end}}
<button id="hs-choose" type="submit">Choose Account</button></form></body></html>{{end}}
{{define "connect"}}{{template "top" .}}
<p>Connect the app to {{.Portal.Domain}} ({{.Portal.ID}})? It asks for: {{range .Scopes}}{{.}} {{end}}</p>
<form method="post" action="/oauth/connect"><input type="hidden" name="request" value="{{.Request}}"><input type="hidden" name="user" value="{{.User.ID}}"><input type="hidden" name="portal" value="{{.Portal.ID}}">
<p><input type="checkbox" id="hs-terms" name="terms" value="yes"><label for="hs-terms">I agree to the terms</label></p>
<button id="hs-connect" type="submit">Connect app</button></form></body></html>{{end}}
{{define "error"}}{{template "top" .}}</body></html>{{end}}
`))

type page struct {
	Title, Error, Request string
	User                  User
	Portal                Portal
	Scopes                []string
}

func render(w http.ResponseWriter, status int, name string, p page) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = pages.ExecuteTemplate(w, name, p)
}

// authorize: GET /oauth/authorize?client_id&redirect_uri&scope&state shows
// the login page (HubSpot shows an error page, not a redirect, for a bad
// client or redirect URL).
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	req, err := s.parseRequest(r.URL.RawQuery)
	if err != nil {
		render(w, http.StatusBadRequest, "error", page{Title: "Authorization failed", Error: err.Error()})
		return
	}
	render(w, http.StatusOK, "login", page{Title: "Log in to your HubSpot account", Request: req.raw})
}

// login: the user's email; then the choice of account.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	req, err := s.parseRequest(r.PostFormValue("request"))
	if err != nil {
		render(w, http.StatusBadRequest, "error", page{Title: "Authorization failed", Error: err.Error()})
		return
	}
	u, ok := s.userByEmail(r.PostFormValue("email"))
	if !ok {
		render(w, http.StatusUnauthorized, "login", page{Title: "Log in to your HubSpot account", Request: req.raw, Error: "No HubSpot user has that email."})
		return
	}
	render(w, http.StatusOK, "choose", page{Title: "Choose an account", Request: req.raw, User: u})
}

// choose: the account; then the connect-app page.
func (s *Server) choose(w http.ResponseWriter, r *http.Request) {
	req, u, portal, ok := s.chosen(w, r)
	if !ok {
		return
	}
	render(w, http.StatusOK, "connect", page{Title: "Connect app", Request: req.raw, User: u, Portal: portal, Scopes: req.Scopes})
}

// connect: the terms accepted, the browser goes back to the app with a code.
func (s *Server) connect(w http.ResponseWriter, r *http.Request) {
	req, u, portal, ok := s.chosen(w, r)
	if !ok {
		return
	}
	if r.PostFormValue("terms") != "yes" {
		render(w, http.StatusBadRequest, "connect", page{Title: "Connect app", Request: req.raw, User: u, Portal: portal, Scopes: req.Scopes,
			Error: "Agree to the terms to connect the app."})
		return
	}
	code := random()
	to := s.cfg.RedirectURL + "?" + url.Values{"code": {code}, "state": {req.State}}.Encode()
	s.mu.Lock()
	s.codes[code] = grant{userID: u.ID, portal: portal, scopes: req.Scopes}
	s.redirects = append(s.redirects, to)
	s.mu.Unlock()
	http.Redirect(w, r, to, http.StatusFound)
}

// chosen reads the user and account a page posted, which must be one of
// the user's.
func (s *Server) chosen(w http.ResponseWriter, r *http.Request) (authRequest, User, Portal, bool) {
	req, err := s.parseRequest(r.PostFormValue("request"))
	if err != nil {
		render(w, http.StatusBadRequest, "error", page{Title: "Authorization failed", Error: err.Error()})
		return req, User{}, Portal{}, false
	}
	id, _ := strconv.ParseInt(r.PostFormValue("user"), 10, 64)
	s.mu.Lock()
	u, ok := s.users[id]
	var user User
	if ok {
		user = *u
	}
	s.mu.Unlock()
	pid, _ := strconv.ParseInt(r.PostFormValue("portal"), 10, 64)
	i := slices.IndexFunc(user.Portals, func(p Portal) bool { return p.ID == pid })
	if !ok || i < 0 {
		render(w, http.StatusBadRequest, "choose", page{Title: "Choose an account", Request: req.raw, User: user, Error: "Choose one of your accounts."})
		return req, user, Portal{}, false
	}
	return req, user, user.Portals[i], true
}

func (s *Server) userByEmail(email string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.users {
		if strings.EqualFold(u.Email, strings.TrimSpace(email)) {
			return *u, true
		}
	}
	return User{}, false
}

// token: POST /oauth/v1/token, the code exchange with everything in the
// form body, as HubSpot takes it (no HTTP Basic client authentication).
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	f := func(k string) string { return r.PostFormValue(k) }
	switch {
	case f("grant_type") != "authorization_code":
		tokenError(w, "BAD_GRANT_TYPE", "grant_type must be authorization_code")
		return
	case f("client_id") != s.cfg.ClientID || f("client_secret") != s.cfg.ClientSecret:
		tokenError(w, "BAD_CLIENT_ID", "client_id and client_secret in the form body do not match the app")
		return
	case f("redirect_uri") != s.cfg.RedirectURL:
		tokenError(w, "BAD_REDIRECT_URI", "redirect_uri does not match the app's")
		return
	}
	s.mu.Lock()
	g, ok := s.codes[f("code")]
	delete(s.codes, f("code"))
	access := random()
	if ok {
		s.tokens[access] = g
	}
	s.mu.Unlock()
	if !ok {
		tokenError(w, "BAD_AUTH_CODE", "unknown or already used code")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"token_type": "bearer", "access_token": access, "refresh_token": random(), "expires_in": 1800})
}

func tokenError(w http.ResponseWriter, status, message string) {
	writeJSON(w, http.StatusBadRequest, map[string]any{"status": status, "message": message})
}

// tokenInfo: GET /oauth/v1/access-tokens/{token}, who the token is of.
// The email is the user's as it is now.
func (s *Server) tokenInfo(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	s.mu.Lock()
	g, ok := s.tokens[token]
	var email string
	if ok {
		email = s.users[g.userID].Email
	}
	s.mu.Unlock()
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]any{"status": "error", "message": "the access token is unknown or expired"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"token": token, "user": email, "hub_domain": g.portal.Domain, "scopes": g.scopes,
		"hub_id": g.portal.ID, "app_id": s.cfg.AppID, "expires_in": 1799, "user_id": g.userID, "token_type": "access"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func random() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
