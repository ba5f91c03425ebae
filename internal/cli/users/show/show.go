// Package show implements 'wsctl users show'.
package show

import (
	"context"
	"fmt"

	"github.com/MakeNowJust/heredoc/v2"
	"github.com/spf13/cobra"

	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/iostreams"
	"github.com/wsctl/wsctl/internal/cli/users/shared"
	"github.com/wsctl/wsctl/internal/client"
)

// ShowOptions are the parsed arguments of 'users show'.
type ShowOptions struct {
	IO     *iostreams.IOStreams
	Client func() (*client.Client, error)
	Output cmdutil.OutputOptions

	User string // email or id
}

// NewCmdShow builds 'users show USER'.
func NewCmdShow(f *cmdutil.Factory, runF func(*ShowOptions) error) *cobra.Command {
	opts := &ShowOptions{IO: f.IOStreams, Client: f.Client}
	cmd := &cobra.Command{
		Use:   "show USER",
		Short: "Show one user (USER is an email or an id)",
		Long: heredoc.Doc(`
			Show a user's name, email, roles, licenses, status, call recording
			and MFA enrollment. USER is the user's email or id.
		`),
		Example: heredoc.Doc(`
			$ wsctl users show ann@example.com
			$ wsctl users show ann@example.com -o json
			$ wsctl users show ann@example.com --jq .licenses
		`),
		Args: cmdutil.ExactArgs(1, "which user? pass an email or an id, e.g. 'wsctl users show ann@example.com'"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.User = args[0]
			if runF != nil {
				return runF(opts)
			}
			return showRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	return cmd
}

func showRun(ctx context.Context, opts *ShowOptions) error {
	c, err := opts.Client()
	if err != nil {
		return err
	}
	u, _, err := c.GetUser(ctx, opts.User)
	if err != nil {
		return fmt.Errorf("show %s: %w", opts.User, err)
	}
	return cmdutil.PrintItem(opts.IO, opts.Output, shared.UserView, u)
}
