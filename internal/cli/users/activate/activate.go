// Package activate implements 'wsctl users activate'.
package activate

import (
	"context"
	"fmt"
	"strings"

	"github.com/MakeNowJust/heredoc/v2"
	"github.com/spf13/cobra"

	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/iostreams"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/prompter"
	"github.com/wsctl/wsctl/internal/cli/users/shared"
	"github.com/wsctl/wsctl/internal/client"
)

// ActivateOptions are the parsed flags of 'users activate'.
type ActivateOptions struct {
	IO       *iostreams.IOStreams
	Prompter prompter.Prompter
	Client   func() (*client.Client, error)
	Output   cmdutil.OutputOptions

	User     string
	Licenses []string
}

// NewCmdActivate builds 'users activate USER --license P[,P]'.
func NewCmdActivate(f *cmdutil.Factory, runF func(*ActivateOptions) error) *cobra.Command {
	opts := &ActivateOptions{IO: f.IOStreams, Prompter: f.Prompter, Client: f.Client}
	cmd := &cobra.Command{
		Use:   "activate USER --license P[,P]",
		Short: "Reactivate a deactivated user with at least one license",
		Long: heredoc.Doc(`
			Reactivate a deactivated user: they can sign in again. At least one
			license is needed, and it must be available in its pool; see
			'wsctl licenses show'. On a terminal, a missing --license is asked for.
		`),
		Example: heredoc.Doc(`
			$ wsctl users activate ann@example.com --license parallel-dialer
			$ wsctl users activate ann@example.com --license parallel-dialer,flow
		`),
		Args: cmdutil.ExactArgs(1, "which user? pass an email or an id, e.g. 'wsctl users activate ann@example.com --license flow'"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.User = args[0]
			opts.Licenses = cmdutil.SplitList(opts.Licenses)
			if len(opts.Licenses) == 0 && !opts.IO.CanPrompt() {
				return cmdutil.FlagErrorf("--license is required: a user is reactivated with at least one license, e.g. --license flow")
			}
			if runF != nil {
				return runF(opts)
			}
			return activateRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringSliceVar(&opts.Licenses, "license", nil, "product license(s) to assign, e.g. parallel-dialer,flow")
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	return cmd
}

func activateRun(ctx context.Context, opts *ActivateOptions) error {
	c, err := opts.Client()
	if err != nil {
		return err
	}
	if len(opts.Licenses) == 0 {
		var options []string
		if pools, err := c.Licenses(ctx); err == nil {
			for _, p := range pools {
				options = append(options, fmt.Sprintf("%s (%d of %d available)", p.Product, p.Available, p.Total))
			}
		}
		if err := cmdutil.PromptMissingList(opts.IO, opts.Prompter, &opts.Licenses, "license", "Licenses:", options); err != nil {
			return err
		}
	}
	u, err := c.Activate(ctx, opts.User, opts.Licenses)
	if err != nil {
		return fmt.Errorf("activate %s: %w", opts.User, err)
	}
	cmdutil.PrintNotices(opts.IO, u.Notices)
	if opts.Output.IsMachine() {
		return cmdutil.PrintItem(opts.IO, opts.Output, shared.UserView, u)
	}
	cmdutil.Success(opts.IO, "Activated %s with licenses %s", u.Email, strings.Join(u.Licenses, ", "))
	return nil
}
