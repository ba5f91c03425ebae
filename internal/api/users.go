package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/workspace"
)

// GET /api/v1/users: active users by default (R11).
func (s *server) listUsers(w http.ResponseWriter, r *http.Request, p workspace.Principal) error {
	q := r.URL.Query()
	status, err := oneOf(q, "status", string(workspace.UsersActive),
		string(workspace.UsersActive), string(workspace.UsersInactive), string(workspace.UsersAll))
	if err != nil {
		return err
	}
	role, err := oneOf(q, "role", "", roleNames(workspace.Roles)...)
	if err != nil {
		return err
	}
	f := workspace.UserFilter{Status: workspace.UserStatus(status), Role: workspace.Role(role),
		License: strings.TrimSpace(q.Get("license")), Search: strings.TrimSpace(q.Get("search"))}
	if f.Limit, f.After, err = pageParams(q, cursorUsers); err != nil {
		return err
	}
	users, next, err := s.svc.ListUsers(r.Context(), p, f)
	if err != nil {
		return err
	}
	toJSON := func(u workspace.User) schema.User { return userJSON(u, nil) }
	writeJSON(w, http.StatusOK, schema.Page[schema.User]{Items: mapList(users, toJSON), NextCursor: encodeCursor(cursorUsers, next)})
	return nil
}

// GET /api/v1/users/{user}, with the version as ETag (R8).
func (s *server) getUser(w http.ResponseWriter, r *http.Request, p workspace.Principal) error {
	u, err := s.svc.GetUser(r.Context(), p, r.PathValue("user"))
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(u))
	writeJSON(w, http.StatusOK, userJSON(u, nil))
	return nil
}

// PATCH /api/v1/users/{user}: an edit based on the version in If-Match (R8).
func (s *server) editUser(w http.ResponseWriter, r *http.Request, p workspace.Principal) error {
	version, err := ifMatchVersion(r)
	if err != nil {
		return err
	}
	var in schema.UserEdit
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	out, err := s.svc.EditUser(r.Context(), p, r.PathValue("user"), workspace.UserEdit{
		Name: in.Name, AddRoles: in.AddRoles, RemoveRoles: in.RemoveRoles,
		AddLicenses: in.AddLicenses, RemoveLicenses: in.RemoveLicenses,
		CallRecording: in.CallRecording, IfVersion: version,
	})
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(out.Value))
	writeJSON(w, http.StatusOK, changedUserJSON(out))
	return nil
}

// ifMatchVersion reads the user version of If-Match: `"7"`.
func ifMatchVersion(r *http.Request) (int, error) {
	v := strings.TrimSpace(r.Header.Get("If-Match"))
	if v == "" {
		return 0, &requestError{code: schema.CodePreconditionNeeded,
			detail: "editing a user needs If-Match with the ETag of the version you read (GET /api/v1/users/{user}), " +
				"so that two admins never overwrite each other's changes"}
	}
	unquoted, ok := strings.CutPrefix(v, `"`)
	unquoted, ok2 := strings.CutSuffix(unquoted, `"`)
	n, err := strconv.Atoi(unquoted)
	// Versions start at 1; 0 would ask the domain to skip the check.
	if !ok || !ok2 || err != nil || n < 1 || strings.HasPrefix(unquoted, "+") {
		return 0, badRequest(`If-Match must be the ETag of a GET of this user, like "7", not %s`, v)
	}
	return n, nil
}

// POST /api/v1/users/{user}/deactivate (R9).
func (s *server) deactivateUser(w http.ResponseWriter, r *http.Request, p workspace.Principal) error {
	out, err := s.svc.Deactivate(r.Context(), p, r.PathValue("user"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, changedUserJSON(out))
	return nil
}

// POST /api/v1/users/{user}/activate (R10).
func (s *server) activateUser(w http.ResponseWriter, r *http.Request, p workspace.Principal) error {
	var in schema.ActivateRequest
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	out, err := s.svc.Activate(r.Context(), p, r.PathValue("user"), in.Licenses)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, changedUserJSON(out))
	return nil
}

// POST /api/v1/users/{user}/mfa-reset (R12).
func (s *server) resetMFA(w http.ResponseWriter, r *http.Request, p workspace.Principal) error {
	out, err := s.svc.ResetMFA(r.Context(), p, r.PathValue("user"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, changedUserJSON(out))
	return nil
}

// POST /api/v1/users/{user}/unlock: failed sign-ins no longer hold the user back.
func (s *server) unlockUser(w http.ResponseWriter, r *http.Request, p workspace.Principal) error {
	out, err := s.svc.UnlockSignIn(r.Context(), p, r.PathValue("user"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, changedUserJSON(out))
	return nil
}

// GET /api/v1/me: any valid token.
func (s *server) me(w http.ResponseWriter, r *http.Request, p workspace.Principal) error {
	u, org, err := s.svc.Me(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, schema.Me{User: userJSON(u, nil), OrgSlug: org.Slug, OrgName: org.Name,
		Scopes: scopeNames(p.Scopes), TokenID: p.TokenID})
	return nil
}
