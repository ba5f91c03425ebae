package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/prompter"
	"github.com/wsctl/wsctl/internal/client"
)

// Exit codes (SPEC §4).
const (
	ExitOK      = 0
	ExitError   = 1
	ExitUsage   = 2
	ExitPartial = 3
	ExitAuth    = 4
)

// FlagError is a usage error: bad flags or arguments, a bad CSV header, a
// confirmation that cannot be asked. Exit 2.
type FlagError struct{ err error }

func (e *FlagError) Error() string { return e.err.Error() }
func (e *FlagError) Unwrap() error { return e.err }

// FlagErrorf returns a FlagError with a formatted message.
func FlagErrorf(format string, args ...any) error {
	return &FlagError{err: fmt.Errorf(format, args...)}
}

// FlagErrorWrap marks err as a usage error.
func FlagErrorWrap(err error) error { return &FlagError{err: err} }

// CancelError: the person declined or interrupted. Exit 1, message "cancelled".
var CancelError = errors.New("cancelled")

// SilentError: the command already told the person what went wrong. Exit 1.
var SilentError = errors.New("SilentError")

// PartialError: some items of a bulk operation failed, or a threshold was
// crossed; the command already printed the details. Exit 3.
type PartialError struct {
	Message string
}

func (e *PartialError) Error() string { return e.Message }

// AuthError: not signed in, or the token is not allowed to do this. Exit 4.
type AuthError struct{ err error }

func (e *AuthError) Error() string { return e.err.Error() }
func (e *AuthError) Unwrap() error { return e.err }

// AuthErrorf returns an AuthError with a formatted message.
func AuthErrorf(format string, args ...any) error {
	return &AuthError{err: fmt.Errorf(format, args...)}
}

// ExitCode maps any error a command returns to wsctl's exit code.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var (
		flagErr    *FlagError
		partialErr *PartialError
		authErr    *AuthError
		apiErr     *client.APIError
	)
	switch {
	case errors.As(err, &flagErr):
		return ExitUsage
	case errors.As(err, &partialErr):
		return ExitPartial
	case errors.As(err, &authErr):
		return ExitAuth
	case errors.As(err, &apiErr):
		if apiErr.Status == 401 || apiErr.Status == 403 {
			return ExitAuth
		}
		return ExitError
	case isCobraUsageError(err):
		return ExitUsage
	}
	return ExitError
}

// isCobraUsageError recognises the errors cobra returns without a type.
func isCobraUsageError(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command ", "unknown flag: ", "unknown shorthand flag: ",
		"flag needs an argument: ", "invalid argument ", "required flag(s) ", "accepts ", "requires at least ",
		"if any flags in the group "} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// ErrorMessage is what to print for err: what happened and what to do next.
// It returns "" for errors the command already reported.
func ErrorMessage(err error) string {
	if err == nil || errors.Is(err, SilentError) {
		return ""
	}
	if errors.Is(err, CancelError) || errors.Is(err, prompter.ErrInterrupted) {
		return "cancelled"
	}
	if errors.Is(err, context.Canceled) {
		return "interrupted"
	}
	var partialErr *PartialError
	if errors.As(err, &partialErr) && partialErr.Message == "" {
		return ""
	}
	var apiErr *client.APIError
	if errors.As(err, &apiErr) {
		return describeAPIError(err, apiErr)
	}
	return err.Error()
}

// describeAPIError adds the next step to the server's explanation, unless
// the server already gave one (its detail names a wsctl command). err is the
// whole chain, whose outer layers add context ("deactivate ann@…: …").
func describeAPIError(err error, e *client.APIError) string {
	msg := err.Error()
	p := e.Problem
	hasNextStep := strings.Contains(p.Detail, "'wsctl ") || strings.Contains(p.Detail, "WSCTL_")
	switch {
	case e.Status == 401:
		msg = fmt.Sprintf("not signed in to %s: %s", e.Host(), e.Error())
		if hasNextStep {
			return msg
		}
		return msg + " (set WSCTL_TOKEN to a valid API token, or run 'wsctl auth login')"
	case e.Status == 403:
		if !strings.Contains(strings.ToLower(msg), "forbidden") {
			msg = "forbidden: " + msg
		}
		switch {
		case e.Scope != "" && !strings.Contains(p.Detail, e.Scope):
			return fmt.Sprintf("%s (this needs an admin's token with the %s scope; an admin can create one with 'wsctl tokens create --name NAME --scope %s')", msg, e.Scope, e.Scope)
		case e.Scope != "" && !hasNextStep:
			return fmt.Sprintf("%s (an admin can create a token with it: 'wsctl tokens create --name NAME --scope %s')", msg, e.Scope)
		case e.Scope == "" && !hasNextStep:
			return msg + " (this needs an admin)"
		}
		return msg
	case hasNextStep:
		return msg
	case p.Code == schema.CodeLicenseExhausted:
		product := p.Product
		if product == "" {
			product = "PRODUCT"
		}
		return fmt.Sprintf("%s (free one with 'wsctl users edit USER --remove-license %s', or revoke a pending invite with 'wsctl invites revoke EMAIL'; see 'wsctl licenses show')", msg, product)
	case p.Code == schema.CodeSignupModeOn:
		return msg + " (users can sign up on their own; to invite them instead, turn it off with 'wsctl signup-mode off')"
	case p.Code == schema.CodeEditConflict:
		return msg + " (another admin changed this user since it was read; run the command again to apply your change to the latest version)"
	case p.Code == schema.CodeRateLimited || e.Status == 429:
		if e.RetryAfter > 0 {
			return fmt.Sprintf("%s (rate limited: try again in %s)", msg, e.RetryAfter)
		}
		return msg + " (rate limited: try again shortly)"
	case p.Code == schema.CodeInvalidField && p.Field != "" && !strings.Contains(msg, p.Field):
		return fmt.Sprintf("%s: %s", p.Field, msg)
	case e.Status >= 500:
		id := p.RequestID
		if id == "" {
			return fmt.Sprintf("server error: %s (try again; if it persists, ask the operator to check the workspaced logs)", msg)
		}
		return fmt.Sprintf("server error: %s (request id %s; try again, and if it persists give the request id to the operator)", msg, id)
	}
	return msg
}
