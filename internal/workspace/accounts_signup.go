package workspace

import (
	"context"
	"time"
)

// InviteForSignup finds the pending invite of a signup link and its org
// (ErrInviteInvalid when the link was used, revoked, replaced or expired).
func (a *Accounts) InviteForSignup(ctx context.Context, token string) (inv Invite, org Org, err error) {
	err = a.svc.store.View(ctx, func(tx Tx) error {
		inv, err = tx.InviteByTokenHash(ctx, HashSecret(token))
		if isNotFound(err) || (err == nil && inv.StatusAt(a.svc.clock()) != InvitePending) {
			return ErrInviteInvalid
		}
		if err != nil {
			return err
		}
		org, err = tx.OrgByID(ctx, inv.OrgID)
		return err
	})
	return inv, org, err
}

// NewAccount is what a person set up on the signup page before the invite
// is accepted: a password hash ("" when they use the org's provider) and a
// TOTP secret whose first code verified at TOTPStep. UpstreamSubject is
// the provider account they signed up with (UpstreamInvite checked it),
// bound to the new user at once.
type NewAccount struct {
	PasswordHash    string
	TOTPSecret      string
	TOTPStep        int64
	UpstreamSubject string
}

// CompleteInviteSignup accepts the invite (R6: an active user with the
// invited roles and licenses; the link stops working) and stores the
// person's credentials, MFA enrolled, in one transaction: there is never a
// user without the credentials they chose, nor an invite used up by a
// signup that failed. The person is then signed in.
func (a *Accounts) CompleteInviteSignup(ctx context.Context, in AcceptInput, acct NewAccount) (out User, err error) {
	if acct.TOTPSecret == "" {
		return User{}, ErrMFANotEnrolled
	}
	err = a.svc.decide(ctx, Principal{RequestID: in.RequestID}, Apply, func(c *change) error {
		tx, now := c.tx, c.now
		u, err := c.acceptInvite(ctx, in)
		if err != nil {
			return err
		}
		cred := Credentials{OrgID: u.OrgID, UserID: u.ID, PasswordHash: acct.PasswordHash, TOTPSecret: acct.TOTPSecret,
			TOTPConfirmed: true, TOTPLastStep: acct.TOTPStep, UpdatedAt: now}
		if err := tx.PutCredentials(ctx, cred); err != nil {
			return err
		}
		if err := bindNewAccount(ctx, tx, u, acct, now); err != nil {
			return err
		}
		out, err = a.markEnrolled(ctx, c, u, in.RequestID)
		return err
	})
	return out, err
}

// bindNewAccount refuses a password where the org signs in through its
// provider only, and binds the provider account the person signed up with.
func bindNewAccount(ctx context.Context, tx Tx, u User, acct NewAccount, now time.Time) error {
	if acct.PasswordHash != "" {
		return checkLocalAccounts(ctx, tx, u.OrgID)
	}
	if acct.UpstreamSubject == "" {
		return nil
	}
	idp, err := tx.IdentityProvider(ctx, u.OrgID)
	if err != nil {
		return err
	}
	return linkUpstream(ctx, tx, u, idp, acct.UpstreamSubject, now)
}
