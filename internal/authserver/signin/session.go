package signin

import (
	"context"
	"crypto/subtle"
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

// browser returns the live session of the request's cookie, or starts an
// anonymous one (and sets its cookie) when there is none.
func (h *Handler) browser(w http.ResponseWriter, r *http.Request) (string, workspace.BrowserSession, error) {
	secret := h.cookieSecret(r)
	s, err := h.accounts.BrowserSession(r.Context(), secret)
	if err == nil {
		return secret, s, nil
	}
	if !errors.Is(err, workspace.ErrSessionInvalid) {
		return "", s, err
	}
	secret, s, err = h.accounts.StartBrowserSession(r.Context())
	if err != nil {
		return "", s, err
	}
	h.setCookie(w, secret)
	return secret, s, nil
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
			w.Header().Set("Retry-After", fmt.Sprint(int(math.Ceil(wait.Seconds()))))
			h.message(w, r, http.StatusTooManyRequests, "Too many attempts",
				[]string{fmt.Sprintf("Too many attempts from your network: wait %d seconds, then try again.", int(math.Ceil(wait.Seconds())))}, nil)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := r.ParseForm(); err != nil {
			h.message(w, r, http.StatusBadRequest, "That did not work", []string{"The form could not be read; go back, reload the page and try again."}, nil)
			return
		}
		secret := h.cookieSecret(r)
		sess, err := h.accounts.BrowserSession(r.Context(), secret)
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
		token := r.PostForm.Get("csrf_token")
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
