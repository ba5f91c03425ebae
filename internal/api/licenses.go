package api

import (
	"net/http"

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
