package workspace

import (
	"context"
	"reflect"
	"strings"
)

// Provisioning is an identity provider (Okta, Entra ID) managing the org's
// people through SCIM 2.0 (internal/scim translates the protocol). Its
// calls need an admin's token with the scim scope (R13), and every rule
// holds as for wsctl: licenses are claimed under R4, deactivation is R9's
// one rule, activation needs a license (R10), every change writes its
// audit event (R14). What differs is only what SCIM itself asks for:
//   - a person the identity provider creates is an active user at once,
//     with no invite and no email: they sign in through the identity
//     provider (R2 is about invites, so signup mode does not matter);
//   - a person it deletes is deactivated and marked deprovisioned: gone
//     for SCIM, still listed by 'wsctl users list --inactive'; creating
//     them again revives the same user.

// Provision is what an identity provider asks of a person. A nil field is
// not part of the request and leaves the person's value as it is (a new
// person gets role user, no license, and is active as activeFor says).
// The Set lists, when not nil, replace the roles or licenses; Add and
// Remove change them one by one.
type Provision struct {
	Email      *string // SCIM's userName
	ExternalID *string
	// The name is the given and family names joined when either is sent,
	// else the formatted name, else the display name.
	GivenName, FamilyName, Formatted, DisplayName *string
	Active                                        *bool

	SetRoles, AddRoles, RemoveRoles          []string
	SetLicenses, AddLicenses, RemoveLicenses []string

	// IfVersion is the version the identity provider read (If-Match); 0
	// skips the check.
	IfVersion int
}

// ErrProvisionLicenseRequired is R10's refusal (mayActivateWith) said to
// an identity provider: an inactive person becomes active only with a
// license in the same request, since they hold none while inactive.
var ErrProvisionLicenseRequired = &simpleError{code: "license_required",
	msg: "an inactive user becomes active only with at least one license: send the licenses attribute of the workspace extension with active true (or assign the license in the identity provider)"}

// ProvisionedUser is a person as the identity provider sees them; one
// deprovisioned (or of another org, R13) is not found.
func (s *Service) ProvisionedUser(ctx context.Context, p Principal, id string) (u User, err error) {
	if err := p.requireAdmin(ScopeSCIM); err != nil {
		return u, err
	}
	err = s.store.View(ctx, func(tx Tx) error {
		u, err = provisionedByID(ctx, tx, p.OrgID, id)
		return err
	})
	return u, err
}

// ProvisionedUsers lists the people f selects and counts them all.
func (s *Service) ProvisionedUsers(ctx context.Context, p Principal, f ProvisionFilter) (users []User, total int, err error) {
	if err := p.requireAdmin(ScopeSCIM); err != nil {
		return nil, 0, err
	}
	if err := f.Check(); err != nil {
		return nil, 0, &ValidationError{Field: "filter", Reason: err.Error()}
	}
	f = f.normalized()
	err = s.store.View(ctx, func(tx Tx) error {
		if total, err = tx.CountProvisionedUsers(ctx, p.OrgID, f); err != nil || f.Limit == 0 {
			return err
		}
		users, err = tx.ProvisionedUsers(ctx, p.OrgID, f)
		return err
	})
	return users, total, err
}

// ProvisionUser creates a person (SCIM POST): an active user at once,
// unless pr says inactive, holding the licenses asked for (R4). An email
// of a user already there is taken, unless that user was deprovisioned:
// then that user is revived, active again (R10, R4).
func (s *Service) ProvisionUser(ctx context.Context, p Principal, pr Provision) (Changed[User], error) {
	return s.single(ctx, p, ScopeSCIM, func(c *change) (Changed[User], error) { return c.provision(ctx, pr) })
}

// ReprovisionUser changes a person (SCIM PUT and PATCH): Active false
// deactivates them by R9's rule, true activates them with a license
// (R10); the other fields change as an edit does (R1, R4, R8).
func (s *Service) ReprovisionUser(ctx context.Context, p Principal, id string, pr Provision) (Changed[User], error) {
	return s.single(ctx, p, ScopeSCIM, func(c *change) (Changed[User], error) {
		before, err := provisionedByID(ctx, c.tx, c.p.OrgID, id)
		if err != nil {
			return Changed[User]{}, err
		}
		if pr.IfVersion != 0 && pr.IfVersion != before.Version {
			return Changed[User]{}, &ConflictError{Email: before.Email, Version: before.Version}
		}
		return c.reprovision(ctx, before, pr)
	})
}

