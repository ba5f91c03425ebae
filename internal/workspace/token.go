package workspace

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"slices"
	"strings"
	"time"
)

// Scope limits what a token may do (SPEC §3, R13).
type Scope string

// The scopes of SPEC §3.
const (
	ScopeUsersRead     Scope = "users:read"
	ScopeUsersWrite    Scope = "users:write"
	ScopeLicensesRead  Scope = "licenses:read"
	ScopeSettingsWrite Scope = "settings:write"
	ScopeMFAReset      Scope = "mfa:reset"
	ScopeAuditRead     Scope = "audit:read"
	// ScopeSCIM is an identity provider's provisioning through /scim/v2
	// (SCIM 2.0, issue 10), and nothing of /api/v1.
	ScopeSCIM Scope = "scim"
)

// APIScopes are the scopes of /api/v1. The first admin's token holds them
// all, and so does a sign-in of wsctl; scim is not among them, so that no
// token provisions users unless it was made for that (see scimImpliedBy).
var APIScopes = []Scope{ScopeUsersRead, ScopeUsersWrite, ScopeLicensesRead, ScopeSettingsWrite, ScopeMFAReset, ScopeAuditRead}

// AllScopes is every scope a token can hold.
var AllScopes = append(slices.Clip(APIScopes), ScopeSCIM)

// scimImpliedBy are the scopes whose holder may create a token with the
// scim scope without holding it: SCIM reads and changes users, which
// these scopes allow already, so such a token is no wider than its maker.
var scimImpliedBy = []Scope{ScopeUsersRead, ScopeUsersWrite}

// ParseScopes checks names against the known scopes.
func ParseScopes(names []string) ([]Scope, error) {
	var out []Scope
	for _, n := range names {
		s := Scope(strings.TrimSpace(n))
		if !slices.Contains(AllScopes, s) {
			return nil, &ValidationError{Field: "scopes", Reason: "unknown scope " + quote(n) + " (known: " + joinScopes(AllScopes) + ")"}
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, &ValidationError{Field: "scopes", Reason: "at least one scope is needed (known: " + joinScopes(AllScopes) + ")"}
	}
	return out, nil
}

func joinScopes(ss []Scope) string {
	names := make([]string, len(ss))
	for i, s := range ss {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}

// APIToken is a bearer token bound to one user of one org and a set of scopes
// (R13). Only a hash of its secret is stored.
type APIToken struct {
	ID             string
	OrgID          string
	UserID         string
	UserEmail      string
	Name           string
	Scopes         []Scope
	Hash           string
	IdempotencyKey string
	CreatedAt      time.Time
	LastUsedAt     *time.Time
	RevokedAt      *time.Time
	ExpiresAt      *time.Time // nil: does not expire
}

// ExpiredAt is whether the token has expired by now.
func (t APIToken) ExpiredAt(now time.Time) bool {
	return t.ExpiresAt != nil && !now.Before(*t.ExpiresAt)
}

// tokenPrefix marks workspaced API tokens so secret scanners can find leaked ones.
const tokenPrefix = "wsp_"

// newSecret returns a random secret with the given prefix and its hash.
func newSecret(prefix string) (secret, hash string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	secret = prefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, HashSecret(secret)
}

// HashSecret is how token and link secrets are kept at rest: they are 256-bit
// random values, so a plain SHA-256 is enough (no password stretching needed).
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// Principal is who is calling: a user of an org through a token, or the
// operator running workspaced's own commands.
type Principal struct {
	OrgID     string
	UserID    string
	Email     string
	Roles     []Role
	Scopes    []Scope
	TokenID   string
	RequestID string
	operator  bool
}

// Operator is the principal of `workspaced` operator commands: it may do
// anything in any org it names.
func Operator(orgID string) Principal {
	return Principal{OrgID: orgID, Email: "operator", Roles: []Role{RoleAdmin}, Scopes: AllScopes, operator: true}
}

// IsOperator reports whether p is the operator.
func (p Principal) IsOperator() bool { return p.operator }

func (p Principal) hasScope(s Scope) bool { return slices.Contains(p.Scopes, s) }

// mayGrant reports whether p may give a token scope s: p holds it, or s is
// scim and p holds what scim implies (R13: no token wider than its maker).
func (p Principal) mayGrant(s Scope) bool {
	if s == ScopeSCIM {
		return !slices.ContainsFunc(scimImpliedBy, func(need Scope) bool { return !p.hasScope(need) })
	}
	return p.hasScope(s)
}

// mayMakeAdmin checks R13 for a change that leaves someone an active admin
// who was not one before (had): an admin signs in with every scope of the
// API, so a token that lacks one of them would make a principal that can
// do more than itself. The operator may; an admin's own sign-in holds them
// all; an API token or SCIM needs to have been given them all.
func (p Principal) mayMakeAdmin(had, will bool) error {
	if had || !will || p.operator {
		return nil
	}
	var missing []Scope
	for _, s := range APIScopes {
		if !p.hasScope(s) {
			missing = append(missing, s)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return &ForbiddenError{Reason: "only a token holding every scope an admin has can make someone an admin; this one lacks " +
		joinScopes(missing) + " (ask an admin to do it from a full sign-in, 'wsctl auth login')", Scope: string(missing[0])}
}

func (p Principal) isAdmin() bool { return p.operator || slices.Contains(p.Roles, RoleAdmin) }

// requireScope checks R13 for what any member may do: the token holds the scope.
func (p Principal) requireScope(s Scope) error {
	if !p.hasScope(s) {
		return &ForbiddenError{Reason: "this token lacks the " + string(s) + " scope", Scope: string(s)}
	}
	return nil
}

// requireAdmin checks R13 for what only admins may do: the scope, and the admin role.
func (p Principal) requireAdmin(s Scope) error {
	if err := p.requireScope(s); err != nil {
		return err
	}
	if !p.isAdmin() {
		return &ForbiddenError{Reason: "only admins can do this; you are " + rolesText(p.Roles)}
	}
	return nil
}

func rolesText(rs []Role) string {
	if len(rs) == 0 {
		return "no role"
	}
	names := make([]string, len(rs))
	for i, r := range rs {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}

// actor is how p appears in audit events.
func (p Principal) actor() string {
	if p.Email == "" {
		return "operator"
	}
	return p.Email
}
