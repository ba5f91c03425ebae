package scim

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	filter "github.com/scim2/filter-parser/v2"

	"github.com/wsctl/wsctl/internal/workspace"
)

// patchRequest is a PATCH body (RFC 7644 §3.5.2).
type patchRequest struct {
	Schemas    []string  `json:"schemas"`
	Operations []patchOp `json:"Operations"`
}

type patchOp struct {
	Op    string          `json:"op"`
	Path  string          `json:"path"`
	Value json.RawMessage `json:"value"`
}

// provision turns the operations into one change of the user id: each
// operation, in order, sets what its path names (a later one wins). Both
// forms identity providers send are read: with a path
// ({"op":"replace","path":"name.givenName","value":"Ann"}), and without,
// the value an object of attributes ({"op":"Replace","value":{"active":
// false}}, Entra ID). Op names are case-insensitive (Entra ID sends
// "Replace"). Attributes this server does not keep are ignored.
func (in patchRequest) provision(id string) (workspace.Provision, error) {
	b := &patchBuilder{id: id}
	if len(in.Operations) == 0 {
		return b.pr, invalid(typeInvalidValue, "a PATCH needs at least one operation in Operations")
	}
	for i, op := range in.Operations {
		if err := b.apply(op); err != nil {
			return b.pr, fmt.Errorf("operation %d: %w", i+1, err)
		}
	}
	return b.pr, nil
}

// patchBuilder gathers the operations of one PATCH.
type patchBuilder struct {
	id string
	pr workspace.Provision
}

func (b *patchBuilder) apply(op patchOp) error {
	kind := strings.ToLower(strings.TrimSpace(op.Op))
	if kind != "add" && kind != "replace" && kind != "remove" {
		return invalid(typeInvalidSyntax, fmt.Sprintf("op %q is not one of add, replace, remove", op.Op))
	}
	if strings.TrimSpace(op.Path) != "" {
		t, err := targetOf(op.Path)
		if err != nil {
			return err
		}
		value := op.Value
		if t == tRoles || t == tLicenses {
			if value, err = selected(kind, op.Path, value); err != nil {
				return err
			}
		}
		return b.set(kind, t, value)
	}
	if kind == "remove" {
		return invalid(typeNoTarget, "a remove operation needs a path")
	}
	return b.setObject(kind, "", op.Value)
}

// setObject applies an object of attributes, as a value without a path or
// an extension's object: each key is a path under prefix.
func (b *patchBuilder) setObject(kind, prefix string, value json.RawMessage) error {
	var attrs map[string]json.RawMessage
	if err := json.Unmarshal(value, &attrs); err != nil {
		return invalid(typeInvalidValue, "an operation without a path needs an object of attributes as its value")
	}
	for _, key := range sortedKeys(attrs) {
		path := key
		if prefix != "" {
			path = prefix + ":" + key
		}
		if isSchemaURN(key) {
			if err := b.setObject(kind, key, attrs[key]); err != nil {
				return err
			}
			continue
		}
		t, err := targetOf(path)
		if err != nil {
			return err
		}
		if err := b.set(kind, t, attrs[key]); err != nil {
			return err
		}
	}
	return nil
}

// sortedKeys gives a value object's attributes in a fixed order, so one
// request always decides the same way.
func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func isSchemaURN(s string) bool {
	return strings.HasPrefix(strings.ToLower(s), "urn:") && (strings.EqualFold(s, SchemaUser) ||
		strings.EqualFold(s, SchemaWorkspace) || strings.EqualFold(s, SchemaEnterprise))
}

// target is what a path names, of what this server keeps.
type target string

const (
	tActive      target = "active"
	tUserName    target = "userName"
	tEmails      target = "emails"
	tEmailValue  target = "emails.value"
	tExternalID  target = "externalId"
	tDisplayName target = "displayName"
	tName        target = "name"
	tGivenName   target = "name.givenName"
	tFamilyName  target = "name.familyName"
	tFormatted   target = "name.formatted"
	tRoles       target = "roles"
	tLicenses    target = "licenses"
	tWorkspace   target = "workspace"
	tID          target = "id"
	tIgnored     target = ""
)

