package client

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"time"

	"github.com/wsctl/wsctl/internal/api/schema"
)

// Licenses returns the org's license pools, one per product.
func (c *Client) Licenses(ctx context.Context) ([]schema.LicensePool, error) {
	var page schema.Page[schema.LicensePool]
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/licenses", scope: ScopeLicensesRead, out: &page})
	return page.Items, err
}

// SignupMode returns the org's automatic sign-up setting.
func (c *Client) SignupMode(ctx context.Context) (schema.SignupMode, error) {
	var m schema.SignupMode
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/settings/signup-mode", scope: ScopeUsersRead, out: &m})
	return m, err
}

// SetSignupMode turns automatic sign-up on or off (R2, R3).
func (c *Client) SetSignupMode(ctx context.Context, autoSignup bool) (schema.SignupMode, error) {
	var m schema.SignupMode
	_, err := c.do(ctx, request{method: http.MethodPut, path: "/settings/signup-mode",
		body: schema.SignupMode{AutoSignup: autoSignup}, scope: ScopeSettingsWrite, out: &m})
	return m, err
}

// AuditParams filters GET /audit (newest first).
type AuditParams struct {
	Since  time.Time
	Actor  string
	Action string
	Limit  int
	Cursor string
}

// Audit returns one page of audit events, newest first.
func (c *Client) Audit(ctx context.Context, p AuditParams) (schema.Page[schema.AuditEvent], error) {
	q := url.Values{}
	if !p.Since.IsZero() {
		q.Set("since", p.Since.UTC().Format(time.RFC3339))
	}
	setNonEmpty(q, "actor", p.Actor)
	setNonEmpty(q, "action", p.Action)
	setLimitCursor(q, p.Limit, p.Cursor)
	var page schema.Page[schema.AuditEvent]
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/audit", query: q, scope: ScopeAuditRead, out: &page})
	return page, err
}

// AuditPages yields audit events page by page, following next_cursor.
func (c *Client) AuditPages(ctx context.Context, p AuditParams) iter.Seq2[[]schema.AuditEvent, error] {
	return pages(func(cursor string) (schema.Page[schema.AuditEvent], error) {
		p.Cursor = cursor
		return c.Audit(ctx, p)
	}, p.Cursor)
}

// ListTokens returns the API tokens visible to the caller.
func (c *Client) ListTokens(ctx context.Context) ([]schema.Token, error) {
	var all []schema.Token
	for items, err := range pages(func(cursor string) (schema.Page[schema.Token], error) {
		q := url.Values{}
		setNonEmpty(q, "cursor", cursor)
		var page schema.Page[schema.Token]
		_, err := c.do(ctx, request{method: http.MethodGet, path: "/tokens", query: q, out: &page})
		return page, err
	}, "") {
		if err != nil {
			return all, err
		}
		all = append(all, items...)
	}
	return all, nil
}

// CreateToken creates an API token; the answer holds the secret, shown once.
func (c *Client) CreateToken(ctx context.Context, req schema.TokenRequest, idempotencyKey string) (schema.TokenCreated, error) {
	h := http.Header{}
	if idempotencyKey != "" {
		h.Set(schema.HeaderIdempotencyKey, idempotencyKey)
	}
	req.Scopes = nonNil(req.Scopes)
	var t schema.TokenCreated
	_, err := c.do(ctx, request{method: http.MethodPost, path: "/tokens", body: req, header: h, out: &t})
	return t, err
}

// RevokeToken revokes an API token by id.
func (c *Client) RevokeToken(ctx context.Context, id string) error {
	_, err := c.do(ctx, request{method: http.MethodDelete, path: "/tokens/" + url.PathEscape(id)})
	return err
}
