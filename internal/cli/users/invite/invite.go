// Package invite implements 'wsctl users invite', for one person or a CSV file.
package invite

import (
	"context"
	"fmt"
	"strings"

	"github.com/MakeNowJust/heredoc/v2"
	"github.com/spf13/cobra"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/bulk"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/iostreams"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/prompter"
	invshared "github.com/wsctl/wsctl/internal/cli/invites/shared"
	"github.com/wsctl/wsctl/internal/client"
)

// InviteOptions are the parsed flags of 'users invite'.
type InviteOptions struct {
	IO       *iostreams.IOStreams
	Prompter prompter.Prompter
	Client   func() (*client.Client, error)
	Output   cmdutil.OutputOptions

	// One invite.
	Name     string
	Email    string
	Roles    []string
	Licenses []string

	// A CSV file of invites.
	CSV bulk.Flags

	retry bulk.Retry // zero: the default
}

// NewCmdInvite builds 'users invite'.
func NewCmdInvite(f *cmdutil.Factory, runF func(*InviteOptions) error) *cobra.Command {
	opts := &InviteOptions{IO: f.IOStreams, Prompter: f.Prompter, Client: f.Client}
	cmd := &cobra.Command{
		Use:   "invite {--name N --email E --role R[,R] --license P[,P] | --csv FILE}",
		Short: "Invite people to the workspace, one or many from a CSV file",
		Long: heredoc.Doc(`
			Invite a person: they get an email with a single-use signup link, valid
			7 days, and become an active user with the given roles and licenses
			when they sign up. An invite needs a name, an email, at least one role
			(admin, manager, user) and at least one license; its licenses are
			reserved until it is accepted, revoked or expired. Invites are refused
			while users can sign up on their own: turn that off with
			'wsctl signup-mode off'.

			Run on a terminal without --name, --email, --role, --license or
			--csv, it opens the invite screen, to invite several people at once:
			  1. If automatic sign-up is on, it says so and offers to turn it off
			     (the question 'wsctl signup-mode off' asks); no means nothing is
			     sent (exit 1).
			  2. It shows the licenses available per product.
			  3. It asks for one person after another: name, email, roles, and
			     licenses among the products with one left. The counts offered
			     go down with every person entered ("flow (2 of 3 available)",
			     then "flow (1 of 3 available)"); a product with none left is not
			     offered. After each person: "Add another?".
			  4. It shows the people entered for review: send them, add another,
			     edit a row (its values are the defaults), delete a row, reset
			     (start over with no rows) or cancel.
			  5. It sends them all in one request and prints each person's result:
			     invited, or the server's reason. The exit status is 3 when some
			     were not invited; -o json prints the results as an array (row,
			     email, status, error, invite).
			With some of those flags given, only the missing ones are asked for;
			without a terminal, a missing one is a usage error.

			With --csv, every row of the file is an invite; several roles or
			licenses in a cell are separated by ';' or '|'.
		`) + "\n" + inviteVerb().Help() + "\n" + heredoc.Doc(`
			Each row is sent with an idempotency key made from what it asks for
			(email, name, roles, licenses), not from its place in the file: run the
			file again after fixing, adding or reordering rows, and the rows invited
			before are reported as already invited, never invited twice.

			A dry run's plan also says, per product the file asks for, the licenses
			needed against those available (total - assigned - reserved) and what
			would be left; with -o json, in licenses (product, total, assigned,
			reserved, available, needed, granted, available_after).
		`),
		Example: heredoc.Doc(`
			# One person
			$ wsctl users invite --name "Ann Lee" --email ann@example.com --role user --license parallel-dialer,flow

			# On a terminal: the invite screen, for one person after another
			$ wsctl users invite
			? Name: Ann Lee
			? Email: ann@example.com
			? Roles: user
			? Licenses: flow (3 of 3 available)
			? Add another? Yes
			? Name: Bob Stone
			? Email: bob@example.com
			? Roles: manager, user
			? Licenses: flow (2 of 3 available)
			? Add another? No
			…review…
			? What next? Send 2 invites

			# A file; check it first
			$ cat people.csv
			name,email,roles,licenses
			Ann Lee,ann@example.com,user,parallel-dialer;flow
			"O'Brien, Pat",pat@example.com,manager|user,agent-dialer
			$ wsctl users invite --csv people.csv --dry-run
			$ wsctl users invite --csv people.csv --report people-report.csv

			# After an interruption, or to send only what is not done yet
			$ wsctl users invite --csv people.csv --resume --failed people-failed.csv

			# From another program
			$ export-people | wsctl users invite --csv -
		`),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Roles = cmdutil.SplitList(opts.Roles)
			opts.Licenses = cmdutil.SplitList(opts.Licenses)
			if err := checkFlags(cmd, opts); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return inviteRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Name, "name", "", "the person's name (letters, spaces, ' - and . only)")
	fl.StringVar(&opts.Email, "email", "", "the person's email address")
	fl.StringSliceVar(&opts.Roles, "role", nil, "role(s): admin, manager, user (repeat or separate with commas)")
	fl.StringSliceVar(&opts.Licenses, "license", nil, "product license(s) to reserve, e.g. parallel-dialer,flow")
	inviteVerb().AddFlags(cmd, &opts.CSV)
	_ = cmd.RegisterFlagCompletionFunc("role", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return schema.Roles(), cobra.ShellCompDirectiveNoFileComp
	})
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	return cmd
}

