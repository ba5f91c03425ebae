package workspace

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// ProvisionFilter selects the people an identity provider sees (never the
// deprovisioned): those meeting every condition, and a page of them:
// Offset people skipped, at most Limit, in their order of creation.
type ProvisionFilter struct {
	Conditions    []ProvisionCondition
	Offset, Limit int
}

// ProvisionCondition is one test of a person: Attr compared by Op with
// Value (no value for MatchPresent).
type ProvisionCondition struct {
	Attr  ProvisionAttr
	Op    MatchOp
	Value string
}

// ProvisionAttr is what people can be found by.
type ProvisionAttr string

// The attributes a filter may test. Email and Name compare without
// regard to case; ID and ExternalID are compared exactly, as the identity
// provider keeps them.
const (
	ByID         ProvisionAttr = "id"
	ByEmail      ProvisionAttr = "email"
	ByExternalID ProvisionAttr = "externalId"
	ByName       ProvisionAttr = "name"
	ByActive     ProvisionAttr = "active"
)

// MatchOp is how a condition compares.
type MatchOp string

// The comparisons of a condition (SCIM's eq, ne, co, sw, ew, pr).
const (
	MatchEqual      MatchOp = "eq"
	MatchNotEqual   MatchOp = "ne"
	MatchContains   MatchOp = "co"
	MatchStartsWith MatchOp = "sw"
	MatchEndsWith   MatchOp = "ew"
	MatchPresent    MatchOp = "pr"
)

// Bounds of a filter, so that no request makes the database scan with a
// pattern of any length or join conditions without end.
const (
	MaxFilterConditions = 10
	MaxFilterValue      = 320 // the longest email address, and more than any name
)

// matchable says which comparisons each attribute answers: the partial
// ones (co, sw, ew) only where case does not matter, since a store
// compares lower-cased copies; exact ids and flags by equality only.
var matchable = map[ProvisionAttr][]MatchOp{
	ByID:         {MatchEqual, MatchNotEqual, MatchPresent},
	ByExternalID: {MatchEqual, MatchNotEqual, MatchPresent},
	ByEmail:      {MatchEqual, MatchNotEqual, MatchContains, MatchStartsWith, MatchEndsWith, MatchPresent},
	ByName:       {MatchEqual, MatchNotEqual, MatchContains, MatchStartsWith, MatchEndsWith, MatchPresent},
	ByActive:     {MatchEqual, MatchNotEqual, MatchPresent},
}

// Check says whether the filter can be answered: known attributes and
// comparisons, bounded values, active compared with true or false.
func (f ProvisionFilter) Check() error {
	if len(f.Conditions) > MaxFilterConditions {
		return fmt.Errorf("at most %d conditions, not %d", MaxFilterConditions, len(f.Conditions))
	}
	for _, c := range f.Conditions {
		if err := c.check(); err != nil {
			return err
		}
	}
	return nil
}

func (c ProvisionCondition) check() error {
	ops, ok := matchable[c.Attr]
	switch {
	case !ok:
		return fmt.Errorf("%s is not an attribute people can be found by", c.Attr)
	case !slices.Contains(ops, c.Op):
		return fmt.Errorf("%s cannot be compared with %s (it can with %s)", c.Attr, c.Op, joinOps(ops))
	case len(c.Value) > MaxFilterValue:
		return fmt.Errorf("a value to compare %s with has at most %d characters", c.Attr, MaxFilterValue)
	case c.Attr == ByActive && c.Op != MatchPresent && c.Value != "true" && c.Value != "false":
		return fmt.Errorf("active is compared with true or false, not %q", c.Value)
	}
	return nil
}

func joinOps(ops []MatchOp) string {
	s := make([]string, len(ops))
	for i, o := range ops {
		s[i] = string(o)
	}
	return strings.Join(s, ", ")
}

// normalized is f as a store runs it: case-insensitive values in lower
// case, conditions true of everyone dropped, and the page bounded.
func (f ProvisionFilter) normalized() ProvisionFilter {
	out := ProvisionFilter{Limit: min(max(f.Limit, 0), MaxPageSize), Offset: min(max(f.Offset, 0), math.MaxInt32)}
	for _, c := range f.Conditions {
		if c.Op == MatchPresent && c.Attr != ByExternalID {
			continue // every person has an id, an email, a name and an active flag
		}
		if c.Attr == ByEmail || c.Attr == ByName {
			c.Value = strings.ToLower(strings.TrimSpace(c.Value))
		}
		out.Conditions = append(out.Conditions, c)
	}
	return out
}
