// Package list implements 'wsctl tokens list'.
package list

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/iostreams"
	"github.com/wsctl/wsctl/internal/client"
)

// ListOptions are the parsed flags of 'tokens list'.
type ListOptions struct {
	IO     *iostreams.IOStreams
	Client func() (*client.Client, error)
	Output cmdutil.OutputOptions
}

// NewCmdList builds 'tokens list'.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams, Client: f.Client}
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List API tokens (never their secrets)",
		Example: "$ wsctl tokens list",
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	return cmd
}

// TokenView shows tokens as ID NAME SCOPES USER CREATED LAST USED EXPIRES REVOKED;
// the id (for 'tokens revoke ID') and the user's email are never cut.
var TokenView = cmdutil.View[schema.Token]{
	Columns: []string{"ID", "NAME", "SCOPES", "USER", "CREATED", "LAST USED", "EXPIRES", "REVOKED"},
	Whole:   []string{"ID", "USER"},
	Row: func(c *cmdutil.Cells, t schema.Token) []string {
		return []string{t.ID, t.Name, c.List(t.Scopes), t.UserEmail, c.Time(t.CreatedAt), c.TimePtr(t.LastUsedAt, "never"),
			c.TimePtr(t.ExpiresAt, "never"), c.TimePtr(t.RevokedAt, "")}
	},
}

func listRun(ctx context.Context, opts *ListOptions) error {
	c, err := opts.Client()
	if err != nil {
		return err
	}
	tokens, err := c.ListTokens(ctx)
	if err != nil {
		return fmt.Errorf("list tokens: %w", err)
	}
	return cmdutil.PrintList(opts.IO, opts.Output, TokenView, tokens)
}
