package signin

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/wsctl/wsctl/internal/workspace"
)

// Sign-in through the org's upstream provider (R7), whatever its kind (an
// upstreamConnector: OpenID Connect, or HubSpot's OAuth 2.0):
// /login/upstream/{org} sends the browser to the provider with state, nonce
// and PKCE (S256), kept in the browser session; /login/upstream/callback
// checks them, exchanges the code, and signs the person in (or up, R7),
// then MFA as for a password. With ?invite=TOKEN it is the invitation
// sign-up (R6) instead. Who signs in is the domain's decision
// (workspace.Accounts.SignInUpstream, UpstreamInvite); the pages translate.

// upstreamTimeout bounds a round trip through the provider.
const upstreamTimeout = 10 * time.Minute

// callbackPath is where providers send the browser back; register
// BaseURL + callbackPath as the redirect URL at the provider.
const callbackPath = "/login/upstream/callback"

// upstreamChoose: GET /login/upstream?org=SLUG (the "your organization's
// provider" form of the login page) goes on to /login/upstream/SLUG.
func (h *Handler) upstreamChoose(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	slug := strings.ToLower(strings.TrimSpace(q.Get("org")))
	q.Del("org")
	if slug == "" {
		see303(w, r, "/login"+nextOf(r).query())
		return
	}
	to := "/login/upstream/" + url.PathEscape(slug)
	if len(q) > 0 {
		to += "?" + q.Encode()
	}
	see303(w, r, to)
}

// upstreamStart: GET /login/upstream/{org}?authRequest=ID (or userCode, or invite).
func (h *Handler) upstreamStart(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	n := nextOf(r)
	invite := r.URL.Query().Get("invite")
	org, err := h.accounts.OrgBySlug(ctx, r.PathValue("org"))
	var idp workspace.IdentityProvider
	if err == nil {
		idp, err = h.accounts.IdentityProvider(ctx, org.ID)
	}
	if isNotFound(err) {
		// An org without single sign-on answers as one that does not
		// exist, word for word, so that the page tells nobody which short
		// names are taken.
		h.message(w, r, http.StatusNotFound, "No single sign-on",
			[]string{"There is no single sign-on for " + quoteText(r.PathValue("org")) + ". Check the organization's short name with your admin, or sign in with your email and password."},
			&link{Text: "Back to sign-in", URL: "/login" + n.query()})
		return
	}
	if err != nil {
		h.failed(w, r, err)
		return
	}
	if invite != "" {
		inv, _, err := h.accounts.InviteForSignup(ctx, invite)
		if err == nil && inv.OrgID != org.ID {
			err = workspace.ErrInviteInvalid
		}
		if err != nil {
			h.failed(w, r, err)
			return
		}
	} else if _, err := h.lookup(ctx, n); err != nil && err != errNoRequest {
		// Without any request it is a sign-in from the org's own page
		// (/login?org=SLUG), which ends on "You are signed in".
		h.unknownRequest(w, r, n, err)
		return
	}
	conn, err := h.connector(ctx, idp)
	if err != nil {
		h.providerDown(w, r, idp, err)
		return
	}
	secret, sess, err := h.stored(w, r)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	up := &upstreamFlow{State: workspace.RandomToken(), Nonce: workspace.RandomToken(), Verifier: oauth2.GenerateVerifier(),
		OrgID: org.ID, Next: n, Invite: invite, Started: time.Now().UTC()}
	f := flowOf(sess)
	f.Upstream = up
	if err := h.saveFlow(ctx, secret, f); err != nil {
		h.failed(w, r, err)
		return
	}
	http.Redirect(w, r, conn.AuthCodeURL(up), http.StatusFound)
}

func (h *Handler) providerDown(w http.ResponseWriter, r *http.Request, idp workspace.IdentityProvider, err error) {
	h.log.Warn("identity provider", "kind", idp.Kind, "issuer", idp.Issuer, "token_url", idp.TokenURL, "org_id", idp.OrgID, "error", err, "request_id", requestID(r))
	h.message(w, r, http.StatusBadGateway, idp.Name+" did not answer",
		[]string{"Signing in with " + idp.Name + " did not work: it did not answer as expected. Try again in a moment, or sign in with your email and password.",
			"If this keeps happening, tell your admin (reference " + requestID(r) + ")."}, nil)
}

