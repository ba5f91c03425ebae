package signin

import (
	"context"
	"time"

	"github.com/wsctl/wsctl/internal/workspace"
)

// Authorizations is what the sign-in pages need of the OAuth 2.0 server
// (internal/authserver implements it): look up the pending authorization a
// browser arrived with, and finish or refuse it once the person has signed
// in, passed MFA and consented.
type Authorizations interface {
	// AuthRequest describes a pending authorization (code flow with PKCE).
	AuthRequest(ctx context.Context, id string) (AuthRequestInfo, error)
	// CompleteAuthRequest binds the request to the user of the signed-in
	// session and returns the URL to send the browser to (the client's
	// loopback redirect with the code). workspace.ErrSessionInvalid: the
	// session ended meanwhile (R9, R12).
	CompleteAuthRequest(ctx context.Context, id string, sess workspace.BrowserSession) (redirectURL string, err error)
	// DenyAuthRequest refuses it (the person said no); the client gets access_denied.
	DenyAuthRequest(ctx context.Context, id string) (redirectURL string, err error)

	// DeviceRequest describes a pending device authorization by its user code.
	DeviceRequest(ctx context.Context, userCode string) (DeviceRequestInfo, error)
	// CompleteDeviceRequest approves it for the user of the signed-in
	// session, as CompleteAuthRequest does.
	CompleteDeviceRequest(ctx context.Context, userCode string, sess workspace.BrowserSession) error
	// DenyDeviceRequest refuses it.
	DenyDeviceRequest(ctx context.Context, userCode string) error
}

// AuthRequestInfo is what the pages show and check of an authorization.
type AuthRequestInfo struct {
	ID       string
	ClientID string // "wsctl"
	Scopes   []string
	// OrgHint is the org slug the client asked for, if any (a login_hint of the form org:SLUG).
	OrgHint string
}

// DeviceRequestInfo is what the device page shows.
type DeviceRequestInfo struct {
	UserCode string
	ClientID string
	Scopes   []string
	Expires  time.Time
}
