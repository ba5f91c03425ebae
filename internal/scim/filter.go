package scim

import (
	"fmt"
	"strings"

	filter "github.com/scim2/filter-parser/v2"

	"github.com/wsctl/wsctl/internal/workspace"
)

// filterHelp says which filters this server answers.
const filterHelp = `supported: userName eq "…", externalId eq "…", id eq "…", emails.value eq "…", emails[value eq "…"] (optionally with type eq "work"), joined with and`

// parseFilter turns a list's filter into the domain's: equality on
// userName (the email), externalId, id or the email, as Okta and Entra ID
// send them; anything else is invalidFilter (RFC 7644 §3.4.2.2). The
// grammar is the filter-parser library's.
func parseFilter(raw string) (workspace.ProvisionFilter, error) {
	var f workspace.ProvisionFilter
	if strings.TrimSpace(raw) == "" {
		return f, nil
	}
	expr, err := filter.ParseFilter([]byte(raw))
	if err != nil {
		return f, invalid(typeInvalidFilter, fmt.Sprintf("cannot read the filter %q (%s)", raw, filterHelp))
	}
	if err := addFilter(&f, expr, ""); err != nil {
		return f, invalid(typeInvalidFilter, fmt.Sprintf("the filter %q: %v (%s)", raw, err, filterHelp))
	}
	return f, nil
}

// addFilter adds expr's conditions to f; within is the multi-valued
// attribute of a value path being read ("emails").
func addFilter(f *workspace.ProvisionFilter, expr filter.Expression, within string) error {
	switch e := expr.(type) {
	case *filter.LogicalExpression:
		if e.Operator != filter.AND {
			return fmt.Errorf("%q is not supported", e.Operator)
		}
		if err := addFilter(f, e.Left, within); err != nil {
			return err
		}
		return addFilter(f, e.Right, within)
	case *filter.ValuePath:
		if name := attrName(e.AttributePath); name != "emails" || within != "" {
			return fmt.Errorf("%s[…] is not supported", e.AttributePath)
		}
		return addFilter(f, e.ValueFilter, "emails")
	case *filter.AttributeExpression:
		return addCondition(f, e, within)
	}
	return fmt.Errorf("%v is not supported", expr)
}

func addCondition(f *workspace.ProvisionFilter, e *filter.AttributeExpression, within string) error {
	if strings.ToLower(string(e.Operator)) != string(filter.EQ) {
		return fmt.Errorf("operator %q is not supported, only eq", e.Operator)
	}
	value, ok := e.CompareValue.(string)
	if !ok {
		return fmt.Errorf("%s must be compared with a quoted string", e.AttributePath)
	}
	name := attrName(e.AttributePath)
	if within != "" {
		name = within + "." + name
	}
	var field *string
	switch name {
	case "username", "emails.value":
		field = &f.Email
	case "externalid":
		field = &f.ExternalID
	case "id":
		field = &f.ID
	case "emails.type":
		if !strings.EqualFold(value, "work") {
			return fmt.Errorf("a user has one email, of type work")
		}
		return nil
	default:
		return fmt.Errorf("%s is not a filterable attribute", e.AttributePath)
	}
	if *field != "" && !strings.EqualFold(*field, value) {
		return fmt.Errorf("%s is compared twice", e.AttributePath)
	}
	*field = value
	return nil
}

// attrName is a core attribute's name in lower case, sub-attribute
// included ("name.givenname"); an attribute of another schema than
// User's core is named with its schema, so that it matches nothing.
func attrName(p filter.AttributePath) string {
	name := strings.ToLower(p.AttributeName)
	if p.SubAttribute != nil {
		name += "." + strings.ToLower(*p.SubAttribute)
	}
	if uri := p.URI(); uri != "" && !strings.EqualFold(uri, SchemaUser) {
		return strings.ToLower(uri) + ":" + name
	}
	return name
}
