package client

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/wsctl/wsctl/internal/api/schema"
)

// Scopes of API tokens (SPEC §3).
const (
	ScopeUsersRead     = "users:read"
	ScopeUsersWrite    = "users:write"
	ScopeLicensesRead  = "licenses:read"
	ScopeSettingsWrite = "settings:write"
	ScopeMFAReset      = "mfa:reset"
	ScopeAuditRead     = "audit:read"
	ScopeSCIM          = "scim" // SCIM provisioning by an identity provider, nothing of /api/v1
)

// APIScopes are the scopes of /api/v1: what wsctl signs in with.
var APIScopes = []string{ScopeUsersRead, ScopeUsersWrite, ScopeLicensesRead, ScopeSettingsWrite, ScopeMFAReset, ScopeAuditRead}

// AllScopes lists every scope a token can hold: the API's and scim, which
// is given only to a token made for an identity provider. (A function, not
// a variable built at init: wsctl runs no init work of its own at start.)
func AllScopes() []string { return append(slices.Clip(APIScopes), ScopeSCIM) }

// User statuses accepted by ListUsersParams.Status.
const (
	UserStatusActive   = "active"
	UserStatusInactive = "inactive"
	UserStatusAll      = "all"
)

// ListUsersParams filters GET /users. Zero values are left to the server
// (status active, limit 100).
type ListUsersParams struct {
	Status  string
	Role    string
	License string
	Search  string
	Limit   int
	Cursor  string
}

func (p ListUsersParams) query() url.Values {
	q := url.Values{}
	setNonEmpty(q, "status", p.Status)
	setNonEmpty(q, "role", p.Role)
	setNonEmpty(q, "license", p.License)
	setNonEmpty(q, "search", p.Search)
	setLimitCursor(q, p.Limit, p.Cursor)
	return q
}

// ListUsers returns one page of users.
func (c *Client) ListUsers(ctx context.Context, p ListUsersParams) (schema.Page[schema.User], error) {
	var page schema.Page[schema.User]
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/users", query: p.query(), scope: ScopeUsersRead, out: &page})
	return page, err
}

// UserPages yields the users page by page, following next_cursor from p.Cursor.
func (c *Client) UserPages(ctx context.Context, p ListUsersParams) iter.Seq2[[]schema.User, error] {
	return pages(func(cursor string) (schema.Page[schema.User], error) {
		p.Cursor = cursor
		return c.ListUsers(ctx, p)
	}, p.Cursor)
}

// GetUser returns a user by id or email, and its ETag for EditUser.
func (c *Client) GetUser(ctx context.Context, ref string) (schema.User, string, error) {
	var u schema.User
	resp, err := c.do(ctx, request{method: http.MethodGet, path: "/users/" + url.PathEscape(ref), scope: ScopeUsersRead, out: &u})
	if err != nil {
		return u, "", err
	}
	return u, resp.Header.Get("ETag"), nil
}

// EditUser changes a user. etag is the ETag GetUser returned; a user changed
// in between is refused with 412 (code edit_conflict, R8). It returns the new ETag.
func (c *Client) EditUser(ctx context.Context, ref, etag string, edit schema.UserEdit) (schema.User, string, error) {
	var u schema.User
	h := http.Header{}
	if etag != "" {
		h.Set("If-Match", etag)
	}
	resp, err := c.do(ctx, request{method: http.MethodPatch, path: "/users/" + url.PathEscape(ref), body: edit, header: h, scope: ScopeUsersWrite, out: &u})
	if err != nil {
		return u, "", err
	}
	return u, resp.Header.Get("ETag"), nil
}

// Deactivate deactivates a user, releasing their licenses (R9).
func (c *Client) Deactivate(ctx context.Context, ref string) (schema.User, error) {
	var u schema.User
	_, err := c.do(ctx, request{method: http.MethodPost, path: "/users/" + url.PathEscape(ref) + "/deactivate", scope: ScopeUsersWrite, out: &u})
	return u, err
}

// Activate reactivates a user with the given licenses (R10).
func (c *Client) Activate(ctx context.Context, ref string, licenses []string) (schema.User, error) {
	var u schema.User
	_, err := c.do(ctx, request{method: http.MethodPost, path: "/users/" + url.PathEscape(ref) + "/activate",
		body: schema.ActivateRequest{Licenses: nonNil(licenses)}, scope: ScopeUsersWrite, out: &u})
	return u, err
}

// ResetMFA removes a user's MFA enrollment and revokes their sessions (R12).
func (c *Client) ResetMFA(ctx context.Context, ref string) (schema.User, error) {
	var u schema.User
	_, err := c.do(ctx, request{method: http.MethodPost, path: "/users/" + url.PathEscape(ref) + "/mfa-reset", scope: ScopeMFAReset, out: &u})
	return u, err
}

// Unlock lifts what failed sign-ins put on a user: the wait after wrong
// passwords, the lock after wrong MFA codes.
func (c *Client) Unlock(ctx context.Context, ref string) (schema.User, error) {
	var u schema.User
	_, err := c.do(ctx, request{method: http.MethodPost, path: "/users/" + url.PathEscape(ref) + "/unlock", scope: ScopeUsersWrite, out: &u})
	return u, err
}

// Me describes the caller.
func (c *Client) Me(ctx context.Context) (schema.Me, error) {
	var me schema.Me
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/me", out: &me})
	return me, err
}

func setNonEmpty(q url.Values, key, value string) {
	if value != "" {
		q.Set(key, value)
	}
}

func setLimitCursor(q url.Values, limit int, cursor string) {
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	setNonEmpty(q, "cursor", cursor)
}

// nonNil makes an absent list encode as [] rather than null.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
