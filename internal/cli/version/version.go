// Package version implements 'wsctl version'.
package version

import (
	"fmt"
	"runtime"
	"strings"

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
			_, err := fmt.Fprint(f.IOStreams.Out, Format(f.AppVersion, f.AppCommit, f.AppDate))
			return err
		},
	}
}

// Format is the version line shown by 'wsctl version' and 'wsctl --version':
// the version, then what is known of its commit and the commit's time, the
// Go release and the platform, e.g.
// "wsctl version 1.2.3 (commit 0123456789ab, 2026-01-02T03:04:05Z, go1.26.0, linux/amd64)".
func Format(v, commit, date string) string {
	var details []string
	if commit != "" {
		details = append(details, "commit "+shortCommit(commit))
	}
	if date != "" {
		details = append(details, date)
	}
	details = append(details, runtime.Version(), runtime.GOOS+"/"+runtime.GOARCH)
	return fmt.Sprintf("wsctl version %s (%s)\n", v, strings.Join(details, ", "))
}

// shortCommit keeps 12 hex digits of a commit hash, enough to find it, and
// any suffix such as "-dirty".
func shortCommit(c string) string {
	hash, suffix, _ := strings.Cut(c, "-")
	if len(hash) > 12 {
		hash = hash[:12]
	}
	if suffix != "" {
		return hash + "-" + suffix
	}
	return hash
}
