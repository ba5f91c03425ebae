// Package schema holds the JSON shapes of the workspaced HTTP API, shared by
// the server (internal/api) and its Go client (internal/client).
//
// Field names are a contract (SPEC §4): add fields freely, never rename.
package schema

import (
	"encoding/json"
	"time"
)

// BasePath is the prefix of every versioned API route.
const BasePath = "/api/v1"

// Headers used by the API beyond the standard ones.
const (
	HeaderIdempotencyKey = "Idempotency-Key"
	HeaderRequestID      = "X-Request-Id"
	// HeaderIdempotentReplay is "true" on a response replayed for a repeated Idempotency-Key.
	HeaderIdempotentReplay = "Idempotent-Replayed"
)

// User is a member of an organization.
type User struct {
	ID            string     `json:"id"`
	Name          string     `json:"name"`
	Email         string     `json:"email"`
	Roles         []string   `json:"roles"`
	Licenses      []string   `json:"licenses"`
	Active        bool       `json:"active"`
	CallRecording bool       `json:"call_recording"`
	MFAEnrolled   bool       `json:"mfa_enrolled"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
	LastSignInAt  *time.Time `json:"last_sign_in_at"`
	// Notices are messages for the person at the keyboard, e.g. R4's
	// "that was the last parallel-dialer license: 3 of 3 in use". Only on
	// responses to changes.
	Notices []string `json:"notices,omitempty"`
	// Unchanged says why a change changed nothing ("already inactive"); it
	// is absent when something changed. Only on responses to changes.
	Unchanged string `json:"unchanged,omitempty"`
}

// Invite is a pending (or past) invitation.
type Invite struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Email     string    `json:"email"`
	Roles     []string  `json:"roles"`
	Licenses  []string  `json:"licenses"`
	Status    string    `json:"status"` // pending | accepted | revoked | expired
	ExpiresAt time.Time `json:"expires_at"`
	CreatedAt time.Time `json:"created_at"`
	Notices   []string  `json:"notices,omitempty"`
}

// LicensePool is one product's license usage in an org.
type LicensePool struct {
	Product   string `json:"product"`
	Name      string `json:"name"`
	Total     int    `json:"total"`
	Assigned  int    `json:"assigned"`
	Reserved  int    `json:"reserved"`
	Available int    `json:"available"`
}

// AuditEvent is one append-only record of a change (R14).
type AuditEvent struct {
	ID        string          `json:"id"`
	At        time.Time       `json:"at"`
	Actor     string          `json:"actor"`
	Action    string          `json:"action"`
	Target    string          `json:"target"`
	Before    json.RawMessage `json:"before"`
	After     json.RawMessage `json:"after"`
	RequestID string          `json:"request_id"`
}

// SignupMode is the org's automatic sign-up setting (R2, R7).
type SignupMode struct {
	AutoSignup bool `json:"auto_signup"`
}

// Token describes an API token; the secret is never part of it.
type Token struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Scopes     []string   `json:"scopes"`
	UserEmail  string     `json:"user_email"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	ExpiresAt  *time.Time `json:"expires_at"` // null: until revoked
}

// TokenCreated is the answer to creating a token: the only time the secret is shown.
type TokenCreated struct {
	Token
	Secret string `json:"token"`
}

// Me describes the caller: who the token belongs to and what it may do.
type Me struct {
	User    User     `json:"user"`
	OrgSlug string   `json:"org"`
	OrgName string   `json:"org_name"`
	Scopes  []string `json:"scopes"`
	TokenID string   `json:"token_id"`
}

// Page is one page of a list; NextCursor is empty on the last page.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// InviteRequest creates an invite (POST /invites).
type InviteRequest struct {
	Name     string   `json:"name"`
	Email    string   `json:"email"`
	Roles    []string `json:"roles"`
	Licenses []string `json:"licenses"`
}

// MaxBatchRows bounds the rows of one batch request (POST /invites/batch):
// more is refused with 400, so a client sends a larger file in several.
const MaxBatchRows = 1000

// A dry run may hold a whole file, since its decisions must see every row
// before it: at most MaxPlanRows rows in a body of at most MaxPlanBytes.
const (
	MaxPlanRows  = 50000
	MaxPlanBytes = 32 << 20
)

// Roles are the roles a user can hold, for prompts and completion (the
// server decides which it accepts).
func Roles() []string { return []string{"admin", "manager", "user"} }

// InviteBatchRequest creates many invites in one request (POST /invites/batch).
// With DryRun the server decides every row exactly as it would now, and
// keeps nothing: the plan of a file is the real decision, rolled back.
type InviteBatchRequest struct {
	Invites []InviteBatchItem `json:"invites"`
	DryRun  bool              `json:"dry_run,omitempty"`
}

