// Package tokens groups the 'wsctl tokens' commands.
package tokens

import (
	"github.com/MakeNowJust/heredoc/v2"
	"github.com/spf13/cobra"

	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/cli/tokens/create"
	"github.com/wsctl/wsctl/internal/cli/tokens/list"
	"github.com/wsctl/wsctl/internal/cli/tokens/revoke"
)

// NewCmdTokens builds 'wsctl tokens'.
func NewCmdTokens(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tokens <command>",
		Short: "Create, list and revoke API tokens for scripts and CI",
		RunE:  cmdutil.GroupRunE,
		Long: heredoc.Doc(`
			API tokens let scripts and CI jobs use wsctl through WSCTL_TOKEN. Each
			token is bound to the workspace and to a set of scopes:

			  users:read      list and show users and invites
			  users:write     invite, edit, deactivate, activate; resend and revoke invites
			  licenses:read   show license usage
			  settings:write  change the signup mode
			  mfa:reset       reset a user's MFA
			  audit:read      read the audit log
			  scim            provision users from an identity provider (Okta, Entra ID)
			                  through /scim/v2, and nothing else; see docs/scim.md
		`),
	}
	cmd.AddCommand(create.NewCmdCreate(f, nil), list.NewCmdList(f, nil), revoke.NewCmdRevoke(f, nil))
	return cmd
}
