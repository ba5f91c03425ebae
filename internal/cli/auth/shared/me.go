package shared

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/client"
)

// WhoAmI asks host who token belongs to (GET /api/v1/me).
func WhoAmI(ctx context.Context, hc *http.Client, host, token, userAgent string) (schema.Me, error) {
	c := client.New(host, token, hc)
	if userAgent != "" {
		c.UserAgent = userAgent
	}
	return c.Me(ctx)
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
