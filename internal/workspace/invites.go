package workspace

import (
	"context"
	"errors"
	"fmt"
	"html"
	"slices"
	"strings"
	"time"
)

// InviteOutcome is the result of an invite: the invite, the notices of R4,
// and whether it is the replay of an earlier request with the same key.
type InviteOutcome struct {
	Invite   Invite
	Notices  []string
	Replayed bool
}

// Invite invites a person (R1, R2, R4, R6): it reserves the licenses, and
// writes the email with the single-use signup link to the outbox, in one
// transaction with the audit event. It is a batch of one (InviteBatch), so
// one and many invites are decided by the same code.
func (s *Service) Invite(ctx context.Context, p Principal, in InviteInput) (InviteOutcome, error) {
	results, _, err := s.InviteBatch(ctx, p, []InviteInput{in}, Apply)
	if err != nil {
		return InviteOutcome{}, err
	}
	return results[0].Outcome, results[0].Err
}

// emailFree checks R1's uniqueness: no user and no live pending invite has
// the email. A pending invite found past its expiry is marked expired.
func (c *change) emailFree(ctx context.Context, email string) error {
	if _, err := c.tx.UserByEmail(ctx, c.p.OrgID, normalizeEmail(email)); err == nil {
		return &EmailTakenError{Email: email, By: "user"}
	} else if !isNotFound(err) {
		return err
	}
	inv, err := c.tx.PendingInviteByEmail(ctx, c.p.OrgID, normalizeEmail(email))
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if inv.StatusAt(c.now) == InvitePending {
		return &EmailTakenError{Email: email, By: "invite"}
	}
	return c.expireInvite(ctx, inv)
}

// mayInvite is R2: while people may sign up on their own, nobody is
// invited.
func mayInvite(org Org) error {
	if org.AutoSignup {
		return ErrSignupModeOn
	}
	return nil
}

func isNotFound(err error) bool {
	var nf *NotFoundError
	return errors.As(err, &nf)
}

// inviteEmail is the message an invite sends (R6), with a plain-text and
// an HTML part. The bodies hold the sign-up link with a placeholder for its
// token, which travels apart (LinkToken) until the message is sent
// (outbox_link.go).
func (s *Service) inviteEmail(org Org, inv Invite, token string, now time.Time) OutboxMessage {
	link := s.baseURL + "/signup?token=" + LinkTokenPlaceholder
	text := fmt.Sprintf("Hello %s,\n\nYou are invited to join %s on Workspace with the licenses: %s.\n\nSign up here (the link works once and expires on %s):\n%s\n",
		inv.Name, org.Name, strings.Join(inv.Licenses, ", "), inv.ExpiresAt.Format("2 January 2006"), link)
	page := fmt.Sprintf(`<p>Hello %s,</p><p>You are invited to join <b>%s</b> on Workspace with the licenses: %s.</p><p><a href="%s">Sign up</a> (the link works once and expires on %s).</p>`,
		html.EscapeString(inv.Name), html.EscapeString(org.Name), html.EscapeString(strings.Join(inv.Licenses, ", ")),
		html.EscapeString(link), inv.ExpiresAt.Format("2 January 2006"))
	return OutboxMessage{ID: s.ids.next("msg", now), OrgID: org.ID, To: inv.Email, InviteID: inv.ID, LinkToken: token,
		Subject: "You are invited to " + org.Name + " on Workspace", Text: text, HTML: page, CreatedAt: now}
}

// inviteByRef finds an invite by id or, when ref holds an @, the pending invite of that email.
func inviteByRef(ctx context.Context, tx Tx, orgID, ref string) (Invite, error) {
	ref = strings.TrimSpace(ref)
	if strings.Contains(ref, "@") {
		return tx.PendingInviteByEmail(ctx, orgID, normalizeEmail(ref))
	}
	return tx.InviteByID(ctx, orgID, ref)
}

// pendingInvite finds an invite that is still pending at now.
func pendingInvite(ctx context.Context, tx Tx, orgID, ref string, now time.Time) (Invite, error) {
	inv, err := inviteByRef(ctx, tx, orgID, ref)
	if err != nil {
		return inv, err
	}
	if st := inv.StatusAt(now); st != InvitePending {
		return inv, &InviteNotPendingError{Email: inv.Email, Status: st}
	}
	return inv, nil
}

// ResendInvite sends the invite again with a new link (the old one stops
// working) and a new 7-day expiry (R6).
func (s *Service) ResendInvite(ctx context.Context, p Principal, ref string) (out Invite, err error) {
	if err := p.requireAdmin(ScopeUsersWrite); err != nil {
		return out, err
	}
	err = s.decide(ctx, p, Apply, func(c *change) error {
		before, err := pendingInvite(ctx, c.tx, p.OrgID, ref, c.now)
		if err != nil {
			return err
		}
		org, err := c.tx.OrgByID(ctx, p.OrgID)
		if err != nil {
			return err
		}
		token, hash := newSecret("wsi_")
		after := before
		after.TokenHash, after.ExpiresAt = hash, c.now.Add(InviteTTL)
		if out, err = c.saveInvite(ctx, "invite.resent", before, after); err != nil {
			return err
		}
		if err := c.tx.CancelInviteEmails(ctx, after.ID, "the invite was resent with a new link", c.now); err != nil {
			return err
		}
		return c.tx.InsertOutbox(ctx, s.inviteEmail(org, out, token, c.now))
	})
	return out, err
}

