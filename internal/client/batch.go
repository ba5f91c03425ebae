package client

import (
	"context"
	"fmt"
	"net/http"
)

// postBatch sends a batch request (invites, users, a roster) and checks
// that the answer holds one result per row: results counts them in out,
// once decoded. An error is about the whole request.
func (c *Client) postBatch(ctx context.Context, path, scope string, body, out any, rows int, results func() int) error {
	if _, err := c.do(ctx, request{method: http.MethodPost, path: path, body: body, scope: scope, out: out}); err != nil {
		return err
	}
	if n := results(); n != rows {
		return fmt.Errorf("POST %s: %d results for %d rows", path, n, rows)
	}
	return nil
}
