// Package invites groups the 'wsctl invites' commands.
package invites

import (
	"github.com/MakeNowJust/heredoc/v2"
	"github.com/spf13/cobra"

	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/cli/invites/list"
	"github.com/wsctl/wsctl/internal/cli/invites/resend"
	"github.com/wsctl/wsctl/internal/cli/invites/revoke"
)

// NewCmdInvites builds 'wsctl invites'.
func NewCmdInvites(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "invites <command>",
		Short: "List, resend and revoke invites",
		RunE:  cmdutil.GroupRunE,
		Long: heredoc.Doc(`
			Manage invites: pending invites reserve their licenses until accepted,
			revoked or expired (7 days). Create invites with 'wsctl users invite'.
		`),
	}
	cmd.AddCommand(list.NewCmdList(f, nil), resend.NewCmdResend(f, nil), revoke.NewCmdRevoke(f, nil))
	return cmd
}
