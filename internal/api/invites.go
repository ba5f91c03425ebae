package api

import (
	"errors"
	"net/http"
	"strings"
	"unicode"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/workspace"
)

// GET /api/v1/invites: pending invites by default.
func (s *server) listInvites(w http.ResponseWriter, r *http.Request, p workspace.Principal) error {
	q := r.URL.Query()
	status, err := oneOf(q, "status", string(workspace.InvitePending), string(workspace.InvitePending),
		string(workspace.InviteAccepted), string(workspace.InviteRevoked), string(workspace.InviteExpired), "all")
	if err != nil {
		return err
	}
	if status == "all" {
		status = "" // the domain's "every status"
	}
	f := workspace.InviteFilter{Status: workspace.InviteStatus(status)}
	if f.Limit, f.After, err = pageParams(q, cursorInvites); err != nil {
		return err
	}
	invites, next, err := s.svc.ListInvites(r.Context(), p, f)
	if err != nil {
		return err
	}
	toJSON := func(i workspace.Invite) schema.Invite { return inviteJSON(i, nil) }
	writeJSON(w, http.StatusOK, schema.Page[schema.Invite]{Items: mapList(invites, toJSON), NextCursor: encodeCursor(cursorInvites, next)})
	return nil
}

// POST /api/v1/invites (R1, R2, R4, R6): 201, or 200 when the
// Idempotency-Key was seen before and the first invite is replayed.
func (s *server) createInvite(w http.ResponseWriter, r *http.Request, p workspace.Principal) error {
	key, err := idempotencyKey(r)
	if err != nil {
		return err
	}
	var in schema.InviteRequest
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	out, err := s.svc.Invite(r.Context(), p, workspace.InviteInput{
		Name: in.Name, Email: in.Email, Roles: in.Roles, Licenses: in.Licenses, IdempotencyKey: key,
	})
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if out.Replayed {
		w.Header().Set(schema.HeaderIdempotentReplay, "true")
		status = http.StatusOK
	}
	writeJSON(w, status, inviteJSON(out.Invite, out.Notices))
	return nil
}

