// Package grants is what the OAuth 2.0 authorization server remembers:
// pending authorization and device requests, access and refresh tokens
// grouped in families, and its own long-lived keys; and the Store that keeps
// them (implemented by internal/store/sqlstore).
package grants

import (
	"context"
	"errors"
	"time"

	"github.com/wsctl/wsctl/internal/workspace"
)

// Store keeps the grants. Each method is one transaction. Lookups that find
// nothing return a *workspace.NotFoundError; secrets (codes, tokens) are
// looked up by their hash and never stored in clear.
type Store interface {
	// Key returns the secret stored under name; when there is none yet it
	// stores create's result first. Every server sharing the database gets
	// the same secret, whichever created it. The store keeps it sealed with
	// the secrets key, outside the database (internal/secrets).
	Key(ctx context.Context, name string, create func() (string, error)) (string, error)

	// InsertAuthRequest stores a new authorization request, removing the
	// ones that expired before now.
	InsertAuthRequest(ctx context.Context, r AuthRequest, now time.Time) error
	AuthRequest(ctx context.Context, id string) (AuthRequest, error)
	AuthRequestByCode(ctx context.Context, codeHash string) (AuthRequest, error)
	// CompleteAuthRequest binds a pending, unrevoked request to the user of
	// the sign-in. The sign-in's browser session must still be live in the
	// same transaction (workspace.ErrSessionInvalid otherwise): R9 and R12
	// end sessions, and may have done so since the pages checked it.
	CompleteAuthRequest(ctx context.Context, id string, by SignIn) error
	// SaveAuthCode records the code issued for a completed request.
	SaveAuthCode(ctx context.Context, id, codeHash string, expires time.Time) error
	// DeleteAuthRequest deletes a request not yet exchanged; one whose code
	// gave tokens stays until it expires, to recognise the code if it is
	// presented again.
	DeleteAuthRequest(ctx context.Context, id string) error

	// InsertDeviceRequest stores a new device authorization, removing the
	// ones that expired before now; a user code in use gives ErrUserCodeTaken.
	InsertDeviceRequest(ctx context.Context, d DeviceRequest, now time.Time) error
	DeviceRequestByUserCode(ctx context.Context, userCode string) (DeviceRequest, error)
	DeviceRequestByCode(ctx context.Context, deviceCodeHash string) (DeviceRequest, error)
	// ApproveDeviceRequest and DenyDeviceRequest decide a pending,
	// unexpired request; any other gives a *workspace.NotFoundError.
	// Approval needs a live sign-in as CompleteAuthRequest does.
	ApproveDeviceRequest(ctx context.Context, userCode string, by SignIn, at time.Time) error
	DenyDeviceRequest(ctx context.Context, userCode string, at time.Time) error
	// ConsumeDeviceRequest marks an approved request as exchanged for
	// tokens; it succeeds once.
	ConsumeDeviceRequest(ctx context.Context, deviceCodeHash string, at time.Time) error

	// IssueTokens stores the tokens of a new grant. When AuthRequestID is
	// set, the request is marked used (with the tokens' family) in the same
	// transaction and the tokens are stored only if it was unused and
	// unrevoked: a code gives tokens once.
	// The user must be active (workspace.ErrUnauthenticated otherwise).
	IssueTokens(ctx context.Context, in Issue) error
	// RotateRefreshToken marks the refresh token used and stores its
	// successor and a new access token of the same family. When the token was
	// already used, it revokes the whole family, commits that, and returns
	// ErrRefreshTokenReused (RFC 9700 §4.14.2). A token revoked or expired
	// gives a *workspace.NotFoundError; an inactive user,
	// workspace.ErrUnauthenticated.
	RotateRefreshToken(ctx context.Context, usedHash string, at time.Time, access AccessToken, next RefreshToken) error
	AccessToken(ctx context.Context, idHash string) (AccessToken, error)
	RefreshToken(ctx context.Context, hash string) (RefreshToken, error)
	RevokeAccessToken(ctx context.Context, idHash string, at time.Time) error
	// RevokeFamily revokes every access and refresh token of a family.
	RevokeFamily(ctx context.Context, familyID string, at time.Time) error
	// PurgeExpired deletes tokens and requests that expired before now.
	PurgeExpired(ctx context.Context, now time.Time) error

	// User finds a user of any org by id.
	User(ctx context.Context, id string) (User, error)
}