// coreTargets are the core User attributes kept, by lower-case path.
var coreTargets = map[string]target{
	"active": tActive, "username": tUserName, "emails": tEmails, "emails.value": tEmailValue,
	"externalid": tExternalID, "displayname": tDisplayName, "name": tName, "name.givenname": tGivenName,
	"name.familyname": tFamilyName, "name.formatted": tFormatted, "id": tID,
}

// targetOf reads a path with the filter-parser library: a core attribute
// (with or without the core schema's URN), an attribute of our extension
// or the extension itself, or something not kept (ignored).
func targetOf(raw string) (target, error) {
	p, err := filter.ParsePath([]byte(strings.TrimSpace(raw)))
	if err != nil {
		return tIgnored, invalid("invalidPath", fmt.Sprintf("cannot read the path %q", raw))
	}
	uri, name := p.AttributePath.URI(), strings.ToLower(p.AttributePath.AttributeName)
	switch {
	case strings.EqualFold(uri+":"+p.AttributePath.AttributeName, SchemaWorkspace):
		return tWorkspace, nil
	case strings.EqualFold(uri, SchemaWorkspace) && (name == "roles" || name == "licenses"):
		return target(name), nil
	case uri != "" && !strings.EqualFold(uri, SchemaUser):
		return tIgnored, nil
	}
	if sub := p.AttributePath.SubAttributeName(); sub != "" {
		name += "." + strings.ToLower(sub)
	}
	if name == "emails" && p.ValueExpression != nil {
		// emails[type eq "work"].value, emails[primary eq true]: a user
		// has one email, which any such filter names.
		if p.SubAttributeName() == "" || strings.EqualFold(p.SubAttributeName(), "value") {
			return tEmailValue, nil
		}
		return tIgnored, nil
	}
	return coreTargets[name], nil
}

// selected is the value of an operation on roles or licenses whose path
// has a value filter: remove of licenses[value eq "flow"] removes flow
// (RFC 7644 §3.5.2.2), rather than every license.
func selected(kind, raw string, value json.RawMessage) (json.RawMessage, error) {
	p, err := filter.ParsePath([]byte(strings.TrimSpace(raw)))
	if err != nil || p.ValueExpression == nil {
		return value, nil
	}
	refused := invalid("invalidPath", fmt.Sprintf(`the path %q: roles and licenses take a filter only as remove of …[value eq "…"]`, raw))
	e, ok := p.ValueExpression.(*filter.AttributeExpression)
	if kind != "remove" || !ok || !strings.EqualFold(e.AttributePath.AttributeName, "value") || !strings.EqualFold(string(e.Operator), string(filter.EQ)) {
		return nil, refused
	}
	v, ok := e.CompareValue.(string)
	if !ok {
		return nil, refused
	}
	return json.Marshal([]string{v})
}

