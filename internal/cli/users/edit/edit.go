// Package edit implements 'wsctl users edit'.
package edit

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
	"github.com/wsctl/wsctl/internal/cli/users/shared"
	"github.com/wsctl/wsctl/internal/client"
)

// EditOptions are the parsed flags of 'users edit'.
type EditOptions struct {
	IO     *iostreams.IOStreams
	Client func() (*client.Client, error)
	Output cmdutil.OutputOptions

	User string
	Edit schema.UserEdit
}

// NewCmdEdit builds 'users edit USER'.
func NewCmdEdit(f *cmdutil.Factory, runF func(*EditOptions) error) *cobra.Command {
	opts := &EditOptions{IO: f.IOStreams, Client: f.Client}
	var name, callRecording string
	cmd := &cobra.Command{
		Use:   "edit USER",
		Short: "Change a user's name, roles, licenses or call recording",
		Long: heredoc.Doc(`
			Change a user's name, roles, licenses or call recording. USER is
			an email or an id. Only the given changes are sent.

			A license can be added only while one is available in its pool: see
			'wsctl licenses show'. Taking the last one succeeds with a notice.

			The user is read first and changed only if nobody changed it in
			between: when two admins edit the same user, the second is told so
			and nothing of theirs is saved; run the command again.
		`),
		Example: heredoc.Doc(`
			$ wsctl users edit ann@example.com --add-license flow
			$ wsctl users edit ann@example.com --add-role manager --remove-role user
			$ wsctl users edit ann@example.com --name "Ann Lee-Smith" --call-recording off
		`),
		Args: cmdutil.ExactArgs(1, "which user? pass an email or an id, e.g. 'wsctl users edit ann@example.com --add-license flow'"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.User = args[0]
			e := &opts.Edit
			if cmd.Flags().Changed("name") {
				n := strings.TrimSpace(name)
				if n == "" {
					return cmdutil.FlagErrorf("--name cannot be empty")
				}
				e.Name = &n
			}
			if cmd.Flags().Changed("call-recording") {
				on, err := parseOnOff(callRecording)
				if err != nil {
					return err
				}
				e.CallRecording = &on
			}
			e.AddRoles, e.RemoveRoles = cmdutil.SplitList(e.AddRoles), cmdutil.SplitList(e.RemoveRoles)
			e.AddLicenses, e.RemoveLicenses = cmdutil.SplitList(e.AddLicenses), cmdutil.SplitList(e.RemoveLicenses)
			if e.Name == nil && e.CallRecording == nil && len(e.AddRoles)+len(e.RemoveRoles)+len(e.AddLicenses)+len(e.RemoveLicenses) == 0 {
				return cmdutil.FlagErrorf("nothing to change: pass at least one of --name, --add-role, --remove-role, --add-license, --remove-license, --call-recording")
			}
			if runF != nil {
				return runF(opts)
			}
			return editRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&name, "name", "", "new name")
	fl.StringSliceVar(&opts.Edit.AddRoles, "add-role", nil, "give role(s): admin, manager, user")
	fl.StringSliceVar(&opts.Edit.RemoveRoles, "remove-role", nil, "take role(s) away")
	fl.StringSliceVar(&opts.Edit.AddLicenses, "add-license", nil, "assign license(s) of these products")
	fl.StringSliceVar(&opts.Edit.RemoveLicenses, "remove-license", nil, "release license(s) of these products to the pool")
	fl.StringVar(&callRecording, "call-recording", "", "turn call recording on or off")
	_ = cmd.RegisterFlagCompletionFunc("call-recording", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"on", "off"}, cobra.ShellCompDirectiveNoFileComp
	})
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	return cmd
}

func parseOnOff(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "on", "true", "yes":
		return true, nil
	case "off", "false", "no":
		return false, nil
	}
	return false, cmdutil.FlagErrorf("--call-recording takes on or off, not %q", s)
}

func editRun(ctx context.Context, opts *EditOptions) error {
	c, err := opts.Client()
	if err != nil {
		return err
	}
	_, etag, err := c.GetUser(ctx, opts.User)
	if err != nil {
		return fmt.Errorf("edit %s: %w", opts.User, err)
	}
	u, _, err := c.EditUser(ctx, opts.User, etag, opts.Edit)
	var apiErr *client.APIError
	if errors.As(err, &apiErr) && apiErr.Code() == schema.CodeEditConflict {
		return fmt.Errorf("edit %s: another admin changed this user after wsctl read it, so nothing was saved; run the command again to apply your change to the latest version", opts.User)
	}
	if err != nil {
		return fmt.Errorf("edit %s: %w", opts.User, err)
	}
	cmdutil.PrintNotices(opts.IO, u.Notices)
	if opts.Output.IsMachine() {
		return cmdutil.PrintItem(opts.IO, opts.Output, shared.UserView, u)
	}
	cmdutil.Success(opts.IO, "Updated %s (roles %s; licenses %s)", u.Email, strings.Join(u.Roles, ", "), listOrNone(u.Licenses))
	return nil
}

func listOrNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}
