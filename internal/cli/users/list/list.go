// Package list implements 'wsctl users list'.
package list

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

// ListOptions are the parsed flags of 'users list'.
type ListOptions struct {
	IO     *iostreams.IOStreams
	Client func() (*client.Client, error)
	Output cmdutil.OutputOptions

	Status  string // active (default, R11), inactive or all
	Role    string
	License string
	Search  string
	Limit   int // 0: every page
}

// NewCmdList builds 'users list'; runF replaces the run function in tests.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams, Client: f.Client}
	var inactive, all bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the users of the workspace (active ones by default)",
		Long: heredoc.Doc(`
			List the users of the workspace.

			Only active users are listed by default; --inactive lists only the
			deactivated ones and --all lists both. --role, --license and
			--search narrow the list; --search matches names and emails.

			Every page is fetched unless --limit is given; in TSV, CSV, JSON and
			YAML the rows are printed as the pages arrive, so large exports start at once.
		`),
		Example: heredoc.Doc(`
			# Active users, as a table
			$ wsctl users list

			# Deactivated users holding no license, as CSV for a spreadsheet
			$ wsctl users list --inactive -o csv > inactive.csv

			# Emails of the admins
			$ wsctl users list --role admin --jq '.[].email'

			# Everyone with a Sales Flow license whose name or email contains "lee"
			$ wsctl users list --all --license flow --search lee
		`),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if inactive && all {
				return cmdutil.FlagErrorf("--inactive and --all cannot be used together: --all already includes inactive users")
			}
			if opts.Limit < 0 {
				return cmdutil.FlagErrorf("--limit must be 0 (no limit) or more, not %d", opts.Limit)
			}
			opts.Status = client.UserStatusActive
			switch {
			case inactive:
				opts.Status = client.UserStatusInactive
			case all:
				opts.Status = client.UserStatusAll
			}
			if runF != nil {
				return runF(opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&inactive, "inactive", false, "list only deactivated users")
	cmd.Flags().BoolVar(&all, "all", false, "list active and deactivated users")
	cmd.Flags().StringVar(&opts.Role, "role", "", "only users with this role (admin, manager or user)")
	cmd.Flags().StringVar(&opts.License, "license", "", "only users holding a license of this product, e.g. parallel-dialer")
	cmd.Flags().StringVar(&opts.Search, "search", "", "only users whose name or email contains this text")
	cmd.Flags().IntVarP(&opts.Limit, "limit", "L", 0, "list at most this many users (0: all)")
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	return cmd
}

func listRun(ctx context.Context, opts *ListOptions) error {
	c, err := opts.Client()
	if err != nil {
		return err
	}
	params := client.ListUsersParams{Status: opts.Status, Role: opts.Role, License: opts.License, Search: opts.Search, Limit: PageSize(opts.Limit)}
	p := cmdutil.NewListPrinter(opts.IO, opts.Output, shared.UserView)
	for users, err := range c.UserPages(ctx, params) {
		if err != nil {
			_ = p.Close()
			return fmt.Errorf("list users: %w", err)
		}
		if opts.Limit > 0 && p.Count()+len(users) > opts.Limit {
			users = users[:opts.Limit-p.Count()]
		}
		if err := p.Add(users...); err != nil {
			return err
		}
		if opts.Limit > 0 && p.Count() >= opts.Limit {
			break
		}
	}
	if err := p.Close(); err != nil {
		return err
	}
	if p.Count() == 0 && opts.IO.IsStderrTTY() && !opts.Output.IsMachine() {
		which := opts.Status + " users"
		if opts.Status == client.UserStatusAll {
			which = "users"
		}
		fmt.Fprintf(opts.IO.ErrOut, "No %s match.\n", which)
	}
	return nil
}

// PageSize is the page size to ask for when at most limit items are wanted (0: all).
func PageSize(limit int) int {
	switch {
	case limit <= 0:
		return 500
	case limit > 1000:
		return 1000
	}
	return limit
}
