package client

import (
	"context"

	"github.com/wsctl/wsctl/internal/api/schema"
)

// UserBatch applies one action to many users in one request (POST
// /users/batch), a dry run (the server's plan: every row decided as now,
// nothing kept) or not, and returns the whole answer: one result per row,
// in order, and the license pools as the batch leaves them. An error is
// about the whole request (the rows' own failures are results).
//
// The rows are sent as given: for edit, a nil list is a field left
// unchanged and an empty one replaces the user's with none.
func (c *Client) UserBatch(ctx context.Context, req schema.UserBatchRequest) (schema.UserBatchResponse, error) {
	scope := ScopeUsersWrite
	if req.Action == schema.UserActionMFAReset {
		scope = ScopeMFAReset
	}
	var out schema.UserBatchResponse
	err := c.postBatch(ctx, "/users/batch", scope, req, &out, len(req.Users), func() int { return len(out.Results) })
	return out, err
}
