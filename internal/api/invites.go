package api

import (
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

// idempotencyKey reads Idempotency-Key: optional, short, printable ASCII.
func idempotencyKey(r *http.Request) (string, error) {
	key := r.Header.Get(schema.HeaderIdempotencyKey)
	if len(key) > 255 || strings.IndexFunc(key, func(c rune) bool { return c > unicode.MaxASCII || !unicode.IsPrint(c) }) >= 0 {
		return "", badRequest("Idempotency-Key must be at most 255 printable ASCII characters")
	}
	return key, nil
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
