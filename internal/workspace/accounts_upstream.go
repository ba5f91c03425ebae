package workspace

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
)

// UpstreamIdentity is what the provider said of the person.
type UpstreamIdentity struct {
	Subject       string // the provider's stable id of the person (HubSpot: user_id)
	Email         string
	EmailVerified bool
	Name          string
	// Account is the provider account the person signed in to (HubSpot:
	// hub_id, the portal); "" for OpenID Connect.
	Account string
}

// UpstreamRefusedError: the person signed in at the provider but may not
// sign in here; Reason says why and what to do.
type UpstreamRefusedError struct{ Reason string }

func (e *UpstreamRefusedError) Error() string { return e.Reason }
func (e *UpstreamRefusedError) Code() string  { return "upstream_refused" }

// SetIdentityProvider configures the org's provider; only the operator
// does (workspaced org set-idp). The client secret is never audited.
func (a *Accounts) SetIdentityProvider(ctx context.Context, p Principal, in IdentityProvider) (out IdentityProvider, err error) {
	if !p.IsOperator() {
		return out, &ForbiddenError{Reason: "only the operator configures identity providers (workspaced org set-idp)"}
	}
	v, err := validateIdentityProvider(in)
	if err != nil {
		return out, err
	}
	err = a.svc.decide(ctx, p, Apply, func(c *change) error {
		tx, now := c.tx, c.now
		org, err := tx.OrgByID(ctx, p.OrgID)
		if err != nil {
			return err
		}
		v.OrgID, v.UpdatedAt = org.ID, now
		if err := tx.PutIdentityProvider(ctx, v); err != nil {
			return err
		}
		out = v
		c.record("identity_provider.set", org.Slug, nil, v.auditView())
		return nil
	})
	return out, err
}

// RemoveIdentityProvider turns the org's provider off (workspaced org remove-idp).
func (a *Accounts) RemoveIdentityProvider(ctx context.Context, p Principal) error {
	if !p.IsOperator() {
		return &ForbiddenError{Reason: "only the operator configures identity providers"}
	}
	return a.svc.decide(ctx, p, Apply, func(c *change) error {
		tx := c.tx
		before, err := tx.IdentityProvider(ctx, p.OrgID)
		if err != nil {
			return err
		}
		if err := tx.DeleteIdentityProvider(ctx, p.OrgID); err != nil {
			return err
		}
		c.record("identity_provider.removed", before.linkIssuer(), before.auditView(), nil)
		return nil
	})
}

// IdentityProvider returns the org's provider (a *NotFoundError if none).
func (a *Accounts) IdentityProvider(ctx context.Context, orgID string) (out IdentityProvider, err error) {
	err = a.svc.store.View(ctx, func(tx Tx) error {
		out, err = tx.IdentityProvider(ctx, orgID)
		return err
	})
	return out, err
}

// OrgBySlug finds an org for the sign-in pages.
func (a *Accounts) OrgBySlug(ctx context.Context, slug string) (Org, error) {
	return a.svc.OrgBySlug(ctx, slug)
}

// OrgByID finds an org for the sign-in pages.
func (a *Accounts) OrgByID(ctx context.Context, id string) (org Org, err error) {
	err = a.svc.store.View(ctx, func(tx Tx) error {
		org, err = tx.OrgByID(ctx, id)
		return err
	})
	return org, err
}

// SignInUpstream decides who a person who signed in at the org's provider
// is here. The provider account must be of the org's (HubSpot: its
// portal). A provider account bound to a user signs that user in, whatever
// its email says now (it may have changed at the provider). An account not
// yet bound is matched by its verified email once, and bound: the user
// with that email, or, while signup mode is on and the provider lets the
// person sign up (mayAutoSignUp), a new user added by R7 (active, role
// user, no licenses). Anyone else is refused with the reason.
func (a *Accounts) SignInUpstream(ctx context.Context, orgID string, id UpstreamIdentity, requestID string) (User, error) {
	if strings.TrimSpace(id.Subject) == "" {
		return User{}, errNoSubject
	}
	var org Org
	var idp IdentityProvider
	var u User
	var match upstreamMatch
	err := a.svc.store.View(ctx, func(tx Tx) error {
		var err error
		if org, idp, err = orgProvider(ctx, tx, orgID); err != nil {
			return err
		}
		if err := idp.admits(org, id); err != nil {
			return err
		}
		u, match, err = upstreamUser(ctx, tx, orgID, idp, id)
		return err
	})
	switch {
	case err != nil:
		return User{}, err
	case match != matchNone && u.CanSignIn() != nil:
		return User{}, ErrUserDeactivated
	case match == matchLink:
		return u, nil
	case match == matchEmail:
		if err := a.bindUpstream(ctx, orgID, u, idp, id.Subject); err != nil {
			return User{}, err
		}
		return u, nil
	}
	return a.signUpUpstream(ctx, org, idp, id, requestID)
}

