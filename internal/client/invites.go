package client

import (
	"context"
	"iter"
	"net/http"
	"net/url"

	"github.com/wsctl/wsctl/internal/api/schema"
)

// Invite statuses accepted by ListInvitesParams.Status.
var InviteStatuses = []string{"pending", "accepted", "revoked", "expired", "all"}

// ListInvitesParams filters GET /invites (status default pending).
type ListInvitesParams struct {
	Status string
	Limit  int
	Cursor string
}

// ListInvites returns one page of invites.
func (c *Client) ListInvites(ctx context.Context, p ListInvitesParams) (schema.Page[schema.Invite], error) {
	q := url.Values{}
	setNonEmpty(q, "status", p.Status)
	setLimitCursor(q, p.Limit, p.Cursor)
	var page schema.Page[schema.Invite]
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/invites", query: q, scope: ScopeUsersRead, out: &page})
	return page, err
}

// InvitePages yields the invites page by page, following next_cursor.
func (c *Client) InvitePages(ctx context.Context, p ListInvitesParams) iter.Seq2[[]schema.Invite, error] {
	return pages(func(cursor string) (schema.Page[schema.Invite], error) {
		p.Cursor = cursor
		return c.ListInvites(ctx, p)
	}, p.Cursor)
}

// Invite creates an invite. A non-empty idempotencyKey makes a repeat of the
// same request return the first answer; replayed reports that case.
func (c *Client) Invite(ctx context.Context, req schema.InviteRequest, idempotencyKey string) (inv schema.Invite, replayed bool, err error) {
	h := http.Header{}
	if idempotencyKey != "" {
		h.Set(schema.HeaderIdempotencyKey, idempotencyKey)
	}
	req.Roles, req.Licenses = nonNil(req.Roles), nonNil(req.Licenses)
	resp, err := c.do(ctx, request{method: http.MethodPost, path: "/invites", body: req, header: h, scope: ScopeUsersWrite, out: &inv})
	if err != nil {
		return inv, false, err
	}
	return inv, resp.Header.Get(schema.HeaderIdempotentReplay) == "true", nil
}

// ResendInvite sends a pending invite's email again ({invite} = id or email).
func (c *Client) ResendInvite(ctx context.Context, ref string) (schema.Invite, error) {
	var inv schema.Invite
	_, err := c.do(ctx, request{method: http.MethodPost, path: "/invites/" + url.PathEscape(ref) + "/resend", scope: ScopeUsersWrite, out: &inv})
	return inv, err
}

// RevokeInvite revokes a pending invite, freeing its reserved licenses (R6).
func (c *Client) RevokeInvite(ctx context.Context, ref string) (schema.Invite, error) {
	var inv schema.Invite
	_, err := c.do(ctx, request{method: http.MethodPost, path: "/invites/" + url.PathEscape(ref) + "/revoke", scope: ScopeUsersWrite, out: &inv})
	return inv, err
}

// AcceptInvite completes a signup from an invite link (no auth: the invite
// token is the credential).
func (c *Client) AcceptInvite(ctx context.Context, req schema.AcceptInviteRequest) (schema.User, error) {
	var u schema.User
	_, err := c.do(ctx, request{method: http.MethodPost, path: "/invites/accept", body: req, out: &u})
	return u, err
}

// InviteBatch creates many invites in one request (POST /invites/batch):
// one result per row, in order, each row idempotent by its own key. An
// error is about the whole request (the rows' own failures are results).
func (c *Client) InviteBatch(ctx context.Context, items []schema.InviteBatchItem) ([]schema.InviteBatchResult, error) {
	out, err := c.SendInviteBatch(ctx, schema.InviteBatchRequest{Invites: items})
	return out.Results, err
}

// SendInviteBatch sends a whole batch request, a dry run (the server's plan:
// every row decided as now, nothing kept) or not, and returns the whole
// answer: the results and the license pools as the batch leaves them.
func (c *Client) SendInviteBatch(ctx context.Context, req schema.InviteBatchRequest) (schema.InviteBatchResponse, error) {
	for i := range req.Invites {
		req.Invites[i].Roles, req.Invites[i].Licenses = nonNil(req.Invites[i].Roles), nonNil(req.Invites[i].Licenses)
	}
	var out schema.InviteBatchResponse
	err := c.postBatch(ctx, "/invites/batch", ScopeUsersWrite, req, &out, len(req.Invites), func() int { return len(out.Results) })
	return out, err
}
