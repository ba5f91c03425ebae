package scim

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/wsctl/wsctl/internal/workspace"
)

// The schema URNs this server speaks.
const (
	SchemaUser = "urn:ietf:params:scim:schemas:core:2.0:User"
	// SchemaWorkspace is our extension of User: the person's roles and
	// licenses (product keys), so that an identity provider assigns them.
	SchemaWorkspace  = "urn:wsctl:params:scim:schemas:extension:workspace:2.0:User"
	SchemaEnterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	SchemaList       = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	SchemaPatchOp    = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	SchemaError      = "urn:ietf:params:scim:api:messages:2.0:Error"
	schemaSPC        = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	schemaRT         = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
	schemaSchema     = "urn:ietf:params:scim:schemas:core:2.0:Schema"
)

// userResource is a user as SCIM shows it (RFC 7643 §4.1).
type userResource struct {
	Schemas     []string      `json:"schemas"`
	ID          string        `json:"id"`
	ExternalID  string        `json:"externalId,omitempty"`
	UserName    string        `json:"userName"`
	Name        nameResource  `json:"name"`
	DisplayName string        `json:"displayName"`
	Emails      []emailValue  `json:"emails"`
	Active      bool          `json:"active"`
	Workspace   workspaceAttr `json:"urn:wsctl:params:scim:schemas:extension:workspace:2.0:User"`
	Meta        meta          `json:"meta"`
}

type nameResource struct {
	Formatted  string `json:"formatted"`
	GivenName  string `json:"givenName,omitempty"`
	FamilyName string `json:"familyName,omitempty"`
}

type emailValue struct {
	Value   string `json:"value"`
	Type    string `json:"type"`
	Primary bool   `json:"primary"`
}

type workspaceAttr struct {
	Roles    []string `json:"roles"`
	Licenses []string `json:"licenses"`
}

type meta struct {
	ResourceType string    `json:"resourceType"`
	Created      time.Time `json:"created"`
	LastModified time.Time `json:"lastModified"`
	Location     string    `json:"location"`
	Version      string    `json:"version"`
}

type listResponse[T any] struct {
	Schemas      []string `json:"schemas"`
	TotalResults int      `json:"totalResults"`
	StartIndex   int      `json:"startIndex"`
	ItemsPerPage int      `json:"itemsPerPage"`
	Resources    []T      `json:"Resources"`
}

func newList[T any](items []T, total, start int) listResponse[T] {
	if items == nil {
		items = []T{}
	}
	return listResponse[T]{Schemas: []string{SchemaList}, TotalResults: total, StartIndex: start, ItemsPerPage: len(items), Resources: items}
}

// etag is a user's version as a weak entity tag, as SCIM's meta.version.
func etag(u workspace.User) string { return `W/"` + strconv.Itoa(u.Version) + `"` }

func (h *Handler) userJSON(u workspace.User) userResource {
	given, family := u.GivenName, u.FamilyName
	if given == "" && family == "" {
		given, family = splitName(u.Name)
	}
	roles := make([]string, len(u.Roles))
	for i, r := range u.Roles {
		roles[i] = string(r)
	}
	licenses := u.Licenses
	if licenses == nil {
		licenses = []string{}
	}
	return userResource{
		Schemas: []string{SchemaUser, SchemaWorkspace}, ID: u.ID, ExternalID: u.ExternalID, UserName: u.Email,
		Name:        nameResource{Formatted: u.Name, GivenName: given, FamilyName: family},
		DisplayName: u.Name, Emails: []emailValue{{Value: u.Email, Type: "work", Primary: true}}, Active: u.Active,
		Workspace: workspaceAttr{Roles: roles, Licenses: licenses},
		Meta: meta{ResourceType: "User", Created: u.CreatedAt, LastModified: u.UpdatedAt,
			Location: h.baseURL + Prefix + "/Users/" + u.ID, Version: etag(u)},
	}
}

// splitName guesses the parts of a name no identity provider sent (a user
// invited through wsctl): the last word is the family name.
func splitName(name string) (given, family string) {
	i := strings.LastIndexByte(name, ' ')
	if i < 0 {
		return name, ""
	}
	return name[:i], name[i+1:]
}

// userInput is a user as POST and PUT send it. Attribute names are
// case-insensitive (RFC 7643 §2.1), as encoding/json matches them; other
// attributes (password, phoneNumbers, the enterprise extension, …) are
// accepted and not kept.
type userInput struct {
	UserName    *string `json:"userName"`
	ExternalID  *string `json:"externalId"`
	DisplayName *string `json:"displayName"`
	Name        *struct {
		GivenName  *string `json:"givenName"`
		FamilyName *string `json:"familyName"`
		Formatted  *string `json:"formatted"`
	} `json:"name"`
	Active    *flexBool       `json:"active"`
	Workspace *workspaceInput `json:"urn:wsctl:params:scim:schemas:extension:workspace:2.0:User"`
}

type workspaceInput struct {
	Roles    *flexList `json:"roles"`
	Licenses *flexList `json:"licenses"`
}

// provision is the request as the domain's Provision: every attribute
// sent, and roles and licenses only when the extension carries them, so
// that an identity provider that does not map them never strips them.
func (in userInput) provision() workspace.Provision {
	pr := workspace.Provision{Email: in.UserName, ExternalID: in.ExternalID, DisplayName: in.DisplayName}
	if in.Name != nil {
		pr.GivenName, pr.FamilyName, pr.Formatted = in.Name.GivenName, in.Name.FamilyName, in.Name.Formatted
	}
	if in.Active != nil {
		b := bool(*in.Active)
		pr.Active = &b
	}
	if in.Workspace != nil {
		if in.Workspace.Roles != nil {
			pr.SetRoles = in.Workspace.Roles.values()
		}
		if in.Workspace.Licenses != nil {
			pr.SetLicenses = in.Workspace.Licenses.values()
		}
	}
	return pr
}

// flexBool is a boolean as identity providers send it: true, or the
// string "True" (Entra ID), in any case.
type flexBool bool

func (b *flexBool) UnmarshalJSON(data []byte) error {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	switch v := v.(type) {
	case bool:
		*b = flexBool(v)
		return nil
	case string:
		if parsed, err := strconv.ParseBool(strings.ToLower(strings.TrimSpace(v))); err == nil {
			*b = flexBool(parsed)
			return nil
		}
	}
	return invalid(typeInvalidValue, "expected true or false, not "+string(data))
}

// flexList is a list of roles or products as identity providers send
// one: ["flow"], [{"value":"flow"}], or one string "flow, agent-dialer"
// (Entra ID maps a single-valued attribute); null is none.
type flexList []string

func (l *flexList) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	var one string
	if json.Unmarshal(data, &one) == nil {
		*l = strings.FieldsFunc(one, func(r rune) bool { return r == ',' || r == ';' || r == ' ' })
		return nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(data, &items); err != nil {
		return invalid(typeInvalidValue, "expected a list of strings, not "+string(data))
	}
	out := flexList{}
	for _, item := range items {
		var s string
		var obj struct {
			Value string `json:"value"`
		}
		switch {
		case json.Unmarshal(item, &s) == nil:
		case json.Unmarshal(item, &obj) == nil:
			s = obj.Value
		default:
			return invalid(typeInvalidValue, "expected a list of strings, not "+string(data))
		}
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	*l = out
	return nil
}

// values is the list, never nil (an empty list replaces with none).
func (l *flexList) values() []string {
	if l == nil || *l == nil {
		return []string{}
	}
	return *l
}
