// Package signupmode implements 'wsctl signup-mode [status|on|off]'.
package signupmode

import (
	"context"
	"fmt"

	"github.com/MakeNowJust/heredoc/v2"
	"github.com/spf13/cobra"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/iostreams"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/prompter"
	"github.com/wsctl/wsctl/internal/client"
)

// Actions of 'signup-mode'.
const (
	ActionStatus = "status"
	ActionOn     = "on"
	ActionOff    = "off"
)

// SignupModeOptions are the parsed flags of 'signup-mode'.
type SignupModeOptions struct {
	IO       *iostreams.IOStreams
	Prompter prompter.Prompter
	Client   func() (*client.Client, error)
	Output   cmdutil.OutputOptions

	Action string
	Yes    bool
}

// NewCmdSignupMode builds 'wsctl signup-mode [status|on|off]'.
func NewCmdSignupMode(f *cmdutil.Factory, runF func(*SignupModeOptions) error) *cobra.Command {
	opts := &SignupModeOptions{IO: f.IOStreams, Prompter: f.Prompter, Client: f.Client}
	cmd := &cobra.Command{
		Use:   "signup-mode [status|on|off]",
		Short: "Show or change whether people can sign up on their own",
		Long: heredoc.Doc(`
			Automatic sign-up ("allow users to sign up automatically") is on for a
			new workspace: anybody signing in through the workspace's identity
			provider becomes an active user with role user and no license. While
			it is on, invites are refused, since people can join on their own:
			turn it off to invite people.

			With no argument or 'status', show the setting. 'on' and 'off' change
			it after a confirmation; --yes skips the confirmation and is
			required when there is no terminal.
		`),
		Example: heredoc.Doc(`
			$ wsctl signup-mode
			$ wsctl signup-mode off
			$ wsctl signup-mode off --yes     # in a script
			$ wsctl signup-mode status --jq .auto_signup
		`),
		ValidArgs: []string{ActionStatus, ActionOn, ActionOff},
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return cmdutil.FlagErrorf("signup-mode takes one of status, on, off, not %q", args)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Action = ActionStatus
			if len(args) == 1 {
				opts.Action = args[0]
			}
			switch opts.Action {
			case ActionStatus, ActionOn, ActionOff:
			default:
				return cmdutil.FlagErrorf("signup-mode takes status, on or off, not %q", opts.Action)
			}
			if runF != nil {
				return runF(opts)
			}
			return signupModeRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddYesFlag(cmd, &opts.Yes)
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	return cmd
}

func signupModeRun(ctx context.Context, opts *SignupModeOptions) error {
	if opts.Action != ActionStatus {
		if err := Confirm(opts.IO, opts.Prompter, opts.Yes, opts.Action); err != nil {
			return err
		}
	}
	c, err := opts.Client()
	if err != nil {
		return err
	}
	var mode schema.SignupMode
	if opts.Action == ActionStatus {
		mode, err = c.SignupMode(ctx)
	} else {
		mode, err = c.SetSignupMode(ctx, opts.Action == ActionOn)
	}
	if err != nil {
		return fmt.Errorf("signup mode: %w", err)
	}
	if opts.Output.IsMachine() {
		return cmdutil.PrintItem(opts.IO, opts.Output, view, mode)
	}
	if opts.Action != ActionStatus {
		cmdutil.Success(opts.IO, "Automatic sign-up is now %s", onOff(mode.AutoSignup))
	}
	if !opts.IO.IsStdoutTTY() {
		_, err := fmt.Fprintln(opts.IO.Out, onOff(mode.AutoSignup))
		return err
	}
	if mode.AutoSignup {
		_, err = fmt.Fprintln(opts.IO.Out, "Automatic sign-up is on: people sign up on their own; invites are refused (turn it off with 'wsctl signup-mode off').")
	} else {
		_, err = fmt.Fprintln(opts.IO.Out, "Automatic sign-up is off: people join by invite ('wsctl users invite').")
	}
	return err
}

// Confirm asks the confirmation that turning automatic sign-up on or off
// (action ActionOn or ActionOff) needs, as cmdutil.Confirm does: --yes skips
// it, no terminal refuses. Commands that offer the change themselves (the
// invite screen of 'users invite') ask through it, so that the person is
// asked the same question wherever the change starts.
func Confirm(ios *iostreams.IOStreams, p prompter.Prompter, yes bool, action string) error {
	return cmdutil.Confirm(ios, p, yes, "turn automatic sign-up "+action, question(action == ActionOn))
}

func question(on bool) string {
	if on {
		return "Turn automatic sign-up on? Anybody signing in through the identity provider becomes a user, and invites are refused"
	}
	return "Turn automatic sign-up off? People will join only by invite"
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

var view = cmdutil.View[schema.SignupMode]{
	Columns: []string{"AUTO SIGNUP"},
	Row: func(c *cmdutil.Cells, m schema.SignupMode) []string {
		return []string{fmt.Sprint(m.AutoSignup)}
	},
}
