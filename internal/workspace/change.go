package workspace

import (
	"context"
	"errors"
	"slices"
	"time"
)

// Mode says whether a change is made or only decided. A plan (a dry run, a
// preview) is the real decision run in a transaction that is rolled back,
// never a second copy of the rules: what a dry run answers is what the same
// request would do now.
type Mode int

const (
	// Apply makes the change.
	Apply Mode = iota
	// DryRun decides everything Apply would, then rolls the transaction back.
	DryRun
)

// errRolledBack ends the transaction of a dry run after its decisions.
var errRolledBack = errors.New("dry run: rolled back")

// change is one write transaction of the domain made on behalf of p. Every
// change it makes records its audit event through record (R14): the events
// are written with the change, in the same transaction, when fn returns.
type change struct {
	s   *Service
	tx  Tx
	p   Principal
	now time.Time

	events []AuditEvent
}

// decide runs fn in one write transaction for p and writes the audit
// events fn recorded; with DryRun it then rolls everything back. fn is run
// again from the start when the store retries the transaction, so it must
// fill its results anew each time.
func (s *Service) decide(ctx context.Context, p Principal, mode Mode, fn func(c *change) error) error {
	err := s.store.Update(ctx, func(tx Tx) error {
		c := &change{s: s, tx: tx, p: p, now: s.clock()}
		if err := fn(c); err != nil {
			return err
		}
		if err := tx.InsertAudits(ctx, c.events); err != nil {
			return err
		}
		if mode == DryRun {
			return errRolledBack
		}
		return nil
	})
	if errors.Is(err, errRolledBack) {
		return nil
	}
	return err
}

// record is the one way a change writes its audit event: by p, unless a
// change is made on behalf of someone else (as) — the system expiring an
// invite, a person accepting theirs.
func (c *change) record(action, target string, before, after any) {
	c.recordAs(c.p, action, target, before, after)
}

func (c *change) recordAs(p Principal, action, target string, before, after any) {
	c.events = append(c.events, c.s.audit(p, p.OrgID, action, target, before, after, c.now))
}

// saveUser writes after over before, with a new version, and records action.
// It is also the last guard of R13's admin grant for every change of a
// user: the paths that decide row by row refuse it earlier, with the row.
func (c *change) saveUser(ctx context.Context, action string, before, after User) (User, error) {
	if err := c.p.mayMakeAdmin(before.isActiveAdmin(), after.isActiveAdmin()); err != nil {
		return before, err
	}
	after.UpdatedAt, after.Version = c.now, before.Version+1
	if err := c.tx.UpdateUser(ctx, after); err != nil {
		return before, err
	}
	c.record(action, after.Email, snapshotUser(before), snapshotUser(after))
	return after, nil
}

// saveInvite writes after over before and records action.
func (c *change) saveInvite(ctx context.Context, action string, before, after Invite) (Invite, error) {
	if err := c.p.mayMakeAdmin(slices.Contains(before.Roles, RoleAdmin), slices.Contains(after.Roles, RoleAdmin)); err != nil {
		return before, err
	}
	after.UpdatedAt = c.now
	if err := c.tx.UpdateInvite(ctx, after); err != nil {
		return before, err
	}
	c.record(action, after.Email, snapshotInvite(before), snapshotInvite(after))
	return after, nil
}

// system is the actor of changes nobody asked for, such as an expiry.
func (c *change) system() Principal { return Principal{OrgID: c.p.OrgID, Email: "system"} }

// expireInvite marks a pending invite found past its expiry as expired.
func (c *change) expireInvite(ctx context.Context, inv Invite) error {
	expired := inv
	expired.Status, expired.UpdatedAt = InviteExpired, c.now
	if err := c.tx.UpdateInvite(ctx, expired); err != nil {
		return err
	}
	c.recordAs(c.system(), "invite.expired", inv.Email, snapshotInvite(inv), snapshotInvite(expired))
	return nil
}
