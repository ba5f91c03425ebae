// Package show implements 'wsctl licenses show'.
package show

import (
	"context"
	"fmt"
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
			read-only token (scope licenses:read).
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
	pools, err := c.Licenses(ctx)
	if err != nil {
		return fmt.Errorf("show licenses: %w", err)
	}
	if opts.Product != "" {
		pools, err = only(pools, opts.Product)
		if err != nil {
			return err
		}
	}
	if err := cmdutil.PrintList(opts.IO, opts.Output, PoolView, pools); err != nil {
		return err
	}
	if !opts.HasFailAbove {
		return nil
	}
	var over []string
	for _, p := range pools {
		if share := UsedShare(p); share > opts.FailAbove {
			msg := fmt.Sprintf("%s is %.0f%% used (%d of %d: %d assigned, %d reserved), above %v%%",
				p.Product, share, p.Assigned+p.Reserved, p.Total, p.Assigned, p.Reserved, opts.FailAbove)
			fmt.Fprintf(opts.IO.ErrOut, "%s%s\n", opts.IO.ErrColorScheme().FailureIcon(), msg)
			over = append(over, p.Product)
		}
	}
	if len(over) > 0 {
		return &cmdutil.PartialError{}
	}
	return nil
}

// UsedShare is (assigned+reserved)/total in percent; a pool of 0 holding
// nothing is 0% used, and one holding something is over 100%.
func UsedShare(p schema.LicensePool) float64 {
	used := float64(p.Assigned + p.Reserved)
	if p.Total <= 0 {
		if used == 0 {
			return 0
		}
		return 100 * (used + 1)
	}
	return used / float64(p.Total) * 100
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
