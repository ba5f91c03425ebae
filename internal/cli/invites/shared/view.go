// Package shared holds what the invites verbs (and 'users invite') share.
package shared

import (
	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
)

// InviteView shows invites as EMAIL NAME ROLES LICENSES STATUS EXPIRES.
var InviteView = cmdutil.View[schema.Invite]{
	Columns: []string{"EMAIL", "NAME", "ROLES", "LICENSES", "STATUS", "EXPIRES"},
	Whole:   []string{"EMAIL"},
	Row: func(c *cmdutil.Cells, i schema.Invite) []string {
		return []string{i.Email, i.Name, c.List(i.Roles), c.List(i.Licenses), i.Status, c.Time(i.ExpiresAt)}
	},
	Detail: func(c *cmdutil.Cells, i schema.Invite) []cmdutil.Field {
		return []cmdutil.Field{
			{Label: "Email", Value: i.Email},
			{Label: "Name", Value: i.Name},
			{Label: "ID", Value: i.ID},
			{Label: "Roles", Value: c.List(i.Roles)},
			{Label: "Licenses", Value: c.List(i.Licenses)},
			{Label: "Status", Value: i.Status},
			{Label: "Expires", Value: c.Time(i.ExpiresAt)},
			{Label: "Created", Value: c.Time(i.CreatedAt)},
		}
	},
}
