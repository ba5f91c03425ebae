package workspace

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/url"
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
// transaction with the audit event.
func (s *Service) Invite(ctx context.Context, p Principal, in InviteInput) (out InviteOutcome, err error) {
	if err := p.requireAdmin(ScopeUsersWrite); err != nil {
		return out, err
	}
	err = s.store.Update(ctx, func(tx Tx) error {
		now := s.clock()
		pools, err := tx.Pools(ctx, p.OrgID, now)
		if err != nil {
			return err
		}
		v, err := validateInvite(in, pools)
		if err != nil {
			return err
		}
		if in.IdempotencyKey != "" {
			prior, err := tx.InviteByIdempotencyKey(ctx, p.OrgID, in.IdempotencyKey)
			if err == nil {
				if !v.sameAs(prior) {
					return &IdempotencyKeyReusedError{Key: in.IdempotencyKey}
				}
				prior.Status = prior.StatusAt(now)
				out = InviteOutcome{Invite: prior, Replayed: true}
				return nil
			}
			if !isNotFound(err) {
				return err
			}
		}
		org, err := tx.OrgByID(ctx, p.OrgID)
		if err != nil {
			return err
		}
		if org.AutoSignup {
			return ErrSignupModeOn
		}
		if err := s.emailFree(ctx, tx, p.OrgID, v.email, now); err != nil {
			return err
		}
		if out.Notices, err = claimLicenses(ctx, tx, p.OrgID, v.licenses, now); err != nil {
			return err
		}
		token, hash := newSecret("wsi_")
		inv := Invite{
			ID: s.ids.next("inv", now), OrgID: p.OrgID, Name: v.name, Email: v.email, Roles: v.roles,
			Licenses: v.licenses, Status: InvitePending, TokenHash: hash, IdempotencyKey: in.IdempotencyKey,
			InvitedBy: p.UserID, ExpiresAt: now.Add(InviteTTL), CreatedAt: now, UpdatedAt: now,
		}
		if err := tx.InsertInvite(ctx, inv); err != nil {
			return err
		}
		if err := tx.InsertOutbox(ctx, s.inviteEmail(org, inv, token, now)); err != nil {
			return err
		}
		out.Invite = inv
		return tx.InsertAudit(ctx, s.audit(p, p.OrgID, "invite.created", inv.Email, nil, snapshotInvite(inv), now))
	})
	return out, err
}

// emailFree checks R1's uniqueness: no user and no live pending invite has
// the email. A pending invite found past its expiry is marked expired.
func (s *Service) emailFree(ctx context.Context, tx Tx, orgID, email string, now time.Time) error {
	if _, err := tx.UserByEmail(ctx, orgID, normalizeEmail(email)); err == nil {
		return &EmailTakenError{Email: email, By: "user"}
	} else if !isNotFound(err) {
		return err
	}
	inv, err := tx.PendingInviteByEmail(ctx, orgID, normalizeEmail(email))
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if inv.StatusAt(now) == InvitePending {
		return &EmailTakenError{Email: email, By: "invite"}
	}
	expired := inv
	expired.Status, expired.UpdatedAt = InviteExpired, now
	if err := tx.UpdateInvite(ctx, expired); err != nil {
		return err
	}
	system := Principal{OrgID: orgID, Email: "system"}
	return tx.InsertAudit(ctx, s.audit(system, orgID, "invite.expired", inv.Email, snapshotInvite(inv), snapshotInvite(expired), now))
}

func isNotFound(err error) bool {
	var nf *NotFoundError
	return errors.As(err, &nf)
}

// signupURL is the link of an invite email.
func (s *Service) signupURL(token string) string {
	return s.baseURL + "/signup?token=" + url.QueryEscape(token)
}

// inviteEmail is the message an invite sends (R6), with a plain-text and an HTML part.
func (s *Service) inviteEmail(org Org, inv Invite, token string, now time.Time) OutboxMessage {
	link := s.signupURL(token)
	text := fmt.Sprintf("Hello %s,\n\nYou are invited to join %s on Workspace with the licenses: %s.\n\nSign up here (the link works once and expires on %s):\n%s\n",
		inv.Name, org.Name, strings.Join(inv.Licenses, ", "), inv.ExpiresAt.Format("2 January 2006"), link)
	page := fmt.Sprintf(`<p>Hello %s,</p><p>You are invited to join <b>%s</b> on Workspace with the licenses: %s.</p><p><a href="%s">Sign up</a> (the link works once and expires on %s).</p>`,
		html.EscapeString(inv.Name), html.EscapeString(org.Name), html.EscapeString(strings.Join(inv.Licenses, ", ")),
		html.EscapeString(link), inv.ExpiresAt.Format("2 January 2006"))
	return OutboxMessage{ID: s.ids.next("msg", now), OrgID: org.ID, To: inv.Email, InviteID: inv.ID,
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
	err = s.store.Update(ctx, func(tx Tx) error {
		now := s.clock()
		before, err := pendingInvite(ctx, tx, p.OrgID, ref, now)
		if err != nil {
			return err
		}
		org, err := tx.OrgByID(ctx, p.OrgID)
		if err != nil {
			return err
		}
		token, hash := newSecret("wsi_")
		after := before
		after.TokenHash, after.ExpiresAt, after.UpdatedAt = hash, now.Add(InviteTTL), now
		if err := tx.UpdateInvite(ctx, after); err != nil {
			return err
		}
		if err := tx.CancelInviteEmails(ctx, after.ID, "the invite was resent with a new link", now); err != nil {
			return err
		}
		if err := tx.InsertOutbox(ctx, s.inviteEmail(org, after, token, now)); err != nil {
			return err
		}
		out = after
		return tx.InsertAudit(ctx, s.audit(p, p.OrgID, "invite.resent", after.Email, snapshotInvite(before), snapshotInvite(after), now))
	})
	return out, err
}

// RevokeInvite cancels a pending invite and frees its reserved licenses (R6).
func (s *Service) RevokeInvite(ctx context.Context, p Principal, ref string) (out Invite, err error) {
	if err := p.requireAdmin(ScopeUsersWrite); err != nil {
		return out, err
	}
	err = s.store.Update(ctx, func(tx Tx) error {
		now := s.clock()
		before, err := pendingInvite(ctx, tx, p.OrgID, ref, now)
		if err != nil {
			return err
		}
		after := before
		after.Status, after.UpdatedAt = InviteRevoked, now
		if err := tx.UpdateInvite(ctx, after); err != nil {
			return err
		}
		if err := tx.CancelInviteEmails(ctx, after.ID, "the invite was revoked", now); err != nil {
			return err
		}
		out = after
		return tx.InsertAudit(ctx, s.audit(p, p.OrgID, "invite.revoked", after.Email, snapshotInvite(before), snapshotInvite(after), now))
	})
	return out, err
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
	err = s.store.Update(ctx, func(tx Tx) error {
		out, err = s.acceptInvite(ctx, tx, in, s.clock())
		return err
	})
	return out, err
}

// acceptInvite is AcceptInvite within tx, so that a signup can store the
// person's credentials in the same transaction.
func (s *Service) acceptInvite(ctx context.Context, tx Tx, in AcceptInput, now time.Time) (User, error) {
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
	if err := tx.InsertAudit(ctx, s.audit(person, inv.OrgID, "invite.accepted", u.Email, snapshotInvite(inv), snapshotUser(u), now)); err != nil {
		return User{}, err
	}
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
