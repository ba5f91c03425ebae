// Package audit groups the 'wsctl audit' commands.
package audit

import (
	"github.com/spf13/cobra"

	"github.com/wsctl/wsctl/internal/cli/audit/list"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
)

// NewCmdAudit builds 'wsctl audit'.
func NewCmdAudit(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit <command>",
		Short: "Read the audit log of every change",
		RunE:  cmdutil.GroupRunE,
	}
	cmd.AddCommand(list.NewCmdList(f, nil))
	return cmd
}
