// Package users groups the 'wsctl users' commands.
package users

import (
	"github.com/MakeNowJust/heredoc/v2"
	"github.com/spf13/cobra"

	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/cli/users/activate"
	"github.com/wsctl/wsctl/internal/cli/users/deactivate"
	"github.com/wsctl/wsctl/internal/cli/users/edit"
	"github.com/wsctl/wsctl/internal/cli/users/invite"
	"github.com/wsctl/wsctl/internal/cli/users/list"
	"github.com/wsctl/wsctl/internal/cli/users/show"
	"github.com/wsctl/wsctl/internal/cli/users/sync"
	"github.com/wsctl/wsctl/internal/cli/users/unlock"
)

// NewCmdUsers builds 'wsctl users'.
func NewCmdUsers(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "users <command>",
		Short: "List, invite, edit, deactivate and activate users",
		RunE:  cmdutil.GroupRunE,
		Long: heredoc.Doc(`
			Manage the people of the workspace. A user is named by email or id.
		`),
		Example: heredoc.Doc(`
			$ wsctl users list
			$ wsctl users invite --name "Ann Lee" --email ann@example.com --role user --license flow
			$ wsctl users edit ann@example.com --add-license parallel-dialer
			$ wsctl users deactivate ann@example.com
		`),
		GroupID: "manage",
	}
	cmd.AddCommand(
		list.NewCmdList(f, nil),
		show.NewCmdShow(f, nil),
		invite.NewCmdInvite(f, nil),
		sync.NewCmdSync(f, nil),
		edit.NewCmdEdit(f, nil),
		deactivate.NewCmdDeactivate(f, nil),
		activate.NewCmdActivate(f, nil),
		unlock.NewCmdUnlock(f, nil),
	)
	return cmd
}
