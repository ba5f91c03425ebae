package signin

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/wsctl/wsctl/internal/ratelimit"
	"github.com/wsctl/wsctl/internal/workspace"
)

// loginPage: GET /login?authRequest=ID (or ?userCode=CODE from /device).
// A browser already signed in (password or provider, then MFA) to the
// org the request is for goes straight to consent.
//
// GET /login?org=SLUG without a request is the org's own sign-in page, the
// link an admin shares with the org's people: signing in there (and, while
// signup mode is on, signing up through the provider) ends on "You are
// signed in", and the browser stays signed in for wsctl auth login.
func (h *Handler) loginPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	n := nextOf(r)
	org := strings.TrimSpace(r.FormValue("org"))
	req, err := h.lookupFor(ctx, n, org)
	if err != nil {
		h.unknownRequest(w, r, n, err)
		return
	}
	org = cmp.Or(org, req.OrgHint)
	secret, sess, err := h.browser(w, r)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	if sess.SignedIn() {
		if _, u, err := h.accounts.SessionUser(ctx, secret); err == nil && (org == "" || org == h.orgSlugOf(ctx, u.OrgID)) {
			h.afterSignIn(w, r, n)
			return
		}
	}
	v := view{Title: "Sign in", CSRF: sess.CSRFToken, Next: n, Values: map[string]string{"org": org}}
	v.Provider = h.providerLink(ctx, org, n)
	h.render(w, r, http.StatusOK, "login", v)
}

// lookupFor is lookup, where no request at all is the org's own sign-in
// page when an org is named.
func (h *Handler) lookupFor(ctx context.Context, n next, org string) (request, error) {
	req, err := h.lookup(ctx, n)
	if err == errNoRequest && org != "" {
		return request{}, nil
	}
	return req, err
}

// providerLink is the "Sign in with <provider>" button of an org that has
// one; Only when the org signs in through it only (no password form).
func (h *Handler) providerLink(ctx context.Context, slug string, n next) *providerLink {
	if slug == "" {
		return nil
	}
	org, err := h.accounts.OrgBySlug(ctx, slug)
	if err != nil {
		return nil
	}
	idp, err := h.accounts.IdentityProvider(ctx, org.ID)
	if err != nil {
		return nil
	}
	return &providerLink{Name: idp.Name, URL: "/login/upstream/" + url.PathEscape(org.Slug) + n.query(), Only: idp.ProviderOnly}
}

// loginSubmit: POST /login with org, email and password.
func (h *Handler) loginSubmit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := postedOf(ctx)
	n := nextOf(r)
	org, email, password := strings.TrimSpace(r.PostForm.Get("org")), strings.TrimSpace(r.PostForm.Get("email")), r.PostForm.Get("password")
	req, err := h.lookupFor(ctx, n, org)
	if err != nil {
		h.unknownRequest(w, r, n, err)
		return
	}
	v := view{Title: "Sign in", CSRF: p.sess.CSRFToken, Next: n, Values: map[string]string{"org": org, "email": email}, Errors: map[string]string{}}
	if org == "" {
		org = req.OrgHint
		v.Values["org"] = org
	}
	if org == "" {
		v.Errors["org"] = "Enter your organization's short name (like acme)."
	}
	if email == "" {
		v.Errors["email"] = "Enter your email address."
	}
	if password == "" {
		v.Errors["password"] = "Enter your password."
	}
	if len(v.Errors) > 0 {
		v.Provider = h.providerLink(ctx, org, n)
		h.render(w, r, http.StatusUnprocessableEntity, "login", v)
		return
	}
	u, err := h.accounts.CheckPassword(ctx, org, email, password, ratelimit.ClientKey(r))
	var off *workspace.LocalAccountsOffError
	if errors.As(err, &off) {
		v.Alert = capitalize(err.Error()) + "."
		v.Provider = h.providerLink(ctx, org, n)
		h.render(w, r, http.StatusForbidden, "login", v)
		return
	}
	if errors.Is(err, workspace.ErrBadCredentials) {
		v.Errors["password"] = "Wrong organization, email or password. Check them and try again."
		v.Provider = h.providerLink(ctx, org, n)
		h.render(w, r, http.StatusUnprocessableEntity, "login", v)
		return
	}
	if err != nil {
		h.failed(w, r, err)
		return
	}
	newSecret, _, err := h.accounts.BindBrowserSession(ctx, p.secret, u, []string{"pwd"}, false)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	h.setCookie(w, newSecret)
	h.toSecondFactor(w, r, u, n)
}

// toSecondFactor sends a person who passed the first factor to MFA:
// enrollment at the first sign-in (and after R12's reset), a code after.
func (h *Handler) toSecondFactor(w http.ResponseWriter, r *http.Request, u workspace.User, n next) {
	enrolled, err := h.accounts.TOTPEnrolled(r.Context(), u.OrgID, u.ID)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	if enrolled {
		see303(w, r, "/login/mfa"+n.query())
		return
	}
	see303(w, r, "/login/mfa/enroll"+n.query())
}

// afterSignIn sends a signed-in person on to the request's consent.
func (h *Handler) afterSignIn(w http.ResponseWriter, r *http.Request, n next) {
	if n.empty() {
		h.message(w, r, http.StatusOK, "You are signed in", []string{"You can close this window."}, nil)
		return
	}
	see303(w, r, "/consent"+n.query())
}

// logoutSubmit: POST /logout ends the browser's session.
func (h *Handler) logoutSubmit(w http.ResponseWriter, r *http.Request) {
	p := postedOf(r.Context())
	if err := h.accounts.EndBrowserSession(r.Context(), p.secret); err != nil {
		h.failed(w, r, err)
		return
	}
	h.clearCookie(w)
	n := nextOf(r)
	var l *link
	if !n.empty() {
		l = &link{Text: "Sign in with another account", URL: "/login" + n.query()}
	}
	h.message(w, r, http.StatusOK, "You are signed out", []string{"This browser is no longer signed in to Workspace."}, l)
}
