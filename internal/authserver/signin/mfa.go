package signin

import (
	"bytes"
	"encoding/base64"
	"errors"
	"html/template"
	"image/png"
	"net/http"

	"github.com/pquerna/otp"

	"github.com/wsctl/wsctl/internal/workspace"
)

// mfaPage: GET /login/mfa asks an enrolled person for a code.
func (h *Handler) mfaPage(w http.ResponseWriter, r *http.Request) {
	n := nextOf(r)
	secret, sess, err := h.browser(w, r)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	if !h.pendingMFA(w, r, secret, sess, n, false) {
		return
	}
	h.render(w, r, http.StatusOK, "mfa", view{Title: "Enter your code", CSRF: sess.CSRFToken, Next: n, User: h.emailOf(r, sess)})
}

// pendingMFA checks that the session has passed the first factor but not
// MFA, and otherwise sends the browser where it belongs; enrolling tells
// which of the two MFA pages is asking.
func (h *Handler) pendingMFA(w http.ResponseWriter, r *http.Request, secret string, sess workspace.BrowserSession, n next, enrolling bool) bool {
	switch {
	case sess.UserID == "":
		see303(w, r, "/login"+n.query())
		return false
	case sess.MFAPassed:
		h.afterSignIn(w, r, n)
		return false
	}
	enrolled, err := h.accounts.TOTPEnrolled(r.Context(), sess.OrgID, sess.UserID)
	if err != nil {
		h.failed(w, r, err)
		return false
	}
	if enrolled == enrolling {
		if enrolled {
			see303(w, r, "/login/mfa"+n.query())
		} else {
			see303(w, r, "/login/mfa/enroll"+n.query())
		}
		return false
	}
	return true
}

func (h *Handler) emailOf(r *http.Request, sess workspace.BrowserSession) string {
	if u, err := h.accounts.User(r.Context(), sess.OrgID, sess.UserID); err == nil {
		return u.Email
	}
	return "your account"
}

// mfaSubmit: POST /login/mfa with the code.
func (h *Handler) mfaSubmit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := postedOf(ctx)
	n := nextOf(r)
	if !h.pendingMFA(w, r, p.secret, p.sess, n, false) {
		return
	}
	_, err := h.accounts.VerifyTOTP(ctx, p.sess.OrgID, p.sess.UserID, r.PostForm.Get("code"))
	if msg, ok := codeError(err); ok {
		h.render(w, r, http.StatusUnprocessableEntity, "mfa", view{Title: "Enter your code", CSRF: p.sess.CSRFToken, Next: n,
			User: h.emailOf(r, p.sess), Errors: map[string]string{"code": msg}})
		return
	}
	if err != nil {
		h.failed(w, r, err)
		return
	}
	if _, err := h.accounts.PassMFA(ctx, p.secret, "otp"); err != nil {
		h.failed(w, r, err)
		return
	}
	h.afterSignIn(w, r, n)
}

// codeError is the field message of a wrong or reused code.
func codeError(err error) (string, bool) {
	switch {
	case errors.Is(err, workspace.ErrWrongCode):
		return "That code is not right. Enter the 6-digit code your authenticator app shows now.", true
	case errors.Is(err, workspace.ErrCodeReused):
		return "That code was already used. Wait for the next one (a new code appears every 30 seconds).", true
	}
	return "", false
}

// enrollPage: GET /login/mfa/enroll shows the QR code and key of a new
// (or still pending) TOTP secret.
func (h *Handler) enrollPage(w http.ResponseWriter, r *http.Request) {
	n := nextOf(r)
	secret, sess, err := h.browser(w, r)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	if !h.pendingMFA(w, r, secret, sess, n, true) {
		return
	}
	h.renderEnroll(w, r, http.StatusOK, sess, n, nil)
}

func (h *Handler) renderEnroll(w http.ResponseWriter, r *http.Request, status int, sess workspace.BrowserSession, n next, errs map[string]string) {
	enr, err := h.accounts.BeginTOTPEnrollment(r.Context(), sess.OrgID, sess.UserID)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	ev, err := enrollmentView(enr)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	h.render(w, r, status, "enroll", view{Title: "Set up MFA", CSRF: sess.CSRFToken, Next: n, Enroll: ev,
		Action: "/login/mfa/enroll", Errors: errs})
}

// enrollmentView draws the QR code of an otpauth URL as an inline PNG.
func enrollmentView(enr workspace.TOTPEnrollment) (*enrollView, error) {
	key, err := otp.NewKeyFromURL(enr.URL)
	if err != nil {
		return nil, err
	}
	img, err := key.Image(200, 200)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	// A data: URL we made ourselves from a PNG: safe as an img src.
	qr := template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()))
	return &enrollView{QR: qr, Secret: groupSecret(enr.Secret)}, nil
}

// enrollSubmit: POST /login/mfa/enroll with the first code.
func (h *Handler) enrollSubmit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := postedOf(ctx)
	n := nextOf(r)
	if !h.pendingMFA(w, r, p.secret, p.sess, n, true) {
		return
	}
	_, err := h.accounts.ConfirmTOTP(ctx, p.sess.OrgID, p.sess.UserID, r.PostForm.Get("code"), requestID(r))
	if msg, ok := codeError(err); ok {
		h.renderEnroll(w, r, http.StatusUnprocessableEntity, p.sess, n, map[string]string{"code": msg})
		return
	}
	if err != nil {
		h.failed(w, r, err)
		return
	}
	if _, err := h.accounts.PassMFA(ctx, p.secret, "otp"); err != nil {
		h.failed(w, r, err)
		return
	}
	h.afterSignIn(w, r, n)
}
