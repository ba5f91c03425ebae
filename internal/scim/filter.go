package scim

import (
	"fmt"
	"strconv"
	"strings"

	filter "github.com/scim2/filter-parser/v2"

	"github.com/wsctl/wsctl/internal/workspace"
)

// filterHelp says which filters this server answers.
const filterHelp = `supported: userName, emails.value, displayName with eq, ne, co, sw, ew, pr; externalId and id with eq, ne, pr; active eq true or false; emails[…] value paths; conditions joined with and`

// parseFilter turns a list's filter into the domain's (RFC 7644
// §3.4.2.2): attribute names without regard to case, the comparisons the
// domain answers, joined with and; anything else is invalidFilter. The
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
	if err := f.Check(); err != nil {
		return f, invalid(typeInvalidFilter, fmt.Sprintf("the filter %q: %v (%s)", raw, err, filterHelp))
	}
	return f, nil
}

// addFilter adds expr's conditions to f; within is the multi-valued
// attribute of a value path being read ("emails").
func addFilter(f *workspace.ProvisionFilter, expr filter.Expression, within string) error {
	switch e := expr.(type) {
	case *filter.LogicalExpression:
		if !strings.EqualFold(string(e.Operator), string(filter.AND)) {
			return fmt.Errorf("%q is not supported, only and", e.Operator)
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
	case *filter.NotExpression:
		return fmt.Errorf("not (…) is not supported")
	}
	return fmt.Errorf("%v is not supported", expr)
}

// filterAttrs are the domain's attributes by lower-case SCIM path.
var filterAttrs = map[string]workspace.ProvisionAttr{
	"username": workspace.ByEmail, "emails": workspace.ByEmail, "emails.value": workspace.ByEmail,
	"externalid": workspace.ByExternalID, "id": workspace.ByID,
	"displayname": workspace.ByName, "name.formatted": workspace.ByName, "active": workspace.ByActive,
}

func addCondition(f *workspace.ProvisionFilter, e *filter.AttributeExpression, within string) error {
	op := workspace.MatchOp(strings.ToLower(string(e.Operator)))
	name := attrName(e.AttributePath)
	if within != "" {
		name = within + "." + name
	}
	value, err := compareValue(e, op)
	if err != nil {
		return err
	}
	switch name {
	case "emails.type":
		if op != workspace.MatchEqual || !strings.EqualFold(value, "work") {
			return fmt.Errorf("a user has one email, of type work")
		}
		return nil
	case "emails.primary":
		return nil // a user's one email is primary
	}
	attr, ok := filterAttrs[name]
	if !ok {
		return fmt.Errorf("%s is not a filterable attribute", e.AttributePath)
	}
	f.Conditions = append(f.Conditions, workspace.ProvisionCondition{Attr: attr, Op: op, Value: value})
	return nil
}

// compareValue is the value a condition compares with, as a string: a
// quoted string, or true or false (active); pr compares with none.
func compareValue(e *filter.AttributeExpression, op workspace.MatchOp) (string, error) {
	switch v := e.CompareValue.(type) {
	case nil:
		if op == workspace.MatchPresent {
			return "", nil
		}
	case string:
		return v, nil
	case bool:
		return strconv.FormatBool(v), nil
	}
	return "", fmt.Errorf("%s must be compared with a quoted string (or true or false)", e.AttributePath)
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