// DeprovisionUser is the identity provider deleting a person (SCIM
// DELETE): deactivated by R9's rule (licenses released, sessions and
// tokens ended; never oneself, never the last active admin), then marked
// deprovisioned.
func (s *Service) DeprovisionUser(ctx context.Context, p Principal, id string) (Changed[User], error) {
	return s.single(ctx, p, ScopeSCIM, func(c *change) (out Changed[User], err error) {
		before, err := provisionedByID(ctx, c.tx, c.p.OrgID, id)
		if err != nil {
			return out, err
		}
		if out, err = c.deactivateUser(ctx, before); err != nil {
			return out, err
		}
		gone := out.Value
		gone.DeprovisionedAt = &c.now
		out.Value, err = c.saveUser(ctx, "user.deprovisioned", out.Value, gone)
		return out, err
	})
}

func provisionedByID(ctx context.Context, tx Tx, orgID, id string) (User, error) {
	u, err := tx.UserByID(ctx, orgID, strings.TrimSpace(id))
	if err == nil && u.DeprovisionedAt != nil {
		return User{}, &NotFoundError{Kind: "user", Key: id}
	}
	return u, err
}

func (c *change) provision(ctx context.Context, pr Provision) (out Changed[User], err error) {
	if pr.Email == nil {
		return out, &ValidationError{Field: "userName", Reason: "is required: the person's email address"}
	}
	email, err := validateEmail(*pr.Email)
	if err != nil {
		return out, asField(err, "userName")
	}
	pr.Email = nil
	existing, err := c.tx.UserByEmail(ctx, c.p.OrgID, normalizeEmail(email))
	switch {
	case err == nil && existing.DeprovisionedAt == nil:
		return out, &EmailTakenError{Email: email, By: "user"}
	case err == nil:
		return c.revive(ctx, existing, pr)
	case !isNotFound(err):
		return out, err
	}
	if err := c.emailFree(ctx, email); err != nil {
		return out, err
	}
	if pr.SetRoles == nil {
		pr.SetRoles = []string{string(RoleUser)}
	}
	blank := User{ID: c.s.ids.next("usr", c.now), OrgID: c.p.OrgID, Email: email, Licenses: []string{},
		CreatedAt: c.now, UpdatedAt: c.now}
	u, err := c.provisioned(ctx, blank, pr)
	if err != nil {
		return out, err
	}
	if u.Name == "" {
		return out, &ValidationError{Field: "name", Reason: "is required: send name.givenName and name.familyName, or displayName"}
	}
	if u.Active = pr.activeFor(u.Licenses); u.Active {
		if out.Notices, err = claimLicenses(ctx, c.tx, c.p.OrgID, u.Licenses, c.now); err != nil {
			return out, err
		}
	} else {
		u.Licenses = []string{} // an inactive user holds none (R9)
	}
	u.Version = 1
	if err := c.p.mayMakeAdmin(false, u.isActiveAdmin()); err != nil {
		return out, err
	}
	if err := c.tx.InsertUser(ctx, u); err != nil {
		return out, err
	}
	out.Value = u
	c.record("user.provisioned", u.Email, nil, snapshotUser(u))
	return out, nil
}

// activeFor is whether a person created (or created again) with these
// licenses is active: as the identity provider says; when it says nothing,
// active with a license and inactive without one, since only an explicit
// active true makes a user without a license (as automatic sign-up does,
// R7), and activation otherwise needs a license (R10).
func (pr Provision) activeFor(licenses []string) bool {
	if pr.Active != nil {
		return *pr.Active
	}
	return mayActivateWith(licenses) == nil
}

// revive brings back a deprovisioned user the identity provider creates
// again: as pr says, active unless told otherwise, with a license then (R10).
func (c *change) revive(ctx context.Context, before User, pr Provision) (out Changed[User], err error) {
	after, err := c.provisioned(ctx, before, pr)
	if err != nil {
		return out, err
	}
	after.DeprovisionedAt, after.Active = nil, pr.activeFor(after.Licenses)
	if after.Active {
		if mayActivateWith(after.Licenses) != nil {
			return out, ErrProvisionLicenseRequired
		}
		if out.Notices, err = claimLicenses(ctx, c.tx, c.p.OrgID, after.Licenses, c.now); err != nil {
			return out, err
		}
	} else {
		after.Licenses = []string{}
	}
	out.Value, err = c.saveUser(ctx, "user.provisioned", before, after)
	return out, err
}

