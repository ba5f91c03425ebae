package workspace

import (
	"context"
	"slices"
)

// SignupMode tells whether users may sign up on their own (R2, R7).
func (s *Service) SignupMode(ctx context.Context, p Principal) (on bool, err error) {
	if p.requireAdmin(ScopeUsersRead) != nil {
		if err := p.requireAdmin(ScopeSettingsWrite); err != nil {
			return false, err
		}
	}
	err = s.store.View(ctx, func(tx Tx) error {
		org, err := tx.OrgByID(ctx, p.OrgID)
		on = org.AutoSignup
		return err
	})
	return on, err
}

// SetSignupMode turns automatic sign-up on or off. The CLI asks for
// confirmation first (R3); setting the current value changes nothing.
func (s *Service) SetSignupMode(ctx context.Context, p Principal, on bool) error {
	if err := p.requireAdmin(ScopeSettingsWrite); err != nil {
		return err
	}
	return s.decide(ctx, p, Apply, func(c *change) error {
		tx := c.tx
		org, err := tx.OrgByID(ctx, p.OrgID)
		if err != nil || org.AutoSignup == on {
			return err
		}
		if err := tx.SetAutoSignup(ctx, p.OrgID, on); err != nil {
			return err
		}
		c.record("signup_mode.changed", org.Slug,
			map[string]bool{"auto_signup": org.AutoSignup}, map[string]bool{"auto_signup": on})
		return nil
	})
}

// Pools returns the org's license pools with their counts. Any member with
// the licenses:read scope may read them (CI audits use such a token).
func (s *Service) Pools(ctx context.Context, p Principal) (pools []LicensePool, err error) {
	if err := p.requireScope(ScopeLicensesRead); err != nil {
		return nil, err
	}
	err = s.store.View(ctx, func(tx Tx) error {
		pools, err = tx.Pools(ctx, p.OrgID, s.clock())
		return err
	})
	return pools, err
}

// ListAudit lists audit events, newest first.
func (s *Service) ListAudit(ctx context.Context, p Principal, f AuditFilter) (events []AuditEvent, next string, err error) {
	if err := p.requireAdmin(ScopeAuditRead); err != nil {
		return nil, "", err
	}
	limit := pageSize(f.Limit)
	f.Limit = limit + 1
	err = s.store.View(ctx, func(tx Tx) error {
		events, err = tx.ListAudit(ctx, p.OrgID, f)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	if len(events) > limit {
		events = events[:limit]
		next = events[limit-1].ID
	}
	return events, next, nil
}

// Outbox lists the org's outbox messages, oldest first, for the operator.
func (s *Service) Outbox(ctx context.Context, p Principal) (msgs []OutboxMessage, err error) {
	return s.OutboxWithStatus(ctx, p, "")
}

// OutboxWithStatus lists the org's outbox messages of one status ("" for
// every status), oldest first, for the operator, as they are sent: the
// sign-up links of those still to go out in their bodies, since without
// an SMTP server the operator hands them out.
func (s *Service) OutboxWithStatus(ctx context.Context, p Principal, status OutboxStatus) (msgs []OutboxMessage, err error) {
	if !p.IsOperator() {
		return nil, &ForbiddenError{Reason: "only the operator reads the outbox"}
	}
	err = s.store.View(ctx, func(tx Tx) error {
		msgs, err = tx.ListOutbox(ctx, p.OrgID)
		return err
	})
	if err != nil {
		return nil, err
	}
	if status != "" {
		msgs = slices.DeleteFunc(msgs, func(m OutboxMessage) bool { return m.Status != status })
	}
	for i := range msgs {
		msgs[i] = msgs[i].Rendered()
	}
	return msgs, nil
}
