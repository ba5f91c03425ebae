package scim

import (
	"net/http"

	"github.com/wsctl/wsctl/internal/workspace"
)

// The discovery endpoints (RFC 7644 §4): what this server supports, its
// one resource type (User, with our extension; no Group) and their schemas.

type supported struct {
	Supported bool `json:"supported"`
}

type filterSupport struct {
	Supported  bool `json:"supported"`
	MaxResults int  `json:"maxResults"`
}

type bulkSupport struct {
	Supported      bool `json:"supported"`
	MaxOperations  int  `json:"maxOperations"`
	MaxPayloadSize int  `json:"maxPayloadSize"`
}

type authScheme struct {
	Type             string `json:"type"`
	Name             string `json:"name"`
	Description      string `json:"description"`
	SpecURI          string `json:"specUri"`
	DocumentationURI string `json:"documentationUri"`
	Primary          bool   `json:"primary"`
}

type serviceProviderConfig struct {
	Schemas               []string      `json:"schemas"`
	DocumentationURI      string        `json:"documentationUri"`
	Patch                 supported     `json:"patch"`
	Bulk                  bulkSupport   `json:"bulk"`
	Filter                filterSupport `json:"filter"`
	ChangePassword        supported     `json:"changePassword"`
	Sort                  supported     `json:"sort"`
	Etag                  supported     `json:"etag"`
	AuthenticationSchemes []authScheme  `json:"authenticationSchemes"`
	Meta                  discoveryMeta `json:"meta"`
}

type discoveryMeta struct {
	ResourceType string `json:"resourceType"`
	Location     string `json:"location"`
}

const documentationURI = "https://github.com/wsctl/wsctl/blob/main/docs/scim.md"

// GET /ServiceProviderConfig.
func (h *Handler) serviceProviderConfig(w http.ResponseWriter, _ *http.Request, _ workspace.Principal) error {
	writeJSON(w, http.StatusOK, serviceProviderConfig{
		Schemas:          []string{schemaSPC},
		DocumentationURI: documentationURI,
		Patch:            supported{true},
		Bulk:             bulkSupport{},
		Filter:           filterSupport{Supported: true, MaxResults: workspace.MaxPageSize},
		ChangePassword:   supported{false},
		Sort:             supported{false},
		Etag:             supported{true},
		AuthenticationSchemes: []authScheme{{Type: "oauthbearertoken", Name: "Bearer token",
			Description: "an API token with the scim scope: wsctl tokens create --name okta --scope scim",
			SpecURI:     "https://www.rfc-editor.org/rfc/rfc6750", DocumentationURI: documentationURI, Primary: true}},
		Meta: discoveryMeta{ResourceType: "ServiceProviderConfig", Location: h.baseURL + Prefix + "/ServiceProviderConfig"},
	})
	return nil
}

type resourceType struct {
	Schemas          []string          `json:"schemas"`
	ID               string            `json:"id"`
	Name             string            `json:"name"`
	Endpoint         string            `json:"endpoint"`
	Description      string            `json:"description"`
	Schema           string            `json:"schema"`
	SchemaExtensions []schemaExtension `json:"schemaExtensions"`
	Meta             discoveryMeta     `json:"meta"`
}

type schemaExtension struct {
	Schema   string `json:"schema"`
	Required bool   `json:"required"`
}

func (h *Handler) userType() resourceType {
	return resourceType{Schemas: []string{schemaRT}, ID: "User", Name: "User", Endpoint: "/Users",
		Description: "A person of the workspace; userName is their email address", Schema: SchemaUser,
		SchemaExtensions: []schemaExtension{{Schema: SchemaWorkspace, Required: false}},
		Meta:             discoveryMeta{ResourceType: "ResourceType", Location: h.baseURL + Prefix + "/ResourceTypes/User"}}
}

// GET /ResourceTypes: User only; Groups are not supported.
func (h *Handler) resourceTypes(w http.ResponseWriter, r *http.Request, _ workspace.Principal) error {
	if err := noFilter(r); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList([]resourceType{h.userType()}, 1, 1))
	return nil
}

// GET /ResourceTypes/{id}.
func (h *Handler) resourceType(w http.ResponseWriter, r *http.Request, _ workspace.Principal) error {
	if r.PathValue("id") != "User" {
		return &requestError{status: http.StatusNotFound, detail: "no resource type " + r.PathValue("id") + ": this server has User only (Groups are not supported)"}
	}
	writeJSON(w, http.StatusOK, h.userType())
	return nil
}

