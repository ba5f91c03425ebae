// Package version implements 'wsctl version'.
package version

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/wsctl/wsctl/internal/cli/cmdutil"
)

// NewCmdVersion builds 'wsctl version'. It reads neither config nor network.
func NewCmdVersion(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Show wsctl's version",
		Args:  cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := fmt.Fprint(f.IOStreams.Out, Format(f.AppVersion))
			return err
		},
	}
}

// Format is the version line shown by 'wsctl version' and 'wsctl --version'.
func Format(v string) string {
	return fmt.Sprintf("wsctl version %s (%s, %s/%s)\n", v, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
