package signin

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"net/http"
	"time"

	"github.com/wsctl/wsctl/internal/ratelimit"
	"github.com/wsctl/wsctl/internal/workspace"
)

// The session cookie: __Host- (Secure, Path=/, no Domain) when served over
// https, so no other host or path can set or shadow it.
const (
	cookieHTTPS = "__Host-ws_session"
	cookieHTTP  = "ws_session"
)

func (h *Handler) cookieName() string {
	if h.secure {
		return cookieHTTPS
	}
	return cookieHTTP
}

func (h *Handler) cookieSecret(r *http.Request) string {
	c, err := r.Cookie(h.cookieName())
	if err != nil {
		return ""
	}
	return c.Value
}

// setCookie hands the browser a new session's secret; it lives as long as
// the session (BrowserSessionTTL from now).
func (h *Handler) setCookie(w http.ResponseWriter, secret string) {
	http.SetCookie(w, &http.Cookie{Name: h.cookieName(), Value: secret, Path: "/", MaxAge: int(workspace.BrowserSessionTTL.Seconds()),
		HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode})
}

func (h *Handler) clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: h.cookieName(), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode})
}

// browser returns the live session of the request's cookie. Without one it
// returns an anonymous session that is not stored (security finding 3 of
// issue 12: every cookie-less GET of a sign-in page stored a row): the
// cookie holds a random secret, kept while it names no stored session,
// and the forms' CSRF token is that secret signed with the handler's key.
// form stores the session when one of its forms is posted.
func (h *Handler) browser(w http.ResponseWriter, r *http.Request) (string, workspace.BrowserSession, error) {
	secret := h.cookieSecret(r)
	s, err := h.accounts.BrowserSession(r.Context(), secret)
	if err == nil {
		return secret, s, nil
	}
	if !errors.Is(err, workspace.ErrSessionInvalid) {
		return "", s, err
	}
	if errors.Is(err, workspace.ErrSessionEnded) || !anonymousSecret(secret) {
		secret = workspace.RandomToken()
		h.setCookie(w, secret)
	}
	return secret, workspace.BrowserSession{CSRFToken: h.anonymousCSRF(secret), AMR: []string{}, Flow: []byte("{}")}, nil
}

// stored returns the browser's session, storing the anonymous one first:
// for the pages that must keep something in it (an upstream sign-in's
// state), which the per-address limit of the forms bounds.
func (h *Handler) stored(w http.ResponseWriter, r *http.Request) (string, workspace.BrowserSession, error) {
	secret, s, err := h.browser(w, r)
	if err != nil || s.IDHash != "" {
		return secret, s, err
	}
	if wait, ok := h.limiter.Allow(ratelimit.ClientKey(r), time.Now()); !ok {
		return "", s, &tooFast{wait: wait}
	}
	s, err = h.accounts.StoreBrowserSession(r.Context(), secret, s.CSRFToken)
	return secret, s, err
}

// tooFast: a client past the per-address limit of the forms.
type tooFast struct{ wait time.Duration }

func (e *tooFast) Error() string {
	return fmt.Sprintf("too many attempts from your network: wait %d seconds, then try again", int(math.Ceil(e.wait.Seconds())))
}

// anonymousSecret is whether a cookie's value can be an anonymous
// browser's secret: 256 random bits as RandomToken writes them.
func anonymousSecret(s string) bool {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil && len(b) == 32
}

// anonymousCSRF is the CSRF token of an anonymous browser's forms: its
// cookie's secret signed with the handler's key, so that it can be checked
// without storing anything, on any server sharing the key.
func (h *Handler) anonymousCSRF(secret string) string {
	m := hmac.New(sha256.New, h.formKey)
	m.Write([]byte("signin form: " + secret))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// posted is a form post that passed the checks: its session and secret.
type posted struct {
	secret string
	sess   workspace.BrowserSession
}

type postedKey struct{}

func postedOf(ctx context.Context) posted {
	p, _ := ctx.Value(postedKey{}).(posted)
	return p
}

// maxFormBytes bounds a form post; the largest field is a password.
const maxFormBytes = 64 << 10

// form guards every POST: the per-IP rate limit, then the CSRF check
// against the token of the browser's session (a hidden field of every
// form). A missing session, a missing token or a wrong one is a 403 page
// and nothing else happens.
func (h *Handler) form(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if wait, ok := h.limiter.Allow(ratelimit.ClientKey(r), time.Now()); !ok {
			h.failed(w, r, &tooFast{wait: wait})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := r.ParseForm(); err != nil {
			h.message(w, r, http.StatusBadRequest, "That did not work", []string{"The form could not be read; go back, reload the page and try again."}, nil)
			return
		}
		secret := h.cookieSecret(r)
		sess, err := h.accounts.BrowserSession(r.Context(), secret)
		token := r.PostForm.Get("csrf_token")
		if errors.Is(err, workspace.ErrSessionInvalid) && !errors.Is(err, workspace.ErrSessionEnded) && anonymousSecret(secret) {
			// An anonymous browser's first post: its session is stored
			// now, once its token proves the form came from its page.
			sess.CSRFToken = h.anonymousCSRF(secret)
			if token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(sess.CSRFToken)) == 1 {
				sess, err = h.accounts.StoreBrowserSession(r.Context(), secret, token)
			} else {
				err = nil // the check below refuses it as a bad token
			}
			if errors.Is(err, workspace.ErrSessionEnded) {
				h.clearCookie(w) // a secret the store knows: the reload gets a new one
			}
		}
		if errors.Is(err, workspace.ErrSessionInvalid) {
			h.message(w, r, http.StatusForbidden, "Your session has ended",
				[]string{"Your sign-in session has ended or expired, or cookies are off in this browser.",
					"Go back, reload the page and try again; to start over, run the sign-in from your terminal again."}, nil)
			return
		}
		if err != nil {
			h.failed(w, r, err)
			return
		}
		if token == "" || subtle.ConstantTimeCompare([]byte(token), []byte(sess.CSRFToken)) != 1 {
			h.log.Warn("CSRF check failed", "path", r.URL.Path, "request_id", requestID(r), "token_present", token != "")
			h.message(w, r, http.StatusForbidden, "This form has expired",
				[]string{"This form did not come from this page or has expired (its security token did not match).",
					"Go back, reload the page and try again."}, nil)
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), postedKey{}, posted{secret: secret, sess: sess})))
	})
}
