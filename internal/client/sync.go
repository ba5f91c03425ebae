package client

import (
	"context"

	"github.com/wsctl/wsctl/internal/api/schema"
)

// SyncUsers makes the workspace equal to a roster (POST /users/sync), in
// one transaction on the server, or with req.DryRun returns the server's
// plan. An error is about the whole request; the rows' own outcomes, and
// the people missing from the roster, are in the answer.
func (c *Client) SyncUsers(ctx context.Context, req schema.SyncRequest) (schema.SyncResponse, error) {
	for i := range req.Rows {
		req.Rows[i].Roles, req.Rows[i].Licenses = nonNil(req.Rows[i].Roles), nonNil(req.Rows[i].Licenses)
	}
	var out schema.SyncResponse
	err := c.postBatch(ctx, "/users/sync", ScopeUsersWrite, req, &out, len(req.Rows), func() int { return len(out.Rows) })
	return out, err
}
