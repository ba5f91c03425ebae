// Package reset implements 'wsctl mfa reset', for one user or a CSV file
// of them.
package reset

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

// ResetOptions are the parsed flags of 'mfa reset'.
type ResetOptions struct {
	IO       *iostreams.IOStreams
	Prompter prompter.Prompter
	Client   func() (*client.Client, error)
	Output   cmdutil.OutputOptions

	User string
	Yes  bool

	// A CSV file of users.
	CSV bulk.Flags
}

// resetVerb is 'mfa reset --csv': a row per user, sent to POST
// /users/batch. A reset always changes its user (their sessions end), so
// it has no "unchanged" outcome.
func resetVerb() bulk.Verb[schema.UserBatchItem] {
	return shared.Batch{
		Name:    "mfa reset",
		Doing:   "Resetting MFA",
		Action:  schema.UserActionMFAReset,
		Columns: bulk.Columns{Required: []string{"email"}, Key: "email"},
		Done:    bulk.Status{Name: schema.UserBatchMFAReset, Summary: "MFA reset", Action: "reset MFA"},
		Item:    shared.EmailItem,
	}.Verb()
}

// question asks about one user ("ann@example.com") or the users of a file
// ("3 users").
const question = "Reset MFA for %s? Their sessions and API tokens are revoked and they set MFA up again at their next sign-in"

// NewCmdReset builds 'mfa reset {USER | --csv FILE}'.
func NewCmdReset(f *cmdutil.Factory, runF func(*ResetOptions) error) *cobra.Command {
	opts := &ResetOptions{IO: f.IOStreams, Prompter: f.Prompter, Client: f.Client}
	cmd := &cobra.Command{
		Use:   "reset {USER | --csv FILE}",
		Short: "Remove users' MFA enrollment so they set it up again",
		Long: heredoc.Doc(`
			Reset a user's multi-factor authentication, e.g. when they lost
			their authenticator: their MFA enrollment is removed and their sessions,
			refresh tokens and API tokens are revoked (an account whose MFA needs
			a reset may be in other hands); at their next sign-in they set MFA up
			again. USER is an email or an id. Needs the mfa:reset scope.

			Asks for confirmation on a terminal; --yes skips it and is required
			when there is no terminal. Before asking, wsctl asks the server what
			it would do: an unknown user is reported without a question.

			With --csv, every row of the file is a user whose MFA to reset, by
			email: a wave of lost phones at once. On a terminal, wsctl first asks
			the server what the file would do (the dry run below), shows how many
			users would be reset and asks. --yes skips the question and is
			required without a terminal, so also when the file comes from stdin;
			--dry-run never asks, as it changes nothing.
		`) + "\n" + resetVerb().Help(),
		Example: heredoc.Doc(`
			$ wsctl mfa reset ann@example.com
			$ wsctl mfa reset ann@example.com --yes

			# A file of people who lost their phones; check it first
			$ cat lost-phones.csv
			email
			ann@example.com
			bob@example.com
			$ wsctl mfa reset --csv lost-phones.csv --dry-run
			$ wsctl mfa reset --csv lost-phones.csv --report reset-report.csv

			# After an interruption, only the rows not done yet
			$ wsctl mfa reset --csv lost-phones.csv --resume --yes

			# From another program: no terminal to ask, so --yes
			$ tickets --lost-phone | wsctl mfa reset --csv - --yes
		`),
		Args: shared.UserOrCSV("whose MFA? pass an email or an id, e.g. 'wsctl mfa reset ann@example.com', or --csv FILE"),
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
			return resetRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddYesFlag(cmd, &opts.Yes)
	resetVerb().AddFlags(cmd, &opts.CSV)
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	return cmd
}

func resetRun(ctx context.Context, opts *ResetOptions) error {
	if opts.CSV.File != "" {
		return csvRun(ctx, opts)
	}
	// A reset always changes its user: the server never answers unchanged.
	c, _, err := shared.ConfirmOne(ctx, opts.IO, opts.Prompter, opts.Client, opts.Yes, shared.One{
		Action:   schema.UserActionMFAReset,
		User:     opts.User,
		Doing:    "reset the MFA of " + opts.User,
		Question: fmt.Sprintf(question, opts.User),
	})
	if err != nil {
		return err
	}
	u, err := c.ResetMFA(ctx, opts.User)
	if err != nil {
		return fmt.Errorf("reset the MFA of %s: %w", opts.User, err)
	}
	cmdutil.PrintNotices(opts.IO, u.Notices)
	if opts.Output.IsMachine() {
		return cmdutil.PrintItem(opts.IO, opts.Output, shared.UserView, u)
	}
	cmdutil.Success(opts.IO, "Reset MFA for %s; they will set it up again at their next sign-in", u.Email)
	return nil
}

func csvRun(ctx context.Context, opts *ResetOptions) error {
	o := bulk.Options{Flags: opts.CSV, IO: opts.IO, Client: opts.Client, Output: opts.Output}
	return shared.RunConfirmed(ctx, resetVerb(), o, opts.Yes, opts.Prompter, shared.Ask{
		Change:   "reset MFA",
		Doing:    "reset the MFA of the users of",
		Question: question,
	})
}