// upstreamMatch is how a provider account was matched to a user.
type upstreamMatch int

const (
	matchNone  upstreamMatch = iota // nobody here yet
	matchLink                       // the user bound to the provider account
	matchEmail                      // first sign-in through the provider: the user with its email
)

var errNoSubject = &UpstreamRefusedError{Reason: "your identity provider sent no subject for your account, so it cannot sign you in here; ask your admin to check the provider"}

func orgProvider(ctx context.Context, tx Tx, orgID string) (org Org, idp IdentityProvider, err error) {
	if org, err = tx.OrgByID(ctx, orgID); err != nil {
		return org, idp, err
	}
	idp, err = tx.IdentityProvider(ctx, orgID)
	return org, idp, err
}

// upstreamUser finds the user of a provider account: by its binding
// first, so that an email changed at the provider still finds its user;
// only an account bound to nobody is matched by its verified email.
func upstreamUser(ctx context.Context, tx Tx, orgID string, idp IdentityProvider, id UpstreamIdentity) (User, upstreamMatch, error) {
	userID, err := tx.UpstreamUser(ctx, orgID, idp.linkIssuer(), id.Subject)
	if err == nil {
		u, err := tx.UserByID(ctx, orgID, userID)
		return u, matchLink, err
	}
	if !isNotFound(err) {
		return User{}, matchNone, err
	}
	if err := verifiedEmail(id); err != nil {
		return User{}, matchNone, err
	}
	u, err := tx.UserByEmail(ctx, orgID, normalizeEmail(id.Email))
	if isNotFound(err) {
		return User{}, matchNone, nil
	}
	return u, matchEmail, err
}

func verifiedEmail(id UpstreamIdentity) error {
	if strings.TrimSpace(id.Email) == "" || !id.EmailVerified {
		return &UpstreamRefusedError{Reason: "your identity provider did not confirm your email address, so it cannot sign you in here; ask your admin to check the provider's settings"}
	}
	return nil
}

// signUpUpstream adds a person the provider signed in who is not yet a
// user (R7), when the provider lets them sign up, and binds them.
func (a *Accounts) signUpUpstream(ctx context.Context, org Org, idp IdentityProvider, id UpstreamIdentity, requestID string) (User, error) {
	email := strings.TrimSpace(id.Email)
	if err := idp.mayAutoSignUp(org, email); err != nil {
		return User{}, err
	}
	u, err := a.svc.SignUpAutomatically(ctx, org.ID, nameForSignup(id.Name, email), email, requestID)
	var forbidden *ForbiddenError
	if errors.As(err, &forbidden) {
		return User{}, &UpstreamRefusedError{Reason: forbidden.Reason}
	}
	if err == nil && u.CanSignIn() != nil { // added meanwhile by someone else, and deactivated
		return User{}, ErrUserDeactivated
	}
	if err != nil {
		return User{}, err
	}
	if err := a.bindUpstream(ctx, org.ID, u, idp, id.Subject); err != nil {
		return User{}, err
	}
	return u, nil
}

// bindUpstream ties the user to the provider account at the first sign-in
// through the provider, and afterwards accepts only that account: an email
// alone never decides who someone is, so a provider account whose email
// changes to another person's cannot take that person's account over.
func (a *Accounts) bindUpstream(ctx context.Context, orgID string, u User, idp IdentityProvider, subject string) error {
	return a.svc.store.Update(ctx, func(tx Tx) error {
		return linkUpstream(ctx, tx, u, idp, subject, a.svc.clock())
	})
}

