package workspace

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"time"
	"unicode/utf8"
)

// MaxPageSize bounds one page of any list.
const MaxPageSize = 1000

func pageSize(n int) int {
	if n <= 0 {
		return 100
	}
	return min(n, MaxPageSize)
}

// ListUsers lists the org's users by email, active only unless f says
// otherwise (R11). next is the cursor of the following page, "" at the end.
func (s *Service) ListUsers(ctx context.Context, p Principal, f UserFilter) (users []User, next string, err error) {
	if err := p.requireAdmin(ScopeUsersRead); err != nil {
		return nil, "", err
	}
	if f.Status == "" {
		f.Status = UsersActive
	}
	if n := utf8.RuneCountInString(f.Search); n > MaxFilterValue {
		// Matched as a LIKE pattern: SQLite refuses one past 50,000 bytes
		// as a failure, and no name or email is this long anyway.
		return nil, "", &ValidationError{Field: "search", Reason: fmt.Sprintf("has at most %d characters (a name or an email, or part of one), not %d", MaxFilterValue, n)}
	}
	limit := pageSize(f.Limit)
	f.Limit = limit + 1
	err = s.store.View(ctx, func(tx Tx) error {
		if f.License != "" {
			pools, err := tx.Pools(ctx, p.OrgID, s.clock())
			if err != nil {
				return err
			}
			if _, err := parseLicenses([]string{f.License}, pools); err != nil {
				return err
			}
		}
		users, err = tx.ListUsers(ctx, p.OrgID, f)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	if len(users) > limit {
		users = users[:limit]
		next = normalizeEmail(users[limit-1].Email)
	}
	return users, next, nil
}

// GetUser returns a user by id or email. Admins read anyone; others only
// themselves, and learn nothing of who else exists (R13).
func (s *Service) GetUser(ctx context.Context, p Principal, ref string) (u User, err error) {
	if err := p.requireScope(ScopeUsersRead); err != nil {
		return User{}, err
	}
	err = s.store.View(ctx, func(tx Tx) error {
		u, err = userByRef(ctx, tx, p.OrgID, ref)
		return err
	})
	if !p.isAdmin() && (isNotFound(err) || (err == nil && u.ID != p.UserID)) {
		return User{}, p.requireAdmin(ScopeUsersRead)
	}
	return u, err
}

// UserEdit is a change to a user (R8). IfVersion is the version the caller
// read; the edit is refused if the user changed since. 0 skips the check:
// a batch reads and writes each user in its own transaction.
//
// SetRoles and SetLicenses, when not nil, replace the user's roles or
// licenses (an edit from a file says what a user should hold); the Add and
// Remove lists change them one by one.
type UserEdit struct {
	Name           *string
	AddRoles       []string
	RemoveRoles    []string
	SetRoles       []string
	AddLicenses    []string
	RemoveLicenses []string
	SetLicenses    []string
	CallRecording  *bool
	IfVersion      int
}

// Changed is the result of a change: the new state, notices for the person
// who asked (R4's "that was the last license"), and, when nothing needed
// changing, why (NoOp: "already inactive").
type Changed[T any] struct {
	Value   T
	Notices []string
	NoOp    string
}

// single runs one user change: a batch of one, whose rule errors are the
// call's error.
func (s *Service) single(ctx context.Context, p Principal, scope Scope, fn func(c *change) (Changed[User], error)) (out Changed[User], err error) {
	if err := p.requireAdmin(scope); err != nil {
		return out, err
	}
	err = s.decide(ctx, p, Apply, func(c *change) error {
		out, err = fn(c)
		return err
	})
	return out, err
}

// EditUser applies an edit (R8), claiming added licenses under R4.
func (s *Service) EditUser(ctx context.Context, p Principal, ref string, e UserEdit) (Changed[User], error) {
	return s.single(ctx, p, ScopeUsersWrite, func(c *change) (Changed[User], error) { return c.edit(ctx, ref, e) })
}

// Deactivate releases the user's licenses, revokes their tokens and stops
// them signing in (R9). Deactivating an inactive user changes nothing, and
// the result says so.
func (s *Service) Deactivate(ctx context.Context, p Principal, ref string) (Changed[User], error) {
	return s.single(ctx, p, ScopeUsersWrite, func(c *change) (Changed[User], error) { return c.deactivate(ctx, ref) })
}

// Activate makes an inactive user active again with at least one license
// (R10). Activating a user who is active and holds every license asked for
// changes nothing, and the result says so.
func (s *Service) Activate(ctx context.Context, p Principal, ref string, licenses []string) (Changed[User], error) {
	return s.single(ctx, p, ScopeUsersWrite, func(c *change) (Changed[User], error) { return c.activate(ctx, ref, licenses) })
}

// ResetMFA removes the user's MFA enrollment and revokes their sessions and
// refresh tokens, so the next sign-in enrolls again (R12).
func (s *Service) ResetMFA(ctx context.Context, p Principal, ref string) (Changed[User], error) {
	return s.single(ctx, p, ScopeMFAReset, func(c *change) (Changed[User], error) { return c.resetMFA(ctx, ref) })
}

// UnlockSignIn lifts what failed sign-ins put on a user: the lock of wrong
// MFA codes and the slowdown of wrong passwords, for every client.
func (s *Service) UnlockSignIn(ctx context.Context, p Principal, ref string) (Changed[User], error) {
	return s.single(ctx, p, ScopeUsersWrite, func(c *change) (out Changed[User], err error) {
		if out.Value, err = userByRef(ctx, c.tx, c.p.OrgID, ref); err != nil {
			return out, err
		}
		if err := unlockSignIn(ctx, c.tx, c.p.OrgID, out.Value.Email); err != nil {
			return out, err
		}
		c.record("user.unlocked", out.Value.Email, nil, nil)
		return out, nil
	})
}

func (c *change) edit(ctx context.Context, ref string, e UserEdit) (out Changed[User], err error) {
	before, err := userByRef(ctx, c.tx, c.p.OrgID, ref)
	if err != nil {
		return out, err
	}
	if e.IfVersion != 0 && e.IfVersion != before.Version {
		return out, &ConflictError{Email: before.Email, Version: before.Version}
	}
	after, added, err := applyEdit(ctx, c.tx, before, e, c.now)
	if err != nil {
		return out, err
	}
	if reflect.DeepEqual(snapshotUser(before), snapshotUser(after)) {
		return Changed[User]{Value: before, NoOp: "nothing to change"}, nil // no write, no event, same ETag
	}
	if before.HasRole(RoleAdmin) && !after.HasRole(RoleAdmin) && before.Active {
		if err := keepAnAdmin(ctx, c.tx, c.p.OrgID); err != nil {
			return out, err
		}
	}
	if out.Notices, err = claimLicenses(ctx, c.tx, c.p.OrgID, added, c.now); err != nil {
		return out, err
	}
	out.Value, err = c.saveUser(ctx, "user.edited", before, after)
	return out, err
}

// applyEdit computes the edited user and the licenses it newly takes.
func applyEdit(ctx context.Context, tx Tx, u User, e UserEdit, now time.Time) (User, []string, error) {
	after := u
	after.Licenses = slices.Clone(u.Licenses)
	if e.Name != nil {
		name, err := validateName(*e.Name)
		if err != nil {
			return u, nil, err
		}
		after.Name = name
		// The parts an identity provider sent no longer make the name.
		after.GivenName, after.FamilyName = "", ""
	}
	roles, err := editRoles(u.Roles, e)
	if err != nil {
		return u, nil, err
	}
	after.Roles = roles
	var added []string
	if e.changesLicenses() {
		pools, err := tx.Pools(ctx, u.OrgID, now)
		if err != nil {
			return u, nil, err
		}
		if after.Licenses, added, err = editLicenses(u.Licenses, e, pools); err != nil {
			return u, nil, err
		}
		if len(added) > 0 && !u.Active {
			return u, nil, &ValidationError{Field: "licenses", Reason: fmt.Sprintf("%s is inactive; give licenses by activating: 'wsctl users activate %s --license ...'", u.Email, u.Email)}
		}
	}
	if e.CallRecording != nil {
		after.CallRecording = *e.CallRecording
	}
	return after, added, nil
}

func (e UserEdit) changesLicenses() bool {
	return e.SetLicenses != nil || len(e.AddLicenses) > 0 || len(e.RemoveLicenses) > 0
}

// editRoles is the roles an edit leaves: SetRoles, then AddRoles and
// RemoveRoles; at least one (R1).
func editRoles(held []Role, e UserEdit) ([]Role, error) {
	roles := slices.Clone(held)
	if e.SetRoles != nil {
		set, err := ParseRoles(e.SetRoles)
		if err != nil && len(e.SetRoles) > 0 {
			return nil, err
		}
		roles = set
	}
	if len(e.AddRoles) > 0 || len(e.RemoveRoles) > 0 {
		add, err := ParseRoles(e.AddRoles)
		if err != nil && len(e.AddRoles) > 0 {
			return nil, err
		}
		remove, err := ParseRoles(e.RemoveRoles)
		if err != nil && len(e.RemoveRoles) > 0 {
			return nil, err
		}
		for _, r := range add {
			if !slices.Contains(roles, r) {
				roles = append(roles, r)
			}
		}
		roles = slices.DeleteFunc(roles, func(r Role) bool { return slices.Contains(remove, r) })
	}
	if len(roles) == 0 {
		return nil, &ValidationError{Field: "roles", Reason: "a user keeps at least one role"}
	}
	sortRoles(roles)
	return roles, nil
}

// editLicenses is the licenses an edit leaves of held (SetLicenses, then
// AddLicenses and RemoveLicenses), checked against the org's products,
// and those among them newly taken, which R4 must allow.
func editLicenses(held []string, e UserEdit, pools []LicensePool) (after, added []string, err error) {
	add, err := parseLicenses(e.AddLicenses, pools)
	if err != nil {
		return nil, nil, err
	}
	remove, err := parseLicenses(e.RemoveLicenses, pools)
	if err != nil {
		return nil, nil, err
	}
	if e.SetLicenses != nil {
		set, err := parseLicenses(e.SetLicenses, pools)
		if err != nil {
			return nil, nil, err
		}
		add = append(add, set...)
		for _, l := range held {
			if !slices.Contains(set, l) {
				remove = append(remove, l)
			}
		}
	}
	after = slices.Clone(held)
	for _, l := range add {
		if !slices.Contains(after, l) && !slices.Contains(remove, l) {
			after = append(after, l)
			added = append(added, l)
		}
	}
	after = slices.DeleteFunc(after, func(l string) bool { return slices.Contains(remove, l) })
	slices.Sort(after)
	return nonNil(after), added, nil
}

// mayDeactivate is R9's first guard: nobody deactivates themself. (The
// other, keeping an active admin, is counted where the change is made.)
func (c *change) mayDeactivate(u User) error {
	if u.ID == c.p.UserID {
		return ErrSelfDeactivation
	}
	return nil
}

// mayActivateWith is R10: an activation gives at least one license.
func mayActivateWith(licenses []string) error {
	if len(licenses) == 0 {
		return ErrLicenseRequired
	}
	return nil
}

// keepAnAdmin refuses a change that would leave the org without an active
// admin (R9); called before the change, so the count includes the one leaving.
func keepAnAdmin(ctx context.Context, tx Tx, orgID string) error {
	n, err := tx.CountActiveAdmins(ctx, orgID)
	if err != nil {
		return err
	}
	if n <= 1 {
		return ErrLastAdmin
	}
	return nil
}

func (c *change) deactivate(ctx context.Context, ref string) (out Changed[User], err error) {
	before, err := userByRef(ctx, c.tx, c.p.OrgID, ref)
	if err != nil {
		return out, err
	}
	return c.deactivateUser(ctx, before)
}

// deactivateUser is R9's one rule, whoever asks (wsctl, a batch, SCIM):
// never oneself, never the last active admin; then offboard.
func (c *change) deactivateUser(ctx context.Context, before User) (out Changed[User], err error) {
	if err := c.mayDeactivate(before); err != nil {
		return out, err
	}
	if !before.Active {
		return Changed[User]{Value: before, NoOp: "already inactive"}, nil
	}
	if before.HasRole(RoleAdmin) {
		if err := keepAnAdmin(ctx, c.tx, c.p.OrgID); err != nil {
			return out, err
		}
	}
	return c.offboard(ctx, before)
}

// offboard deactivates an active user whom the rules allow to go (R9):
// their licenses return to the pool and their sessions and tokens end.
func (c *change) offboard(ctx context.Context, before User) (out Changed[User], err error) {
	after := before
	after.Active, after.Licenses = false, []string{}
	if out.Value, err = c.saveUser(ctx, "user.deactivated", before, after); err != nil {
		return out, err
	}
	if err := c.tx.RevokeUserTokens(ctx, c.p.OrgID, before.ID, c.now); err != nil {
		return out, err
	}
	return out, c.tx.RevokeUserSessions(ctx, c.p.OrgID, before.ID, c.now)
}

func (c *change) activate(ctx context.Context, ref string, licenses []string) (out Changed[User], err error) {
	before, err := userByRef(ctx, c.tx, c.p.OrgID, ref)
	if err != nil {
		return out, err
	}
	pools, err := c.tx.Pools(ctx, c.p.OrgID, c.now)
	if err != nil {
		return out, err
	}
	products, err := parseLicenses(licenses, pools)
	if err != nil {
		return out, err
	}
	if before.Active {
		if len(products) > 0 && !slices.ContainsFunc(products, func(l string) bool { return !slices.Contains(before.Licenses, l) }) {
			return Changed[User]{Value: before, NoOp: "already active with these licenses"}, nil
		}
		return out, ErrAlreadyActive
	}
	if err := mayActivateWith(products); err != nil {
		return out, err
	}
	if out.Notices, err = claimLicenses(ctx, c.tx, c.p.OrgID, products, c.now); err != nil {
		return out, err
	}
	after := before
	after.Active, after.Licenses = true, products
	// An admin bringing back someone the identity provider deleted makes
	// them visible to it again.
	after.DeprovisionedAt = nil
	out.Value, err = c.saveUser(ctx, "user.activated", before, after)
	return out, err
}

func (c *change) resetMFA(ctx context.Context, ref string) (out Changed[User], err error) {
	before, err := userByRef(ctx, c.tx, c.p.OrgID, ref)
	if err != nil {
		return out, err
	}
	// Sessions, OAuth tokens and API tokens all go: whoever reset the MFA
	// suspects the account, and a token made from it would outlive the
	// reset (security finding 11 of issue 12).
	after := before
	after.MFAEnrolled = false
	if out.Value, err = c.saveUser(ctx, "user.mfa_reset", before, after); err != nil {
		return out, err
	}
	// The secret goes too, so the next sign-in enrolls a new one.
	if err := c.tx.DeleteTOTP(ctx, c.p.OrgID, before.ID); err != nil {
		return out, err
	}
	if err := c.tx.RevokeUserTokens(ctx, c.p.OrgID, before.ID, c.now); err != nil {
		return out, err
	}
	return out, c.tx.RevokeUserSessions(ctx, c.p.OrgID, before.ID, c.now)
}
