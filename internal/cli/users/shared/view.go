// Package shared holds what the users verbs (and mfa reset) share: how a
// user is shown, and how users go through POST /users/batch: a file's rows
// (Batch), or one user's dry run before a question (ConfirmOne).
package shared

import (
	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
)

// UserView shows users as NAME EMAIL ROLES LICENSES ACTIVE, and one user in detail.
var UserView = cmdutil.View[schema.User]{
	Columns: []string{"NAME", "EMAIL", "ROLES", "LICENSES", "ACTIVE"},
	Whole:   []string{"EMAIL"},
	Row: func(c *cmdutil.Cells, u schema.User) []string {
		return []string{u.Name, u.Email, c.List(u.Roles), c.List(u.Licenses), c.Bool(u.Active)}
	},
	Detail: func(c *cmdutil.Cells, u schema.User) []cmdutil.Field {
		return []cmdutil.Field{
			{Label: "Name", Value: u.Name},
			{Label: "Email", Value: u.Email},
			{Label: "ID", Value: u.ID},
			{Label: "Roles", Value: c.List(u.Roles)},
			{Label: "Licenses", Value: orNone(c, c.List(u.Licenses))},
			{Label: "Active", Value: c.Bool(u.Active)},
			{Label: "Call recording", Value: c.Bool(u.CallRecording)},
			{Label: "MFA enrolled", Value: c.Bool(u.MFAEnrolled)},
			{Label: "Created", Value: c.Time(u.CreatedAt)},
			{Label: "Updated", Value: c.Time(u.UpdatedAt)},
			{Label: "Last sign-in", Value: c.TimePtr(u.LastSignInAt, "never")},
		}
	},
}

func orNone(c *cmdutil.Cells, s string) string {
	if s == "" && c.IsHuman() {
		return "none"
	}
	return s
}
