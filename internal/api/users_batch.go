package api

import (
	"net/http"
	"slices"
	"strings"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/workspace"
)

// userBatchAction is what a row of an action may hold beyond user, and the
// status of a row that changed its user.
type userBatchAction struct {
	fields  []string
	changed string
}

// userBatchActions are the actions of POST /users/batch, one per
// single-user route.
var userBatchActions = map[workspace.UserAction]userBatchAction{
	workspace.ActionDeactivate: {changed: schema.UserBatchDeactivated},
	workspace.ActionActivate:   {fields: []string{"licenses"}, changed: schema.UserBatchActivated},
	workspace.ActionEdit:       {fields: []string{"name", "roles", "licenses", "call_recording"}, changed: schema.UserBatchEdited},
	workspace.ActionResetMFA:   {changed: schema.UserBatchMFAReset},
}

// POST /api/v1/users/batch: one action on many users, one result per row
// (R8, R9, R10, R12 as the single-user routes, R4 across the rows). 200
// whatever the rows' outcomes; a problem answer is about the whole request
// (auth, malformed body, unknown action, a field the action does not take,
// too many rows). The domain checks the action's scope (R13).
func (s *server) userBatch(w http.ResponseWriter, r *http.Request, p workspace.Principal) error {
	var in schema.UserBatchRequest
	if err := s.decodeBatch(w, r, &in, func() bool { return in.DryRun }); err != nil {
		return err
	}
	action := workspace.UserAction(in.Action)
	spec, ok := userBatchActions[action]
	if !ok {
		return badRequest("action must be one of %s, not %q", actionNames(), in.Action)
	}
	mode, limit := batchMode(in.DryRun)
	if err := checkRows("users", "user", len(in.Users), limit); err != nil {
		return err
	}
	ops := make([]workspace.UserOp, len(in.Users))
	for i, it := range in.Users {
		for _, f := range rowFields(it) {
			if !slices.Contains(spec.fields, f) {
				return badRequest("users[%d] has %q, which %s does not take (its rows take: %s)",
					i, f, action, strings.Join(append([]string{"user"}, spec.fields...), ", "))
			}
		}
		ops[i] = userOp(action, it)
	}
	results, pools, err := s.svc.UserBatch(r.Context(), p, action, ops, mode)
	if err != nil {
		return err
	}
	out := schema.UserBatchResponse{Action: in.Action, DryRun: in.DryRun,
		Results: make([]schema.UserBatchResult, len(results)), Licenses: mapList(pools, poolJSON)}
	for i, res := range results {
		out.Results[i] = userBatchResult(r, i, spec.changed, res)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// rowFields names the fields a row holds beyond user.
func rowFields(it schema.UserBatchItem) []string {
	var fields []string
	if it.Licenses != nil {
		fields = append(fields, "licenses")
	}
	if it.Name != nil {
		fields = append(fields, "name")
	}
	if it.Roles != nil {
		fields = append(fields, "roles")
	}
	if it.CallRecording != nil {
		fields = append(fields, "call_recording")
	}
	return fields
}

// userOp is a row as the domain takes it: for edit, absent fields are
// unchanged and present lists replace the user's.
func userOp(action workspace.UserAction, it schema.UserBatchItem) workspace.UserOp {
	switch action {
	case workspace.ActionActivate:
		return workspace.UserOp{User: it.User, Licenses: it.Licenses}
	case workspace.ActionEdit:
		return workspace.UserOp{User: it.User, Edit: workspace.UserEdit{
			Name: it.Name, SetRoles: it.Roles, SetLicenses: it.Licenses, CallRecording: it.CallRecording,
		}}
	}
	return workspace.UserOp{User: it.User}
}

// userBatchResult is one row's answer: failed with the problem the
// single-user route would answer, unchanged with the reason in the user's
// unchanged field, or the action's own status.
func userBatchResult(r *http.Request, i int, changed string, res workspace.UserResult) schema.UserBatchResult {
	if res.Err != nil {
		return schema.UserBatchResult{Index: i, Status: schema.BatchFailed, Error: rowProblem(r, res.Err)}
	}
	u := changedUserJSON(res.Changed)
	status := changed
	if res.NoOp != "" {
		status = schema.UserBatchUnchanged
	}
	return schema.UserBatchResult{Index: i, Status: status, User: &u}
}

// actionNames lists the actions in the domain's order, for messages.
func actionNames() string {
	names := make([]string, len(workspace.UserActions))
	for i, a := range workspace.UserActions {
		names[i] = string(a)
	}
	return strings.Join(names, ", ")
}
