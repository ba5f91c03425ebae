package workspaced

import (
	"fmt"
	"strings"

	"github.com/MakeNowJust/heredoc/v2"
	"github.com/spf13/cobra"

	"github.com/wsctl/wsctl/internal/workspace"
)

func newOrgCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "org", Short: "Create orgs and change their license totals"}
	cmd.AddCommand(newOrgCreateCmd(e), newOrgSetLicensesCmd(e), newOrgSetIdPCmd(e), newOrgRemoveIdPCmd(e))
	return cmd
}

func newOrgCreateCmd(e *env) *cobra.Command {
	var in workspace.OrgInput
	cmd := &cobra.Command{
		Use:   "create --slug S --name N --admin-name N --admin-email E",
		Short: "Create an org and its first admin; print the admin's API token",
		Long: heredoc.Doc(`
			Create an org with the default product catalog (parallel-dialer, agent-dialer,
			flow), 3 licenses per product, automatic sign-up on, and its first admin.

			The first admin's API token (every scope) is printed alone on stdout, once:
			keep it in a secret store or hand it to wsctl through WSCTL_TOKEN.
		`),
		Example: heredoc.Doc(`
			$ export WSCTL_TOKEN=$(workspaced org create --slug acme --name "Acme Inc" \
			    --admin-name "Ada Admin" --admin-email ada@acme.example)
		`),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, closeStore, err := e.openService(cmd.Context())
			if err != nil {
				return err
			}
			defer closeStore()
			out, err := svc.CreateOrg(cmd.Context(), in)
			if err != nil {
				return fmt.Errorf("create org: %w", err)
			}
			fmt.Fprintf(e.errOut, "created org %s (%s) with admin %s; the admin's API token follows on stdout (shown once)\n", out.Org.Slug, out.Org.ID, out.Admin.Email)
			fmt.Fprintln(e.out, out.Secret)
			return nil
		},
	}
	cmd.Flags().StringVar(&in.Slug, "slug", "", "short name of the org: lowercase letters, digits, hyphens")
	cmd.Flags().StringVar(&in.Name, "name", "", "display name of the org")
	cmd.Flags().StringVar(&in.AdminName, "admin-name", "", "name of the first admin")
	cmd.Flags().StringVar(&in.AdminEmail, "admin-email", "", "email of the first admin")
	for _, f := range []string{"slug", "name", "admin-name", "admin-email"} {
		_ = cmd.MarkFlagRequired(f)
	}
	return cmd
}

func newOrgSetLicensesCmd(e *env) *cobra.Command {
	var slug, product string
	var total int
	cmd := &cobra.Command{
		Use:   "set-licenses --org S --product P --total N",
		Short: "Change the number of licenses of a product (never below what is in use)",
		Long: heredoc.Doc(`
			Set the total of an org's license pool. Only the operator changes totals;
			a total below what is assigned to users plus reserved by pending invites is refused.
		`),
		Example: "$ workspaced org set-licenses --org acme --product parallel-dialer --total 25",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.inOrg(cmd.Context(), slug, func(svc *workspace.Service, org workspace.Org) error {
				p, err := svc.SetLicenseTotal(cmd.Context(), workspace.Operator(org.ID), strings.ToLower(product), total)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.errOut, "%s of %s: %d licenses, %d in use, %d available\n", p.Product, org.Slug, p.Total, p.Used(), p.Available())
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&slug, "org", "", "slug of the org")
	cmd.Flags().StringVar(&product, "product", "", "product key, e.g. parallel-dialer")
	cmd.Flags().IntVar(&total, "total", 0, "new total")
	for _, f := range []string{"org", "product", "total"} {
		_ = cmd.MarkFlagRequired(f)
	}
	return cmd
}
