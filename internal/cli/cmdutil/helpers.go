package cmdutil

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wsctl/wsctl/internal/cli/cmdutil/iostreams"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/prompter"
)

// ExactArgs requires n positional arguments; otherwise a usage error saying what is missing.
func ExactArgs(n int, missing string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		switch {
		case len(args) < n:
			return FlagErrorf("%s", missing)
		case len(args) > n:
			return FlagErrorf("too many arguments: %q (see '%s --help')", args[n:], cmd.CommandPath())
		}
		return nil
	}
}

// NoArgs refuses positional arguments with a usage error.
func NoArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return FlagErrorf("unexpected argument %q (see '%s --help')", args[0], cmd.CommandPath())
	}
	return nil
}

// AddYesFlag adds -y/--yes, which answers yes to confirmations (for scripts).
func AddYesFlag(cmd *cobra.Command, yes *bool) {
	cmd.Flags().BoolVarP(yes, "yes", "y", false, "do not ask for confirmation (required without a terminal)")
}

// Confirm asks question through p on a terminal unless yes is set. Without a
// terminal and without --yes it refuses (exit 2) rather than guess (R3);
// action names what would have been done ("deactivate ann@example.com").
func Confirm(ios *iostreams.IOStreams, p prompter.Prompter, yes bool, action, question string) error {
	if yes {
		return nil
	}
	if !ios.CanPrompt() {
		return FlagErrorf("not confirmed: wsctl would %s, but there is no terminal to ask for confirmation; pass --yes to confirm", action)
	}
	ok, err := p.Confirm(question, false)
	if err != nil {
		return cancelOr(err)
	}
	if !ok {
		return CancelError
	}
	return nil
}

func cancelOr(err error) error {
	if err == prompter.ErrInterrupted {
		return CancelError
	}
	return err
}

// PromptMissing fills *value by asking on a terminal; without one it is a
// usage error naming the flag.
func PromptMissing(ios *iostreams.IOStreams, p prompter.Prompter, value *string, flag, question string) error {
	if *value != "" {
		return nil
	}
	if !ios.CanPrompt() {
		return FlagErrorf("--%s is required (no terminal to ask on)", flag)
	}
	for *value == "" {
		v, err := p.Input(question, "")
		if err != nil {
			return cancelOr(err)
		}
		*value = strings.TrimSpace(v)
	}
	return nil
}

// PromptMissingList fills *values by a multiple choice on a terminal; without
// one it is a usage error naming the flag.
func PromptMissingList(ios *iostreams.IOStreams, p prompter.Prompter, values *[]string, flag, question string, options []string) error {
	if len(*values) > 0 {
		return nil
	}
	if !ios.CanPrompt() {
		return FlagErrorf("--%s is required (no terminal to ask on)", flag)
	}
	for len(*values) == 0 {
		if len(options) == 0 {
			v, err := p.Input(question+" (separate several with commas)", "")
			if err != nil {
				return cancelOr(err)
			}
			*values = SplitList([]string{v})
			continue
		}
		idx, err := p.MultiSelect(question, nil, options)
		if err != nil {
			return cancelOr(err)
		}
		for _, i := range idx {
			*values = append(*values, strings.Fields(options[i])[0])
		}
	}
	return nil
}

// SplitList splits values on ',' ';' and '|', trims them, drops empties and duplicates.
func SplitList(values []string) []string {
	var out []string
	for _, v := range values {
		for _, part := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' || r == '|' }) {
			part = strings.TrimSpace(part)
			if part != "" && !slices.Contains(out, part) {
				out = append(out, part)
			}
		}
	}
	return out
}

// PrintNotices writes the server's notices (R4's "that was the last … license") to stderr.
func PrintNotices(ios *iostreams.IOStreams, notices []string) {
	cs := ios.ErrColorScheme()
	for _, n := range notices {
		fmt.Fprintf(ios.ErrOut, "%s%s\n", cs.WarningIcon(), n)
	}
}

// Success writes a success message to stderr: "✓ …" on a terminal, plain otherwise.
func Success(ios *iostreams.IOStreams, format string, args ...any) {
	fmt.Fprintf(ios.ErrOut, "%s%s\n", ios.ErrColorScheme().SuccessIcon(), fmt.Sprintf(format, args...))
}

// Warn writes a warning to stderr.
func Warn(ios *iostreams.IOStreams, format string, args ...any) {
	fmt.Fprintf(ios.ErrOut, "%s%s\n", ios.ErrColorScheme().WarningIcon(), fmt.Sprintf(format, args...))
}
