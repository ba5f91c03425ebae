package workspaced

import (
	"fmt"

	"github.com/MakeNowJust/heredoc/v2"
	"github.com/spf13/cobra"

	"github.com/wsctl/wsctl/internal/workspace"
)

func newUserCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Import users directly (operator)"}
	var slug string
	var in workspace.InviteInput
	add := &cobra.Command{
		Use:   "add --org S --name N --email E --role R[,R] --license P[,P]",
		Short: "Add an already-known person as an active user",
		Long: heredoc.Doc(`
			Import a person as an active user at once, without an invite: for migrations
			from another system. As for an invite, a name, a valid email not yet in
			use, at least one role and at least one license are needed, and each
			license must be available in its pool.
		`),
		Example: "$ workspaced user add --org acme --name \"Bob Ray\" --email bob@acme.example --role manager,user --license flow",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.inOrg(cmd.Context(), slug, func(svc *workspace.Service, org workspace.Org) error {
				out, err := svc.AddUser(cmd.Context(), workspace.Operator(org.ID), in)
				if err != nil {
					return fmt.Errorf("add %s: %w", in.Email, err)
				}
				for _, n := range out.Notices {
					fmt.Fprintln(e.errOut, "notice:", n)
				}
				fmt.Fprintf(e.errOut, "added %s (%s) to %s\n", out.Value.Email, out.Value.ID, org.Slug)
				fmt.Fprintln(e.out, out.Value.ID)
				return nil
			})
		},
	}
	add.Flags().StringVar(&slug, "org", "", "slug of the org")
	add.Flags().StringVar(&in.Name, "name", "", "the person's name")
	add.Flags().StringVar(&in.Email, "email", "", "the person's email")
	add.Flags().StringSliceVar(&in.Roles, "role", nil, "roles: admin, manager, user")
	add.Flags().StringSliceVar(&in.Licenses, "license", nil, "product licenses, e.g. flow,agent-dialer")
	for _, f := range []string{"org", "name", "email", "role", "license"} {
		_ = add.MarkFlagRequired(f)
	}
	cmd.AddCommand(add, newUserSetPasswordCmd(e))
	return cmd
}

func newTokenCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Issue API tokens for users (operator)"}
	var slug, email, name string
	var scopes []string
	issue := &cobra.Command{
		Use:   "issue --org S --email E --scope S[,S]",
		Short: "Issue an API token for any user of an org; print it on stdout",
		Long: heredoc.Doc(`
			Issue an API token bound to an active user of an org and the given scopes, and
			print it alone on stdout (shown once). For bootstrapping and support; admins make
			their own tokens with 'wsctl tokens create'. A deactivated user holds no tokens:
			activate them first.
		`),
		Example: "$ workspaced token issue --org acme --email ci@acme.example --scope licenses:read --name \"license audit\"",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.inOrg(cmd.Context(), slug, func(svc *workspace.Service, org workspace.Org) error {
				tok, secret, err := svc.IssueToken(cmd.Context(), workspace.Operator(org.ID), email, name, scopes)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.errOut, "issued token %s for %s; it follows on stdout (shown once)\n", tok.ID, email)
				fmt.Fprintln(e.out, secret)
				return nil
			})
		},
	}
	issue.Flags().StringVar(&slug, "org", "", "slug of the org")
	issue.Flags().StringVar(&email, "email", "", "the user the token acts as")
	issue.Flags().StringVar(&name, "name", "issued by the operator", "what the token is for")
	issue.Flags().StringSliceVar(&scopes, "scope", nil, "scopes: users:read users:write licenses:read settings:write mfa:reset audit:read scim")
	for _, f := range []string{"org", "email", "scope"} {
		_ = issue.MarkFlagRequired(f)
	}
	cmd.AddCommand(issue)
	return cmd
}

func newOutboxCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "outbox", Short: "Read the emails of the outbox and where their delivery stands"}
	var slug, status string
	list := &cobra.Command{
		Use:   "list --org S [--status pending|sent|failed]",
		Short: "List the outbox's emails: recipient, status, subject and signup link",
		Long: heredoc.Doc(`
			Print the emails written to the outbox of an org, oldest first, one per line,
			tab-separated: time written, recipient, status (pending, sent, failed or
			cancelled), attempts, subject, signup link, and the error of the last
			failed attempt (for a cancelled email, why it was cancelled).

			Without 'workspaced serve --smtp' the emails stay pending, and this is how an
			operator hands out invite links. The link's secret is kept sealed, apart from
			the email, only while the email is pending: once it is sent, failed or
			cancelled the database forgets it, and the link column shows '-'.

			A failed email (the SMTP server refused it for good, or 8 attempts failed) is
			not tried again: resend the invite ('wsctl invites resend EMAIL', a new link)
			once the cause is fixed. Resending or revoking an invite cancels its emails
			not sent yet, whose link no longer works.
		`),
		Example: heredoc.Doc(`
			$ workspaced outbox list --org acme
			$ workspaced outbox list --org acme --status failed
		`),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			want := workspace.OutboxStatus(status)
			switch want {
			case "", workspace.OutboxPending, workspace.OutboxSent, workspace.OutboxFailed, workspace.OutboxCancelled:
			default:
				return &usageError{msg: fmt.Sprintf("--status %s: use pending, sent, failed or cancelled", status)}
			}
			return e.inOrg(cmd.Context(), slug, func(svc *workspace.Service, org workspace.Org) error {
				msgs, err := svc.OutboxWithStatus(cmd.Context(), workspace.Operator(org.ID), want)
				if err != nil {
					return err
				}
				for _, m := range msgs {
					link := m.SignupLink()
					if link == "" && m.InviteID != "" {
						link = "-" // forgotten once the email left the queue
					}
					fmt.Fprintf(e.out, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", m.CreatedAt.Format("2006-01-02T15:04:05Z"), m.To, m.Status, m.Attempts,
						m.Subject, link, oneLine(m.LastError))
				}
				return nil
			})
		},
	}
	list.Flags().StringVar(&slug, "org", "", "slug of the org")
	list.Flags().StringVar(&status, "status", "", "only the emails of this status: pending, sent or failed")
	_ = list.MarkFlagRequired("org")
	cmd.AddCommand(list)
	return cmd
}
