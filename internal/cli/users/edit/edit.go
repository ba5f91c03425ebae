// Package edit implements 'wsctl users edit', for one user or a CSV file
// of them.
package edit

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/MakeNowJust/heredoc/v2"
	"github.com/spf13/cobra"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/bulk"
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

	// A CSV file of users and their changes.
	CSV bulk.Flags
}

// oneUserFlags are the flags of an edit of one user, which the rows of a
// --csv file give instead.
var oneUserFlags = []string{"name", "add-role", "remove-role", "add-license", "remove-license", "call-recording"}

// NewCmdEdit builds 'users edit {USER [flags] | --csv FILE}'.
func NewCmdEdit(f *cmdutil.Factory, runF func(*EditOptions) error) *cobra.Command {
	opts := &EditOptions{IO: f.IOStreams, Client: f.Client}
	var name, callRecording string
	cmd := &cobra.Command{
		Use:   "edit {USER [flags] | --csv FILE}",
		Short: "Change users' name, roles, licenses or call recording",
		Long: heredoc.Doc(`
			Change a user's name, roles, licenses or call recording. USER is
			an email or an id. Only the given changes are sent.

			A license can be added only while one is available in its pool: see
			'wsctl licenses show'. Taking the last one succeeds with a notice.

			The user is read first and changed only if nobody changed it in
			between: when two admins edit the same user, the second is told so
			and nothing of theirs is saved; run the command again.

			With --csv, every row of the file is a user to change, by email. The
			other columns are optional: name, roles, licenses, call_recording. A
			cell sets its field to what it holds: roles and licenses (several
			separated by ';' or '|') replace the user's, and call_recording is
			on, off, true, false, yes or no. An empty cell leaves its field as it
			is, so a blank cell never removes anything: to take every license
			away, use --remove-license on the user. A call_recording cell that
			is none of those words makes its row invalid, and it is not sent. A
			row that would change nothing is reported as such. A row is applied
			to the user as the server has them when the row arrives: no earlier
			read to compare with. When a pool runs out, the rows that come
			later and ask for it are refused and say so (with --concurrency 1
			"later" is exactly the file's order; a few requests at a time may
			finish in another order).
		`) + "\n" + editVerb().Help(),
		Example: heredoc.Doc(`
			$ wsctl users edit ann@example.com --add-license flow
			$ wsctl users edit ann@example.com --add-role manager --remove-role user
			$ wsctl users edit ann@example.com --name "Ann Lee-Smith" --call-recording off

			# A file of changes: Ann's roles and licenses become these, Bob's
			# name and call recording change, and the blank cells change nothing
			$ cat changes.csv
			email,name,roles,licenses,call_recording
			ann@example.com,,manager;user,parallel-dialer|flow,
			bob@example.com,Bob Stone-Lee,,,off
			$ wsctl users edit --csv changes.csv --dry-run
			$ wsctl users edit --csv changes.csv --report changes-report.csv

			# Only some columns: turn call recording on for a team
			$ printf 'email,call_recording\ncy@example.com,on\ndi@example.com,on\n' | wsctl users edit --csv -

			# After an interruption, only the rows not done yet
			$ wsctl users edit --csv changes.csv --resume --failed changes-failed.csv
		`),
		Args: shared.UserOrCSV("which user? pass an email or an id, e.g. 'wsctl users edit ann@example.com --add-license flow', or --csv FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := shared.CheckCSV(cmd, opts.CSV, oneUserFlags...); err != nil {
				return err
			}
			if opts.CSV.File == "" {
				opts.User = args[0]
				if err := readEdit(cmd, &opts.Edit, name, callRecording); err != nil {
					return err
				}
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
	editVerb().AddFlags(cmd, &opts.CSV)
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	return cmd
}

// readEdit reads the edit of one user from the flags into e: name and
// callRecording are the values of --name and --call-recording.
func readEdit(cmd *cobra.Command, e *schema.UserEdit, name, callRecording string) error {
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
		return cmdutil.FlagErrorf("nothing to change: pass at least one of --name, --add-role, --remove-role, --add-license, --remove-license, --call-recording, or --csv FILE")
	}
	return nil
}

func parseOnOff(s string) (bool, error) {
	on, ok := onOff(s)
	if !ok {
		return false, cmdutil.FlagErrorf("--call-recording takes on or off, not %q", s)
	}
	return on, nil
}

// onOff reads a switch: on, true or yes; off, false or no (in any case).
func onOff(s string) (on, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "on", "true", "yes":
		return true, true
	case "off", "false", "no":
		return false, true
	}
	return false, false
}

func editRun(ctx context.Context, opts *EditOptions) error {
	if opts.CSV.File != "" {
		return bulk.Run(ctx, editVerb(), bulk.Options{Flags: opts.CSV, IO: opts.IO, Client: opts.Client, Output: opts.Output})
	}
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
	if u.Unchanged != "" {
		// The server says when the edit asked for what the user already has.
		cmdutil.Success(opts.IO, "Nothing changed for %s: they already have what the edit asks for", u.Email)
		return nil
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
