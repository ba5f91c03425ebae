// Package scim is workspaced's SCIM 2.0 service provider (RFC 7643, RFC
// 7644) under /scim/v2, for identity providers such as Okta and Entra ID
// that provision an org's people (docs/scim.md).
//
// It only translates: SCIM resources, PATCH operations and filters to the
// domain's provisioning calls (internal/workspace/provisioning.go), and
// domain errors to SCIM error bodies. internal/api mounts its routes with
// the API's request ids, logging, metrics, rate limits and tokens.
package scim

import (
	"net/http"

	"github.com/wsctl/wsctl/internal/workspace"
)

// Prefix is where SCIM is served.
const Prefix = "/scim/v2"

// Handler serves SCIM for one domain service.
type Handler struct {
	svc     *workspace.Service
	baseURL string // of meta.location
	maxBody int64
}

// New returns the SCIM handler; baseURL is the server's public address,
// maxBody bounds a request body.
func New(svc *workspace.Service, baseURL string, maxBody int64) *Handler {
	return &Handler{svc: svc, baseURL: baseURL, maxBody: maxBody}
}

// Route is one SCIM route. Serve returns its error rather than writing it:
// the mounting side writes it with WriteError, after its own bookkeeping.
// Discovery routes are Anonymous: they tell nothing of any org.
type Route struct {
	Pattern   string
	Anonymous bool
	Serve     func(w http.ResponseWriter, r *http.Request, p workspace.Principal) error
}

// Routes are every route of SCIM; anything else under Prefix is NotFound.
func (h *Handler) Routes() []Route {
	return []Route{
		{Pattern: "GET " + Prefix + "/ServiceProviderConfig", Anonymous: true, Serve: h.serviceProviderConfig},
		{Pattern: "GET " + Prefix + "/ResourceTypes", Anonymous: true, Serve: h.resourceTypes},
		{Pattern: "GET " + Prefix + "/ResourceTypes/{id}", Anonymous: true, Serve: h.resourceType},
		{Pattern: "GET " + Prefix + "/Schemas", Anonymous: true, Serve: h.schemas},
		{Pattern: "GET " + Prefix + "/Schemas/{id}", Anonymous: true, Serve: h.schema},

		{Pattern: "GET " + Prefix + "/Users", Serve: h.listUsers},
		{Pattern: "POST " + Prefix + "/Users/.search", Serve: h.searchUsers},
		{Pattern: "POST " + Prefix + "/.search", Serve: h.searchUsers},
		{Pattern: "POST " + Prefix + "/Users", Serve: h.createUser},
		{Pattern: "GET " + Prefix + "/Users/{id}", Serve: h.getUser},
		{Pattern: "PUT " + Prefix + "/Users/{id}", Serve: h.replaceUser},
		{Pattern: "PATCH " + Prefix + "/Users/{id}", Serve: h.patchUser},
		{Pattern: "DELETE " + Prefix + "/Users/{id}", Serve: h.deleteUser},

		// Groups: none exist here, so a list of them is empty (what Okta's
		// and Entra ID's connection tests read); creating or changing one
		// is an operation this server does not implement (RFC 7644 §3.12).
		{Pattern: "GET " + Prefix + "/Groups", Serve: noGroups},
		{Pattern: "GET " + Prefix + "/Groups/{id}", Serve: unsupported(groupsDetail, http.StatusNotFound)},
		{Pattern: Prefix + "/Groups", Serve: unsupported(groupsDetail, http.StatusNotImplemented)},
		{Pattern: Prefix + "/Groups/", Serve: unsupported(groupsDetail, http.StatusNotImplemented)},
		{Pattern: Prefix + "/Bulk", Serve: unsupported("bulk operations are not supported: send one request per user", http.StatusNotImplemented)},
		{Pattern: Prefix + "/Me", Serve: unsupported("/Me is not supported: a SCIM token acts for an identity provider, not a person", http.StatusNotImplemented)},
	}
}

const groupsDetail = "Groups are not supported: give roles and licenses through the user's " + SchemaWorkspace + " attributes (docs/scim.md)"

// GET /Groups: an empty list, whatever the filter.
func noGroups(w http.ResponseWriter, _ *http.Request, _ workspace.Principal) error {
	writeJSON(w, http.StatusOK, newList([]any{}, 0, 1))
	return nil
}

// NotFound answers a path under Prefix that no route serves.
func NotFound(r *http.Request) error {
	return &requestError{status: http.StatusNotFound,
		detail: "no SCIM endpoint " + r.Method + " " + r.URL.Path + " (served: /ServiceProviderConfig, /ResourceTypes, /Schemas, /Users)"}
}

func unsupported(detail string, status int) func(http.ResponseWriter, *http.Request, workspace.Principal) error {
	return func(http.ResponseWriter, *http.Request, workspace.Principal) error {
		return &requestError{status: status, detail: detail}
	}
}
