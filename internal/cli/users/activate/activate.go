// Package activate implements 'wsctl users activate', for one user or a
// CSV file of them.
package activate

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

	// A CSV file of users and their licenses.
	CSV bulk.Flags
}

// activateVerb is 'users activate --csv': a row per user and the licenses
// to activate them with, sent to POST /users/batch.
func activateVerb() bulk.Verb[schema.UserBatchItem] {
	return shared.Batch{
		Name:      "users activate",
		Doing:     "Activating",
		Action:    schema.UserActionActivate,
		Columns:   bulk.Columns{Required: []string{"email", "licenses"}, Key: "email"},
		Done:      bulk.Status{Name: schema.UserBatchActivated, Action: "activate"},
		Unchanged: bulk.Status{Summary: "already active", Row: "nothing changed"},
		Item:      activateItem,
	}.Verb()
}

// activateItem is a row's user and licenses, separated by ';' or '|'.
func activateItem(rec bulk.Record) bulk.Item[schema.UserBatchItem] {
	return shared.RowItem(schema.UserBatchItem{User: rec.Get("email"), Licenses: cmdutil.SplitList([]string{rec.Get("licenses")})})
}

// NewCmdActivate builds 'users activate {USER --license P[,P] | --csv FILE}'.
func NewCmdActivate(f *cmdutil.Factory, runF func(*ActivateOptions) error) *cobra.Command {
	opts := &ActivateOptions{IO: f.IOStreams, Prompter: f.Prompter, Client: f.Client}
	cmd := &cobra.Command{
		Use:   "activate {USER --license P[,P] | --csv FILE}",
		Short: "Reactivate deactivated users with at least one license",
		Long: heredoc.Doc(`
			Reactivate a deactivated user: they can sign in again. At least one
			license is needed, and it must be available in its pool; see
			'wsctl licenses show'. On a terminal, a missing --license is asked for.
			A user who is already active and holds those licenses is left as is,
			and wsctl says so.

			With --csv, every row of the file is a user to reactivate, by email,
			with the licenses to give them (at least one; several separated by
			';' or '|'). When a pool runs out, the rows that come later are
			refused and say so (with --concurrency 1 "later" is exactly the
			file's order; a few requests at a time may finish in another order).
		`) + "\n" + activateVerb().Help(),
		Example: heredoc.Doc(`
			$ wsctl users activate ann@example.com --license parallel-dialer
			$ wsctl users activate ann@example.com --license parallel-dialer,flow

			# A file of returning people; check it first
			$ cat returning.csv
			email,licenses
			ann@example.com,parallel-dialer;flow
			bob@example.com,agent-dialer
			$ wsctl users activate --csv returning.csv --dry-run
			$ wsctl users activate --csv returning.csv --report returning-report.csv

			# After an interruption, only the rows not done yet
			$ wsctl users activate --csv returning.csv --resume --failed returning-failed.csv

			# From another program
			$ export-returning | wsctl users activate --csv -
		`),
		Args: shared.UserOrCSV("which user? pass an email or an id, e.g. 'wsctl users activate ann@example.com --license flow', or --csv FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := shared.CheckCSV(cmd, opts.CSV, "license"); err != nil {
				return err
			}
			if opts.CSV.File == "" {
				opts.User = args[0]
				opts.Licenses = cmdutil.SplitList(opts.Licenses)
				if len(opts.Licenses) == 0 && !opts.IO.CanPrompt() {
					return cmdutil.FlagErrorf("--license is required: a user is reactivated with at least one license, e.g. --license flow")
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return activateRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringSliceVar(&opts.Licenses, "license", nil, "product license(s) to assign, e.g. parallel-dialer,flow")
	activateVerb().AddFlags(cmd, &opts.CSV)
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	return cmd
}

func activateRun(ctx context.Context, opts *ActivateOptions) error {
	if opts.CSV.File != "" {
		return bulk.Run(ctx, activateVerb(), bulk.Options{Flags: opts.CSV, IO: opts.IO, Client: opts.Client, Output: opts.Output})
	}
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
	if u.Unchanged != "" {
		cmdutil.Success(opts.IO, "%s is %s; nothing changed", u.Email, u.Unchanged)
		return nil
	}
	cmdutil.Success(opts.IO, "Activated %s with licenses %s", u.Email, strings.Join(u.Licenses, ", "))
	return nil
}
