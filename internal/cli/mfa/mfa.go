// Package mfa groups the 'wsctl mfa' commands.
package mfa

import (
	"github.com/spf13/cobra"

	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/cli/mfa/reset"
)

// NewCmdMFA builds 'wsctl mfa'.
func NewCmdMFA(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "mfa <command>",
		Short: "Reset a user's multi-factor authentication",
		RunE:  cmdutil.GroupRunE,
	}
	cmd.AddCommand(reset.NewCmdReset(f, nil))
	return cmd
}
