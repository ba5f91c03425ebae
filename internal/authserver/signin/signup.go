package signin

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/wsctl/wsctl/internal/workspace"
)

// The invitation sign-up (R6): /signup?token=T shows the invite and takes
// a name and a password (or sends the person to the org's provider);
// /signup/enroll sets up TOTP; its first code accepts the invite. Until
// then the person does not exist: the password hash and the pending secret
// wait in the browser session.

func signupQuery(token string) string { return "?token=" + url.QueryEscape(token) }

// signupPage: GET /signup?token=T.
func (h *Handler) signupPage(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	inv, org, err := h.accounts.InviteForSignup(r.Context(), token)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	_, sess, err := h.browser(w, r)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	h.renderSignup(w, r, http.StatusOK, sess, token, inv, org, map[string]string{"name": inv.Name}, nil)
}

func (h *Handler) renderSignup(w http.ResponseWriter, r *http.Request, status int, sess workspace.BrowserSession, token string,
	inv workspace.Invite, org workspace.Org, values, errs map[string]string) {
	v := view{Title: "Join " + org.Name, CSRF: sess.CSRFToken, Token: token, Values: values, Errors: errs,
		Invite: &inviteView{Name: inv.Name, Org: org.Name, Email: inv.Email, Roles: joinRoles(inv.Roles),
			Licenses: strings.Join(inv.Licenses, ", "), Expires: inv.ExpiresAt.UTC().Format("2 January 2006, 15:04 UTC")}}
	if idp, err := h.accounts.IdentityProvider(r.Context(), org.ID); err == nil {
		q := url.Values{"invite": {token}}
		v.Provider = &providerLink{Name: idp.Name, URL: "/login/upstream/" + url.PathEscape(org.Slug) + "?" + q.Encode(), Only: idp.ProviderOnly}
	}
	h.render(w, r, status, "signup", v)
}

func joinRoles(rs []workspace.Role) string {
	names := make([]string, len(rs))
	for i, r := range rs {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}

// signupSubmit: POST /signup with name, password and its confirmation.
func (h *Handler) signupSubmit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := postedOf(ctx)
	token := r.PostForm.Get("token")
	inv, org, err := h.accounts.InviteForSignup(ctx, token)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	if err := h.accounts.CheckLocalAccounts(ctx, org.ID); err != nil {
		h.failed(w, r, err)
		return
	}
	name, password, confirm := r.PostForm.Get("name"), r.PostForm.Get("password"), r.PostForm.Get("confirm")
	errs := map[string]string{}
	if n, err := workspace.CheckName(name); err != nil {
		errs["name"] = fieldMessage(err)
	} else {
		name = n
	}
	hash, err := h.accounts.HashPassword(r.Context(), password)
	if busy := (*workspace.HashBusyError)(nil); errors.As(err, &busy) {
		h.failed(w, r, err)
		return
	}
	switch {
	case err != nil:
		errs["password"] = fieldMessage(err)
	case confirm != password:
		errs["confirm"] = "The two passwords are not the same. Type the password again."
	}
	if len(errs) > 0 {
		h.renderSignup(w, r, http.StatusUnprocessableEntity, p.sess, token, inv, org, map[string]string{"name": name}, errs)
		return
	}
	enr, err := h.accounts.NewTOTPEnrollment(org.Slug, inv.Email)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	f := flowOf(p.sess)
	f.Signup = &signupFlow{InviteID: inv.ID, Name: name, PasswordHash: hash, TOTPSecret: enr.Secret}
	if err := h.saveFlow(ctx, p.secret, f); err != nil {
		h.failed(w, r, err)
		return
	}
	see303(w, r, "/signup/enroll"+signupQuery(token))
}

// fieldMessage is a validation error as a sentence for its field.
func fieldMessage(err error) string {
	var v *workspace.ValidationError
	if errors.As(err, &v) {
		label := map[string]string{"name": "Your name", "password": "The password"}[v.Field]
		if label == "" {
			label = capitalize(v.Field)
		}
		return label + " " + v.Reason + "."
	}
	return capitalize(err.Error()) + "."
}

// signupEnrollPage: GET /signup/enroll?token=T shows the QR code of the
// secret waiting in the session.
func (h *Handler) signupEnrollPage(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	inv, org, err := h.accounts.InviteForSignup(r.Context(), token)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	_, sess, err := h.browser(w, r)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	f := flowOf(sess)
	if f.Signup == nil || f.Signup.InviteID != inv.ID {
		see303(w, r, "/signup"+signupQuery(token))
		return
	}
	h.renderSignupEnroll(w, r, http.StatusOK, sess, token, org, inv, f.Signup, nil)
}

func (h *Handler) renderSignupEnroll(w http.ResponseWriter, r *http.Request, status int, sess workspace.BrowserSession, token string,
	org workspace.Org, inv workspace.Invite, sf *signupFlow, errs map[string]string) {
	enr, err := h.accounts.TOTPEnrollmentOf(org.Slug, inv.Email, sf.TOTPSecret)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	ev, err := enrollmentView(enr)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	h.render(w, r, status, "enroll", view{Title: "Set up MFA", CSRF: sess.CSRFToken, Token: token, Enroll: ev,
		Action: "/signup/enroll", Errors: errs})
}

// signupEnrollSubmit: POST /signup/enroll with the first code: the invite
// is accepted (R6) and the browser is signed in as the new user.
func (h *Handler) signupEnrollSubmit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := postedOf(ctx)
	token := r.PostForm.Get("token")
	inv, org, err := h.accounts.InviteForSignup(ctx, token)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	f := flowOf(p.sess)
	if f.Signup == nil || f.Signup.InviteID != inv.ID {
		see303(w, r, "/signup"+signupQuery(token))
		return
	}
	step, err := h.accounts.CheckTOTPCode(f.Signup.TOTPSecret, r.PostForm.Get("code"))
	if msg, ok := codeError(err); ok {
		h.renderSignupEnroll(w, r, http.StatusUnprocessableEntity, p.sess, token, org, inv, f.Signup, map[string]string{"code": msg})
		return
	}
	if err != nil {
		h.failed(w, r, err)
		return
	}
	u, err := h.accounts.CompleteInviteSignup(ctx,
		workspace.AcceptInput{Token: token, Name: f.Signup.Name, Email: inv.Email, RequestID: requestID(r)},
		workspace.NewAccount{PasswordHash: f.Signup.PasswordHash, TOTPSecret: f.Signup.TOTPSecret, TOTPStep: step,
			UpstreamSubject: f.Signup.UpstreamSubject})
	if err != nil {
		h.failed(w, r, err)
		return
	}
	amr := []string{"pwd", "otp"}
	if f.Signup.UpstreamSubject != "" {
		amr = []string{"fed", "otp"}
	}
	newSecret, _, err := h.accounts.BindBrowserSession(ctx, p.secret, u, amr, true)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	h.setCookie(w, newSecret)
	h.message(w, r, http.StatusOK, "Welcome to "+org.Name, []string{
		"You are signed up as " + u.Email + ", with MFA on.",
		"To use Workspace from your terminal, run: wsctl auth login --host " + h.baseURL,
	}, nil)
}
