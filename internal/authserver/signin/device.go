package signin

import (
	"cmp"
	"net/http"
	"strings"
)

// devicePage: GET /device (or /device?user_code=CODE, the RFC 8628
// verification_uri_complete) asks for the code a device shows.
func (h *Handler) devicePage(w http.ResponseWriter, r *http.Request) {
	_, sess, err := h.browser(w, r)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "device", view{Title: "Sign in a device", CSRF: sess.CSRFToken,
		Values: map[string]string{"user_code": normalizeUserCode(r.URL.Query().Get("user_code"))}})
}

// normalizeUserCode forgives case and surrounding spaces; the OAuth server
// decides the rest of the format.
func normalizeUserCode(code string) string {
	return strings.ToUpper(strings.TrimSpace(code))
}

// deviceSubmit: POST /device checks the code, then signs in (or goes
// straight to consent when this browser is signed in).
func (h *Handler) deviceSubmit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := postedOf(ctx)
	code := normalizeUserCode(r.PostForm.Get("user_code"))
	v := view{Title: "Sign in a device", CSRF: p.sess.CSRFToken, Values: map[string]string{"user_code": code}}
	if code == "" {
		v.Errors = map[string]string{"user_code": "Enter the code your device shows."}
		h.render(w, r, http.StatusUnprocessableEntity, "device", v)
		return
	}
	dr, err := h.authz.DeviceRequest(ctx, code)
	if err != nil {
		h.log.Info("device code not found", "error", err, "request_id", requestID(r))
		v.Errors = map[string]string{"user_code": "That code is not valid or has expired. Check the code your device shows, or start again with 'wsctl auth login --device'."}
		h.render(w, r, http.StatusUnprocessableEntity, "device", v)
		return
	}
	n := next{UserCode: cmp.Or(dr.UserCode, code)}
	if p.sess.SignedIn() {
		see303(w, r, "/consent"+n.query())
		return
	}
	see303(w, r, "/login"+n.query())
}
