package workspace

import (
	"context"
	"strings"
)

// OrgInput creates an org and its first admin.
type OrgInput struct {
	Slug       string
	Name       string
	AdminName  string
	AdminEmail string
}

// NewOrg is what CreateOrg made: the org, its first admin, and that admin's
// API token secret (shown once, never stored).
type NewOrg struct {
	Org    Org
	Admin  User
	Secret string
}

// CreateOrg creates an org with the default catalog, 3 licenses per product
// (R5), signup mode on, and its first admin with a token of every scope of
// /api/v1 (not scim: a provisioning token is made for that, by that admin).
// Only the operator does this.
func (s *Service) CreateOrg(ctx context.Context, in OrgInput) (out NewOrg, err error) {
	slug := strings.ToLower(strings.TrimSpace(in.Slug))
	if !isLabel(slug) {
		return out, &ValidationError{Field: "slug", Reason: quote(in.Slug) + " is not a valid slug: use lowercase letters, digits and hyphens"}
	}
	name := strings.TrimSpace(in.Name)
	if name == "" {
		return out, &ValidationError{Field: "name", Reason: "is required"}
	}
	adminName, err := validateName(in.AdminName)
	if err != nil {
		return out, &ValidationError{Field: "admin-name", Reason: err.(*ValidationError).Reason}
	}
	adminEmail, err := validateEmail(in.AdminEmail)
	if err != nil {
		return out, &ValidationError{Field: "admin-email", Reason: err.(*ValidationError).Reason}
	}
	err = s.decide(ctx, Principal{}, Apply, func(c *change) error {
		tx, now := c.tx, c.now
		if _, err := tx.OrgBySlug(ctx, slug); err == nil {
			return &ValidationError{Field: "slug", Reason: "an org " + quote(slug) + " already exists"}
		}
		org := Org{ID: s.ids.next("org", now), Slug: slug, Name: name, AutoSignup: true, CreatedAt: now}
		pools := make([]LicensePool, len(DefaultCatalog))
		for i, p := range DefaultCatalog {
			pools[i] = LicensePool{Product: p.Key, Name: p.Name, Total: DefaultLicensesPerProduct}
		}
		if err := tx.CreateOrg(ctx, org, pools); err != nil {
			return err
		}
		admin := User{ID: s.ids.next("usr", now), OrgID: org.ID, Name: adminName, Email: adminEmail, Roles: []Role{RoleAdmin},
			Licenses: []string{}, Active: true, CreatedAt: now, UpdatedAt: now, Version: 1}
		if err := tx.InsertUser(ctx, admin); err != nil {
			return err
		}
		op := Operator(org.ID)
		tok, secret := s.newToken(org.ID, admin, "first admin token", APIScopes, "", now)
		if err := tx.InsertToken(ctx, tok); err != nil {
			return err
		}
		out = NewOrg{Org: org, Admin: admin, Secret: secret}
		c.recordAs(op, "org.created", slug, nil,
			map[string]any{"name": name, "admin": adminEmail, "licenses_per_product": DefaultLicensesPerProduct})
		return nil
	})
	return out, err
}

// OrgBySlug finds an org for the operator commands.
func (s *Service) OrgBySlug(ctx context.Context, slug string) (org Org, err error) {
	err = s.store.View(ctx, func(tx Tx) error {
		org, err = tx.OrgBySlug(ctx, strings.ToLower(strings.TrimSpace(slug)))
		return err
	})
	return org, err
}

