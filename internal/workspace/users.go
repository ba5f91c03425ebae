package workspace

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"time"
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
// read; the edit is refused if the user changed since.
type UserEdit struct {
	Name           *string
	AddRoles       []string
	RemoveRoles    []string
	AddLicenses    []string
	RemoveLicenses []string
	CallRecording  *bool
	IfVersion      int
}

// Changed is the result of a change: the new state and notices for the
// person who asked (R4's "that was the last license").
type Changed[T any] struct {
	Value   T
	Notices []string
}

// EditUser applies an edit (R8), claiming added licenses under R4.
func (s *Service) EditUser(ctx context.Context, p Principal, ref string, e UserEdit) (out Changed[User], err error) {
	if err := p.requireAdmin(ScopeUsersWrite); err != nil {
		return out, err
	}
	err = s.store.Update(ctx, func(tx Tx) error {
		now := s.clock()
		before, err := userByRef(ctx, tx, p.OrgID, ref)
		if err != nil {
			return err
		}
		if e.IfVersion != before.Version {
			return &ConflictError{Email: before.Email, Version: before.Version}
		}
		after, added, err := s.applyEdit(ctx, tx, before, e, now)
		if err != nil {
			return err
		}
		if reflect.DeepEqual(snapshotUser(before), snapshotUser(after)) {
			out.Value = before // nothing to change: no write, no event, same ETag
			return nil
		}
		if before.HasRole(RoleAdmin) && !after.HasRole(RoleAdmin) && before.Active {
			if err := keepAnAdmin(ctx, tx, p.OrgID); err != nil {
				return err
			}
		}
		if out.Notices, err = claimLicenses(ctx, tx, p.OrgID, added, now); err != nil {
			return err
		}
		after.UpdatedAt, after.Version = now, before.Version+1
		if err := tx.UpdateUser(ctx, after); err != nil {
			return err
		}
		out.Value = after
		return tx.InsertAudit(ctx, s.audit(p, p.OrgID, "user.edited", after.Email, snapshotUser(before), snapshotUser(after), now))
	})
	return out, err
}

