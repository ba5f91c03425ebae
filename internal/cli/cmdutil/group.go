package cmdutil

import (
	"strings"

	"github.com/spf13/cobra"
)

// GroupRunE is the RunE of a command that only groups others ('wsctl users',
// 'wsctl mfa'). Alone, it shows the group's help. Followed by anything else,
// the subcommand was mistyped: a usage error (exit 2) with cobra's
// suggestions, or the group's commands when nothing is close. Without a RunE
// cobra would print the help and exit 0, and a script running
// 'wsctl users deactviate ann@example.com' would carry on as if ann had been
// deactivated.
func GroupRunE(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return cmd.Help()
	}
	hint := suggestions(cmd, args[0])
	if hint == "" {
		hint = available(cmd)
	}
	return FlagErrorf("unknown command %q for %q%s", args[0], cmd.CommandPath(), hint)
}

// suggestions is cobra's "Did you mean this?" block for a mistyped
// subcommand, worded as cobra words it for the root command; "" without any.
func suggestions(cmd *cobra.Command, typed string) string {
	if cmd.DisableSuggestions {
		return ""
	}
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2
	}
	names := cmd.SuggestionsFor(typed)
	if len(names) == 0 {
		return ""
	}
	return "\n\nDid you mean this?\n\t" + strings.Join(names, "\n\t") + "\n"
}

// available lists the group's commands, so that a typo far from any of
// them still tells the user what they could have typed; "" without any.
func available(cmd *cobra.Command) string {
	var names []string
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() {
			names = append(names, c.Name())
		}
	}
	if len(names) == 0 {
		return ""
	}
	return "\n\nAvailable commands:\n\t" + strings.Join(names, "\n\t") + "\n"
}
