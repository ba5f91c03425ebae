// Package revoke implements 'wsctl tokens revoke'.
package revoke

import (
	"context"
	"fmt"

	"github.com/MakeNowJust/heredoc/v2"
	"github.com/spf13/cobra"

	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/iostreams"
	"github.com/wsctl/wsctl/internal/client"
)

// RevokeOptions are the parsed arguments of 'tokens revoke'.
type RevokeOptions struct {
	IO     *iostreams.IOStreams
	Client func() (*client.Client, error)

	ID string
}

// NewCmdRevoke builds 'tokens revoke ID'.
func NewCmdRevoke(f *cmdutil.Factory, runF func(*RevokeOptions) error) *cobra.Command {
	opts := &RevokeOptions{IO: f.IOStreams, Client: f.Client}
	cmd := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke an API token at once",
		Long: heredoc.Doc(`
			Revoke an API token: requests made with it are refused from now on.
			Find the ID with 'wsctl tokens list'.
		`),
		Example: "$ wsctl tokens revoke tok_01HV...",
		Args:    cmdutil.ExactArgs(1, "which token? pass its ID (see 'wsctl tokens list')"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			if runF != nil {
				return runF(opts)
			}
			return revokeRun(cmd.Context(), opts)
		},
	}
	return cmd
}

func revokeRun(ctx context.Context, opts *RevokeOptions) error {
	c, err := opts.Client()
	if err != nil {
		return err
	}
	if err := c.RevokeToken(ctx, opts.ID); err != nil {
		return fmt.Errorf("revoke token %s: %w", opts.ID, err)
	}
	cmdutil.Success(opts.IO, "Revoked token %s", opts.ID)
	return nil
}
