// Package revoke implements 'wsctl invites revoke'.
package revoke

import (
	"context"
	"fmt"

	"github.com/MakeNowJust/heredoc/v2"
	"github.com/spf13/cobra"

	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/iostreams"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/prompter"
	"github.com/wsctl/wsctl/internal/cli/invites/shared"
	"github.com/wsctl/wsctl/internal/client"
)

// RevokeOptions are the parsed flags of 'invites revoke'.
type RevokeOptions struct {
	IO       *iostreams.IOStreams
	Prompter prompter.Prompter
	Client   func() (*client.Client, error)
	Output   cmdutil.OutputOptions

	Invite string
	Yes    bool
}

// NewCmdRevoke builds 'invites revoke EMAIL'.
func NewCmdRevoke(f *cmdutil.Factory, runF func(*RevokeOptions) error) *cobra.Command {
	opts := &RevokeOptions{IO: f.IOStreams, Prompter: f.Prompter, Client: f.Client}
	cmd := &cobra.Command{
		Use:   "revoke EMAIL",
		Short: "Revoke a pending invite and free its licenses",
		Long: heredoc.Doc(`
			Revoke a pending invite (EMAIL may also be the invite's id): its signup
			link stops working and the licenses it reserved return to the pool.

			Asks for confirmation on a terminal; --yes skips it and is required
			when there is no terminal.
		`),
		Example: heredoc.Doc(`
			$ wsctl invites revoke ann@example.com
			$ wsctl invites revoke ann@example.com --yes
		`),
		Args: cmdutil.ExactArgs(1, "which invite? pass the invited email, e.g. 'wsctl invites revoke ann@example.com'"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Invite = args[0]
			if runF != nil {
				return runF(opts)
			}
			return revokeRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddYesFlag(cmd, &opts.Yes)
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	return cmd
}

func revokeRun(ctx context.Context, opts *RevokeOptions) error {
	question := fmt.Sprintf("Revoke the invite of %s? Its signup link stops working and its licenses are freed", opts.Invite)
	if err := cmdutil.Confirm(opts.IO, opts.Prompter, opts.Yes, "revoke the invite of "+opts.Invite, question); err != nil {
		return err
	}
	c, err := opts.Client()
	if err != nil {
		return err
	}
	inv, err := c.RevokeInvite(ctx, opts.Invite)
	if err != nil {
		return fmt.Errorf("revoke invite %s: %w", opts.Invite, err)
	}
	cmdutil.PrintNotices(opts.IO, inv.Notices)
	if opts.Output.IsMachine() {
		return cmdutil.PrintItem(opts.IO, opts.Output, shared.InviteView, inv)
	}
	cmdutil.Success(opts.IO, "Revoked the invite of %s; its licenses are back in the pool", inv.Email)
	return nil
}