// upstreamCallback: GET /login/upstream/callback?code=…&state=… from the provider.
func (h *Handler) upstreamCallback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	secret := h.cookieSecret(r)
	sess, err := h.accounts.BrowserSession(ctx, secret)
	var up *upstreamFlow
	if err == nil {
		up = flowOf(sess).Upstream
	}
	state := r.URL.Query().Get("state")
	if up == nil || state == "" || subtle.ConstantTimeCompare([]byte(state), []byte(up.State)) != 1 || time.Since(up.Started) > upstreamTimeout {
		h.message(w, r, http.StatusForbidden, "Sign-in not recognized",
			[]string{"This sign-in did not start in this browser, took too long, or was already used.",
				"Start again from your terminal (wsctl auth login) or from your invite link."}, nil)
		return
	}
	f := flowOf(sess)
	f.Upstream = nil // one use
	if err := h.saveFlow(ctx, secret, f); err != nil {
		h.failed(w, r, err)
		return
	}
	idp, err := h.accounts.IdentityProvider(ctx, up.OrgID)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	if e := r.URL.Query().Get("error"); e != "" {
		reason := r.URL.Query().Get("error_description")
		if reason == "" {
			reason = e
		}
		h.message(w, r, http.StatusForbidden, idp.Name+" did not sign you in",
			[]string{idp.Name + " answered: " + reason + ".", "Start again, or sign in with your email and password."}, nil)
		return
	}
	id, err := h.exchange(ctx, idp, up, r.URL.Query().Get("code"))
	if err != nil {
		h.providerDown(w, r, idp, err)
		return
	}
	if up.Invite != "" {
		h.upstreamSignup(w, r, secret, f, up, id)
		return
	}
	u, err := h.accounts.SignInUpstream(ctx, up.OrgID, id, requestID(r))
	if err != nil {
		h.failed(w, r, err)
		return
	}
	newSecret, _, err := h.accounts.BindBrowserSession(ctx, secret, u, []string{"fed"}, false)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	h.setCookie(w, newSecret)
	h.toSecondFactor(w, r, u, up.Next)
}

// upstreamSignup continues an invitation sign-up after the provider said
// who the person is: the domain checks that the invite is theirs (R6).
func (h *Handler) upstreamSignup(w http.ResponseWriter, r *http.Request, secret string, f flowState, up *upstreamFlow, id workspace.UpstreamIdentity) {
	ctx := r.Context()
	inv, org, err := h.accounts.UpstreamInvite(ctx, up.Invite, id)
	if errors.Is(err, workspace.ErrInviteForSomeoneElse) {
		h.message(w, r, http.StatusForbidden, "This invite is for someone else",
			[]string{"This invite is for " + inv.Email + ", but the identity provider signed you in as " + emailOrUnknown(id) + ".",
				"Sign in there with the invited account, or ask the admin who invited you."},
			&link{Text: "Back to the invite", URL: "/signup" + signupQuery(up.Invite)})
		return
	}
	if err != nil {
		h.failed(w, r, err)
		return
	}
	enr, err := h.accounts.NewTOTPEnrollment(org.Slug, inv.Email)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	f.Signup = &signupFlow{InviteID: inv.ID, Name: inv.Name, UpstreamSubject: id.Subject, TOTPSecret: enr.Secret}
	if err := h.saveFlow(ctx, secret, f); err != nil {
		h.failed(w, r, err)
		return
	}
	see303(w, r, "/signup/enroll"+signupQuery(up.Invite))
}

func emailOrUnknown(id workspace.UpstreamIdentity) string {
	if id.Email == "" {
		return "an account without an email address"
	}
	if !id.EmailVerified {
		return id.Email + " (not verified)"
	}
	return id.Email
}

// upstreamConnector is how the pages talk to an org's provider, one
// implementation per kind (upstream_oidc.go, upstream_hubspot.go).
type upstreamConnector interface {
	// AuthCodeURL is where the browser signs in at the provider, carrying
	// the flow's state and PKCE challenge (and nonce, where it means one).
	AuthCodeURL(up *upstreamFlow) string
	// Exchange swaps the callback's code for who the person is.
	Exchange(ctx context.Context, up *upstreamFlow, code string) (workspace.UpstreamIdentity, error)
}

func (h *Handler) exchange(ctx context.Context, idp workspace.IdentityProvider, up *upstreamFlow, code string) (workspace.UpstreamIdentity, error) {
	if code == "" {
		return workspace.UpstreamIdentity{}, errors.New("the provider sent no code")
	}
	conn, err := h.connector(ctx, idp)
	if err != nil {
		return workspace.UpstreamIdentity{}, err
	}
	return conn.Exchange(ctx, up, code)
}

// connector is the client of an org's provider, made once per
// configuration (an OpenID Connect one fetches its discovery document then).
func (h *Handler) connector(ctx context.Context, idp workspace.IdentityProvider) (upstreamConnector, error) {
	key := strings.Join([]string{idp.OrgID, string(idp.Kind), idp.Issuer, idp.AuthorizeURL, idp.ClientID, idp.UpdatedAt.String()}, "\x00")
	h.connectorsMu.Lock()
	conn, ok := h.connectors[key]
	h.connectorsMu.Unlock()
	if ok {
		return conn, nil
	}
	redirect := h.baseURL + callbackPath
	if idp.Kind == workspace.ProviderHubSpot {
		conn = newHubSpotConnector(idp, redirect, h.upstream)
	} else {
		var err error
		if conn, err = newOIDCConnector(ctx, idp, redirect, h.upstream); err != nil {
			return nil, err
		}
	}
	h.connectorsMu.Lock()
	for k := range h.connectors { // drop the org's older configurations
		if strings.HasPrefix(k, idp.OrgID+"\x00") {
			delete(h.connectors, k)
		}
	}
	h.connectors[key] = conn
	h.connectorsMu.Unlock()
	return conn, nil
}

func isNotFound(err error) bool {
	var nf *workspace.NotFoundError
	return errors.As(err, &nf)
}

func quoteText(s string) string { return "“" + s + "”" }
