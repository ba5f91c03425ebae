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
// org's upstream identity provider, OpenID Connect or HubSpot
// (docs/identity-providers.md).

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
	var slug, secretFile, kind string
	var allowLocal bool
	var in workspace.IdentityProvider
	cmd := &cobra.Command{
		Use:   "set-idp --org S [--kind oidc|hubspot] --client-id ID --client-secret-file F (--issuer URL | --portal-id N) [flags]",
		Short: "Let an org's people sign in through its identity provider (OpenID Connect or HubSpot)",
		Long: heredoc.Doc(`
			Configure the identity provider an org's people sign in with ("Sign in with
			<name>" on the sign-in page). Register this server at the provider first, with
			the redirect URL

			    BASE-URL/login/upstream/callback

			where BASE-URL is workspaced serve's --base-url. After the provider, everyone
			still sets up and uses workspaced's own MFA code.

			--kind oidc (the default) is any OpenID Connect provider (Okta, Microsoft Entra
			ID, Google, Salesforce, Keycloak…): give its --issuer; it is asked for the
			scopes openid email profile and must confirm email addresses. While signup
			mode is on, a person whose confirmed email is of one of --domains and who is
			not yet a user is added at their first sign-in: active, role user, no
			licenses. Existing users sign in whatever their domain.

			--kind hubspot is "Sign in with HubSpot" (HubSpot's OAuth 2.0). Create an app
			in a HubSpot developer account with the scope oauth, and bind the org to one
			HubSpot account with --portal-id (its Hub ID): only that account's users sign
			in. While signup mode is on, every user of that HubSpot account who is not yet
			a user here is added at their first sign-in (active, role user, no licenses);
			--domains, if given, narrows that to those email domains. HubSpot's endpoints
			are the default; --authorize-url, --token-url and --token-info-url change
			them (HubSpot's regional hosts, or a test server).

			Each person is bound to their account at the provider at their first sign-in
			(HubSpot: the user id within the HubSpot account); afterwards that account
			signs them in even if its email changes, and no other account with the same
			email can.

			Local (email and password) accounts stay on the sign-in page beside an
			OpenID Connect provider, and are off for HubSpot: the page then shows only
			"Sign in with HubSpot". --allow-local-accounts=true or =false decides it.

			The client secret is read from a file (- for stdin), never from a flag.
			Running set-idp again replaces the configuration. See
			docs/identity-providers.md.
		`),
		Example: heredoc.Doc(`
			# Sign in with HubSpot, for the people of HubSpot account 4242 only
			$ workspaced org set-idp --org acme --kind hubspot --portal-id 4242 \
			    --client-id 5f1c-… --client-secret-file ./hubspot-secret

			# Another authorization host (an account in HubSpot's EU data centre), keeping passwords too
			$ workspaced org set-idp --org acme --kind hubspot --portal-id 4242 \
			    --client-id 5f1c-… --client-secret-file ./hubspot-secret \
			    --authorize-url https://app-eu1.hubspot.com/oauth/authorize \
			    --allow-local-accounts

			# Any OpenID Connect provider; people of acme.com and acme.io may sign up
			$ workspaced org set-idp --org acme --name "Okta" --issuer https://acme.okta.com \
			    --client-id 0oa1b2c3 --client-secret-file ./okta-secret --domains acme.com,acme.io
		`),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			in.Kind = workspace.ProviderKind(kind)
			if !cmd.Flags().Changed("allow-local-accounts") {
				allowLocal = workspace.LocalAccountsByDefault(in.Kind)
			}
			in.ProviderOnly = !allowLocal
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
				fmt.Fprintln(e.errOut, describeIdP(org, idp))
				fmt.Fprintln(e.errOut, "the provider must redirect to BASE-URL/login/upstream/callback (BASE-URL: workspaced serve --base-url)")
				return nil
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&slug, "org", "", "slug of the org")
	f.StringVar(&kind, "kind", string(workspace.ProviderOIDC), "the provider's kind: oidc (any OpenID Connect provider) or hubspot")
	f.StringVar(&in.Name, "name", "", "name on the sign-in button, e.g. Okta (default: HubSpot, or the issuer's host)")
	f.StringVar(&in.Issuer, "issuer", "", "oidc: the provider's issuer URL (its discovery document is at ISSUER/.well-known/openid-configuration)")
	f.StringVar(&in.ClientID, "client-id", "", "the client id the provider gave this server")
	f.StringVar(&secretFile, "client-secret-file", "", "file holding the client secret (- for stdin)")
	f.StringVar(&in.PortalID, "portal-id", "", "hubspot: the HubSpot account (Hub ID) whose users sign in; required for hubspot")
	f.StringSliceVar(&in.Scopes, "scopes", nil, "hubspot: scopes to ask for (default oauth, all a sign-in needs)")
	f.StringVar(&in.AuthorizeURL, "authorize-url", "", "hubspot: the authorization page (default "+workspace.HubSpotAuthorizeURL+")")
	f.StringVar(&in.TokenURL, "token-url", "", "hubspot: the token endpoint (default "+workspace.HubSpotTokenURL+")")
	f.StringVar(&in.TokenInfoURL, "token-info-url", "", "hubspot: the access-token information endpoint, {token} standing for the token (default "+workspace.HubSpotTokenInfoURL+")")
	f.StringSliceVar(&in.Domains, "domains", nil, "email domains whose people may sign up on their own while signup mode is on (hubspot: narrows the HubSpot account's users)")
	f.BoolVar(&allowLocal, "allow-local-accounts", false, "keep email-and-password sign-in beside the provider (default: on for oidc, off for hubspot)")
	for _, name := range []string{"org", "client-id", "client-secret-file"} {
		_ = cmd.MarkFlagRequired(name)
	}
	return cmd
}

// describeIdP says in one line how the org's people now sign in.
func describeIdP(org workspace.Org, idp workspace.IdentityProvider) string {
	from := idp.Issuer
	signup := "none (only existing users sign in through it)"
	if len(idp.Domains) > 0 {
		signup = "people of " + strings.Join(idp.Domains, ", ")
	}
	if idp.Kind == workspace.ProviderHubSpot {
		from = "HubSpot account " + idp.PortalID
		if len(idp.Domains) == 0 {
			signup = "every user of HubSpot account " + idp.PortalID
		} else {
			signup = "users of HubSpot account " + idp.PortalID + " from " + strings.Join(idp.Domains, ", ")
		}
	}
	passwords := "kept"
	if idp.ProviderOnly {
		passwords = "off (the sign-in page shows only Sign in with " + idp.Name + ")"
	}
	return fmt.Sprintf("%s signs in with %s (%s); sign-up (while signup mode is on): %s; local passwords: %s", org.Slug, idp.Name, from, signup, passwords)
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
		Long:    "Remove the org's identity provider; its people sign in with a local password then (workspaced user set-password).",
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
