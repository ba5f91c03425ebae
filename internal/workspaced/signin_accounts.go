package workspaced

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/MakeNowJust/heredoc/v2"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/wsctl/wsctl/internal/workspace"
)

// The operator's sign-in commands: a local password for a user, and the
// org's upstream OpenID Connect provider (docs/identity-providers.md).

func newUserSetPasswordCmd(e *env) *cobra.Command {
	var slug, email string
	cmd := &cobra.Command{
		Use:   "set-password --org S --email E",
		Short: "Set a user's local password, read from stdin",
		Long: heredoc.Doc(`
			Set the password a user signs in with on the sign-in pages (local accounts,
			for self-hosting and development). The password is read from stdin, never
			from a flag: typed without echo on a terminal (twice), else the first line.
			It also ends a sign-in lockout of that user. MFA is still required at sign-in.
		`),
		Example: heredoc.Doc(`
			$ workspaced user set-password --org acme --email ada@acme.example
			$ printf '%s\n' "$PASSWORD" | workspaced user set-password --org acme --email ada@acme.example
		`),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			password, err := readPassword(cmd.InOrStdin(), e.errOut, email)
			if err != nil {
				return err
			}
			return e.inOrg(cmd.Context(), slug, func(svc *workspace.Service, org workspace.Org) error {
				u, err := workspace.NewAccounts(svc).SetPassword(cmd.Context(), workspace.Operator(org.ID), email, password)
				if err != nil {
					return fmt.Errorf("set the password of %s: %w", email, err)
				}
				fmt.Fprintf(e.errOut, "set the password of %s in %s\n", u.Email, org.Slug)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&slug, "org", "", "slug of the org")
	cmd.Flags().StringVar(&email, "email", "", "the user's email")
	for _, f := range []string{"org", "email"} {
		_ = cmd.MarkFlagRequired(f)
	}
	return cmd
}

// readPassword reads a password from a terminal without echo (asking
// twice), or the first line of any other stdin.
func readPassword(in io.Reader, prompt io.Writer, email string) (string, error) {
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprintf(prompt, "New password for %s: ", email)
		first, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(prompt)
		if err != nil {
			return "", err
		}
		fmt.Fprint(prompt, "Again: ")
		second, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(prompt)
		if err != nil {
			return "", err
		}
		if string(first) != string(second) {
			return "", errors.New("the two passwords are not the same; run the command again")
		}
		return string(first), nil
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the password from stdin: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", &usageError{msg: "no password on stdin: pipe it in (printf '%s\\n' \"$PASSWORD\" | workspaced user set-password …) or run on a terminal"}
	}
	return line, nil
}

func newOrgSetIdPCmd(e *env) *cobra.Command {
	var slug, secretFile string
	var in workspace.IdentityProvider
	cmd := &cobra.Command{
		Use:   "set-idp --org S --issuer URL --client-id ID --client-secret-file F [--domains a.com,b.com] [--name N]",
		Short: "Let an org's people sign in through its OpenID Connect provider",
		Long: heredoc.Doc(`
			Configure the upstream OpenID Connect provider an org's people sign in with
			("Sign in with <name>" on the sign-in page). Register this server at the
			provider first, with the redirect URL

			    BASE-URL/login/upstream/callback

			where BASE-URL is workspaced serve's --base-url, and the scopes
			openid email profile. The provider must confirm email addresses
			(email_verified). While signup mode is on, a person whose verified email is of
			one of --domains and who is not yet a user is added on first sign-in:
			active, role user, no licenses. Existing users sign in whatever their domain.

			The client secret is read from a file (- for stdin), never from a flag.
			See docs/identity-providers.md (HubSpot as the worked example).
		`),
		Example: heredoc.Doc(`
			$ workspaced org set-idp --org acme --name "Okta" --issuer https://acme.okta.com \
			    --client-id 0oa1b2c3 --client-secret-file ./okta-secret --domains acme.com,acme.io
		`),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			secret, err := readSecretFile(cmd.InOrStdin(), secretFile)
			if err != nil {
				return err
			}
			in.ClientSecret = secret
			return e.inOrg(cmd.Context(), slug, func(svc *workspace.Service, org workspace.Org) error {
				idp, err := workspace.NewAccounts(svc).SetIdentityProvider(cmd.Context(), workspace.Operator(org.ID), in)
				if err != nil {
					return fmt.Errorf("set the identity provider of %s: %w", org.Slug, err)
				}
				domains := "none (only existing users sign in through it)"
				if len(idp.Domains) > 0 {
					domains = strings.Join(idp.Domains, ", ")
				}
				fmt.Fprintf(e.errOut, "%s signs in with %s (%s); sign-up domains: %s\n", org.Slug, idp.Name, idp.Issuer, domains)
				fmt.Fprintln(e.errOut, "the provider must redirect to BASE-URL/login/upstream/callback (BASE-URL: workspaced serve --base-url)")
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&slug, "org", "", "slug of the org")
	cmd.Flags().StringVar(&in.Name, "name", "", "name on the sign-in button, e.g. HubSpot (default: the issuer's host)")
	cmd.Flags().StringVar(&in.Issuer, "issuer", "", "the provider's issuer URL (its discovery document is at ISSUER/.well-known/openid-configuration)")
	cmd.Flags().StringVar(&in.ClientID, "client-id", "", "the client id the provider gave this server")
	cmd.Flags().StringVar(&secretFile, "client-secret-file", "", "file holding the client secret (- for stdin)")
	cmd.Flags().StringSliceVar(&in.Domains, "domains", nil, "email domains whose people may sign up on their own while signup mode is on")
	for _, f := range []string{"org", "issuer", "client-id", "client-secret-file"} {
		_ = cmd.MarkFlagRequired(f)
	}
	return cmd
}

// readSecretFile reads a secret from a file, or stdin for "-", trimmed.
func readSecretFile(stdin io.Reader, path string) (string, error) {
	var b []byte
	var err error
	if path == "-" {
		b, err = io.ReadAll(io.LimitReader(stdin, 64<<10))
	} else {
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return "", fmt.Errorf("read the client secret: %w", err)
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "", &usageError{msg: "the client secret file " + path + " is empty"}
	}
	return s, nil
}

func newOrgRemoveIdPCmd(e *env) *cobra.Command {
	var slug string
	cmd := &cobra.Command{
		Use:     "remove-idp --org S",
		Short:   "Stop an org's people signing in through its identity provider",
		Long:    "Remove the org's upstream OpenID Connect provider; its people sign in with a local password then (workspaced user set-password).",
		Example: "$ workspaced org remove-idp --org acme",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.inOrg(cmd.Context(), slug, func(svc *workspace.Service, org workspace.Org) error {
				if err := workspace.NewAccounts(svc).RemoveIdentityProvider(cmd.Context(), workspace.Operator(org.ID)); err != nil {
					return fmt.Errorf("remove the identity provider of %s: %w", org.Slug, err)
				}
				fmt.Fprintf(e.errOut, "%s no longer signs in through an identity provider\n", org.Slug)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&slug, "org", "", "slug of the org")
	_ = cmd.MarkFlagRequired("org")
	return cmd
}