// linkUpstream binds u to the provider account inside tx (see bindUpstream).
func linkUpstream(ctx context.Context, tx Tx, u User, idp IdentityProvider, subject string, now time.Time) error {
	if strings.TrimSpace(subject) == "" {
		return errNoSubject
	}
	provider := cmp.Or(idp.Name, "your identity provider")
	bound, err := tx.UpstreamSubject(ctx, u.OrgID, u.ID, idp.linkIssuer())
	switch {
	case err == nil && bound == subject:
		return nil
	case err == nil:
		return &UpstreamRefusedError{Reason: fmt.Sprintf("%s is bound to another account at %s; sign in there with the account you used before, or ask an admin", u.Email, provider)}
	case !isNotFound(err):
		return err
	}
	linked, err := tx.LinkUpstream(ctx, u.OrgID, u.ID, idp.linkIssuer(), subject, now)
	if err == nil && !linked {
		return &UpstreamRefusedError{Reason: fmt.Sprintf("this account at %s is already bound to another user of the org; sign in with your own account", provider)}
	}
	return err
}

func domainList(ds []string) string {
	if len(ds) == 0 {
		return "none"
	}
	return strings.Join(ds, ", ")
}

// nameForSignup makes a name R1 accepts from what the provider said, or
// from the email's local part when the provider's has other characters.
func nameForSignup(name, email string) string {
	if n, err := validateName(name); err == nil {
		return n
	}
	local := email[:max(strings.IndexByte(email, '@'), 0)]
	clean := strings.Map(func(r rune) rune {
		switch {
		case unicode.IsLetter(r), r == '\'', r == '-':
			return r
		case r == '.', r == '_', r == ' ':
			return ' '
		}
		return -1
	}, name+" ")
	if n, err := validateName(clean); err == nil {
		return n
	}
	clean = strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) {
			return r
		}
		if r == '.' || r == '_' || r == '-' {
			return ' '
		}
		return -1
	}, local)
	if n, err := validateName(clean); err == nil {
		return n
	}
	return "New member"
}

// ErrInviteForSomeoneElse: the provider signed in a person whose verified
// email is not the invited one (R6).
var ErrInviteForSomeoneElse = &simpleError{code: "invite_for_someone_else",
	msg: "this invite is for another email address than the one your identity provider signed you in with"}

// UpstreamInvite decides whether the person the provider signed in may
// complete the invite of token (R6): the invite is pending, the provider
// account is of the org's (HubSpot: its portal), and its verified email is
// the invited one. CompleteInviteSignup then binds the account.
func (a *Accounts) UpstreamInvite(ctx context.Context, token string, id UpstreamIdentity) (Invite, Org, error) {
	inv, org, err := a.InviteForSignup(ctx, token)
	if err != nil {
		return inv, org, err
	}
	err = a.svc.store.View(ctx, func(tx Tx) error {
		_, idp, err := orgProvider(ctx, tx, org.ID)
		if err != nil {
			return err
		}
		return idp.admits(org, id)
	})
	if err != nil {
		return inv, org, err
	}
	if verifiedEmail(id) != nil || normalizeEmail(id.Email) != normalizeEmail(inv.Email) {
		return inv, org, ErrInviteForSomeoneElse
	}
	return inv, org, nil
}

// LocalAccountsOffError: the org signs in through its provider only, so
// passwords are not taken.
type LocalAccountsOffError struct{ Org, Provider string }

func (e *LocalAccountsOffError) Error() string {
	return fmt.Sprintf("%s signs in with %s only: use the \"Sign in with %s\" button (passwords are off for %s)", e.Org, e.Provider, e.Provider, e.Org)
}
func (e *LocalAccountsOffError) Code() string { return "local_accounts_off" }

// CheckLocalAccounts refuses passwords for an org that signs in through
// its provider only (the sign-in and signup pages ask before showing or
// taking a password).
func (a *Accounts) CheckLocalAccounts(ctx context.Context, orgID string) error {
	return a.svc.store.View(ctx, func(tx Tx) error { return checkLocalAccounts(ctx, tx, orgID) })
}

func checkLocalAccounts(ctx context.Context, tx Tx, orgID string) error {
	org, idp, err := orgProvider(ctx, tx, orgID)
	if isNotFound(err) || (err == nil && !idp.ProviderOnly) {
		return nil
	}
	if err != nil {
		return err
	}
	return &LocalAccountsOffError{Org: org.Name, Provider: idp.Name}
}