// ErrRefreshTokenReused is a refresh token presented a second time: its
// family is revoked.
var ErrRefreshTokenReused = errors.New("refresh token already used: every token of its sign-in was revoked")

// ErrAuthCodeReused is an authorization code exchanged a second time: the
// tokens of its first exchange were revoked (RFC 6749 §4.1.2).
var ErrAuthCodeReused = errors.New("authorization code already used: the tokens it gave were revoked")

// ErrUserCodeTaken is a device user code that is already in use.
var ErrUserCodeTaken = errors.New("user code already in use")

// AuthRequest is an authorization request (code flow with PKCE) from its
// arrival at /oauth/authorize until it expires; after its code is
// exchanged it stays, marked used, to recognise the code if it comes again.
type AuthRequest struct {
	ID                  string
	ClientID            string
	RedirectURI         string
	Scopes              []string
	State               string
	Nonce               string
	ResponseType        string
	ResponseMode        string
	CodeChallenge       string
	CodeChallengeMethod string
	LoginHint           string
	// Set by CompleteAuthRequest.
	UserID   string
	AMR      []string
	AuthTime *time.Time
	// Set by SaveAuthCode.
	CodeExpiresAt *time.Time
	CreatedAt     time.Time
	ExpiresAt     time.Time
	// RevokedAt is set when the user's sessions were revoked (R9, R12).
	RevokedAt *time.Time
	// UsedAt and FamilyID are set by IssueTokens: the code was exchanged,
	// for the tokens of that family.
	UsedAt   *time.Time
	FamilyID string
}

// SignIn is the browser sign-in that completes an authorization: its
// session (the SHA-256 of the cookie's secret), its user, how and when the
// person signed in.
type SignIn struct {
	SessionIDHash string
	UserID        string
	AMR           []string
	AuthTime      time.Time
}

// DeviceRequest is a device authorization (RFC 8628).
type DeviceRequest struct {
	DeviceCodeHash string
	UserCode       string
	ClientID       string
	Scopes         []string
	UserID         string
	CreatedAt      time.Time
	ExpiresAt      time.Time
	ApprovedAt     *time.Time
	DeniedAt       *time.Time
	ConsumedAt     *time.Time
}

// Issue is the tokens of a new grant: an access token and, when the client
// asked for offline_access, the first refresh token of its family.
type Issue struct {
	AuthRequestID string
	Access        AccessToken
	Refresh       *RefreshToken
}

// AccessToken is an opaque access token. Only the hash of the random id
// sealed inside the token is stored.
type AccessToken struct {
	IDHash    string
	FamilyID  string
	ClientID  string
	UserID    string
	OrgID     string
	Scopes    []string
	CreatedAt time.Time
	ExpiresAt time.Time
	RevokedAt *time.Time
	// Holder is the token's user as of the lookup (not stored with the token).
	Holder User
}

// RefreshToken is a refresh token. Each use replaces it with a new one of
// the same family; the used one is kept, marked, to detect its reuse.
type RefreshToken struct {
	Hash      string
	FamilyID  string
	ClientID  string
	UserID    string
	OrgID     string
	Scopes    []string // as granted at sign-in
	AMR       []string
	AuthTime  time.Time
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
	RevokedAt *time.Time
	// Holder is the token's user as of the lookup (not stored with the token).
	Holder User
}

// User is what the authorization server needs of a user.
type User struct {
	ID     string
	OrgID  string
	Name   string
	Email  string
	Roles  []workspace.Role
	Active bool
}

// CanSignIn asks the domain's one rule of who may hold a session or a
// token (workspace.User.CanSignIn).
func (u User) CanSignIn() error {
	return workspace.User{ID: u.ID, OrgID: u.OrgID, Email: u.Email, Roles: u.Roles, Active: u.Active}.CanSignIn()
}