// reprovision applies pr to a user the identity provider sees.
func (c *change) reprovision(ctx context.Context, before User, pr Provision) (out Changed[User], err error) {
	after, err := c.provisioned(ctx, before, pr)
	if err != nil {
		return out, err
	}
	switch {
	case before.Active && pr.Active != nil && !*pr.Active:
		// The other fields first, then R9's one rule (which releases every license).
		after.Licenses = before.Licenses
		edited, err := c.saveProvisioned(ctx, before, after)
		if err != nil {
			return out, err
		}
		return c.deactivateUser(ctx, edited.Value)
	case !before.Active && pr.Active != nil && *pr.Active:
		if mayActivateWith(after.Licenses) != nil {
			return out, ErrProvisionLicenseRequired
		}
		if out.Notices, err = claimLicenses(ctx, c.tx, c.p.OrgID, after.Licenses, c.now); err != nil {
			return out, err
		}
		after.Active = true
		out.Value, err = c.saveUser(ctx, "user.activated", before, after)
		return out, err
	case !before.Active:
		// Licenses come with an activation, never to an inactive user (R9, R10).
		after.Licenses = before.Licenses
	}
	return c.saveProvisioned(ctx, before, after)
}

// saveProvisioned saves the edit of a user who stays as active as they
// were: licenses newly taken obey R4, and the last active admin keeps
// the role (R9). Nothing changed is no write and no event.
func (c *change) saveProvisioned(ctx context.Context, before, after User) (out Changed[User], err error) {
	if reflect.DeepEqual(snapshotUser(before), snapshotUser(after)) {
		return Changed[User]{Value: before, NoOp: "nothing to change"}, nil
	}
	if before.Active && before.HasRole(RoleAdmin) && !after.HasRole(RoleAdmin) {
		if err := keepAnAdmin(ctx, c.tx, c.p.OrgID); err != nil {
			return out, err
		}
	}
	if before.Active {
		added := missingFrom(after.Licenses, before.Licenses)
		if out.Notices, err = claimLicenses(ctx, c.tx, c.p.OrgID, added, c.now); err != nil {
			return out, err
		}
	}
	out.Value, err = c.saveUser(ctx, "user.edited", before, after)
	return out, err
}

// provisioned is u with pr's fields but Active applied, each checked as
// R1 checks an invite's: the email free (users and pending invites), the
// name of letters, roles and products known. Its errors name SCIM's
// attribute.
func (c *change) provisioned(ctx context.Context, u User, pr Provision) (User, error) {
	after := u
	if pr.Email != nil {
		email, err := validateEmail(*pr.Email)
		if err != nil {
			return u, asField(err, "userName")
		}
		if normalizeEmail(email) != normalizeEmail(u.Email) {
			if err := c.emailFree(ctx, email); err != nil {
				return u, err
			}
		}
		after.Email = email
	}
	if pr.ExternalID != nil {
		after.ExternalID = strings.TrimSpace(*pr.ExternalID)
	}
	if err := pr.applyName(&after); err != nil {
		return u, err
	}
	edit := UserEdit{SetRoles: pr.SetRoles, AddRoles: pr.AddRoles, RemoveRoles: pr.RemoveRoles,
		SetLicenses: pr.SetLicenses, AddLicenses: pr.AddLicenses, RemoveLicenses: pr.RemoveLicenses}
	roles, err := editRoles(u.Roles, edit)
	if err != nil {
		return u, err
	}
	after.Roles = roles
	if edit.changesLicenses() {
		pools, err := c.tx.Pools(ctx, c.p.OrgID, c.now)
		if err != nil {
			return u, err
		}
		if after.Licenses, _, err = editLicenses(u.Licenses, edit, pools); err != nil {
			return u, err
		}
	}
	return after, nil
}

// applyName sets u's name from the parts pr sends, each part checked as
// R1 checks a name and named by its SCIM attribute when refused.
func (pr Provision) applyName(u *User) error {
	var name, field string
	switch {
	case pr.GivenName != nil || pr.FamilyName != nil:
		if pr.GivenName != nil {
			u.GivenName = strings.TrimSpace(*pr.GivenName)
		}
		if pr.FamilyName != nil {
			u.FamilyName = strings.TrimSpace(*pr.FamilyName)
		}
		for _, part := range []struct{ field, value string }{{"name.givenName", u.GivenName}, {"name.familyName", u.FamilyName}} {
			if _, err := validateName(part.value); part.value != "" && err != nil {
				return asField(err, part.field)
			}
		}
		name, field = strings.TrimSpace(u.GivenName+" "+u.FamilyName), "name"
	case pr.Formatted != nil:
		name, field = *pr.Formatted, "name.formatted"
	case pr.DisplayName != nil:
		name, field = *pr.DisplayName, "displayName"
	default:
		return nil
	}
	valid, err := validateName(name)
	if err != nil {
		return asField(err, field)
	}
	u.Name = valid
	return nil
}

// asField renames the field of a validation error: the same rule, said in
// the words of the caller's protocol.
func asField(err error, field string) error {
	if v, ok := err.(*ValidationError); ok {
		return &ValidationError{Field: field, Reason: v.Reason}
	}
	return err
}