// set applies one operation to what t names.
func (b *patchBuilder) set(kind string, t target, value json.RawMessage) error {
	pr := &b.pr
	if kind == "remove" {
		return b.remove(t, value)
	}
	switch t {
	case tIgnored:
	case tID:
		var id string
		if json.Unmarshal(value, &id) != nil || id != b.id {
			return invalid(typeMutability, "id is set by this server and cannot change")
		}
	case tActive:
		var v flexBool
		if err := json.Unmarshal(value, &v); err != nil {
			return err
		}
		active := bool(v)
		pr.Active = &active
	case tUserName, tEmailValue:
		return setString(&pr.Email, string(t), value)
	case tEmails:
		email, err := workEmail(value)
		pr.Email = &email
		return err
	case tExternalID:
		return setString(&pr.ExternalID, string(t), value)
	case tDisplayName:
		return setString(&pr.DisplayName, string(t), value)
	case tGivenName:
		return setString(&pr.GivenName, string(t), value)
	case tFamilyName:
		return setString(&pr.FamilyName, string(t), value)
	case tFormatted:
		return setString(&pr.Formatted, string(t), value)
	case tName:
		var n userInput
		if err := json.Unmarshal([]byte(`{"name":`+string(value)+`}`), &n); err != nil || n.Name == nil {
			return invalid(typeInvalidValue, "name must be an object with givenName, familyName or formatted")
		}
		pr.GivenName, pr.FamilyName, pr.Formatted = or(n.Name.GivenName, pr.GivenName), or(n.Name.FamilyName, pr.FamilyName), or(n.Name.Formatted, pr.Formatted)
	case tWorkspace:
		return b.setObject(kind, SchemaWorkspace, value)
	case tRoles, tLicenses:
		var l flexList
		if err := json.Unmarshal(value, &l); err != nil {
			return err
		}
		set, add, _ := b.lists(t)
		switch {
		case kind == "replace":
			*set = l.values()
		case *set != nil: // adding to a list this request replaced
			*set = append(slices.Clip(*set), l...)
		default:
			*add = append(*add, l...)
		}
	}
	return nil
}

// remove applies a remove operation: of roles or licenses (those in value,
// or all), of the external id or a part of the name; the email and the
// active flag cannot go.
func (b *patchBuilder) remove(t target, value json.RawMessage) error {
	empty := ""
	switch t {
	case tUserName, tEmails, tEmailValue, tActive, tID, tName:
		return invalid(typeMutability, fmt.Sprintf("%s cannot be removed; replace it instead", t))
	case tExternalID:
		b.pr.ExternalID = &empty
	case tGivenName:
		b.pr.GivenName = &empty
	case tFamilyName:
		b.pr.FamilyName = &empty
	case tRoles, tLicenses:
		set, _, rm := b.lists(t)
		var l flexList
		if len(value) > 0 && string(value) != "null" {
			if err := json.Unmarshal(value, &l); err != nil {
				return err
			}
		}
		switch {
		case len(l) == 0:
			*set = []string{}
		case *set != nil:
			*set = slices.DeleteFunc(slices.Clone(*set), func(s string) bool { return slices.Contains(l, s) })
		default:
			*rm = append(*rm, l...)
		}
	}
	return nil
}

// lists are the Set, Add and Remove lists of roles or licenses.
func (b *patchBuilder) lists(t target) (set, add, rm *[]string) {
	if t == tRoles {
		return &b.pr.SetRoles, &b.pr.AddRoles, &b.pr.RemoveRoles
	}
	return &b.pr.SetLicenses, &b.pr.AddLicenses, &b.pr.RemoveLicenses
}

func setString(dst **string, attr string, value json.RawMessage) error {
	var s string
	if err := json.Unmarshal(value, &s); err != nil {
		return invalid(typeInvalidValue, attr+" must be a string, not "+string(value))
	}
	*dst = &s
	return nil
}

func or(a, b *string) *string {
	if a != nil {
		return a
	}
	return b
}

// workEmail is the address of an emails value: the primary one, else the
// work one, else the first (a user here has one email, their userName).
func workEmail(value json.RawMessage) (string, error) {
	var list []struct {
		Value   string    `json:"value"`
		Type    string    `json:"type"`
		Primary *flexBool `json:"primary"`
	}
	if json.Unmarshal(value, &list) != nil {
		var one struct {
			Value string `json:"value"`
		}
		if err := json.Unmarshal(value, &one); err != nil || one.Value == "" {
			return "", invalid(typeInvalidValue, "emails must be a list of objects with a value")
		}
		return one.Value, nil
	}
	if len(list) == 0 {
		return "", invalid(typeMutability, "emails cannot be emptied: a user keeps their email, which is their userName")
	}
	best := list[0]
	for _, e := range list {
		if e.Primary != nil && bool(*e.Primary) {
			return e.Value, nil
		}
		if strings.EqualFold(e.Type, "work") && !strings.EqualFold(best.Type, "work") {
			best = e
		}
	}
	return best.Value, nil
}
