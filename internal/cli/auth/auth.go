// Package auth groups the 'wsctl auth' commands (SPEC §3): sign in through a
// browser (PKCE, loopback redirect), a device code or an API token; keep the
// tokens in the OS keyring; show, renew, print and revoke them.
package auth

import (
	"github.com/MakeNowJust/heredoc/v2"
	"github.com/spf13/cobra"

	"github.com/wsctl/wsctl/internal/cli/auth/login"
	"github.com/wsctl/wsctl/internal/cli/auth/logout"
	"github.com/wsctl/wsctl/internal/cli/auth/refresh"
	"github.com/wsctl/wsctl/internal/cli/auth/status"
	"github.com/wsctl/wsctl/internal/cli/auth/token"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
)

// NewCmdAuth builds 'wsctl auth'.
func NewCmdAuth(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "auth <command>",
		Short: "Sign in and out, and see how wsctl is signed in",
		Long: heredoc.Doc(`
			wsctl signs in to workspaced with 'wsctl auth login' and keeps the
			sign-in in the OS keyring, one entry per host and profile. Access
			tokens are renewed automatically. WSCTL_TOKEN, when set, is used
			instead of any stored sign-in (for CI).
		`),
	}
	cmd.AddCommand(
		login.NewCmdLogin(f, nil),
		status.NewCmdStatus(f, nil),
		logout.NewCmdLogout(f, nil),
		token.NewCmdToken(f, nil),
		refresh.NewCmdRefresh(f, nil),
	)
	return cmd
}
