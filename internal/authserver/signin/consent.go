package signin

import (
	"errors"
	"net/http"
	"strings"

	"github.com/wsctl/wsctl/internal/workspace"
)

// scopeText says in words what each scope lets the client do.
var scopeText = map[string]string{
	"openid":                             "Know who you are (your name, email and organization)",
	"offline_access":                     "Stay signed in until you sign out (refresh tokens)",
	string(workspace.ScopeUsersRead):     "See users and pending invites",
	string(workspace.ScopeUsersWrite):    "Invite, edit, deactivate and activate users",
	string(workspace.ScopeLicensesRead):  "See license usage",
	string(workspace.ScopeSettingsWrite): "Change settings such as automatic sign-up",
	string(workspace.ScopeMFAReset):      "Reset other people's MFA",
	string(workspace.ScopeAuditRead):     "Read the audit log",
}

func describeScopes(scopes []string) []string {
	out := make([]string, 0, len(scopes))
	for _, s := range scopes {
		if t, ok := scopeText[s]; ok {
			out = append(out, t+" ("+s+")")
		} else {
			out = append(out, s)
		}
	}
	return out
}

// signedIn returns the session and active user of a signed-in browser for
// request req, or sends the browser to sign in (again) and returns false:
// not signed in, MFA pending, session ended by R9/R12, or signed in to
// another org than the request is for.
func (h *Handler) signedIn(w http.ResponseWriter, r *http.Request, secret string, n next, req request) (workspace.BrowserSession, workspace.User, bool) {
	sess, u, err := h.accounts.SessionUser(r.Context(), secret)
	if errors.Is(err, workspace.ErrSessionInvalid) {
		see303(w, r, "/login"+n.query())
		return sess, u, false
	}
	if err != nil {
		h.failed(w, r, err)
		return sess, u, false
	}
	if req.OrgHint != "" && req.OrgHint != h.orgSlugOf(r.Context(), u.OrgID) {
		see303(w, r, "/login"+n.query())
		return sess, u, false
	}
	return sess, u, true
}

// consentPage: GET /consent?authRequest=ID (or ?userCode=CODE) shows who
// asks for what, with Allow and Deny.
func (h *Handler) consentPage(w http.ResponseWriter, r *http.Request) {
	n := nextOf(r)
	req, err := h.lookup(r.Context(), n)
	if err != nil {
		h.unknownRequest(w, r, n, err)
		return
	}
	sess, u, ok := h.signedIn(w, r, h.cookieSecret(r), n, req)
	if !ok {
		return
	}
	h.renderConsent(w, r, sess, u, n, req)
}

func (h *Handler) renderConsent(w http.ResponseWriter, r *http.Request, sess workspace.BrowserSession, u workspace.User, n next, req request) {
	org, err := h.accounts.OrgByID(r.Context(), u.OrgID)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	roles := make([]string, len(u.Roles))
	for i, role := range u.Roles {
		roles[i] = string(role)
	}
	h.render(w, r, http.StatusOK, "consent", view{Title: "Allow access?", CSRF: sess.CSRFToken, Next: n,
		Consent: &consentView{Client: req.ClientID, Email: u.Email, Org: org.Name, Roles: strings.Join(roles, ", "),
			UserCode: req.UserCode, Scopes: describeScopes(req.Scopes)}})
}

// consentSubmit: POST /consent with decision=allow or deny. The session is
// checked again: R9 or R12 may have ended it since the page was shown.
func (h *Handler) consentSubmit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := postedOf(ctx)
	n := nextOf(r)
	req, err := h.lookup(ctx, n)
	if err != nil {
		h.unknownRequest(w, r, n, err)
		return
	}
	sess, u, ok := h.signedIn(w, r, p.secret, n, req)
	if !ok {
		return
	}
	allow := r.PostForm.Get("decision") == "allow"
	if n.AuthRequest != "" {
		h.finishAuthRequest(w, r, sess, n, allow)
		return
	}
	h.finishDeviceRequest(w, r, sess, u, req, allow)
}

func (h *Handler) finishAuthRequest(w http.ResponseWriter, r *http.Request, sess workspace.BrowserSession, n next, allow bool) {
	var to string
	var err error
	if allow {
		to, err = h.authz.CompleteAuthRequest(r.Context(), n.AuthRequest, sess)
	} else {
		to, err = h.authz.DenyAuthRequest(r.Context(), n.AuthRequest)
	}
	if err != nil {
		h.log.Warn("finish authorization", "auth_request", n.AuthRequest, "error", err, "request_id", requestID(r))
		h.notFinished(w, r, n, err)
		return
	}
	see303(w, r, to)
}

// notFinished answers an authorization that could not be completed: a
// session ended meanwhile (R9, R12: revoked between the page's check and
// the completion) means signing in again, with the request still pending;
// anything else, that the request is gone.
func (h *Handler) notFinished(w http.ResponseWriter, r *http.Request, n next, err error) {
	if errors.Is(err, workspace.ErrSessionInvalid) {
		see303(w, r, "/login"+n.query())
		return
	}
	h.unknownRequest(w, r, n, err)
}

func (h *Handler) finishDeviceRequest(w http.ResponseWriter, r *http.Request, sess workspace.BrowserSession, u workspace.User, req request, allow bool) {
	if !allow {
		if err := h.authz.DenyDeviceRequest(r.Context(), req.UserCode); err != nil {
			h.unknownRequest(w, r, next{UserCode: req.UserCode}, err)
			return
		}
		h.message(w, r, http.StatusOK, "Access denied", []string{"The device was not given access. You can close this window."}, nil)
		return
	}
	if err := h.authz.CompleteDeviceRequest(r.Context(), req.UserCode, sess); err != nil {
		h.notFinished(w, r, next{UserCode: req.UserCode}, err)
		return
	}
	h.message(w, r, http.StatusOK, "Device signed in",
		[]string{"You are signed in on your device as " + u.Email + ".", "You can return to your terminal and close this window."}, nil)
}
