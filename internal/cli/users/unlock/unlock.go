// Package unlock implements 'wsctl users unlock'.
package unlock

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

// UnlockOptions are the parsed arguments of 'users unlock'.
type UnlockOptions struct {
	IO     *iostreams.IOStreams
	Client func() (*client.Client, error)
	Output cmdutil.OutputOptions

	User string // email or id
}

// NewCmdUnlock builds 'users unlock USER'.
func NewCmdUnlock(f *cmdutil.Factory, runF func(*UnlockOptions) error) *cobra.Command {
	opts := &UnlockOptions{IO: f.IOStreams, Client: f.Client}
	cmd := &cobra.Command{
		Use:   "unlock USER",
		Short: "Let a user sign in again at once after failed attempts",
		Long: heredoc.Doc(`
			Lift what failed sign-ins put on a user: the wait that wrong passwords
			impose (on the address they came from, and on the account for new
			addresses), and the lock after wrong MFA codes. USER is an email or an
			id. Needs the users:write scope. The change is in the audit log as
			user.unlocked.

			Wrong passwords slow down only the address they come from, with waits
			that double (1 s, 2 s, 4 s … up to 15 minutes), so a person is rarely
			held back by someone else's guesses; unlock them when they are.
		`),
		Example: heredoc.Doc(`
			$ wsctl users unlock ann@example.com
		`),
		Args: cmdutil.ExactArgs(1, "which user? pass an email or an id, e.g. 'wsctl users unlock ann@example.com'"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.User = args[0]
			if runF != nil {
				return runF(opts)
			}
			return unlockRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	return cmd
}

func unlockRun(ctx context.Context, opts *UnlockOptions) error {
	c, err := opts.Client()
	if err != nil {
		return err
	}
	u, err := c.Unlock(ctx, opts.User)
	if err != nil {
		return fmt.Errorf("unlock %s: %w", opts.User, err)
	}
	if opts.Output.IsMachine() {
		return cmdutil.PrintItem(opts.IO, opts.Output, shared.UserView, u)
	}
	cmdutil.Success(opts.IO, "%s can sign in again at once", u.Email)
	return nil
}
