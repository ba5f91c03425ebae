package workspace

import (
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"unicode"

	"github.com/mtibben/confusables"
)

// validateName checks R1: letters, spaces, apostrophes, hyphens and dots
// only; one script, and no letter under a stack of marks
// (validate_unicode.go).
func validateName(name string) (string, error) {
	name = strings.Join(strings.Fields(nfkc(name)), " ")
	if name == "" {
		return "", &ValidationError{Field: "name", Reason: "is required"}
	}
	if len(name) > 200 {
		return "", &ValidationError{Field: "name", Reason: "is longer than 200 characters"}
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.Is(unicode.Mn, r) && !strings.ContainsRune(" '-.", r) {
			return "", &ValidationError{Field: "name", Reason: quote(string(r)) + " is not allowed: use letters, spaces, ' - and . only"}
		}
	}
	if isASCII(name) {
		return name, nil
	}
	if a, b := mixedScripts(name); a != "" {
		return "", &ValidationError{Field: "name", Reason: "mixes " + a + " and " + b + " letters: write the name in one script, so that it cannot pass for another"}
	}
	if tooManyMarks(name) {
		return "", &ValidationError{Field: "name", Reason: fmt.Sprintf("has a letter with more than %d accents or marks", maxStackedMarks)}
	}
	return name, nil
}

