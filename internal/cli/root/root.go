// Package root builds the 'wsctl' command tree.
package root

import (
	"context"
	"os"
	"os/signal"
	"slices"
	"strings"

	"github.com/MakeNowJust/heredoc/v2"
	"github.com/spf13/cobra"

	"github.com/wsctl/wsctl/internal/cli/audit"
	"github.com/wsctl/wsctl/internal/cli/auth"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/cli/completion"
	"github.com/wsctl/wsctl/internal/cli/config"
	"github.com/wsctl/wsctl/internal/cli/invites"
	"github.com/wsctl/wsctl/internal/cli/licenses"
	"github.com/wsctl/wsctl/internal/cli/mfa"
	"github.com/wsctl/wsctl/internal/cli/signupmode"
	"github.com/wsctl/wsctl/internal/cli/tokens"
	"github.com/wsctl/wsctl/internal/cli/users"
	"github.com/wsctl/wsctl/internal/cli/version"
)

// NewCmdRoot builds wsctl with every command. Building it reads no config and
// touches no network.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	cmd := newRoot(f)
	for _, c := range commands {
		addCommand(cmd, f, c)
	}
	cmd.AddCommand(helpTopics()...)
	indentExamples(cmd)
	return cmd
}

// NewCmdRootFor builds what running wsctl with args needs, so that start-up
// stays light: 'wsctl --version' builds no command under the root, and
// 'wsctl users list' only the tree of 'users'. Anything else (help,
// completion, a name it does not know, which cobra answers with
// suggestions) gets every command, as from NewCmdRoot.
func NewCmdRootFor(f *cmdutil.Factory, args []string) *cobra.Command {
	name, ok := commandName(args)
	if !ok {
		return NewCmdRoot(f)
	}
	cmd := newRoot(f)
	if name == "" { // --version
		return cmd
	}
	for _, c := range commands {
		if c.name == name {
			addCommand(cmd, f, c)
			indentExamples(cmd)
			return cmd
		}
	}
	return NewCmdRoot(f)
}

// newRoot is the root command alone: its help, flags and groups.
func newRoot(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "wsctl <command> <subcommand> [flags]",
		Short: "Manage the users of a workspace from the command line",
		Long: heredoc.Docf(`
			wsctl manages the users of a workspace served by workspaced: invite
			people (one or a CSV file of thousands), edit roles and licenses,
			deactivate and reactivate, reset MFA, watch license usage and read
			the audit log.

			wsctl talks to %[1]s unless told otherwise (--host, WSCTL_HOST, a
			profile or the config file; see 'wsctl help environment'). Sign in
			with 'wsctl auth login' (a browser, a device code or an API token);
			WSCTL_TOKEN, when set, is used instead (for CI).

			Data goes to stdout: a table on a terminal, tab-separated rows when
			piped, or -o json|yaml|csv (json is the API's own representation; --jq
			filters it). Messages go to stderr. Exit codes are described in
			'wsctl help exit-codes'.
		`, config.DefaultHost),
		Example: heredoc.Doc(`
			$ wsctl auth login
			$ wsctl users list
			$ wsctl signup-mode off
			$ wsctl users invite --name "Ann Lee" --email ann@example.com --role user --license flow
			$ wsctl users invite --csv people.csv --dry-run
			$ wsctl licenses show --fail-above 90
		`),
		Version:       f.AppVersion,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRun: func(cmd *cobra.Command, args []string) {
			if f.Globals.NoColor {
				f.IOStreams.SetNoColor(true)
			}
			interruptible(cmd)
		},
	}
	cmd.SetVersionTemplate(version.Format(f.AppVersion, f.AppCommit, f.AppDate))
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return cmdutil.FlagErrorWrap(err)
	})
	cmd.CompletionOptions.DisableDefaultCmd = true
	cmd.SetOut(f.IOStreams.Out)
	cmd.SetErr(f.IOStreams.ErrOut)

	g := f.Globals
	pf := cmd.PersistentFlags()
	pf.StringVar(&g.Host, "host", "", "workspaced address (env WSCTL_HOST; default "+config.DefaultHost+")")
	pf.StringVar(&g.Profile, "profile", "", "use the host of this profile of the config file (env WSCTL_PROFILE)")
	pf.StringVarP(&g.Output, "output", "o", "table", "output format: table, json, yaml or csv")
	pf.StringVar(&g.JQ, "jq", "", "filter JSON output with a jq expression")
	pf.BoolVarP(&g.Yes, "yes", "y", false, "do not ask for confirmation")
	pf.BoolVar(&g.NoColor, "no-color", false, "no color in output (also: NO_COLOR)")
	pf.BoolVar(&g.Debug, "debug", false, "log HTTP requests to stderr (tokens redacted)")
	pf.BoolVar(&g.InsecureHTTP, "insecure-http", false, "send the token to a plain-http host on another machine (refused otherwise)")

	cmd.AddGroup(
		&cobra.Group{ID: "auth", Title: "Sign-in commands:"},
		&cobra.Group{ID: "manage", Title: "Workspace commands:"},
		&cobra.Group{ID: "more", Title: "More commands:"},
	)
	cmd.SetHelpCommandGroupID("more")
	return cmd
}

