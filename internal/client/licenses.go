package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/wsctl/wsctl/internal/api/schema"
)

// LicenseAuditParams are the checks of GET /licenses/audit. A day check
// runs when its days are set; PoolsOnly skips the inactive-holder check,
// so that without day checks the audit reads no person and a token with
// licenses:read alone may run it.
type LicenseAuditParams struct {
	MaxUsed         []schema.UsageLimit
	IdleDays        *int
	StaleInviteDays *int
	PoolsOnly       bool
}

func (p LicenseAuditParams) query() url.Values {
	q := url.Values{}
	for _, l := range p.MaxUsed {
		q.Add("max_used", l.String())
	}
	if p.IdleDays != nil {
		q.Set("idle_days", strconv.Itoa(*p.IdleDays))
	}
	if p.StaleInviteDays != nil {
		q.Set("stale_invite_days", strconv.Itoa(*p.StaleInviteDays))
	}
	if p.PoolsOnly {
		q.Set("inactive_holders", "false")
	}
	return q
}

// AuditLicenses runs a license audit: the findings, the pools and the
// checks run, as the server decided them.
func (c *Client) AuditLicenses(ctx context.Context, p LicenseAuditParams) (schema.LicenseAudit, error) {
	var out schema.LicenseAudit
	// Named in a forbidden error as what to ask for ('--scope' takes it as is).
	scope := ScopeLicensesRead + "," + ScopeUsersRead
	if p.PoolsOnly && p.IdleDays == nil && p.StaleInviteDays == nil {
		scope = ScopeLicensesRead
	}
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/licenses/audit", query: p.query(), scope: scope, out: &out})
	return out, err
}
