package workspace

import (
	"context"
	"fmt"
)

// UserAction is what a UserBatch does to each of its users.
type UserAction string

// The actions of UserBatch, one per single-user change.
const (
	ActionDeactivate UserAction = "deactivate"
	ActionActivate   UserAction = "activate"
	ActionEdit       UserAction = "edit"
	ActionResetMFA   UserAction = "mfa_reset"
)

// UserActions lists every UserAction.
var UserActions = []UserAction{ActionDeactivate, ActionActivate, ActionEdit, ActionResetMFA}

// UserOp is one row of a UserBatch: the user (id or email), the licenses
// to activate with, or the edit to make.
type UserOp struct {
	User     string
	Licenses []string
	Edit     UserEdit
}

// UserResult is one row's outcome of a UserBatch: the change, or the rule
// the row broke (a Coded error, as the single-user call would return it).
type UserResult struct {
	Changed[User]
	Err error
}

// scope is what a token needs for the action.
func (a UserAction) scope() (Scope, error) {
	switch a {
	case ActionDeactivate, ActionActivate, ActionEdit:
		return ScopeUsersWrite, nil
	case ActionResetMFA:
		return ScopeMFAReset, nil
	}
	return "", &ValidationError{Field: "action", Reason: fmt.Sprintf("unknown action %s (one of deactivate, activate, edit, mfa_reset)", quote(string(a)))}
}

// UserBatch applies one action to many users, each row with its own
// outcome, as the single-user calls would one after the other (R8, R9,
// R10, R12, R4): a row that breaks a rule fails alone and changes nothing.
// The rows run in one write transaction, so R4 and the last-admin rule of
// R9 hold across them. With DryRun every row is decided as Apply would
// decide it now, and nothing is kept. The error is for the whole call:
// forbidden (R13), too many rows, an unknown action, or a store failure
// (then nothing stays).
//
// pools are the org's license pools as the batch leaves them (for a dry
// run, as it would leave them), counted in its transaction.
func (s *Service) UserBatch(ctx context.Context, p Principal, action UserAction, ops []UserOp, mode Mode) (results []UserResult, pools []LicensePool, err error) {
	scope, err := action.scope()
	if err != nil {
		return nil, nil, err
	}
	if err := p.requireAdmin(scope); err != nil {
		return nil, nil, err
	}
	if limit := maxRows(mode); len(ops) > limit {
		return nil, nil, &ValidationError{Field: "users", Reason: fmt.Sprintf("at most %d users per request, not %d; send them in several requests", limit, len(ops))}
	}
	results = make([]UserResult, len(ops))
	err = s.decide(ctx, p, mode, func(c *change) error {
		for i, op := range ops {
			out, err := c.userOp(ctx, action, op)
			if err != nil && CodeOf(err) == "internal" {
				return err
			}
			results[i] = UserResult{Changed: out, Err: err}
		}
		pools, err = c.tx.Pools(ctx, p.OrgID, c.now)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return results, pools, nil
}

// userOp is one row of a batch: every rule is checked before the row's
// first write, so a row refused leaves nothing behind in the transaction.
func (c *change) userOp(ctx context.Context, action UserAction, op UserOp) (Changed[User], error) {
	switch action {
	case ActionDeactivate:
		return c.deactivate(ctx, op.User)
	case ActionActivate:
		return c.activate(ctx, op.User, op.Licenses)
	case ActionEdit:
		return c.edit(ctx, op.User, op.Edit)
	case ActionResetMFA:
		return c.resetMFA(ctx, op.User)
	}
	_, err := action.scope()
	return Changed[User]{}, err
}