// POST /api/v1/invites/batch: many invites, one result per row, each row
// idempotent by its own key. 200 whatever the rows' outcomes; a problem
// answer is about the whole request (auth, malformed body, too many rows).
func (s *server) createInviteBatch(w http.ResponseWriter, r *http.Request, p workspace.Principal) error {
	var in schema.InviteBatchRequest
	if err := s.decodeBatch(w, r, &in, func() bool { return in.DryRun }); err != nil {
		return err
	}
	mode, limit := batchMode(in.DryRun)
	if err := checkRows("invites", "invite", len(in.Invites), limit); err != nil {
		return err
	}
	inputs := make([]workspace.InviteInput, len(in.Invites))
	badKey := map[int]error{}
	for i, it := range in.Invites {
		if err := checkIdempotencyKey(it.IdempotencyKey); err != nil {
			badKey[i] = &workspace.ValidationError{Field: "idempotency_key", Reason: err.Error()}
			it.IdempotencyKey = ""
		}
		inputs[i] = workspace.InviteInput{Name: it.Name, Email: it.Email, Roles: it.Roles, Licenses: it.Licenses, IdempotencyKey: it.IdempotencyKey}
	}
	// Rows with a bad key are left out rather than run without one.
	run := make([]workspace.InviteInput, 0, len(inputs))
	index := make([]int, 0, len(inputs))
	for i, in := range inputs {
		if badKey[i] == nil {
			run = append(run, in)
			index = append(index, i)
		}
	}
	results, pools, err := s.svc.InviteBatch(r.Context(), p, run, mode)
	if err != nil {
		return err
	}
	out := schema.InviteBatchResponse{Results: make([]schema.InviteBatchResult, len(inputs)), DryRun: in.DryRun, Licenses: mapList(pools.After, poolJSON), LicensesBefore: mapList(pools.Before, poolJSON)}
	for i, err := range badKey {
		out.Results[i] = s.batchFailure(r, i, err)
	}
	for j, res := range results {
		i := index[j]
		if res.Err != nil {
			out.Results[i] = s.batchFailure(r, i, res.Err)
			continue
		}
		inv := inviteJSON(res.Outcome.Invite, res.Outcome.Notices)
		status := schema.BatchInvited
		if res.Outcome.Replayed {
			status = schema.BatchReplayed
		}
		out.Results[i] = schema.InviteBatchResult{Index: i, Status: status, Invite: &inv}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// batchMode is the mode of a batch request and the rows it may hold: a dry
// run may hold a whole file.
func batchMode(dryRun bool) (workspace.Mode, int) {
	if dryRun {
		return workspace.DryRun, workspace.MaxPlanRows
	}
	return workspace.Apply, workspace.MaxInviteBatch
}

// checkRows refuses a batch request without rows, or with more than limit:
// field is the request's list ("invites"), one of its rows a what ("invite").
func checkRows(field, what string, n, limit int) error {
	if n == 0 {
		return badRequest("%s must hold at least one %s", field, what)
	}
	if n > limit {
		return badRequest("%s holds %d %ss; at most %d per request", field, n, what, limit)
	}
	return nil
}

// batchFailure is a failed row: the problem POST /invites would answer.
func (s *server) batchFailure(r *http.Request, i int, err error) schema.InviteBatchResult {
	return schema.InviteBatchResult{Index: i, Status: schema.BatchFailed, Error: rowProblem(r, err)}
}

// rowProblem is the problem of a batch row that failed: the one the route
// for that row alone would answer, with the batch request's id.
func rowProblem(r *http.Request, err error) *schema.Problem {
	p := problemOf(err)
	p.RequestID = infoOf(r).id
	return &p
}

// idempotencyKey reads Idempotency-Key: optional, short, printable ASCII.
func idempotencyKey(r *http.Request) (string, error) {
	key := r.Header.Get(schema.HeaderIdempotencyKey)
	if err := checkIdempotencyKey(key); err != nil {
		return "", badRequest("Idempotency-Key %v", err)
	}
	return key, nil
}

// checkIdempotencyKey: a key is at most 255 printable ASCII characters.
func checkIdempotencyKey(key string) error {
	if len(key) > 255 || strings.IndexFunc(key, func(c rune) bool { return c > unicode.MaxASCII || !unicode.IsPrint(c) }) >= 0 {
		return errors.New("must be at most 255 printable ASCII characters")
	}
	return nil
}

// POST /api/v1/invites/{invite}/resend (R6): a new link, the old one dies.
func (s *server) resendInvite(w http.ResponseWriter, r *http.Request, p workspace.Principal) error {
	inv, err := s.svc.ResendInvite(r.Context(), p, r.PathValue("invite"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, inviteJSON(inv, nil))
	return nil
}

// POST /api/v1/invites/{invite}/revoke (R6): frees the reserved licenses.
func (s *server) revokeInvite(w http.ResponseWriter, r *http.Request, p workspace.Principal) error {
	inv, err := s.svc.RevokeInvite(r.Context(), p, r.PathValue("invite"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, inviteJSON(inv, nil))
	return nil
}

// POST /api/v1/invites/accept (R6): no auth; the link's token is the credential.
func (s *server) acceptInvite(w http.ResponseWriter, r *http.Request) error {
	var in schema.AcceptInviteRequest
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	u, err := s.svc.AcceptInvite(r.Context(), workspace.AcceptInput{Token: in.Token, Name: in.Name, Email: in.Email, RequestID: infoOf(r).id})
	if err != nil {
		return err
	}
	w.Header().Set("Location", schema.BasePath+"/users/"+u.ID)
	writeJSON(w, http.StatusCreated, userJSON(u, nil))
	return nil
}
