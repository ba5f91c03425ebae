package scim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/wsctl/wsctl/internal/workspace"
)

// defaultCount is the page size of a list that asks none.
const defaultCount = 100

// search is a query of users, from GET /Users's parameters or a POST
// .search body (RFC 7644 §3.4.2, §3.4.3).
type search struct {
	Attributes         flexList `json:"attributes"`
	ExcludedAttributes flexList `json:"excludedAttributes"`
	Filter             string   `json:"filter"`
	StartIndex         *int     `json:"startIndex"`
	Count              *int     `json:"count"`
	SortBy             string   `json:"sortBy"`
	SortOrder          string   `json:"sortOrder"`
}

// GET /Users?filter=…&startIndex=…&count=…&attributes=….
func (h *Handler) listUsers(w http.ResponseWriter, r *http.Request, p workspace.Principal) error {
	q := r.URL.Query()
	s := search{Attributes: q["attributes"], ExcludedAttributes: q["excludedAttributes"], Filter: q.Get("filter"),
		SortBy: q.Get("sortBy"), SortOrder: q.Get("sortOrder")}
	var err error
	if s.StartIndex, err = intParam(q, "startIndex"); err != nil {
		return err
	}
	if s.Count, err = intParam(q, "count"); err != nil {
		return err
	}
	return h.search(w, r, p, s)
}

// POST /Users/.search, and POST /.search (User is the only resource type).
func (h *Handler) searchUsers(w http.ResponseWriter, r *http.Request, p workspace.Principal) error {
	var s search
	if err := h.decode(w, r, &s); err != nil {
		return err
	}
	return h.search(w, r, p, s)
}

func (h *Handler) search(w http.ResponseWriter, r *http.Request, p workspace.Principal, s search) error {
	if s.SortBy != "" || s.SortOrder != "" {
		return invalid(typeInvalidValue, "sorting is not supported (ServiceProviderConfig: sort.supported is false): users come in their order of creation; send no sortBy or sortOrder")
	}
	f, err := parseFilter(s.Filter)
	if err != nil {
		return err
	}
	// RFC 7644 §3.4.2.4: a startIndex below 1 is 1, a negative count is
	// 0; a count above the most a page holds gives that many.
	start, count := 1, defaultCount
	if s.StartIndex != nil {
		start = min(max(*s.StartIndex, 1), math.MaxInt32)
	}
	if s.Count != nil {
		count = *s.Count
	}
	f.Offset, f.Limit = start-1, min(max(count, 0), workspace.MaxPageSize)
	users, total, err := h.svc.ProvisionedUsers(r.Context(), p, f)
	if err != nil {
		return err
	}
	pr := newProjection(s.Attributes, s.ExcludedAttributes)
	items := make([]any, len(users))
	for i, u := range users {
		items[i] = pr.apply(h.userJSON(u))
	}
	writeJSON(w, http.StatusOK, newList(items, total, start))
	return nil
}

// intParam is a whole-number parameter, nil when not sent; a number too
// large for an int is the largest of its sign (the bounds apply next).
func intParam(q map[string][]string, name string) (*int, error) {
	v := strings.TrimSpace(firstOf(q[name]))
	if v == "" {
		return nil, nil
	}
	n, err := strconv.Atoi(v)
	if errors.Is(err, strconv.ErrRange) {
		n, err = math.MaxInt, nil
		if strings.HasPrefix(v, "-") {
			n = math.MinInt
		}
	}
	if err != nil {
		return nil, invalid(typeInvalidValue, fmt.Sprintf("%s must be a whole number, not %q", name, v))
	}
	return &n, nil
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
	if tag := r.Header.Get("If-None-Match"); tag != "" && (tag == "*" || versionOf(tag) == u.Version) {
		w.Header().Set("ETag", etag(u))
		w.WriteHeader(http.StatusNotModified) // RFC 7644 §3.14
		return nil
	}
	h.writeUser(w, r, http.StatusOK, u)
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
	h.writeUser(w, r, http.StatusCreated, out.Value)
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
	h.writeUser(w, r, http.StatusOK, out.Value)
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

// writeUser answers u with its version as ETag, and the attributes the
// request's parameters ask for (RFC 7644 §3.9: on every method).
func (h *Handler) writeUser(w http.ResponseWriter, r *http.Request, status int, u workspace.User) {
	q := r.URL.Query()
	w.Header().Set("ETag", etag(u))
	writeJSON(w, status, newProjection(q["attributes"], q["excludedAttributes"]).apply(h.userJSON(u)))
}

// ifMatch is the version If-Match names: W/"7" or "7"; 0 without one or
// for *, and -1 for a tag that is no version of ours, which then never
// matches (412).
func ifMatch(r *http.Request) int {
	v := strings.TrimSpace(r.Header.Get("If-Match"))
	if v == "" || v == "*" {
		return 0
	}
	return versionOf(v)
}

// versionOf is the version an entity tag names, -1 for none of ours.
func versionOf(tag string) int {
	v := strings.Trim(strings.TrimPrefix(strings.TrimSpace(tag), "W/"), `"`)
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
