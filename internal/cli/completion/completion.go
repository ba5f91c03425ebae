// Package completion implements 'wsctl completion'.
package completion

import (
	"github.com/MakeNowJust/heredoc/v2"
	"github.com/spf13/cobra"

	"github.com/wsctl/wsctl/internal/cli/cmdutil"
)

// Shells completion scripts exist for.
var Shells = []string{"bash", "zsh", "fish", "powershell"}

// NewCmdCompletion builds 'wsctl completion bash|zsh|fish|powershell'.
func NewCmdCompletion(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "Print a shell completion script",
		Long: heredoc.Doc(`
			Print the completion script of wsctl for a shell.

			bash:        add to ~/.bashrc:           eval "$(wsctl completion bash)"
			zsh:         add to ~/.zshrc:            eval "$(wsctl completion zsh)"
			fish:        wsctl completion fish > ~/.config/fish/completions/wsctl.fish
			powershell:  add to $PROFILE:            wsctl completion powershell | Out-String | Invoke-Expression
		`),
		ValidArgs: Shells,
		Args:      cmdutil.ExactArgs(1, "which shell? pass one of bash, zsh, fish, powershell"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return Write(cmd.Root(), args[0], f.IOStreams.Out)
		},
	}
}

// Write writes root's completion script for shell.
func Write(root *cobra.Command, shell string, w interface{ Write([]byte) (int, error) }) error {
	switch shell {
	case "bash":
		return root.GenBashCompletionV2(w, true)
	case "zsh":
		return root.GenZshCompletion(w)
	case "fish":
		return root.GenFishCompletion(w, true)
	case "powershell":
		return root.GenPowerShellCompletionWithDesc(w)
	}
	return cmdutil.FlagErrorf("%q is not a shell wsctl completes; use bash, zsh, fish or powershell", shell)
}