// applyEdit computes the edited user and the licenses it newly takes.
func (s *Service) applyEdit(ctx context.Context, tx Tx, u User, e UserEdit, now time.Time) (User, []string, error) {
	after := u
	after.Roles = slices.Clone(u.Roles)
	after.Licenses = slices.Clone(u.Licenses)
	if e.Name != nil {
		name, err := validateName(*e.Name)
		if err != nil {
			return u, nil, err
		}
		after.Name = name
	}
	if len(e.AddRoles) > 0 || len(e.RemoveRoles) > 0 {
		add, err := ParseRoles(e.AddRoles)
		if err != nil && len(e.AddRoles) > 0 {
			return u, nil, err
		}
		remove, err := ParseRoles(e.RemoveRoles)
		if err != nil && len(e.RemoveRoles) > 0 {
			return u, nil, err
		}
		for _, r := range add {
			if !slices.Contains(after.Roles, r) {
				after.Roles = append(after.Roles, r)
			}
		}
		after.Roles = slices.DeleteFunc(after.Roles, func(r Role) bool { return slices.Contains(remove, r) })
		if len(after.Roles) == 0 {
			return u, nil, &ValidationError{Field: "roles", Reason: "a user keeps at least one role"}
		}
		sortRoles(after.Roles)
	}
	var added []string
	if len(e.AddLicenses) > 0 || len(e.RemoveLicenses) > 0 {
		pools, err := tx.Pools(ctx, u.OrgID, now)
		if err != nil {
			return u, nil, err
		}
		add, err := parseLicenses(e.AddLicenses, pools)
		if err != nil {
			return u, nil, err
		}
		remove, err := parseLicenses(e.RemoveLicenses, pools)
		if err != nil {
			return u, nil, err
		}
		if len(add) > 0 && !u.Active {
			return u, nil, &ValidationError{Field: "licenses", Reason: fmt.Sprintf("%s is inactive; give licenses by activating: 'wsctl users activate %s --license ...'", u.Email, u.Email)}
		}
		for _, l := range add {
			if !slices.Contains(after.Licenses, l) && !slices.Contains(remove, l) {
				after.Licenses = append(after.Licenses, l)
				added = append(added, l)
			}
		}
		after.Licenses = slices.DeleteFunc(after.Licenses, func(l string) bool { return slices.Contains(remove, l) })
		slices.Sort(after.Licenses)
	}
	if e.CallRecording != nil {
		after.CallRecording = *e.CallRecording
	}
	return after, added, nil
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

// Deactivate releases the user's licenses, revokes their tokens and stops
// them signing in (R9). Deactivating an inactive user changes nothing.
func (s *Service) Deactivate(ctx context.Context, p Principal, ref string) (out User, err error) {
	if err := p.requireAdmin(ScopeUsersWrite); err != nil {
		return out, err
	}
	err = s.store.Update(ctx, func(tx Tx) error {
		now := s.clock()
		before, err := userByRef(ctx, tx, p.OrgID, ref)
		if err != nil {
			return err
		}
		if before.ID == p.UserID {
			return ErrSelfDeactivation
		}
		if !before.Active {
			out = before
			return nil
		}
		if before.HasRole(RoleAdmin) {
			if err := keepAnAdmin(ctx, tx, p.OrgID); err != nil {
				return err
			}
		}
		after := before
		after.Active, after.Licenses = false, []string{}
		after.UpdatedAt, after.Version = now, before.Version+1
		if err := tx.UpdateUser(ctx, after); err != nil {
			return err
		}
		if err := tx.RevokeUserTokens(ctx, p.OrgID, before.ID, now); err != nil {
			return err
		}
		if err := tx.RevokeUserSessions(ctx, p.OrgID, before.ID, now); err != nil {
			return err
		}
		out = after
		return tx.InsertAudit(ctx, s.audit(p, p.OrgID, "user.deactivated", after.Email, snapshotUser(before), snapshotUser(after), now))
	})
	return out, err
}

// Activate makes an inactive user active again with at least one license (R10).
func (s *Service) Activate(ctx context.Context, p Principal, ref string, licenses []string) (out Changed[User], err error) {
	if err := p.requireAdmin(ScopeUsersWrite); err != nil {
		return out, err
	}
	err = s.store.Update(ctx, func(tx Tx) error {
		now := s.clock()
		before, err := userByRef(ctx, tx, p.OrgID, ref)
		if err != nil {
			return err
		}
		if before.Active {
			return ErrAlreadyActive
		}
		pools, err := tx.Pools(ctx, p.OrgID, now)
		if err != nil {
			return err
		}
		products, err := parseLicenses(licenses, pools)
		if err != nil {
			return err
		}
		if len(products) == 0 {
			return ErrLicenseRequired
		}
		if out.Notices, err = claimLicenses(ctx, tx, p.OrgID, products, now); err != nil {
			return err
		}
		after := before
		after.Active, after.Licenses = true, products
		after.UpdatedAt, after.Version = now, before.Version+1
		if err := tx.UpdateUser(ctx, after); err != nil {
			return err
		}
		out.Value = after
		return tx.InsertAudit(ctx, s.audit(p, p.OrgID, "user.activated", after.Email, snapshotUser(before), snapshotUser(after), now))
	})
	return out, err
}

// ResetMFA removes the user's MFA enrollment and revokes their sessions and
// refresh tokens, so the next sign-in enrolls again (R12).
func (s *Service) ResetMFA(ctx context.Context, p Principal, ref string) (out User, err error) {
	if err := p.requireAdmin(ScopeMFAReset); err != nil {
		return out, err
	}
	err = s.store.Update(ctx, func(tx Tx) error {
		now := s.clock()
		before, err := userByRef(ctx, tx, p.OrgID, ref)
		if err != nil {
			return err
		}
		// API tokens are not sessions and stay; sessions and OAuth tokens go.
		after := before
		after.MFAEnrolled = false
		after.UpdatedAt, after.Version = now, before.Version+1
		if err := tx.UpdateUser(ctx, after); err != nil {
			return err
		}
		// The secret goes too, so the next sign-in enrolls a new one.
		if err := tx.DeleteTOTP(ctx, p.OrgID, before.ID); err != nil {
			return err
		}
		if err := tx.RevokeUserSessions(ctx, p.OrgID, before.ID, now); err != nil {
			return err
		}
		out = after
		return tx.InsertAudit(ctx, s.audit(p, p.OrgID, "user.mfa_reset", after.Email, snapshotUser(before), snapshotUser(after), now))
	})
	return out, err
}
