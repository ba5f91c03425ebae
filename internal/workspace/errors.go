package workspace

import (
	"errors"
	"fmt"
	"strconv"
)

// Every error a user can cause is one of the types below; each has a stable
// Code (the API's problem code) and a message that says what to do next.

// Coded is an error with a stable machine-readable code.
type Coded interface {
	error
	Code() string
}

// CodeOf returns err's code, or "internal" when it has none.
func CodeOf(err error) string {
	var c Coded
	if errors.As(err, &c) {
		return c.Code()
	}
	return "internal"
}

// ValidationError is a missing or bad field (R1).
type ValidationError struct {
	Field  string
	Reason string
}

func (e *ValidationError) Error() string { return e.Field + ": " + e.Reason }
func (e *ValidationError) Code() string  { return "invalid_field" }

// EmailTakenError: the email already belongs to a user or a pending invite (R1).
type EmailTakenError struct {
	Email string
	By    string // "user" or "invite"
}

func (e *EmailTakenError) Error() string {
	if e.By == "invite" {
		return fmt.Sprintf("%s already has a pending invite (resend it with 'wsctl invites resend %s', or revoke it first)", e.Email, e.Email)
	}
	return fmt.Sprintf("%s is already a user of this org (see 'wsctl users show %s')", e.Email, e.Email)
}
func (e *EmailTakenError) Code() string { return "email_taken" }

// ErrSignupModeOn refuses invites while users sign up on their own (R2).
var ErrSignupModeOn = &simpleError{code: "signup_mode_on",
	msg: "invites are off while automatic sign-up is on: people of your org can sign up on their own; to invite instead, turn it off with 'wsctl signup-mode off'"}

// LicenseExhaustedError: no license of the product is left (R4).
type LicenseExhaustedError struct {
	Product string
	Used    int
	Total   int
}

func (e *LicenseExhaustedError) Error() string {
	return fmt.Sprintf("no %s license left: %d of %d in use (free one with 'wsctl users edit USER --remove-license %s', revoke a pending invite with 'wsctl invites revoke EMAIL', or ask the operator for more)",
		e.Product, e.Used, e.Total, e.Product)
}
func (e *LicenseExhaustedError) Code() string { return "license_exhausted" }

// TotalBelowUsedError: a pool cannot shrink below what is in use (R5).
type TotalBelowUsedError struct {
	Product string
	Used    int
	Total   int
}

func (e *TotalBelowUsedError) Error() string {
	return fmt.Sprintf("cannot set %s to %d licenses: %d are in use (assigned or reserved by pending invites); free some first", e.Product, e.Total, e.Used)
}
func (e *TotalBelowUsedError) Code() string { return "total_below_used" }

// NotFoundError: nothing of that kind with that key in the caller's org.
type NotFoundError struct {
	Kind string // "user", "invite", "org", "token", "product"
	Key  string
}

func (e *NotFoundError) Error() string {
	hint := ""
	switch e.Kind {
	case "user":
		hint = " (list users with 'wsctl users list --all')"
	case "invite":
		hint = " (list pending invites with 'wsctl invites list')"
	case "token":
		hint = " (list tokens with 'wsctl tokens list')"
	}
	return fmt.Sprintf("no %s %s%s", e.Kind, strconv.Quote(e.Key), hint)
}
func (e *NotFoundError) Code() string { return "not_found" }

// ForbiddenError: the caller's role or token scope does not allow it (R13).
type ForbiddenError struct {
	Reason string
	Scope  string // the missing scope, if that is the reason
}

func (e *ForbiddenError) Error() string { return "forbidden: " + e.Reason }
func (e *ForbiddenError) Code() string  { return "forbidden" }

// ConflictError: the user changed since the caller read it (R8).
type ConflictError struct {
	Email   string
	Version int
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s was changed by someone else since you read it (now version %d); read it again and re-apply your change", e.Email, e.Version)
}
func (e *ConflictError) Code() string { return "edit_conflict" }

// Errors with no data of their own.
var (
	ErrSelfDeactivation = &simpleError{code: "self_deactivation", msg: "you cannot deactivate yourself; ask another admin"}
	ErrLastAdmin        = &simpleError{code: "last_admin", msg: "an org must keep at least one active admin; make someone else admin first ('wsctl users edit USER --add-role admin')"}
	ErrLicenseRequired  = &simpleError{code: "license_required", msg: "activating a user needs at least one license (--license PRODUCT)"}
	ErrAlreadyActive    = &simpleError{code: "already_active", msg: "the user is already active; change their licenses with 'wsctl users edit'"}
	ErrInviteInvalid    = &simpleError{code: "invite_invalid", msg: "this signup link is not valid: it was already used, revoked, replaced by a newer one, or has expired; ask your admin to resend the invite"}
	ErrUnauthenticated  = &simpleError{code: "unauthenticated", msg: "the token is unknown, revoked or expired, or its user is deactivated"}
)

// InviteNotPendingError: only pending invites can be resent or revoked.
type InviteNotPendingError struct {
	Email  string
	Status InviteStatus
}

func (e *InviteNotPendingError) Error() string {
	return fmt.Sprintf("the invite of %s is %s, not pending; invite again with 'wsctl users invite'", e.Email, e.Status)
}
func (e *InviteNotPendingError) Code() string { return "invite_not_pending" }

// IdempotencyKeyReusedError: the same key came with a different request.
type IdempotencyKeyReusedError struct{ Key string }

func (e *IdempotencyKeyReusedError) Error() string {
	return fmt.Sprintf("Idempotency-Key %q was already used for a different request; use a new key", e.Key)
}
func (e *IdempotencyKeyReusedError) Code() string { return "idempotency_key_reused" }

type simpleError struct{ code, msg string }

func (e *simpleError) Error() string { return e.msg }
func (e *simpleError) Code() string  { return e.code }

func quote(s string) string { return strconv.Quote(s) }
