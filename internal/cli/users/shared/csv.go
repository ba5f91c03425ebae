package shared

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/bulk"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/prompter"
)

// UserOrCSV takes the positional USER of a command that also takes --csv
// FILE: exactly one without --csv (missing says how to give it), none
// with it.
func UserOrCSV(missing string) cobra.PositionalArgs {
	one := cmdutil.ExactArgs(1, missing)
	return func(cmd *cobra.Command, args []string) error {
		if file, _ := cmd.Flags().GetString("csv"); file == "" {
			return one(cmd, args)
		}
		if len(args) > 0 {
			return cmdutil.FlagErrorf("USER %q cannot be used with --csv: the file names the user of every row", args[0])
		}
		return nil
	}
}

// CheckCSV says, as a usage error, what does not go with --csv: the flags
// of one user (perUser: "license"), then what the bulk flags say.
func CheckCSV(cmd *cobra.Command, f bulk.Flags, perUser ...string) error {
	if f.File != "" {
		for _, name := range perUser {
			if cmd.Flags().Changed(name) {
				return cmdutil.FlagErrorf("--%s cannot be used with --csv: the file gives every row's changes", name)
			}
		}
	}
	return f.Check(cmd)
}

// Ask is what a verb that asks for confirmation (deactivate, mfa reset)
// asks about a file.
type Ask struct {
	// Change is the plan's action of a row that changes its user:
	// "deactivate".
	Change string
	// Doing names what a run would do to the file's users, for the
	// refusal without a terminal: "deactivate the users of".
	Doing string
	// Question asks about some users, a format whose %s is "3 users":
	// "Deactivate %s? …".
	Question string
}

// RunConfirmed runs v over the file of o as the confirmation rules say:
// with --yes or --dry-run nothing is asked; without a terminal it is a
// usage error, before anything is read or sent; on a terminal the server's
// plan is shown first and the question asks about the users it would
// change (nothing is asked when it would change none).
func RunConfirmed(ctx context.Context, v bulk.Verb[schema.UserBatchItem], o bulk.Options, yes bool, p prompter.Prompter, ask Ask) error {
	if err := confirmFile(&o, yes, p, ask); err != nil {
		return err
	}
	return bulk.Run(ctx, v, o)
}

// confirmFile sets o.Confirm to ask about the plan, as RunConfirmed says.
func confirmFile(o *bulk.Options, yes bool, p prompter.Prompter, ask Ask) error {
	if yes || o.DryRun {
		return nil
	}
	file := o.File
	if file == bulk.Stdin {
		file = "stdin"
	}
	refused := ask.Doing + " " + file
	if !o.IO.CanPrompt() {
		return cmdutil.Confirm(o.IO, p, false, refused, "")
	}
	ios := o.IO
	o.Confirm = func(plan bulk.Plan) error {
		fmt.Fprintf(ios.ErrOut, "The server's plan for %s, nothing changed yet: %s (--dry-run lists every row)\n", file, plan.Summary)
		n := plan.Count(ask.Change)
		if n == 0 {
			fmt.Fprintln(ios.ErrOut, "The file would change nobody: nothing to confirm.")
			return nil
		}
		users := fmt.Sprintf("%d users", n)
		if n == 1 {
			users = "1 user"
		}
		return cmdutil.Confirm(ios, p, false, refused, fmt.Sprintf(ask.Question, users))
	}
	return nil
}

// InviteColumns are the columns of an invite file and of a roster (users
// sync): the people to invite, or everyone who should be in the workspace.
const InviteColumns = "name,email,roles,licenses"
