// Package token implements 'wsctl auth token'.
package token

import (
	"context"
	"fmt"
	"net/http"

	"github.com/MakeNowJust/heredoc/v2"
	"github.com/spf13/cobra"

	"github.com/wsctl/wsctl/internal/cli/auth/shared"
	"github.com/wsctl/wsctl/internal/cli/authstore"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/iostreams"
	"github.com/wsctl/wsctl/internal/cli/config"
)

// TokenOptions are the parsed flags of 'auth token'.
type TokenOptions struct {
	IO          *iostreams.IOStreams
	Config      func() (*config.Config, error)
	HTTPClient  func() (*http.Client, error)
	TokenStores func() (*authstore.Stores, error)
}

// NewCmdToken builds 'auth token'.
func NewCmdToken(f *cmdutil.Factory, runF func(*TokenOptions) error) *cobra.Command {
	opts := &TokenOptions{IO: f.IOStreams, Config: f.Config, HTTPClient: f.HTTPClient, TokenStores: f.TokenStores}
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Print the access token wsctl sends to the server",
		Long: heredoc.Doc(`
			Print the access token wsctl would send to the selected host, renewed
			first if it expired or is about to: WSCTL_TOKEN when set, else the
			stored sign-in's. It is the only command that prints a token; treat
			the output as a password.
		`),
		Example: heredoc.Doc(`
			$ curl -H "Authorization: Bearer $(wsctl auth token)" http://127.0.0.1:8080/api/v1/me
		`),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return tokenRun(cmd.Context(), opts)
		},
	}
	return cmd
}

func tokenRun(ctx context.Context, opts *TokenOptions) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	token := cfg.Token
	if token == "" {
		sess, err := shared.OpenSession(opts.TokenStores, opts.HTTPClient, cfg.Host, cfg.Profile)
		if err != nil {
			return err
		}
		if token, err = sess.Token(ctx); err != nil {
			return err
		}
	}
	_, err = fmt.Fprintln(opts.IO.Out, token)
	return err
}
