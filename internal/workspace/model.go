package workspace

import (
	"slices"
	"strings"
	"time"
)

// Role is what a user may do in an org.
type Role string

// The roles of SPEC §1.
const (
	RoleAdmin   Role = "admin"
	RoleManager Role = "manager"
	RoleUser    Role = "user"
)

// Roles lists every role, in the order people read them.
var Roles = []Role{RoleAdmin, RoleManager, RoleUser}

// Org is a tenant. Every other row belongs to exactly one org.
type Org struct {
	ID         string
	Slug       string
	Name       string
	AutoSignup bool // R2/R7: users may sign up on their own; on for a new org
	CreatedAt  time.Time
}

// Product is a licensable product of the catalog.
type Product struct {
	Key  string
	Name string
}

// DefaultCatalog is the product catalog of a new org (SPEC §1).
var DefaultCatalog = []Product{
	{Key: "parallel-dialer", Name: "AI Parallel Dialer"},
	{Key: "agent-dialer", Name: "Agent-Assisted Dialer"},
	{Key: "flow", Name: "Sales Flow"},
}

// DefaultLicensesPerProduct is the size of each pool of a new org (R5).
const DefaultLicensesPerProduct = 3

// LicensePool is one product's licenses in an org. Assigned and Reserved are
// counted from user and pending-invite rows, never kept as counters.
type LicensePool struct {
	Product  string
	Name     string
	Total    int
	Assigned int // held by users
	Reserved int // held by pending, unexpired invites (R4)
}

// Used is what is taken from the pool.
func (p LicensePool) Used() int { return p.Assigned + p.Reserved }

// Available is what can still be assigned or reserved.
func (p LicensePool) Available() int { return max(p.Total-p.Used(), 0) }

// User is a member of an org.
type User struct {
	ID            string
	OrgID         string
	Name          string
	Email         string
	Roles         []Role
	Licenses      []string // product keys
	Active        bool
	CallRecording bool
	MFAEnrolled   bool
	CreatedAt     time.Time
	UpdatedAt     time.Time
	LastSignInAt  *time.Time
	// Version grows by one with every change; it is the ETag of R8.
	Version int

	// What an identity provider keeps of the person through SCIM
	// (provisioning.go): its own id for them, and the name's parts as it
	// sent them (Name is what they make together).
	ExternalID, GivenName, FamilyName string
	// DeprovisionedAt is when the identity provider deleted the person:
	// inactive since, and gone for SCIM (404), still listed by wsctl.
	DeprovisionedAt *time.Time
}

// HasRole reports whether the user holds r.
func (u User) HasRole(r Role) bool { return slices.Contains(u.Roles, r) }

// isActiveAdmin is whether u can sign in as an admin now.
func (u User) isActiveAdmin() bool { return u.Active && u.HasRole(RoleAdmin) }

// CanSignIn is the one rule of who may sign in, hold a session or use a
// token: an active user (R9, R10). It is ErrUserDeactivated otherwise.
// Every sign-in, session and token check asks it, so the rule changes here.
func (u User) CanSignIn() error {
	if !u.Active {
		return ErrUserDeactivated
	}
	return nil
}

// InviteStatus is where an invite is in its life.
type InviteStatus string

// Invite statuses (SPEC §1).
const (
	InvitePending  InviteStatus = "pending"
	InviteAccepted InviteStatus = "accepted"
	InviteRevoked  InviteStatus = "revoked"
	InviteExpired  InviteStatus = "expired"
)

// InviteTTL is how long a signup link stays valid (SPEC §1).
const InviteTTL = 7 * 24 * time.Hour

// Invite is a person invited to join an org, holding a reservation of its
// licenses while pending (R4).
type Invite struct {
	ID             string
	OrgID          string
	Name           string
	Email          string
	Roles          []Role
	Licenses       []string
	Status         InviteStatus
	TokenHash      string // sha256 of the signup link's token; the token itself is never stored
	IdempotencyKey string
	InvitedBy      string // user id, or "" for the operator
	ExpiresAt      time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// StatusAt is the invite's status at time now: a pending invite past its
// expiry is expired, and holds no licenses any more.
func (i Invite) StatusAt(now time.Time) InviteStatus {
	if i.Status == InvitePending && !now.Before(i.ExpiresAt) {
		return InviteExpired
	}
	return i.Status
}

// AuditEvent is an append-only record of a change (R14).
type AuditEvent struct {
	ID        string
	OrgID     string
	At        time.Time
	Actor     string // email of the person, or "operator"
	Action    string
	Target    string
	Before    []byte // JSON, or nil
	After     []byte // JSON, or nil
	RequestID string
}

// OutboxMessage is an email waiting to be sent, written in the same
// transaction as the change that causes it. The delivery fields are the
// mail worker's (internal/mail): they say where the message is in its life.
type OutboxMessage struct {
	ID        string
	OrgID     string
	To        string
	Subject   string
	Text      string
	HTML      string
	CreatedAt time.Time
	// InviteID is the invite whose link the message carries, or "": a
	// resend or a revocation of the invite cancels the message if it has
	// not gone out yet.
	InviteID string
	// LinkToken is the secret of the sign-up link, kept apart from the
	// bodies, which hold LinkTokenPlaceholder in its place (Rendered puts
	// it back): the store keeps it sealed, and forgets it once the message
	// is sent, failed or cancelled, so the database never holds a working
	// link longer than it must. "" once forgotten, and for other emails.
	LinkToken string

	Status        OutboxStatus
	Attempts      int    // deliveries started, including one cut short by a crash
	LastError     string // of the last failed attempt
	NextAttemptAt time.Time
	SentAt        *time.Time
}

// OutboxStatus is where an outbox message is in its life.
type OutboxStatus string

// Outbox statuses: pending until delivered (sent), given up (failed), or
// cancelled before it went out because its link stopped working (the
// invite was resent or revoked).
const (
	OutboxPending   OutboxStatus = "pending"
	OutboxSent      OutboxStatus = "sent"
	OutboxFailed    OutboxStatus = "failed"
	OutboxCancelled OutboxStatus = "cancelled"
)

// normalizeEmail is the form emails are compared in: case-insensitive (SPEC §1).
func normalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }
