// Package audit implements 'wsctl licenses audit': the server's license
// audit for CI jobs, shown as a table, JSON or a JUnit XML report.
package audit

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/MakeNowJust/heredoc/v2"
	"github.com/spf13/cobra"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/iostreams"
	"github.com/wsctl/wsctl/internal/client"
)

// AuditOptions are the parsed flags of 'licenses audit'.
type AuditOptions struct {
	IO     *iostreams.IOStreams
	Client func() (*client.Client, error)
	Output cmdutil.OutputOptions

	MaxUsed         []schema.UsageLimit
	IdleDays        *int // nil: no idle check
	StaleInviteDays *int // nil: no stale-invite check
	// JUnit is the file the JUnit XML report is written to ("" for none).
	JUnit string
}

// NewCmdAudit builds 'licenses audit'; runF replaces the run function in tests.
func NewCmdAudit(f *cmdutil.Factory, runF func(*AuditOptions) error) *cobra.Command {
	opts := &AuditOptions{IO: f.IOStreams, Client: f.Client}
	var maxUsed []string
	var idleDays, staleDays int
	cmd := &cobra.Command{
		Use:   "audit [--max-used [PRODUCT=]PERCENT] [--idle-days N] [--stale-invite-days N] [--junit FILE]",
		Short: "Audit license usage for CI: full pools and licenses wasted on idle people, stale invites, inactive users",
		Long: heredoc.Doc(`
			Audit the workspace's licenses and list what is found, one finding
			per line: KIND, PRODUCT, SUBJECT (the product, or the email holding
			the license) and DETAIL. The server decides every finding.

			  pool_above       --max-used PERCENT: a pool whose used share,
			                   (assigned + reserved) / total, is above PERCENT.
			                   PRODUCT=PERCENT sets one product's limit; a bare
			                   PERCENT applies to every other product. Repeat
			                   the flag (or separate with commas) for several.
			  idle_holder      --idle-days N: a license held by an active user
			                   whose last sign-in, or creation if they never
			                   signed in, is more than N days ago.
			  stale_invite     --stale-invite-days N: a license reserved by a
			                   pending invite first sent more than N days ago
			                   (resending keeps an invite pending).
			  inactive_holder  always: a license held by an inactive user.
			                   Deactivation releases every license, so there
			                   should be none.

			The exit status is 0 when nothing is found and 3 when something is,
			so a CI job fails on findings; 2 for a bad flag value, 4 when not
			signed in or not allowed, 1 on other errors. The audit only reads: a token with the
			licenses:read and users:read scopes, of an admin, is enough.

			--junit FILE also writes a JUnit XML report, one test case per check
			and product, a finding failing its case, for CI systems to show.
			-o json prints {"findings": [...], "pools": [...], "checks": [...]},
			pools as 'wsctl licenses show -o json' prints them.
		`),
		Example: heredoc.Doc(`
			$ wsctl licenses audit --max-used 90 --idle-days 30 --stale-invite-days 14

			# Sales Flow may fill up to 95%, every other product 80%
			$ wsctl licenses audit --max-used flow=95 --max-used 80

			# In CI, with a read-only token that expires
			$ wsctl tokens create --name ci-audit --scope licenses:read,users:read --expires-in 90d
			$ WSCTL_TOKEN=$AUDIT_TOKEN wsctl licenses audit --max-used 90 --idle-days 30 --junit licenses.xml

			# The emails holding licenses while inactive
			$ wsctl licenses audit --jq '.findings[] | select(.kind == "inactive_holder") | .subject'
		`),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, v := range cmdutil.SplitList(maxUsed) {
				l, err := schema.ParseUsageLimit(v)
				if err != nil {
					return cmdutil.FlagErrorf("--max-used: %v", err)
				}
				opts.MaxUsed = append(opts.MaxUsed, l)
			}
			if cmd.Flags().Changed("idle-days") {
				opts.IdleDays = &idleDays
			}
			if cmd.Flags().Changed("stale-invite-days") {
				opts.StaleInviteDays = &staleDays
			}
			if runF != nil {
				return runF(opts)
			}
			return auditRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringSliceVar(&maxUsed, "max-used", nil, "find pools used above `[PRODUCT=]PERCENT` (repeatable)")
	cmd.Flags().IntVar(&idleDays, "idle-days", 0, "find licenses of active users not signed in for more than `N` days")
	cmd.Flags().IntVar(&staleDays, "stale-invite-days", 0, "find licenses reserved by invites pending for more than `N` days")
	cmd.Flags().StringVar(&opts.JUnit, "junit", "", "also write a JUnit XML report to `FILE`")
	_ = cmd.MarkFlagFilename("junit", "xml")
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	return cmd
}

// FindingView shows findings as KIND PRODUCT SUBJECT DETAIL.
var FindingView = cmdutil.View[schema.LicenseFinding]{
	Columns: []string{"KIND", "PRODUCT", "SUBJECT", "DETAIL"},
	Whole:   []string{"KIND", "PRODUCT", "SUBJECT"},
	Row: func(_ *cmdutil.Cells, f schema.LicenseFinding) []string {
		return []string{f.Kind, f.Product, f.Subject, f.Detail}
	},
}

func auditRun(ctx context.Context, opts *AuditOptions) error {
	c, err := opts.Client()
	if err != nil {
		return err
	}
	audit, err := c.AuditLicenses(ctx, client.LicenseAuditParams{
		MaxUsed: opts.MaxUsed, IdleDays: opts.IdleDays, StaleInviteDays: opts.StaleInviteDays,
	})
	if err != nil {
		return flagProblem(fmt.Errorf("audit licenses: %w", err))
	}
	if err := printAudit(opts.IO, opts.Output, audit); err != nil {
		return err
	}
	if opts.JUnit != "" {
		if err := writeJUnit(opts.JUnit, audit); err != nil {
			return err
		}
	}
	summarize(opts.IO, audit)
	if len(audit.Findings) > 0 {
		return &cmdutil.PartialError{}
	}
	return nil
}

// printAudit prints the whole audit in JSON and YAML (and to --jq), the
// findings alone as a table, TSV or CSV.
func printAudit(ios *iostreams.IOStreams, o cmdutil.OutputOptions, audit schema.LicenseAudit) error {
	if o.Format == cmdutil.FormatJSON || o.Format == cmdutil.FormatYAML {
		return cmdutil.PrintItem(ios, o, cmdutil.View[schema.LicenseAudit]{}, audit)
	}
	return cmdutil.PrintList(ios, o, FindingView, audit.Findings)
}

// summarize says on stderr how the audit went and what to do next.
func summarize(ios *iostreams.IOStreams, audit schema.LicenseAudit) {
	if len(audit.Findings) == 0 {
		cmdutil.Success(ios, "no findings in %s", plural(len(audit.Checks), "check"))
		return
	}
	fmt.Fprintf(ios.ErrOut, "%s%s in %s\n", ios.ErrColorScheme().FailureIcon(),
		plural(len(audit.Findings), "finding"), plural(len(audit.Checks), "check"))
	found := map[string]bool{}
	for _, f := range audit.Findings {
		found[f.Kind] = true
	}
	if found[schema.FindingIdleHolder] || found[schema.FindingInactiveHolder] {
		fmt.Fprintln(ios.ErrOut, "  free a license with 'wsctl users edit EMAIL --remove-license PRODUCT'")
	}
	if found[schema.FindingStaleInvite] {
		fmt.Fprintln(ios.ErrOut, "  revoke a stale invite with 'wsctl invites revoke EMAIL'")
	}
	if found[schema.FindingPoolAbove] {
		fmt.Fprintln(ios.ErrOut, "  see the pools with 'wsctl licenses show'; the operator changes totals")
	}
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// auditFlags are the flags behind each query parameter of the audit, for
// the server's refusals of a value.
var auditFlags = map[string]string{"max_used": "--max-used", "idle_days": "--idle-days", "stale_invite_days": "--stale-invite-days"}

// flagProblem makes the server's refusal of a flag's value (a percentage
// out of range, an unknown product, a limit given twice, days out of
// range) the usage error it is, naming the flag.
func flagProblem(err error) error {
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || (apiErr.Status != 400 && apiErr.Status != 422) {
		return err
	}
	field := apiErr.Problem.Field
	flag, ok := auditFlags[field]
	if !ok {
		return cmdutil.FlagErrorWrap(err)
	}
	reason := strings.TrimPrefix(apiErr.Problem.Detail, field+": ")
	return cmdutil.FlagErrorf("%s: %s", flag, reason)
}
