// Package resend implements 'wsctl invites resend'.
package resend

import (
	"context"
	"fmt"

	"github.com/MakeNowJust/heredoc/v2"
	"github.com/spf13/cobra"

	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/iostreams"
	"github.com/wsctl/wsctl/internal/cli/invites/shared"
	"github.com/wsctl/wsctl/internal/client"
)

// ResendOptions are the parsed arguments of 'invites resend'.
type ResendOptions struct {
	IO     *iostreams.IOStreams
	Client func() (*client.Client, error)
	Output cmdutil.OutputOptions

	Invite string // email or id of a pending invite
}

// NewCmdResend builds 'invites resend EMAIL'.
func NewCmdResend(f *cmdutil.Factory, runF func(*ResendOptions) error) *cobra.Command {
	opts := &ResendOptions{IO: f.IOStreams, Client: f.Client}
	cmd := &cobra.Command{
		Use:   "resend EMAIL",
		Short: "Send a pending invite's email again",
		Long: heredoc.Doc(`
			Send the invite email of a pending invite again (EMAIL may also be the
			invite's id). Only pending invites can be resent; see 'wsctl invites list'.
		`),
		Example: "$ wsctl invites resend ann@example.com",
		Args:    cmdutil.ExactArgs(1, "which invite? pass the invited email, e.g. 'wsctl invites resend ann@example.com'"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Invite = args[0]
			if runF != nil {
				return runF(opts)
			}
			return resendRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	return cmd
}

func resendRun(ctx context.Context, opts *ResendOptions) error {
	c, err := opts.Client()
	if err != nil {
		return err
	}
	inv, err := c.ResendInvite(ctx, opts.Invite)
	if err != nil {
		return fmt.Errorf("resend invite %s: %w", opts.Invite, err)
	}
	cmdutil.PrintNotices(opts.IO, inv.Notices)
	if opts.Output.IsMachine() {
		return cmdutil.PrintItem(opts.IO, opts.Output, shared.InviteView, inv)
	}
	cmdutil.Success(opts.IO, "Resent the invite to %s", inv.Email)
	return nil
}
