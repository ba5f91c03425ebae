// Package create implements 'wsctl tokens create'.
package create

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/MakeNowJust/heredoc/v2"
	"github.com/spf13/cobra"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/iostreams"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/prompter"
	"github.com/wsctl/wsctl/internal/client"
)

// CreateOptions are the parsed flags of 'tokens create'.
type CreateOptions struct {
	IO       *iostreams.IOStreams
	Prompter prompter.Prompter
	Client   func() (*client.Client, error)
	Output   cmdutil.OutputOptions

	Name      string
	Scopes    []string
	ExpiresIn time.Duration // 0: until revoked
}

// NewCmdCreate builds 'tokens create --name N --scope S[,S]'.
func NewCmdCreate(f *cmdutil.Factory, runF func(*CreateOptions) error) *cobra.Command {
	opts := &CreateOptions{IO: f.IOStreams, Prompter: f.Prompter, Client: f.Client}
	var expiresIn string
	cmd := &cobra.Command{
		Use:   "create --name N --scope S[,S]",
		Short: "Create an API token; its secret is shown once",
		Long: heredoc.Docf(`
			Create an API token with the given scopes (a subset of yours). The
			secret is printed once, on stdout: alone when stdout is piped, so it
			can be captured; store it at once, it cannot be shown again.

			--expires-in makes the token stop working after that long (90m, 24h,
			90d; at most five years); without it the token works until it is
			revoked. Give CI jobs tokens that expire.

			Scopes: %s. The scim scope is only for an identity provider's
			provisioning (docs/scim.md); an admin holding users:read and
			users:write may create such a token.
		`, strings.Join(client.AllScopes(), ", ")),
		Example: heredoc.Doc(`
			# A read-only token for a CI job watching license usage
			$ wsctl tokens create --name ci-licenses --scope licenses:read --expires-in 90d > ci-token.txt

			$ wsctl tokens create --name support --scope users:read,mfa:reset

			# For Okta or Entra ID provisioning users through SCIM
			$ wsctl tokens create --name okta --scope scim
		`),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if expiresIn != "" {
				d, ok := cmdutil.ParseDuration(expiresIn)
				if !ok || d < time.Minute {
					return cmdutil.FlagErrorf("--expires-in %q is not a duration of a minute or more, like 90m, 24h or 90d", expiresIn)
				}
				opts.ExpiresIn = d
			}
			opts.Scopes = cmdutil.SplitList(opts.Scopes)
			for _, s := range opts.Scopes {
				if !slices.Contains(client.AllScopes(), s) {
					return cmdutil.FlagErrorf("%q is not a scope; use %s", s, strings.Join(client.AllScopes(), ", "))
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return createRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Name, "name", "", "what the token is for, e.g. ci-licenses")
	cmd.Flags().StringSliceVar(&opts.Scopes, "scope", nil, "scope(s) of the token, e.g. licenses:read")
	cmd.Flags().StringVar(&expiresIn, "expires-in", "", "the token stops working after this long, e.g. 90d (default: until revoked)")
	_ = cmd.RegisterFlagCompletionFunc("scope", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return client.AllScopes(), cobra.ShellCompDirectiveNoFileComp
	})
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	return cmd
}

func createRun(ctx context.Context, opts *CreateOptions) error {
	ios := opts.IO
	if opts.Name == "" || len(opts.Scopes) == 0 {
		if !ios.CanPrompt() {
			return cmdutil.FlagErrorf("--name and --scope are required (no terminal to ask on)")
		}
		if err := cmdutil.PromptMissing(ios, opts.Prompter, &opts.Name, "name", "Token name:"); err != nil {
			return err
		}
		if err := cmdutil.PromptMissingList(ios, opts.Prompter, &opts.Scopes, "scope", "Scopes:", client.AllScopes()); err != nil {
			return err
		}
	}
	c, err := opts.Client()
	if err != nil {
		return err
	}
	t, err := c.CreateToken(ctx, schema.TokenRequest{Name: opts.Name, Scopes: opts.Scopes, ExpiresIn: int64(opts.ExpiresIn / time.Second)}, "")
	if err != nil {
		return fmt.Errorf("create token %s: %w", opts.Name, err)
	}
	cmdutil.Warn(ios, "the token's secret is shown only this once: store it now")
	if opts.Output.IsMachine() {
		return cmdutil.PrintItem(ios, opts.Output, view, t)
	}
	if ios.IsStdoutTTY() {
		expiry := "it works until revoked"
		if t.ExpiresAt != nil {
			expiry = "it expires " + t.ExpiresAt.Local().Format("2006-01-02 15:04 MST")
		}
		cmdutil.Success(ios, "Created token %s (id %s) with scopes %s; %s", t.Name, t.ID, strings.Join(t.Scopes, ", "), expiry)
	}
	_, err = fmt.Fprintln(ios.Out, t.Secret)
	return err
}

var view = cmdutil.View[schema.TokenCreated]{
	Columns: []string{"ID", "NAME", "SCOPES", "TOKEN"},
	Whole:   []string{"ID", "TOKEN"},
	Row: func(c *cmdutil.Cells, t schema.TokenCreated) []string {
		return []string{t.ID, t.Name, c.List(t.Scopes), t.Secret}
	},
}
