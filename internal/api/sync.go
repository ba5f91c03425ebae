package api

import (
	"net/http"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/workspace"
)

// POST /api/v1/users/sync: make the workspace equal to a roster, in one
// transaction (`wsctl users sync --csv ROSTER`). 200 whatever the rows'
// outcomes; a problem answer is about the whole request (auth, malformed
// body, no rows or too many).
func (s *server) syncUsers(w http.ResponseWriter, r *http.Request, p workspace.Principal) error {
	var in schema.SyncRequest
	// A roster is always a whole file, applied or not: the body may be as
	// large as a plan's.
	if err := s.decodeBatch(w, r, &in, wholeFile); err != nil {
		return err
	}
	// A roster is decided whole, so it may hold as many rows as a plan.
	mode, _ := batchMode(in.DryRun)
	if err := checkRows("rows", "row", len(in.Rows), workspace.MaxPlanRows); err != nil {
		return err
	}
	roster := workspace.Roster{Rows: make([]workspace.RosterRow, len(in.Rows)), DeactivateMissing: in.DeactivateMissing, Confirmed: in.ConfirmedMissing}
	for i, row := range in.Rows {
		roster.Rows[i] = workspace.RosterRow{Name: row.Name, Email: row.Email, Roles: row.Roles, Licenses: row.Licenses}
	}
	res, err := s.svc.SyncUsers(r.Context(), p, roster, mode)
	if err != nil {
		return err
	}
	out := schema.SyncResponse{DryRun: in.DryRun, Rows: make([]schema.SyncRowResult, len(res.Rows)),
		Missing: make([]schema.SyncMissing, len(res.Missing)), Licenses: mapList(res.Pools, poolJSON)}
	for i, o := range res.Rows {
		out.Rows[i] = schema.SyncRowResult{Index: i, SyncOutcome: syncOutcomeJSON(r, in.Rows[i].Email, o)}
		countSync(&out.Summary, o.Action)
	}
	for i, m := range res.Missing {
		out.Missing[i] = schema.SyncMissing{Kind: m.Kind, SyncOutcome: syncOutcomeJSON(r, m.Email, m.SyncOutcome)}
		countSync(&out.Summary, m.Action)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// wholeFile says that a request carries a whole file, as a plan does.
func wholeFile() bool { return true }

// syncOutcomeJSON is what the sync did to the person of email: the person
// with its notices, and the problem the single-person route would answer
// when it was refused or invalid.
func syncOutcomeJSON(r *http.Request, email string, o workspace.SyncOutcome) schema.SyncOutcome {
	out := schema.SyncOutcome{Email: email, Action: string(o.Action), Reason: o.Reason}
	if o.User != nil {
		u := userJSON(*o.User, o.Notices)
		out.User = &u
	}
	if o.Invite != nil {
		inv := inviteJSON(*o.Invite, o.Notices)
		out.Invite = &inv
	}
	if o.Err != nil {
		out.Error = rowProblem(r, o.Err)
	}
	return out
}

// countSync adds one outcome of action to the summary.
func countSync(sum *schema.SyncSummary, action workspace.SyncAction) {
	switch action {
	case workspace.SyncInvite:
		sum.Invite++
	case workspace.SyncUpdate:
		sum.Update++
	case workspace.SyncActivate:
		sum.Activate++
	case workspace.SyncDeactivate:
		sum.Deactivate++
	case workspace.SyncRevoke:
		sum.Revoke++
	case workspace.SyncUnchanged:
		sum.Unchanged++
	case workspace.SyncRefused:
		sum.Refused++
	case workspace.SyncInvalid:
		sum.Invalid++
	case workspace.SyncNotInRoster:
		sum.NotInRoster++
	}
}
