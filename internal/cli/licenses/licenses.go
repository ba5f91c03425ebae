// Package licenses groups the 'wsctl licenses' commands.
package licenses

import (
	"github.com/spf13/cobra"

	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/cli/licenses/audit"
	"github.com/wsctl/wsctl/internal/cli/licenses/show"
)

// NewCmdLicenses builds 'wsctl licenses'.
func NewCmdLicenses(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "licenses <command>",
		Short: "Show and audit license usage per product",
		RunE:  cmdutil.GroupRunE,
	}
	cmd.AddCommand(show.NewCmdShow(f, nil))
	cmd.AddCommand(audit.NewCmdAudit(f, nil))
	return cmd
}