// attribute describes one attribute of a schema (RFC 7643 §7).
type attribute struct {
	Name          string      `json:"name"`
	Type          string      `json:"type"`
	MultiValued   bool        `json:"multiValued"`
	Description   string      `json:"description"`
	Required      bool        `json:"required"`
	CaseExact     bool        `json:"caseExact"`
	Mutability    string      `json:"mutability"`
	Returned      string      `json:"returned"`
	Uniqueness    string      `json:"uniqueness"`
	SubAttributes []attribute `json:"subAttributes,omitempty"`
}

func str(name, description string) attribute {
	return attribute{Name: name, Type: "string", Description: description, Mutability: "readWrite", Returned: "default", Uniqueness: "none"}
}

func boolean(name, description string) attribute {
	a := str(name, description)
	a.Type = "boolean"
	return a
}

type schemaResource struct {
	Schemas     []string      `json:"schemas"`
	ID          string        `json:"id"`
	Name        string        `json:"name"`
	Description string        `json:"description"`
	Attributes  []attribute   `json:"attributes"`
	Meta        discoveryMeta `json:"meta"`
}

func (h *Handler) schemaList() []schemaResource {
	userName := str("userName", "The person's email address, unique in the org (case-insensitive)")
	userName.Required, userName.Uniqueness = true, "server"
	email := str("emails", "The person's email address: the same value as userName")
	email.Type, email.MultiValued = "complex", true
	email.SubAttributes = []attribute{str("value", "The address"), str("type", "Always work"),
		boolean("primary", "Always true")}
	name := str("name", "The person's name: letters, spaces, ' - and . only")
	name.Type, name.SubAttributes = "complex", []attribute{str("formatted", "The full name"),
		str("givenName", "The given name"), str("familyName", "The family name")}
	externalID := str("externalId", "The identity provider's id of the person")
	externalID.CaseExact = true
	active := boolean("active", "false deactivates: licenses released, sessions and tokens ended")
	roles := str("roles", "admin, manager or user; user when not given")
	roles.MultiValued = true
	licenses := str("licenses", "Product keys, e.g. parallel-dialer, agent-dialer, flow; each takes one license of the org's pool")
	licenses.MultiValued = true
	id := str("id", "The user's id in this workspace")
	id.Mutability, id.Returned, id.CaseExact, id.Uniqueness = "readOnly", "always", true, "server"
	return []schemaResource{
		{Schemas: []string{schemaSchema}, ID: SchemaUser, Name: "User", Description: "User Account",
			Attributes: []attribute{id, userName, name, str("displayName", "The name shown: the full name"), email, active, externalID},
			Meta:       discoveryMeta{ResourceType: "Schema", Location: h.baseURL + Prefix + "/Schemas/" + SchemaUser}},
		{Schemas: []string{schemaSchema}, ID: SchemaWorkspace, Name: "WorkspaceUser", Description: "The person's roles and licenses in the workspace",
			Attributes: []attribute{roles, licenses},
			Meta:       discoveryMeta{ResourceType: "Schema", Location: h.baseURL + Prefix + "/Schemas/" + SchemaWorkspace}},
	}
}

// GET /Schemas.
func (h *Handler) schemas(w http.ResponseWriter, r *http.Request, _ workspace.Principal) error {
	if err := noFilter(r); err != nil {
		return err
	}
	list := h.schemaList()
	writeJSON(w, http.StatusOK, newList(list, len(list), 1))
	return nil
}

// GET /Schemas/{id}.
func (h *Handler) schema(w http.ResponseWriter, r *http.Request, _ workspace.Principal) error {
	for _, s := range h.schemaList() {
		if s.ID == r.PathValue("id") {
			writeJSON(w, http.StatusOK, s)
			return nil
		}
	}
	return &requestError{status: http.StatusNotFound, detail: "no schema " + r.PathValue("id") + " (see " + Prefix + "/Schemas)"}
}

// noFilter refuses a filter on a discovery list with 403, as RFC 7644 §4
// asks, so that no client takes its conditions for met.
func noFilter(r *http.Request) error {
	if r.URL.Query().Has("filter") {
		return &requestError{status: http.StatusForbidden, detail: "discovery lists take no filter: " + r.URL.Path + " lists everything it has"}
	}
	return nil
}
