package api

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/workspace"
)

// GET /api/v1/licenses: every pool on one page (R4, R5).
func (s *server) listLicensePools(w http.ResponseWriter, r *http.Request, p workspace.Principal) error {
	pools, err := s.svc.Pools(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, schema.Page[schema.LicensePool]{Items: mapList(pools, poolJSON)})
	return nil
}

// GET /api/v1/licenses/audit: the license audit of a CI job ('wsctl
// licenses audit'); the domain decides every finding.
func (s *server) auditLicenses(w http.ResponseWriter, r *http.Request, p workspace.Principal) error {
	in, err := licenseAuditInput(r.URL.Query())
	if err != nil {
		return err
	}
	audit, err := s.svc.AuditLicenses(r.Context(), p, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, licenseAuditJSON(audit))
	return nil
}

// licenseAuditInput reads the audit's query: max_used (repeated), the
// day counts, and inactive_holders (true unless false).
func licenseAuditInput(q url.Values) (in workspace.LicenseAuditInput, err error) {
	for _, v := range q["max_used"] {
		l, err := schema.ParseUsageLimit(v)
		if err != nil {
			return in, badRequest("max_used: %v", err)
		}
		in.MaxUsed = append(in.MaxUsed, workspace.UsageLimit{Product: l.Product, Percent: l.Percent})
	}
	if in.IdleDays, err = daysParam(q, "idle_days"); err != nil {
		return in, err
	}
	if in.StaleInviteDays, err = daysParam(q, "stale_invite_days"); err != nil {
		return in, err
	}
	inactive, err := oneOf(q, "inactive_holders", "true", "true", "false")
	in.InactiveHolders = inactive == "true"
	return in, err
}

// daysParam reads a whole number of days; nil when absent (the domain
// checks the range).
func daysParam(q url.Values, name string) (*int, error) {
	v := q.Get(name)
	if v == "" {
		return nil, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return nil, badRequest("%s must be a whole number of days, not %q", name, v)
	}
	return &n, nil
}