// validateEmail checks R1: a bare, valid address such as ann@example.com,
// NFKC-normalized, and no look-alike of another (validate_unicode.go).
func validateEmail(email string) (string, error) {
	email = strings.TrimSpace(nfkc(email))
	if email == "" {
		return "", &ValidationError{Field: "email", Reason: "is required"}
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || addr.Name != "" {
		return "", &ValidationError{Field: "email", Reason: quote(email) + " is not a valid email address (like ann@example.com)"}
	}
	at := strings.LastIndexByte(email, '@')
	if at < 1 || !strings.Contains(email[at+1:], ".") || len(email) > 254 {
		return "", &ValidationError{Field: "email", Reason: quote(email) + " is not a valid email address (like ann@example.com)"}
	}
	// The local part, and each label of the domain: "почта.example" is a
	// Cyrillic name under a Latin top-level domain, as registries allow.
	for _, part := range append([]string{email[:at]}, strings.Split(email[at+1:], ".")...) {
		if isASCII(part) {
			continue // one script, no marks: the common case, and a bulk import's
		}
		if a, b := mixedScripts(part); a != "" {
			return "", &ValidationError{Field: "email", Reason: quote(email) + " mixes " + a + " and " + b + " letters, as addresses made to pass for others do; check how it was typed"}
		}
		if imitatesASCII(part) || tooManyMarks(part) {
			return "", &ValidationError{Field: "email", Reason: quote(email) + " is written in letters that look like plain ones (" + quote(confusables.Skeleton(part)) + "), as addresses made to pass for others are; type it in plain letters"}
		}
	}
	return email, nil
}

// ParseRoles checks role names (R1: at least one).
func ParseRoles(names []string) ([]Role, error) {
	var out []Role
	for _, n := range names {
		r := Role(strings.ToLower(strings.TrimSpace(n)))
		if r == "" {
			continue
		}
		if !slices.Contains(Roles, r) {
			return nil, &ValidationError{Field: "roles", Reason: "unknown role " + quote(n) + " (known: admin, manager, user)"}
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil, &ValidationError{Field: "roles", Reason: "at least one role is required (admin, manager, user)"}
	}
	sortRoles(out)
	return out, nil
}

func sortRoles(rs []Role) {
	slices.SortFunc(rs, func(a, b Role) int { return slices.Index(Roles, a) - slices.Index(Roles, b) })
}

// parseLicenses checks product keys against the org's pools; empty is allowed
// here and refused by the callers that need one (R1, R10).
func parseLicenses(names []string, pools []LicensePool) ([]string, error) {
	var out []string
	for _, n := range names {
		p := strings.ToLower(strings.TrimSpace(n))
		if p == "" {
			continue
		}
		if !slices.ContainsFunc(pools, func(pl LicensePool) bool { return pl.Product == p }) {
			known := make([]string, len(pools))
			for i, pl := range pools {
				known[i] = pl.Product
			}
			return nil, &ValidationError{Field: "licenses", Reason: "unknown product " + quote(n) + " (known: " + strings.Join(known, ", ") + ")"}
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out, nil
}

// InviteInput is what R1 asks of an invite.
type InviteInput struct {
	Name     string
	Email    string
	Roles    []string
	Licenses []string
	// IdempotencyKey makes a retried invite return the first one's result
	// instead of a second invite.
	IdempotencyKey string
}

// validInvite is an InviteInput that passed R1's field checks.
type validInvite struct {
	name, email string
	roles       []Role
	licenses    []string
}

// validateInvite checks every field of R1 that needs no storage, in the
// order a form shows them, and reports the first bad one.
func validateInvite(in InviteInput, pools []LicensePool) (validInvite, error) {
	v, err := validatePerson(in, pools)
	if err == nil && len(v.licenses) == 0 {
		err = errNoLicense()
	}
	return v, err
}

// validatePerson is validateInvite but for the licenses, which may be
// none: a roster's row may describe an active user who holds none (R7).
func validatePerson(in InviteInput, pools []LicensePool) (validInvite, error) {
	var v validInvite
	var err error
	if v.name, err = validateName(in.Name); err != nil {
		return v, err
	}
	if v.email, err = validateEmail(in.Email); err != nil {
		return v, err
	}
	if v.roles, err = ParseRoles(in.Roles); err != nil {
		return v, err
	}
	v.licenses, err = parseLicenses(in.Licenses, pools)
	return v, err
}

// errNoLicense is R1's refusal of an invite without a license.
func errNoLicense() error {
	return &ValidationError{Field: "licenses", Reason: "at least one license is required"}
}

// sameAs reports whether an earlier invite was made from this same input,
// for idempotent replays.
func (v validInvite) sameAs(inv Invite) bool {
	return v.name == inv.Name && normalizeEmail(v.email) == normalizeEmail(inv.Email) &&
		slices.Equal(v.roles, inv.Roles) && slices.Equal(v.licenses, inv.Licenses)
}

// ValidateInvite checks an invite's fields as R1 does, without storage: for
// a client's dry run. products are the org's product keys; nil skips the
// check of license names (but not that there is one).
func ValidateInvite(in InviteInput, products []string) error {
	var pools []LicensePool
	for _, p := range products {
		pools = append(pools, LicensePool{Product: p})
	}
	if products == nil {
		for _, l := range in.Licenses {
			pools = append(pools, LicensePool{Product: strings.ToLower(strings.TrimSpace(l))})
		}
	}
	_, err := validateInvite(in, pools)
	return err
}

// isLabel reports whether s is a DNS label, as slugs and the labels of
// domains are: 1 to 63 lowercase letters, digits and hyphens, with no
// hyphen first or last. (Written out rather than a regexp: the counted
// repetition of one compiled to a program that took about 0.6 ms of every
// start of wsctl and workspaced.)
func isLabel(s string) bool {
	if s == "" || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := range len(s) {
		if c := s[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// isDomain reports whether s is a domain name of two labels or more whose
// last starts with a letter, such as example.com. (Stricter than the regexp
// it replaced, as DNS is: no hyphen at the end of the last label, at most
// 253 characters.)
func isDomain(s string) bool {
	labels := strings.Split(s, ".")
	if len(labels) < 2 || len(s) > 253 {
		return false
	}
	for _, l := range labels {
		if !isLabel(l) {
			return false
		}
	}
	last := labels[len(labels)-1]
	return last[0] >= 'a' && last[0] <= 'z'
}
