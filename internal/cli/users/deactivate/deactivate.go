// Package deactivate implements 'wsctl users deactivate'.
package deactivate

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/MakeNowJust/heredoc/v2"
	"github.com/spf13/cobra"

	"github.com/wsctl/wsctl/internal/api/schema"
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
}

// NewCmdDeactivate builds 'users deactivate USER'.
func NewCmdDeactivate(f *cmdutil.Factory, runF func(*DeactivateOptions) error) *cobra.Command {
	opts := &DeactivateOptions{IO: f.IOStreams, Prompter: f.Prompter, Client: f.Client}
	cmd := &cobra.Command{
		Use:   "deactivate USER",
		Short: "Deactivate a user: release their licenses and revoke their access",
		Long: heredoc.Doc(`
			Deactivate a user: all their licenses return to the pool, their
			sessions and tokens are revoked and they can no longer sign in. They
			stay listed with 'wsctl users list --inactive' and can be reactivated
			with 'wsctl users activate USER --license P'.

			You cannot deactivate yourself, and the workspace always keeps at least
			one active admin. A user who is already inactive is left as is, and
			wsctl says so.

			Asks for confirmation on a terminal; --yes skips it and is required
			when there is no terminal.
		`),
		Example: heredoc.Doc(`
			$ wsctl users deactivate ann@example.com
			$ wsctl users deactivate ann@example.com --yes
		`),
		Args: cmdutil.ExactArgs(1, "which user? pass an email or an id, e.g. 'wsctl users deactivate ann@example.com'"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.User = args[0]
			if runF != nil {
				return runF(opts)
			}
			return deactivateRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddYesFlag(cmd, &opts.Yes)
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	return cmd
}

func deactivateRun(ctx context.Context, opts *DeactivateOptions) error {
	action := "deactivate " + opts.User
	question := fmt.Sprintf("Deactivate %s? Their licenses go back to the pool and their sessions are revoked", opts.User)
	if !opts.Yes && !opts.IO.CanPrompt() {
		// Refuse before any request: a script without --yes learns it at once.
		return cmdutil.Confirm(opts.IO, opts.Prompter, opts.Yes, action, question)
	}
	c, err := opts.Client()
	if err != nil {
		return err
	}
	before, known, err := currentState(ctx, c, opts.User)
	if err != nil {
		return fmt.Errorf("deactivate %s: %w", opts.User, err)
	}
	if known && !before.Active {
		return printAlreadyInactive(opts, before)
	}
	if err := cmdutil.Confirm(opts.IO, opts.Prompter, opts.Yes, action, question); err != nil {
		return err
	}
	u, err := c.Deactivate(ctx, opts.User)
	if err != nil {
		return fmt.Errorf("deactivate %s: %w", opts.User, err)
	}
	cmdutil.PrintNotices(opts.IO, u.Notices)
	if opts.Output.IsMachine() {
		return cmdutil.PrintItem(opts.IO, opts.Output, shared.UserView, u)
	}
	switch {
	case !known:
		// The server answers an already inactive user unchanged, so without
		// the state before, wsctl cannot tell whether it changed anything.
		cmdutil.Success(opts.IO, "%s is inactive; any licenses they held are back in the pool", u.Email)
	case len(before.Licenses) == 0:
		cmdutil.Success(opts.IO, "Deactivated %s; they held no license", u.Email)
	default:
		cmdutil.Success(opts.IO, "Deactivated %s; their licenses are back in the pool (%s)", u.Email, strings.Join(before.Licenses, ", "))
	}
	return nil
}

// currentState reads the user before deactivating them, so that an inactive
// user is reported as such instead of "deactivated". known is false when the
// token may deactivate but not read users (users:write without users:read).
func currentState(ctx context.Context, c *client.Client, ref string) (u schema.User, known bool, err error) {
	u, _, err = c.GetUser(ctx, ref)
	var apiErr *client.APIError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusForbidden {
		return u, false, nil
	}
	return u, err == nil, err
}

func printAlreadyInactive(opts *DeactivateOptions, u schema.User) error {
	cmdutil.Success(opts.IO, "%s is already inactive; nothing changed", u.Email)
	if opts.Output.IsMachine() {
		return cmdutil.PrintItem(opts.IO, opts.Output, shared.UserView, u)
	}
	return nil
}
