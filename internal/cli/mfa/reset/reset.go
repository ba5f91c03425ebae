// Package reset implements 'wsctl mfa reset'.
package reset

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

// ResetOptions are the parsed flags of 'mfa reset'.
type ResetOptions struct {
	IO       *iostreams.IOStreams
	Prompter prompter.Prompter
	Client   func() (*client.Client, error)
	Output   cmdutil.OutputOptions

	User string
	Yes  bool
}

// NewCmdReset builds 'mfa reset USER'.
func NewCmdReset(f *cmdutil.Factory, runF func(*ResetOptions) error) *cobra.Command {
	opts := &ResetOptions{IO: f.IOStreams, Prompter: f.Prompter, Client: f.Client}
	cmd := &cobra.Command{
		Use:   "reset USER",
		Short: "Remove a user's MFA enrollment so they set it up again",
		Long: heredoc.Doc(`
			Reset a user's multi-factor authentication, e.g. when they lost
			their authenticator: their MFA enrollment is removed and their sessions
			and refresh tokens are revoked; at their next sign-in they set MFA up
			again. USER is an email or an id. Needs the mfa:reset scope.

			Asks for confirmation on a terminal; --yes skips it and is required
			when there is no terminal.
		`),
		Example: heredoc.Doc(`
			$ wsctl mfa reset ann@example.com
			$ wsctl mfa reset ann@example.com --yes
		`),
		Args: cmdutil.ExactArgs(1, "whose MFA? pass an email or an id, e.g. 'wsctl mfa reset ann@example.com'"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.User = args[0]
			if runF != nil {
				return runF(opts)
			}
			return resetRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddYesFlag(cmd, &opts.Yes)
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	return cmd
}

func resetRun(ctx context.Context, opts *ResetOptions) error {
	question := fmt.Sprintf("Reset MFA for %s? Their sessions are revoked and they set MFA up again at their next sign-in", opts.User)
	if err := cmdutil.Confirm(opts.IO, opts.Prompter, opts.Yes, "reset the MFA of "+opts.User, question); err != nil {
		return err
	}
	c, err := opts.Client()
	if err != nil {
		return err
	}
	u, err := c.ResetMFA(ctx, opts.User)
	if err != nil {
		return fmt.Errorf("reset MFA of %s: %w", opts.User, err)
	}
	cmdutil.PrintNotices(opts.IO, u.Notices)
	if opts.Output.IsMachine() {
		return cmdutil.PrintItem(opts.IO, opts.Output, shared.UserView, u)
	}
	cmdutil.Success(opts.IO, "Reset MFA for %s; they will set it up again at their next sign-in", u.Email)
	return nil
}
