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
		user, invite, problem := syncOutcomeJSON(r, o)
		out.Rows[i] = schema.SyncRowResult{Index: i, Email: in.Rows[i].Email, Action: string(o.Action), Reason: o.Reason,
			User: user, Invite: invite, Error: problem}
		countSync(&out.Summary, o.Action)
	}
	for i, m := range res.Missing {
		user, invite, problem := syncOutcomeJSON(r, m.SyncOutcome)
		out.Missing[i] = schema.SyncMissing{Email: m.Email, Kind: m.Kind, Action: string(m.Action), Reason: m.Reason,
			User: user, Invite: invite, Error: problem}
		countSync(&out.Summary, m.Action)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// wholeFile says that a request carries a whole file, as a plan does.
func wholeFile() bool { return true }

// syncOutcomeJSON is the person of an outcome, with its notices, and the
// problem the single-person route would answer when it was refused or
// invalid.
func syncOutcomeJSON(r *http.Request, o workspace.SyncOutcome) (*schema.User, *schema.Invite, *schema.Problem) {
	var (
		user    *schema.User
		invite  *schema.Invite
		problem *schema.Problem
	)
	if o.User != nil {
		u := userJSON(*o.User, o.Notices)
		user = &u
	}
	if o.Invite != nil {
		inv := inviteJSON(*o.Invite, o.Notices)
		invite = &inv
	}
	if o.Err != nil {
		p := problemOf(o.Err)
		p.RequestID = infoOf(r).id
		problem = &p
	}
	return user, invite, problem
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
