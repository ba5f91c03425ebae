package signin

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/wsctl/wsctl/internal/workspace"
)

// next is what the person signs in for, carried from page to page in the
// query and in hidden fields: an OAuth authorization (code flow) or a
// device's user code.
type next struct {
	AuthRequest string `json:"auth_request,omitempty"`
	UserCode    string `json:"user_code,omitempty"`
}

func nextOf(r *http.Request) next {
	return next{AuthRequest: strings.TrimSpace(r.FormValue("authRequest")), UserCode: strings.TrimSpace(r.FormValue("userCode"))}
}

func (n next) empty() bool { return n.AuthRequest == "" && n.UserCode == "" }

// query is n as a query string, "" or "?authRequest=…".
func (n next) query() string {
	v := url.Values{}
	if n.AuthRequest != "" {
		v.Set("authRequest", n.AuthRequest)
	}
	if n.UserCode != "" {
		v.Set("userCode", n.UserCode)
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// request is what the pages show and check of the pending request.
type request struct {
	ClientID string
	Scopes   []string
	OrgHint  string
	UserCode string
}

// lookup checks that n names a pending request of the OAuth server.
func (h *Handler) lookup(ctx context.Context, n next) (request, error) {
	switch {
	case n.AuthRequest != "":
		ar, err := h.authz.AuthRequest(ctx, n.AuthRequest)
		if err != nil {
			return request{}, err
		}
		return request{ClientID: ar.ClientID, Scopes: ar.Scopes, OrgHint: ar.OrgHint}, nil
	case n.UserCode != "":
		dr, err := h.authz.DeviceRequest(ctx, n.UserCode)
		if err != nil {
			return request{}, err
		}
		return request{ClientID: dr.ClientID, Scopes: dr.Scopes, UserCode: dr.UserCode}, nil
	}
	return request{}, errNoRequest
}

type noRequestError struct{}

func (noRequestError) Error() string { return "no sign-in request" }

var errNoRequest error = noRequestError{}

// unknownRequest is the page for a missing, unknown or expired request.
func (h *Handler) unknownRequest(w http.ResponseWriter, r *http.Request, n next, err error) {
	if err != errNoRequest {
		h.log.Info("sign-in request not found", "auth_request", n.AuthRequest, "error", err, "request_id", requestID(r))
	}
	start := "Start again from your terminal: wsctl auth login."
	if n.UserCode != "" {
		start = "Start again from your device (wsctl auth login --device) and enter the new code it shows."
	}
	h.message(w, r, http.StatusBadRequest, "This sign-in has expired",
		[]string{"There is no sign-in waiting here: it has finished, expired, or the link is incomplete.", start}, nil)
}

// flowState is the JSON kept in the browser session while a flow waits on
// another site or spans several pages. The store keeps it sealed, and it is
// forgotten once MFA passed or the session ended (workspace.Accounts).
type flowState struct {
	Upstream *upstreamFlow `json:"upstream,omitempty"`
	Signup   *signupFlow   `json:"signup,omitempty"`
}

// upstreamFlow is a sign-in at the org's provider in progress (state,
// nonce and PKCE verifier of the authorization request).
type upstreamFlow struct {
	State    string    `json:"state"`
	Nonce    string    `json:"nonce"`
	Verifier string    `json:"verifier"`
	OrgID    string    `json:"org_id"`
	Next     next      `json:"next"`
	Invite   string    `json:"invite,omitempty"` // the signup link's token, when signing up
	Started  time.Time `json:"started"`
}

// signupFlow is an invitation sign-up between its password page and its
// MFA page: the person does not exist until the invite is accepted.
type signupFlow struct {
	InviteID     string `json:"invite_id"`
	Name         string `json:"name"`
	PasswordHash string `json:"password_hash,omitempty"`
	// UpstreamSubject is the provider account of a sign-up through the
	// org's provider, bound to the new user when the invite is accepted.
	UpstreamSubject string `json:"upstream_subject,omitempty"`
	TOTPSecret      string `json:"totp_secret"`
}

func flowOf(s workspace.BrowserSession) flowState {
	var f flowState
	_ = json.Unmarshal(s.Flow, &f) // a malformed flow is no flow
	return f
}

func (h *Handler) saveFlow(ctx context.Context, secret string, f flowState) error {
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	return h.accounts.SetBrowserSessionFlow(ctx, secret, b)
}
