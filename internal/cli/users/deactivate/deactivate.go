// Package deactivate implements 'wsctl users deactivate'.
package deactivate

import (
	"context"
	"fmt"

	"github.com/MakeNowJust/heredoc/v2"
	"github.com/spf13/cobra"

	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/iostreams"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/prompter"
	"github.com/wsctl/wsctl/internal/cli/users/shared"
	"github.com/wsctl/wsctl/internal/client"
)

// DeactivateOptions are the parsed flags of 'users deactivate'.
type DeactivateOptions struct {
	IO       *iostreams.IOStreams
	Prompter prompter.Prompter
	Client   func() (*client.Client, error)
	Output   cmdutil.OutputOptions

	User string
	Yes  bool
}

// NewCmdDeactivate builds 'users deactivate USER'.
func NewCmdDeactivate(f *cmdutil.Factory, runF func(*DeactivateOptions) error) *cobra.Command {
	opts := &DeactivateOptions{IO: f.IOStreams, Prompter: f.Prompter, Client: f.Client}
	cmd := &cobra.Command{
		Use:   "deactivate USER",
		Short: "Deactivate a user: release their licenses and revoke their access",
		Long: heredoc.Doc(`
			Deactivate a user (R9): all their licenses return to the pool, their
			sessions and tokens are revoked and they can no longer sign in. They
			stay listed with 'wsctl users list --inactive' and can be reactivated
			with 'wsctl users activate USER --license P'.

			You cannot deactivate yourself, and the workspace always keeps at least
			one active admin.

			Asks for confirmation on a terminal; --yes skips it and is required
			when there is no terminal.
		`),
		Example: heredoc.Doc(`
			$ wsctl users deactivate ann@example.com
			$ wsctl users deactivate ann@example.com --yes
		`),
		Args: cmdutil.ExactArgs(1, "which user? pass an email or an id, e.g. 'wsctl users deactivate ann@example.com'"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.User = args[0]
			if runF != nil {
				return runF(opts)
			}
			return deactivateRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddYesFlag(cmd, &opts.Yes)
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	return cmd
}

func deactivateRun(ctx context.Context, opts *DeactivateOptions) error {
	question := fmt.Sprintf("Deactivate %s? Their licenses go back to the pool and their sessions are revoked", opts.User)
	if err := cmdutil.Confirm(opts.IO, opts.Prompter, opts.Yes, "deactivate "+opts.User, question); err != nil {
		return err
	}
	c, err := opts.Client()
	if err != nil {
		return err
	}
	u, err := c.Deactivate(ctx, opts.User)
	if err != nil {
		return fmt.Errorf("deactivate %s: %w", opts.User, err)
	}
	cmdutil.PrintNotices(opts.IO, u.Notices)
	if opts.Output.IsMachine() {
		return cmdutil.PrintItem(opts.IO, opts.Output, shared.UserView, u)
	}
	cmdutil.Success(opts.IO, "Deactivated %s; their licenses are back in the pool", u.Email)
	return nil
}
