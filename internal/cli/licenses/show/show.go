// Package show implements 'wsctl licenses show'.
package show

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/MakeNowJust/heredoc/v2"
	"github.com/spf13/cobra"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/iostreams"
	"github.com/wsctl/wsctl/internal/client"
)

// ShowOptions are the parsed flags of 'licenses show'.
type ShowOptions struct {
	IO     *iostreams.IOStreams
	Client func() (*client.Client, error)
	Output cmdutil.OutputOptions

	Product string
	// FailAbove, when set, makes the command exit 3 if a pool's used share
	// ((assigned+reserved)/total, in percent) is above it.
	FailAbove    float64
	HasFailAbove bool
}

// NewCmdShow builds 'licenses show'.
func NewCmdShow(f *cmdutil.Factory, runF func(*ShowOptions) error) *cobra.Command {
	opts := &ShowOptions{IO: f.IOStreams, Client: f.Client}
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Show each product's licenses: total, assigned, reserved, available",
		Long: heredoc.Doc(`
			Show the license pools of the workspace, one per product:
			total, assigned to users, reserved by pending invites, and available
			(total - assigned - reserved).

			--fail-above PERCENT makes the command exit with status 3 when a
			pool's used share, (assigned + reserved) / total, is above PERCENT, naming
			the pool on stderr: a CI job can fail a build on license drift with a
			read-only token (scope licenses:read). The server decides, as for
			'wsctl licenses audit --max-used PERCENT', which also finds licenses
			wasted on idle people, stale invites and inactive users.
		`),
		Example: heredoc.Doc(`
			$ wsctl licenses show
			$ wsctl licenses show --product parallel-dialer -o json

			# In CI: fail when any pool is more than 90% used
			$ WSCTL_TOKEN=$LICENSES_READ_TOKEN wsctl licenses show --fail-above 90
		`),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.HasFailAbove = cmd.Flags().Changed("fail-above")
			if opts.HasFailAbove && (opts.FailAbove < 0 || opts.FailAbove > 100) {
				return cmdutil.FlagErrorf("--fail-above takes a percentage from 0 to 100, not %v", opts.FailAbove)
			}
			if runF != nil {
				return runF(opts)
			}
			return showRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Product, "product", "", "show only this product, e.g. parallel-dialer")
	cmd.Flags().Float64Var(&opts.FailAbove, "fail-above", 0, "exit 3 when a pool's used share is above this `PERCENT`")
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	return cmd
}

// PoolView shows pools as PRODUCT NAME TOTAL ASSIGNED RESERVED AVAILABLE.
var PoolView = cmdutil.View[schema.LicensePool]{
	Columns: []string{"PRODUCT", "NAME", "TOTAL", "ASSIGNED", "RESERVED", "AVAILABLE"},
	Whole:   []string{"PRODUCT", "TOTAL", "ASSIGNED", "RESERVED", "AVAILABLE"},
	Row: func(_ *cmdutil.Cells, p schema.LicensePool) []string {
		return []string{p.Product, p.Name, fmt.Sprint(p.Total), fmt.Sprint(p.Assigned), fmt.Sprint(p.Reserved), fmt.Sprint(p.Available)}
	},
}

func showRun(ctx context.Context, opts *ShowOptions) error {
	c, err := opts.Client()
	if err != nil {
		return err
	}
	if opts.HasFailAbove {
		return failAboveRun(ctx, opts, c)
	}
	pools, err := c.Licenses(ctx)
	if err != nil {
		return fmt.Errorf("show licenses: %w", err)
	}
	if opts.Product != "" {
		if pools, err = only(pools, opts.Product); err != nil {
			return err
		}
	}
	return cmdutil.PrintList(opts.IO, opts.Output, PoolView, pools)
}

// failAboveRun shows the pools and fails on those above --fail-above: the
// server's license audit decides which (the pool check alone, which any
// member with licenses:read may run), as for 'licenses audit --max-used'.
func failAboveRun(ctx context.Context, opts *ShowOptions, c *client.Client) error {
	audit, err := c.AuditLicenses(ctx, client.LicenseAuditParams{
		MaxUsed: []schema.UsageLimit{{Percent: opts.FailAbove}}, PoolsOnly: true,
	})
	if err != nil {
		return fmt.Errorf("show licenses: %w", err)
	}
	pools := audit.Pools
	if opts.Product != "" {
		if pools, err = only(pools, opts.Product); err != nil {
			return err
		}
	}
	if err := cmdutil.PrintList(opts.IO, opts.Output, PoolView, pools); err != nil {
		return err
	}
	above := 0
	for _, f := range audit.Findings {
		if f.Kind != schema.FindingPoolAbove || !slices.ContainsFunc(pools, func(p schema.LicensePool) bool { return p.Product == f.Product }) {
			continue
		}
		fmt.Fprintf(opts.IO.ErrOut, "%s%s: %s\n", opts.IO.ErrColorScheme().FailureIcon(), f.Subject, f.Detail)
		above++
	}
	if above > 0 {
		return &cmdutil.PartialError{}
	}
	return nil
}

func only(pools []schema.LicensePool, product string) ([]schema.LicensePool, error) {
	var names []string
	for _, p := range pools {
		if strings.EqualFold(p.Product, product) {
			return []schema.LicensePool{p}, nil
		}
		names = append(names, p.Product)
	}
	return nil, fmt.Errorf("no product %q in this workspace; products: %s", product, strings.Join(names, ", "))
}