// RevokeInvite cancels a pending invite and frees its reserved licenses (R6).
func (s *Service) RevokeInvite(ctx context.Context, p Principal, ref string) (out Invite, err error) {
	if err := p.requireAdmin(ScopeUsersWrite); err != nil {
		return out, err
	}
	err = s.decide(ctx, p, Apply, func(c *change) error {
		before, err := pendingInvite(ctx, c.tx, p.OrgID, ref, c.now)
		if err != nil {
			return err
		}
		out, err = c.revokeInvite(ctx, before)
		return err
	})
	return out, err
}

// revokeInvite revokes a pending invite: its reserved licenses are free
// again and its emails not sent yet are cancelled.
func (c *change) revokeInvite(ctx context.Context, before Invite) (Invite, error) {
	after := before
	after.Status = InviteRevoked
	after, err := c.saveInvite(ctx, "invite.revoked", before, after)
	if err != nil {
		return before, err
	}
	return after, c.tx.CancelInviteEmails(ctx, after.ID, "the invite was revoked", c.now)
}

// AcceptInvite completes signup from an invite link (R6): the person becomes
// an active user with the invited roles and licenses, the invite is accepted,
// and the link stops working. The email of the person signing up must be the
// invited one.
// AcceptInput is what the person signing up gives: the link's token and
// their identity. RequestID ties the audit event to the request.
type AcceptInput struct {
	Token, Name, Email string
	RequestID          string
}

func (s *Service) AcceptInvite(ctx context.Context, in AcceptInput) (out User, err error) {
	err = s.decide(ctx, Principal{RequestID: in.RequestID}, Apply, func(c *change) error {
		out, err = c.acceptInvite(ctx, in)
		return err
	})
	return out, err
}

// acceptInvite is AcceptInvite within a change, so that a signup can store
// the person's credentials in the same transaction. The person signing up
// is the actor of the change.
func (c *change) acceptInvite(ctx context.Context, in AcceptInput) (User, error) {
	s, tx, now := c.s, c.tx, c.now
	inv, err := tx.InviteByTokenHash(ctx, HashSecret(in.Token))
	if isNotFound(err) || (err == nil && inv.StatusAt(now) != InvitePending) {
		return User{}, ErrInviteInvalid
	}
	if err != nil {
		return User{}, err
	}
	if normalizeEmail(in.Email) != normalizeEmail(inv.Email) {
		return User{}, &ValidationError{Field: "email", Reason: "this invite is for " + inv.Email + "; sign up with that address"}
	}
	name := in.Name
	if strings.TrimSpace(name) == "" {
		name = inv.Name
	}
	if name, err = validateName(name); err != nil {
		return User{}, err
	}
	if _, err := tx.UserByEmail(ctx, inv.OrgID, normalizeEmail(inv.Email)); err == nil {
		return User{}, &EmailTakenError{Email: inv.Email, By: "user"}
	}
	// The reservation becomes the assignment: the pool's used count is
	// unchanged, but the lock keeps R4's count exact meanwhile.
	if _, err := tx.LockPools(ctx, inv.OrgID, now); err != nil {
		return User{}, err
	}
	u := User{ID: s.ids.next("usr", now), OrgID: inv.OrgID, Name: name, Email: inv.Email, Roles: slices.Clone(inv.Roles),
		Licenses: slices.Clone(inv.Licenses), Active: true, CreatedAt: now, UpdatedAt: now, Version: 1}
	accepted := inv
	accepted.Status, accepted.UpdatedAt, accepted.TokenHash = InviteAccepted, now, ""
	if err := tx.UpdateInvite(ctx, accepted); err != nil {
		return User{}, err
	}
	if err := tx.CancelInviteEmails(ctx, inv.ID, "the invite was accepted", now); err != nil {
		return User{}, err
	}
	if err := tx.InsertUser(ctx, u); err != nil {
		return User{}, err
	}
	person := Principal{OrgID: inv.OrgID, UserID: u.ID, Email: u.Email, RequestID: in.RequestID}
	c.recordAs(person, "invite.accepted", u.Email, snapshotInvite(inv), snapshotUser(u))
	return u, nil
}

// ListInvites lists invites by creation; f.Status "" lists every status.
func (s *Service) ListInvites(ctx context.Context, p Principal, f InviteFilter) (invites []Invite, next string, err error) {
	if err := p.requireAdmin(ScopeUsersRead); err != nil {
		return nil, "", err
	}
	now := s.clock()
	limit := pageSize(f.Limit)
	f.Limit, f.Now = limit+1, now
	err = s.store.View(ctx, func(tx Tx) error {
		invites, err = tx.ListInvites(ctx, p.OrgID, f)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	if len(invites) > limit {
		invites = invites[:limit]
		next = invites[limit-1].ID
	}
	for i := range invites {
		invites[i].Status = invites[i].StatusAt(now)
	}
	return invites, next, nil
}
