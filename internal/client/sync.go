package client

import (
	"context"
	"fmt"
	"net/http"

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
	if _, err := c.do(ctx, request{method: http.MethodPost, path: "/users/sync", body: req, scope: ScopeUsersWrite, out: &out}); err != nil {
		return out, err
	}
	if len(out.Rows) != len(req.Rows) {
		return out, fmt.Errorf("POST /users/sync: %d results for %d rows", len(out.Rows), len(req.Rows))
	}
	return out, nil
}
