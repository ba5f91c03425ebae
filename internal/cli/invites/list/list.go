// Package list implements 'wsctl invites list'.
package list

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/MakeNowJust/heredoc/v2"
	"github.com/spf13/cobra"

	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/iostreams"
	"github.com/wsctl/wsctl/internal/cli/invites/shared"
	"github.com/wsctl/wsctl/internal/client"
)

// ListOptions are the parsed flags of 'invites list'.
type ListOptions struct {
	IO     *iostreams.IOStreams
	Client func() (*client.Client, error)
	Output cmdutil.OutputOptions

	Status string
	Limit  int
}

// NewCmdList builds 'invites list'.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams, Client: f.Client}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List invites (pending ones by default)",
		Long: heredoc.Doc(`
			List invites. Pending invites are listed by default; --status picks
			accepted, revoked, expired or all.
		`),
		Example: heredoc.Doc(`
			$ wsctl invites list
			$ wsctl invites list --status all -o csv > invites.csv
			$ wsctl invites list --jq '.[].email'
		`),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !slices.Contains(client.InviteStatuses, opts.Status) {
				return cmdutil.FlagErrorf("--status takes %s, not %q", strings.Join(client.InviteStatuses, ", "), opts.Status)
			}
			if opts.Limit < 0 {
				return cmdutil.FlagErrorf("--limit must be 0 (no limit) or more, not %d", opts.Limit)
			}
			if runF != nil {
				return runF(opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Status, "status", "pending", "pending, accepted, revoked, expired or all")
	cmd.Flags().IntVarP(&opts.Limit, "limit", "L", 0, "list at most this many invites (0: all)")
	_ = cmd.RegisterFlagCompletionFunc("status", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return client.InviteStatuses, cobra.ShellCompDirectiveNoFileComp
	})
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	return cmd
}

func listRun(ctx context.Context, opts *ListOptions) error {
	c, err := opts.Client()
	if err != nil {
		return err
	}
	size := 500
	if opts.Limit > 0 {
		size = min(opts.Limit, 1000)
	}
	p := cmdutil.NewListPrinter(opts.IO, opts.Output, shared.InviteView)
	for invites, err := range c.InvitePages(ctx, client.ListInvitesParams{Status: opts.Status, Limit: size}) {
		if err != nil {
			_ = p.Close()
			return fmt.Errorf("list invites: %w", err)
		}
		if opts.Limit > 0 && p.Count()+len(invites) > opts.Limit {
			invites = invites[:opts.Limit-p.Count()]
		}
		if err := p.Add(invites...); err != nil {
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
		which := opts.Status + " invites"
		if opts.Status == "all" {
			which = "invites"
		}
		fmt.Fprintf(opts.IO.ErrOut, "No %s.\n", which)
	}
	return nil
}