// SetLicenseTotal changes a pool's size; only the operator may, and never
// below what is in use (R5).
func (s *Service) SetLicenseTotal(ctx context.Context, p Principal, product string, total int) (out LicensePool, err error) {
	if !p.IsOperator() {
		return out, &ForbiddenError{Reason: "only the operator changes license totals (workspaced org set-licenses)"}
	}
	if total < 0 {
		return out, &ValidationError{Field: "total", Reason: "cannot be negative"}
	}
	err = s.decide(ctx, p, Apply, func(c *change) error {
		tx, now := c.tx, c.now
		pools, err := tx.LockPools(ctx, p.OrgID, now)
		if err != nil {
			return err
		}
		before, ok := findPool(pools, product)
		if !ok {
			return &NotFoundError{Kind: "product", Key: product}
		}
		if total < before.Used() {
			return &TotalBelowUsedError{Product: product, Used: before.Used(), Total: total}
		}
		if err := tx.SetPoolTotal(ctx, p.OrgID, product, total); err != nil {
			return err
		}
		out = before
		out.Total = total
		c.record("licenses.total_changed", product,
			map[string]int{"total": before.Total}, map[string]int{"total": total})
		return nil
	})
	return out, err
}

// AddUser is the operator's import of an already-known person: active at
// once, with R1's field checks and R4 (but not R2: the operator is not inviting).
func (s *Service) AddUser(ctx context.Context, p Principal, in InviteInput) (out Changed[User], err error) {
	if !p.IsOperator() {
		return out, &ForbiddenError{Reason: "only the operator adds users directly; admins invite them"}
	}
	err = s.decide(ctx, p, Apply, func(c *change) error {
		tx, now := c.tx, c.now
		pools, err := tx.Pools(ctx, p.OrgID, now)
		if err != nil {
			return err
		}
		v, err := validateInvite(in, pools)
		if err != nil {
			return err
		}
		if err := c.emailFree(ctx, v.email); err != nil {
			return err
		}
		if out.Notices, err = claimLicenses(ctx, tx, p.OrgID, v.licenses, now); err != nil {
			return err
		}
		u := User{ID: s.ids.next("usr", now), OrgID: p.OrgID, Name: v.name, Email: v.email, Roles: v.roles,
			Licenses: v.licenses, Active: true, CreatedAt: now, UpdatedAt: now, Version: 1}
		if err := tx.InsertUser(ctx, u); err != nil {
			return err
		}
		out.Value = u
		c.record("user.added", u.Email, nil, snapshotUser(u))
		return nil
	})
	return out, err
}

// SignUpAutomatically adds a person who signed in through the org's identity
// provider while signup mode is on (R7): active, role user, no licenses.
// It returns the existing user if the person is one already.
func (s *Service) SignUpAutomatically(ctx context.Context, orgID, name, email, requestID string) (out User, err error) {
	err = s.decide(ctx, Principal{OrgID: orgID, RequestID: requestID}, Apply, func(c *change) error {
		tx, now := c.tx, c.now
		org, err := tx.OrgByID(ctx, orgID)
		if err != nil {
			return err
		}
		if u, err := tx.UserByEmail(ctx, orgID, normalizeEmail(email)); err == nil {
			if u.CanSignIn() != nil {
				return &ForbiddenError{Reason: u.Email + " is deactivated in " + org.Name + "; ask an admin to activate the account"}
			}
			out = u
			return nil
		} else if !isNotFound(err) {
			return err
		}
		if !org.AutoSignup {
			return &ForbiddenError{Reason: "automatic sign-up is off for " + org.Name + "; ask an admin for an invite"}
		}
		if name, err = validateName(name); err != nil {
			return err
		}
		if email, err = validateEmail(email); err != nil {
			return err
		}
		u := User{ID: s.ids.next("usr", now), OrgID: orgID, Name: name, Email: email, Roles: []Role{RoleUser},
			Licenses: []string{}, Active: true, CreatedAt: now, UpdatedAt: now, Version: 1}
		if err := tx.InsertUser(ctx, u); err != nil {
			return err
		}
		out = u
		person := Principal{OrgID: orgID, UserID: u.ID, Email: u.Email, RequestID: requestID}
		c.recordAs(person, "user.signed_up", u.Email, nil, snapshotUser(u))
		return nil
	})
	return out, err
}
