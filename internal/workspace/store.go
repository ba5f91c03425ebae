package workspace

import (
	"context"
	"time"
)

// Store persists the domain. Update runs fn in one write transaction: every
// change and its audit event commit together or not at all (R14). Inside
// Update, LockPools must hold a lock that serializes license claims of the
// org until commit (R4).
type Store interface {
	Update(ctx context.Context, fn func(Tx) error) error
	View(ctx context.Context, fn func(Tx) error) error
	Ping(ctx context.Context) error
	Close() error
}

// Tx is what the domain may do inside a transaction. Lookups that find
// nothing return a *NotFoundError.
type Tx interface {
	// Orgs and pools.
	CreateOrg(ctx context.Context, org Org, pools []LicensePool) error
	OrgBySlug(ctx context.Context, slug string) (Org, error)
	OrgByID(ctx context.Context, id string) (Org, error)
	SetAutoSignup(ctx context.Context, orgID string, on bool) error
	// LockPools locks the org's pools until the transaction ends and returns
	// them with Assigned and Reserved counted from the rows as of now.
	LockPools(ctx context.Context, orgID string, now time.Time) ([]LicensePool, error)
	// PoolsForInvite is LockPools for a change that creates one invite
	// reserving products (one license each) and reads the pools once: a store may
	// instead read them unlocked and check at commit that the pools stay
	// clear of full, deciding the change again under LockPools when the
	// check fails (PostgreSQL does, so that concurrent invites into one
	// org do not queue on its pool rows).
	PoolsForInvite(ctx context.Context, orgID string, products []string, now time.Time) ([]LicensePool, error)
	// Pools is LockPools without the lock, for reading.
	Pools(ctx context.Context, orgID string, now time.Time) ([]LicensePool, error)
	SetPoolTotal(ctx context.Context, orgID, product string, total int) error

	// Users. UpdateUser writes u if its stored version is u.Version-1; an
	// email another user of the org has is an *EmailTakenError.
	InsertUser(ctx context.Context, u User) error
	UpdateUser(ctx context.Context, u User) error
	UserByID(ctx context.Context, orgID, id string) (User, error)
	UserByEmail(ctx context.Context, orgID, email string) (User, error)
	ListUsers(ctx context.Context, orgID string, f UserFilter) ([]User, error)
	// ProvisionedUsers lists the org's users that are not deprovisioned
	// and match f, by id (their order of creation); CountProvisionedUsers
	// counts them all, ignoring f's Offset and Limit (SCIM's totalResults).
	ProvisionedUsers(ctx context.Context, orgID string, f ProvisionFilter) ([]User, error)
	CountProvisionedUsers(ctx context.Context, orgID string, f ProvisionFilter) (int, error)
	// CountActiveAdmins counts the org's active admins; in a write
	// transaction it first locks the org, so two admins removing each other
	// at once cannot both see the other one still there (R9).
	CountActiveAdmins(ctx context.Context, orgID string) (int, error)

	// Invites.
	InsertInvite(ctx context.Context, inv Invite) error
	// UpdateInvite writes the invite's name, roles, licenses, status, link
	// and expiry.
	UpdateInvite(ctx context.Context, inv Invite) error
	InviteByID(ctx context.Context, orgID, id string) (Invite, error)
	// PendingInviteByEmail finds the newest invite of the email whose status is pending.
	PendingInviteByEmail(ctx context.Context, orgID, email string) (Invite, error)
	InviteByTokenHash(ctx context.Context, hash string) (Invite, error)
	InviteByIdempotencyKey(ctx context.Context, orgID, key string) (Invite, error)
	ListInvites(ctx context.Context, orgID string, f InviteFilter) ([]Invite, error)

	// Batches of invites (issue 4, InviteBatch): one statement for many
	// rows, so that a bulk import costs a few statements per batch rather
	// than several per row. Emails are compared normalized (lower case).
	//
	// InvitesByIdempotencyKeys returns the org's invites holding any of keys.
	InvitesByIdempotencyKeys(ctx context.Context, orgID string, keys []string) ([]Invite, error)
	// UserEmailsAmong returns which of the normalized emails belong to users of the org.
	UserEmailsAmong(ctx context.Context, orgID string, emails []string) ([]string, error)
	// PendingInvitesByEmails returns the org's invites whose stored status is
	// pending and whose normalized email is among emails.
	PendingInvitesByEmails(ctx context.Context, orgID string, emails []string) ([]Invite, error)
	// InsertInvites inserts invites and their licenses, as InsertInvite does one.
	InsertInvites(ctx context.Context, invs []Invite) error
	// InsertAudits appends audit events. The domain writes them only in
	// Service.decide (change.go), from what the change recorded, so that no
	// change can forget its event (R14).
	InsertAudits(ctx context.Context, events []AuditEvent) error

	// Tokens.
	InsertToken(ctx context.Context, t APIToken) error
	// TokenHolder is TokenByHash and the token's user (without licenses),
	// read together.
	TokenHolder(ctx context.Context, hash string) (APIToken, User, error)
	TokenByHash(ctx context.Context, hash string) (APIToken, error)
	TokenByID(ctx context.Context, orgID, id string) (APIToken, error)
	TokenByIdempotencyKey(ctx context.Context, orgID, userID, key string) (APIToken, error)
	ListTokens(ctx context.Context, orgID string) ([]APIToken, error)
	RevokeToken(ctx context.Context, orgID, id string, at time.Time) error
	// TouchToken records the time a token was last used.
	TouchToken(ctx context.Context, id string, at time.Time) error
	// RevokeUserTokens revokes every API token of the user (R9).
	RevokeUserTokens(ctx context.Context, orgID, userID string, at time.Time) error
	// RevokeUserSessions ends every browser session and revokes every OAuth
	// access and refresh token of the user (R9, R12).
	RevokeUserSessions(ctx context.Context, orgID, userID string, at time.Time) error

	// Audit and outbox.
	ListAudit(ctx context.Context, orgID string, f AuditFilter) ([]AuditEvent, error)
	// InsertOutbox queues emails (many rows per statement where the store
	// can). A message's LinkToken is kept sealed (internal/secrets).
	InsertOutbox(ctx context.Context, msgs ...OutboxMessage) error
	ListOutbox(ctx context.Context, orgID string) ([]OutboxMessage, error)

	// Outbox delivery (issue 5, internal/mail). Several workers, in one
	// process or several sharing the database, deliver the outbox; a lease
	// keeps them from sending one message at once. ClaimOutbox leases up
	// to limit pending messages due at now (NextAttemptAt <= now, and no
	// lease, or one expired) to owner until leaseUntil in one conditional
	// write (PostgreSQL skips rows other claimers hold: FOR UPDATE SKIP
	// LOCKED), counts the attempt, and returns them. A lease that expires
	// makes the message due again: delivery is at least once. The Mark
	// methods end owner's lease; MarkOutboxSent records a delivery even if
	// the lease was lost meanwhile, since the message did go out; the others
	// change nothing then (NotFoundError) because another worker holds it.
	// MarkOutboxSent and MarkOutboxFailed forget the message's LinkToken: a
	// link sent, or given up on, has no reason to stay in the database.
	ClaimOutbox(ctx context.Context, owner string, now, leaseUntil time.Time, limit int) ([]OutboxMessage, error)
	MarkOutboxSent(ctx context.Context, id string, at time.Time) error
	MarkOutboxRetry(ctx context.Context, id, owner, lastError string, next time.Time) error
	MarkOutboxFailed(ctx context.Context, id, owner, lastError string) error
	// CancelInviteEmails cancels the invite's emails that are pending and
	// not leased at now, with why as their last error, and forgets their
	// LinkToken. One a worker is sending (leased) still goes: delivery is at
	// least once.
	CancelInviteEmails(ctx context.Context, inviteID, why string, now time.Time) error

	// Sign-in (issue 3, accounts*.go): local credentials, failed-attempt
	// counting for lockout, browser sessions of the sign-in pages, and the
	// org's upstream identity provider.
	Credentials(ctx context.Context, orgID, userID string) (Credentials, error)
	// PutCredentials inserts or replaces the user's credentials, the TOTP
	// secret sealed (internal/secrets).
	PutCredentials(ctx context.Context, c Credentials) error
	// DeleteTOTP removes the user's TOTP secret, pending or confirmed (R12);
	// a user without credentials is no error.
	DeleteTOTP(ctx context.Context, orgID, userID string) error
	// UseTOTPStep records step as the user's last accepted TOTP step if it is
	// later than the stored one, in one conditional write; false means the
	// step was already used (a replayed code), under any concurrency.
	UseTOTPStep(ctx context.Context, orgID, userID string, step int64) (bool, error)
	// SetLastSignIn records a completed sign-in without changing the user's version.
	SetLastSignIn(ctx context.Context, orgID, userID string, at time.Time) error
	SignInFailures(ctx context.Context, orgID, email string) (SignInFailures, error)
	// RecordSignInFailure counts one failed attempt in one atomic write: a
	// count whose window started before windowStart starts again at 1.
	RecordSignInFailure(ctx context.Context, orgID, email string, at, windowStart time.Time) (SignInFailures, error)
	LockSignIn(ctx context.Context, orgID, email string, until time.Time) error
	ClearSignInFailures(ctx context.Context, orgID, email string) error
	// CountSignInAttempt counts one password attempt of the account from
	// client (or '*', every client) in one atomic write, a count whose
	// window started before windowStart starting again at 1, and returns
	// the row as it stands after it.
	CountSignInAttempt(ctx context.Context, orgID, email, client string, at, windowStart time.Time) (SignInThrottle, error)
	BlockSignIn(ctx context.Context, orgID, email, client string, until time.Time) error
	// SignInSucceededFrom clears client's count and marks it as one the
	// account signed in from.
	SignInSucceededFrom(ctx context.Context, orgID, email, client string, at time.Time) error
	// ClearSignInThrottle forgets every count and block of the account.
	ClearSignInThrottle(ctx context.Context, orgID, email string) error
	InsertBrowserSession(ctx context.Context, s BrowserSession) error
	BrowserSessionByHash(ctx context.Context, idHash string) (BrowserSession, error)
	// UpdateBrowserSession writes the session's user, MFA state and flow,
	// the flow sealed: it may hold a sign-up's password hash and TOTP secret.
	UpdateBrowserSession(ctx context.Context, s BrowserSession) error
	// EndBrowserSession ends the session and forgets its flow, as
	// RevokeUserSessions does for the sessions it ends.
	EndBrowserSession(ctx context.Context, idHash string, at time.Time) error
	DeleteBrowserSessionsExpiredBefore(ctx context.Context, before time.Time) error
	IdentityProvider(ctx context.Context, orgID string) (IdentityProvider, error)
	// PutIdentityProvider inserts or replaces the org's provider, its
	// client secret sealed.
	PutIdentityProvider(ctx context.Context, p IdentityProvider) error
	DeleteIdentityProvider(ctx context.Context, orgID string) error
	// UpstreamSubject is the provider account (subject at issuer) the user
	// is bound to; a *NotFoundError when none yet.
	UpstreamSubject(ctx context.Context, orgID, userID, issuer string) (string, error)
	// UpstreamUser is the id of the user bound to the provider account
	// (subject at issuer); a *NotFoundError when nobody is.
	UpstreamUser(ctx context.Context, orgID, issuer, subject string) (string, error)
	// LinkUpstream binds the user to the provider account; false when that
	// account is bound to another user of the org already.
	LinkUpstream(ctx context.Context, orgID, userID, issuer, subject string, at time.Time) (bool, error)
}

// UserStatus selects users by their active flag (R11).
type UserStatus string

// User statuses for listing.
const (
	UsersActive   UserStatus = "active"
	UsersInactive UserStatus = "inactive"
	UsersAll      UserStatus = "all"
)

// UserFilter selects users, ordered by email. After is the email to continue after.
type UserFilter struct {
	Status  UserStatus
	Role    Role
	License string
	Search  string // substring of name or email, case-insensitive
	After   string
	Limit   int
}

// InviteFilter selects invites, ordered by id. After is the id to continue after.
// Status "" means every status; the store compares stored statuses, so expiry
// (StatusAt) is applied by the domain.
type InviteFilter struct {
	Status InviteStatus
	Now    time.Time
	After  string
	Limit  int
}

// AuditFilter selects audit events, newest first. Before is the id to continue before.
type AuditFilter struct {
	Since  time.Time
	Actor  string
	Action string
	Before string
	Limit  int
}
