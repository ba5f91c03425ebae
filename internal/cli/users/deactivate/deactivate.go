// Package deactivate implements 'wsctl users deactivate', for one user or a
// CSV file of them.
package deactivate

import (
	"context"
	"fmt"

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

// DeactivateOptions are the parsed flags of 'users deactivate'.
type DeactivateOptions struct {
	IO       *iostreams.IOStreams
	Prompter prompter.Prompter
	Client   func() (*client.Client, error)
	Output   cmdutil.OutputOptions

	User string
	Yes  bool

	// A CSV file of users.
	CSV bulk.Flags
}

// deactivateVerb is 'users deactivate --csv': a row per user, sent to
// POST /users/batch.
func deactivateVerb() bulk.Verb[schema.UserBatchItem] {
	return shared.Batch{
		Name:      "users deactivate",
		Doing:     "Deactivating",
		Action:    schema.UserActionDeactivate,
		Columns:   bulk.Columns{Required: []string{"email"}, Key: "email"},
		Done:      bulk.Status{Name: schema.UserBatchDeactivated, Action: "deactivate"},
		Unchanged: bulk.Status{Summary: "already inactive"},
		Item:      shared.EmailItem,
	}.Verb()
}

// question asks about one user ("ann@example.com") or the users of a file
// ("3 users").
const question = "Deactivate %s? Their licenses go back to the pool and their sessions are revoked"

// NewCmdDeactivate builds 'users deactivate {USER | --csv FILE}'.
func NewCmdDeactivate(f *cmdutil.Factory, runF func(*DeactivateOptions) error) *cobra.Command {
	opts := &DeactivateOptions{IO: f.IOStreams, Prompter: f.Prompter, Client: f.Client}
	cmd := &cobra.Command{
		Use:   "deactivate {USER | --csv FILE}",
		Short: "Deactivate users: release their licenses and revoke their access",
		Long: heredoc.Doc(`
			Deactivate a user: all their licenses return to the pool, their
			sessions and tokens are revoked and they can no longer sign in. They
			stay listed with 'wsctl users list --inactive' and can be reactivated
			with 'wsctl users activate USER --license P'.

			You cannot deactivate yourself, and the workspace always keeps at least
			one active admin. A user who is already inactive is left as is, and
			wsctl says so.

			Asks for confirmation on a terminal; --yes skips it and is required
			when there is no terminal. Before asking, wsctl asks the server what
			it would do: someone already inactive, or unknown, is reported without
			a question.

			With --csv, every row of the file is a user to deactivate, by email.
			On a terminal, wsctl first asks the server what the file would do
			(the dry run below), shows how many users would be deactivated and
			asks; when none would, it asks nothing. --yes skips the question and
			is required without a terminal, so also when the file comes from
			stdin; --dry-run never asks, as it changes nothing.
		`) + "\n" + deactivateVerb().Help(),
		Example: heredoc.Doc(`
			$ wsctl users deactivate ann@example.com
			$ wsctl users deactivate ann@example.com --yes

			# A file of leavers; check it first
			$ cat leavers.csv
			email
			ann@example.com
			bob@example.com
			$ wsctl users deactivate --csv leavers.csv --dry-run
			$ wsctl users deactivate --csv leavers.csv --report leavers-report.csv

			# After an interruption, only the rows not done yet
			$ wsctl users deactivate --csv leavers.csv --resume --yes

			# From another program: no terminal to ask, so --yes
			$ export-leavers | wsctl users deactivate --csv - --yes
		`),
		Args: shared.UserOrCSV("which user? pass an email or an id, e.g. 'wsctl users deactivate ann@example.com', or --csv FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				opts.User = args[0]
			}
			if err := shared.CheckCSV(cmd, opts.CSV); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return deactivateRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddYesFlag(cmd, &opts.Yes)
	deactivateVerb().AddFlags(cmd, &opts.CSV)
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	return cmd
}

func deactivateRun(ctx context.Context, opts *DeactivateOptions) error {
	if opts.CSV.File != "" {
		return csvRun(ctx, opts)
	}
	c, unchanged, err := shared.ConfirmOne(ctx, opts.IO, opts.Prompter, opts.Client, opts.Yes, shared.One{
		Action:   schema.UserActionDeactivate,
		User:     opts.User,
		Doing:    "deactivate " + opts.User,
		Question: fmt.Sprintf(question, opts.User),
	})
	if err != nil {
		return err
	}
	if unchanged != nil {
		return printUnchanged(opts, *unchanged)
	}
	u, err := c.Deactivate(ctx, opts.User)
	if err != nil {
		return fmt.Errorf("deactivate %s: %w", opts.User, err)
	}
	if u.Unchanged != "" {
		return printUnchanged(opts, u)
	}
	cmdutil.PrintNotices(opts.IO, u.Notices)
	if opts.Output.IsMachine() {
		return cmdutil.PrintItem(opts.IO, opts.Output, shared.UserView, u)
	}
	cmdutil.Success(opts.IO, "Deactivated %s; their licenses are back in the pool and their sessions are revoked", u.Email)
	return nil
}

// printUnchanged says the server changed nothing, and why: "ann@example.com
// is already inactive; nothing changed".
func printUnchanged(opts *DeactivateOptions, u schema.User) error {
	cmdutil.Success(opts.IO, "%s is %s; nothing changed", u.Email, u.Unchanged)
	if opts.Output.IsMachine() {
		return cmdutil.PrintItem(opts.IO, opts.Output, shared.UserView, u)
	}
	return nil
}

func csvRun(ctx context.Context, opts *DeactivateOptions) error {
	o := bulk.Options{Flags: opts.CSV, IO: opts.IO, Client: opts.Client, Output: opts.Output}
	return shared.RunConfirmed(ctx, deactivateVerb(), o, opts.Yes, opts.Prompter, shared.Ask{
		Change:   "deactivate",
		Doing:    "deactivate the users of",
		Question: question,
	})
}