// interruptible makes Ctrl-C cancel the context of the command about to
// run, until the context it was given ends. It is done here, when a
// command runs, rather than in main: 'wsctl --version' and help run no
// command, and the signal watcher's goroutine (and the thread the runtime
// starts for it) cost every start (bench/README.md, "Start-up, measured").
func interruptible(cmd *cobra.Command) {
	parent := cmd.Context()
	ctx, stop := signal.NotifyContext(parent, os.Interrupt)
	context.AfterFunc(parent, stop)
	cmd.SetContext(ctx)
}

// topCommand is a command under the root, built on demand.
type topCommand struct {
	name  string // as the built command has it, with no aliases (a test checks)
	group string
	build func(*cmdutil.Factory) *cobra.Command
}

// commands are the commands under the root, in the order help lists them.
var commands = []topCommand{
	{name: "auth", group: "auth", build: auth.NewCmdAuth},
	{name: "users", group: "manage", build: users.NewCmdUsers},
	{name: "invites", group: "manage", build: invites.NewCmdInvites},
	{name: "licenses", group: "manage", build: licenses.NewCmdLicenses},
	{name: "signup-mode", group: "manage", build: func(f *cmdutil.Factory) *cobra.Command { return signupmode.NewCmdSignupMode(f, nil) }},
	{name: "mfa", group: "manage", build: mfa.NewCmdMFA},
	{name: "audit", group: "manage", build: audit.NewCmdAudit},
	{name: "tokens", group: "manage", build: tokens.NewCmdTokens},
	{name: "completion", group: "more", build: completion.NewCmdCompletion},
	{name: "version", group: "more", build: version.NewCmdVersion},
}

func addCommand(root *cobra.Command, f *cmdutil.Factory, c topCommand) {
	cmd := c.build(f)
	cmd.GroupID = c.group
	root.AddCommand(cmd)
}

// valueFlags are the root's flags that take a value in the next argument.
var valueFlags = []string{"--host", "--profile", "--output", "-o", "--jq"}

// commandName finds the command args run under the root: its name, or ""
// for 'wsctl --version'. ok is false when every command is needed: help,
// completion (of the shell, or the script that gives it), or no command.
func commandName(args []string) (name string, ok bool) {
	version := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return "", false
		case slices.Contains(valueFlags, a):
			i++
		case a == "--help" || a == "-h":
			return "", false
		case a == "--version" || a == "-v":
			version = true
		case strings.HasPrefix(a, "-"):
		case a == "completion" || a == "help" || strings.HasPrefix(a, "__"):
			return "", false
		default:
			return a, true
		}
	}
	return "", version
}

// indentExamples indents every example by two spaces in help, as cobra
// prints them verbatim and heredoc removes the source's indentation.
func indentExamples(cmd *cobra.Command) {
	if cmd.Example != "" {
		lines := strings.Split(strings.TrimRight(cmd.Example, "\n"), "\n")
		for i, l := range lines {
			if l != "" {
				lines[i] = "  " + l
			}
		}
		cmd.Example = strings.Join(lines, "\n")
	}
	for _, c := range cmd.Commands() {
		indentExamples(c)
	}
}