func checkFlags(cmd *cobra.Command, opts *InviteOptions) error {
	if opts.CSV.File != "" {
		for _, name := range []string{"name", "email", "role", "license"} {
			if cmd.Flags().Changed(name) {
				return cmdutil.FlagErrorf("--%s cannot be used with --csv: the file gives every row's %s", name, name)
			}
		}
	}
	return opts.CSV.Check(cmd)
}

func inviteRun(ctx context.Context, opts *InviteOptions) error {
	if opts.CSV.File != "" {
		return bulk.Run(ctx, inviteVerb(), bulk.Options{Flags: opts.CSV, IO: opts.IO, Client: opts.Client, Output: opts.Output, Retry: opts.retry})
	}
	return singleRun(ctx, opts)
}

func singleRun(ctx context.Context, opts *InviteOptions) error {
	if opensInviteScreen(opts) {
		return interactiveRun(ctx, opts)
	}
	if err := promptMissing(ctx, opts); err != nil {
		return err
	}
	c, err := opts.Client()
	if err != nil {
		return err
	}
	req := schema.InviteRequest{Name: opts.Name, Email: opts.Email, Roles: opts.Roles, Licenses: opts.Licenses}
	// The key a CSV row of the same person would have: a repeat after a
	// lost answer, by the retry or by the person running the command
	// again, is the server's replay rather than "email taken".
	var inv schema.Invite
	var replayed bool
	tries := 0
	err = opts.retry.Once(ctx, func() (err error) {
		tries++
		inv, replayed, err = c.Invite(ctx, req, rowKey(req))
		return err
	})
	if err != nil {
		return fmt.Errorf("invite %s: %w", opts.Email, err)
	}
	// A replay of this run's own earlier attempt is this run's invite.
	replayed = replayed && tries == 1
	cmdutil.PrintNotices(opts.IO, inv.Notices)
	if opts.Output.IsMachine() {
		return cmdutil.PrintItem(opts.IO, opts.Output, invshared.InviteView, inv)
	}
	if replayed {
		cmdutil.Success(opts.IO, "Already invited %s", inv.Email)
		return nil
	}
	cmdutil.Success(opts.IO, "Invited %s (roles %s; licenses %s); the signup link expires %s",
		inv.Email, strings.Join(inv.Roles, ", "), strings.Join(inv.Licenses, ", "), inv.ExpiresAt.Local().Format("2006-01-02 15:04"))
	return nil
}

// promptMissing asks for the missing fields on a terminal; without one, the
// missing flags are a usage error naming all of them.
func promptMissing(ctx context.Context, opts *InviteOptions) error {
	var missing []string
	for _, m := range []struct {
		flag  string
		empty bool
	}{{"name", opts.Name == ""}, {"email", opts.Email == ""}, {"role", len(opts.Roles) == 0}, {"license", len(opts.Licenses) == 0}} {
		if m.empty {
			missing = append(missing, "--"+m.flag)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if !opts.IO.CanPrompt() {
		return cmdutil.FlagErrorf("missing %s (an invite needs a name, an email, a role and a license; or use --csv FILE)", strings.Join(missing, ", "))
	}
	p, ios := opts.Prompter, opts.IO
	if err := cmdutil.PromptMissing(ios, p, &opts.Name, "name", "Name:"); err != nil {
		return err
	}
	if err := cmdutil.PromptMissing(ios, p, &opts.Email, "email", "Email:"); err != nil {
		return err
	}
	if err := cmdutil.PromptMissingList(ios, p, &opts.Roles, "role", "Roles:", schema.Roles()); err != nil {
		return err
	}
	if len(opts.Licenses) > 0 {
		return nil
	}
	return cmdutil.PromptMissingList(ios, p, &opts.Licenses, "license", "Licenses:", licenseOptions(ctx, opts))
}

// licenseOptions lists the products with their free licenses, e.g.
// "flow (2 of 3 available)"; nil when the server cannot tell.
func licenseOptions(ctx context.Context, opts *InviteOptions) []string {
	c, err := opts.Client()
	if err != nil {
		return nil
	}
	pools, err := c.Licenses(ctx)
	if err != nil {
		return nil
	}
	var options []string
	for _, p := range pools {
		options = append(options, fmt.Sprintf("%s (%d of %d available)", p.Product, p.Available, p.Total))
	}
	return options
}