// InviteBatchItem is one row of a batch: an invite and, optionally, the key
// that makes the row idempotent (as Idempotency-Key does for POST /invites).
type InviteBatchItem struct {
	InviteRequest
	IdempotencyKey string `json:"idempotency_key,omitempty"`
}

// InviteBatchResponse holds one result per row, in the rows' order.
// Licenses are the org's pools as the batch left them (for a dry run, as
// it would leave them).
// LicensesBefore are the pools as the batch found them.
type InviteBatchResponse struct {
	Results        []InviteBatchResult `json:"results"`
	DryRun         bool                `json:"dry_run"`
	Licenses       []LicensePool       `json:"licenses"`
	LicensesBefore []LicensePool       `json:"licenses_before"`
}

// Statuses of an InviteBatchResult.
const (
	BatchInvited  = "invited"  // a new invite
	BatchReplayed = "replayed" // the row's key was seen before: the first invite, unchanged
	BatchFailed   = "failed"   // Error says why; nothing was changed for this row
)

// InviteBatchResult is one row's outcome: Invite when invited or replayed,
// Error (the problem the single-invite route would answer) when failed.
type InviteBatchResult struct {
	Index  int      `json:"index"`
	Status string   `json:"status"`
	Invite *Invite  `json:"invite,omitempty"`
	Error  *Problem `json:"error,omitempty"`
}

// AcceptInviteRequest completes a signup from an invite link (R6).
type AcceptInviteRequest struct {
	Token string `json:"token"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

// UserEdit changes a user (PATCH /users/{id}, with If-Match). Absent fields are unchanged.
type UserEdit struct {
	Name           *string  `json:"name,omitempty"`
	AddRoles       []string `json:"add_roles,omitempty"`
	RemoveRoles    []string `json:"remove_roles,omitempty"`
	AddLicenses    []string `json:"add_licenses,omitempty"`
	RemoveLicenses []string `json:"remove_licenses,omitempty"`
	CallRecording  *bool    `json:"call_recording,omitempty"`
}

// ActivateRequest reactivates a user with at least one license (R10).
type ActivateRequest struct {
	Licenses []string `json:"licenses"`
}

// TokenRequest creates an API token (POST /tokens).
type TokenRequest struct {
	Name   string   `json:"name"`
	Scopes []string `json:"scopes"`
	// ExpiresIn is the token's lifetime in seconds; 0 or absent, until revoked.
	ExpiresIn int64 `json:"expires_in,omitempty"`
}

// Problem is an RFC 9457 problem document. Code is stable and machine-readable.
type Problem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail"`
	Code      string `json:"code"`
	RequestID string `json:"request_id,omitempty"`
	// Extensions that some codes carry.
	Field   string `json:"field,omitempty"`
	Product string `json:"product,omitempty"`
	Used    *int   `json:"used,omitempty"`
	Total   *int   `json:"total,omitempty"`
}

// Problem codes: stable, relied on by scripts and the CLI's exit codes.
const (
	CodeInvalidField       = "invalid_field"          // 422, R1: Field names the field
	CodeInvalidRequest     = "invalid_request"        // 400: malformed JSON or query
	CodeEmailTaken         = "email_taken"            // 409, R1
	CodeSignupModeOn       = "signup_mode_on"         // 409, R2
	CodeLicenseExhausted   = "license_exhausted"      // 409, R4: Product, Used, Total
	CodeTotalBelowUsed     = "total_below_used"       // 409, R5
	CodeNotFound           = "not_found"              // 404
	CodeSelfDeactivation   = "self_deactivation"      // 409, R9
	CodeLastAdmin          = "last_admin"             // 409, R9
	CodeLicenseRequired    = "license_required"       // 422, R10
	CodeAlreadyActive      = "already_active"         // 409, R10
	CodeInviteNotPending   = "invite_not_pending"     // 409, R6
	CodeInviteInvalid      = "invite_invalid"         // 410, R6: unknown, used or expired link
	CodeEditConflict       = "edit_conflict"          // 412, R8: If-Match did not match
	CodePreconditionNeeded = "precondition_required"  // 428, R8: If-Match missing
	CodeForbidden          = "forbidden"              // 403, R13
	CodeUnauthenticated    = "unauthenticated"        // 401
	CodeIdempotencyReused  = "idempotency_key_reused" // 422: same key, different request
	CodeRateLimited        = "rate_limited"           // 429 with Retry-After
	CodeInternal           = "internal"               // 500
	CodeUnavailable        = "unavailable"            // 503 from /readyz: the database does not answer
	CodeOverloaded         = "overloaded"             // 503 with Retry-After: the server is saturated; the request was not served
	CodeMethodNotAllowed   = "method_not_allowed"     // 405 with Allow
)
