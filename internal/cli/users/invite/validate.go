package invite

import (
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"unicode"

	"github.com/wsctl/wsctl/internal/api/schema"
)

// Roles a user can hold (SPEC §1).
var Roles = []string{"admin", "manager", "user"}

// Validate checks R1 before anything is sent, naming the faulty field; the
// server checks again (and is the judge of products and email uniqueness).
func Validate(r schema.InviteRequest) error {
	switch {
	case r.Name == "":
		return fmt.Errorf("name: missing")
	case !validName(r.Name):
		return fmt.Errorf("name: %q may hold only letters, spaces, ' - and .", r.Name)
	case r.Email == "":
		return fmt.Errorf("email: missing")
	case !validEmail(r.Email):
		return fmt.Errorf("email: %q is not a valid address", r.Email)
	case len(r.Roles) == 0:
		return fmt.Errorf("roles: at least one of %s is needed", strings.Join(Roles, ", "))
	case len(r.Licenses) == 0:
		return fmt.Errorf("licenses: at least one product is needed, e.g. parallel-dialer")
	}
	for _, role := range r.Roles {
		if !slices.Contains(Roles, role) {
			return fmt.Errorf("roles: %q is not a role; use %s", role, strings.Join(Roles, ", "))
		}
	}
	return nil
}

func validName(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) && r != ' ' && r != '\'' && r != '-' && r != '.' {
			return false
		}
	}
	return strings.TrimSpace(s) != ""
}

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}
