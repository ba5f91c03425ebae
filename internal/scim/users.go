package scim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/wsctl/wsctl/internal/workspace"
)

// defaultCount is the page size of a list that asks none.
const defaultCount = 100

// GET /Users?filter=…&startIndex=…&count=… (RFC 7644 §3.4.2).
func (h *Handler) listUsers(w http.ResponseWriter, r *http.Request, p workspace.Principal) error {
	q := r.URL.Query()
	f, err := parseFilter(q.Get("filter"))
	if err != nil {
		return err
	}
	start, err := intParam(q, "startIndex", 1)
	if err != nil {
		return err
	}
	start = max(start, 1) // RFC 7644 §3.4.2.4: less than 1 is 1
	count, err := intParam(q, "count", defaultCount)
	if err != nil {
		return err
	}
	f.Offset, f.Limit = start-1, min(max(count, 0), workspace.MaxPageSize)
	users, total, err := h.svc.ProvisionedUsers(r.Context(), p, f)
	if err != nil {
		return err
	}
	items := make([]userResource, len(users))
	for i, u := range users {
		items[i] = h.userJSON(u)
	}
	writeJSON(w, http.StatusOK, newList(items, total, start))
	return nil
}

func intParam(q map[string][]string, name string, def int) (int, error) {
	v := strings.TrimSpace(firstOf(q[name]))
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, invalid(typeInvalidValue, fmt.Sprintf("%s must be a whole number, not %q", name, v))
	}
	return n, nil
}

func firstOf(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}

// GET /Users/{id}.
func (h *Handler) getUser(w http.ResponseWriter, r *http.Request, p workspace.Principal) error {
	u, err := h.svc.ProvisionedUser(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	h.writeUser(w, http.StatusOK, u)
	return nil
}

// POST /Users: an active user at once (or inactive, if active is false).
func (h *Handler) createUser(w http.ResponseWriter, r *http.Request, p workspace.Principal) error {
	var in userInput
	if err := h.decode(w, r, &in); err != nil {
		return err
	}
	out, err := h.svc.ProvisionUser(r.Context(), p, in.provision())
	if err != nil {
		return err
	}
	w.Header().Set("Location", h.userJSON(out.Value).Meta.Location)
	h.writeUser(w, http.StatusCreated, out.Value)
	return nil
}

// PUT /Users/{id}: every attribute sent replaces the user's; roles and
// licenses only when the extension is sent.
func (h *Handler) replaceUser(w http.ResponseWriter, r *http.Request, p workspace.Principal) error {
	var in userInput
	if err := h.decode(w, r, &in); err != nil {
		return err
	}
	if in.UserName == nil {
		return invalid(typeInvalidValue, "userName is required in a PUT: it is the person's email address")
	}
	pr := in.provision()
	pr.IfVersion = ifMatch(r)
	return h.reprovision(w, r, p, pr)
}

// PATCH /Users/{id} (RFC 7644 §3.5.2).
func (h *Handler) patchUser(w http.ResponseWriter, r *http.Request, p workspace.Principal) error {
	var in patchRequest
	if err := h.decode(w, r, &in); err != nil {
		return err
	}
	pr, err := in.provision(r.PathValue("id"))
	if err != nil {
		return err
	}
	pr.IfVersion = ifMatch(r)
	return h.reprovision(w, r, p, pr)
}

func (h *Handler) reprovision(w http.ResponseWriter, r *http.Request, p workspace.Principal, pr workspace.Provision) error {
	out, err := h.svc.ReprovisionUser(r.Context(), p, r.PathValue("id"), pr)
	if err != nil {
		return err
	}
	h.writeUser(w, http.StatusOK, out.Value)
	return nil
}

// DELETE /Users/{id}: deactivated, and gone for SCIM.
func (h *Handler) deleteUser(w http.ResponseWriter, r *http.Request, p workspace.Principal) error {
	if _, err := h.svc.DeprovisionUser(r.Context(), p, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) writeUser(w http.ResponseWriter, status int, u workspace.User) {
	w.Header().Set("ETag", etag(u))
	writeJSON(w, status, h.userJSON(u))
}

// ifMatch is the version If-Match names: W/"7" or "7"; 0 without one or
// for *, and -1 for a tag that is no version of ours, which then never
// matches (412).
func ifMatch(r *http.Request) int {
	v := strings.TrimSpace(r.Header.Get("If-Match"))
	if v == "" || v == "*" {
		return 0
	}
	v = strings.Trim(strings.TrimPrefix(v, "W/"), `"`)
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return -1
	}
	return n
}

// decode reads one JSON body into dst. Unknown attributes are no error:
// identity providers send many (SCIM's core and enterprise attributes)
// that this server does not keep.
func (h *Handler) decode(w http.ResponseWriter, r *http.Request, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return invalid(typeInvalidSyntax, fmt.Sprintf("the body must be JSON (Content-Type: application/scim+json), not %q", ct))
		}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, h.maxBody))
	err := dec.Decode(dst)
	var (
		re       *requestError
		tooLarge *http.MaxBytesError
		typeErr  *json.UnmarshalTypeError
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &re):
		return re
	case errors.Is(err, io.EOF):
		return invalid(typeInvalidSyntax, "a JSON body is required")
	case errors.As(err, &tooLarge):
		return &requestError{status: http.StatusRequestEntityTooLarge, detail: fmt.Sprintf("the body is larger than %d bytes", tooLarge.Limit)}
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return invalid(typeInvalidValue, fmt.Sprintf("%s has the wrong type: %s", typeErr.Field, typeErr.Value))
	}
	return invalid(typeInvalidSyntax, "malformed JSON: "+strings.TrimPrefix(err.Error(), "json: "))
}
