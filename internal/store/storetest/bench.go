package storetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/wsctl/wsctl/internal/workspace"
)

// BenchInviteBatch measures the domain's batch invite on st: the server's
// share of `wsctl users invite --csv` (bench/ measures the whole path), and
// so how long one batch holds the pool lock (R4). One op is a batch of
// MaxInviteBatch rows, as the CLI sends them.
func BenchInviteBatch(b *testing.B, st workspace.Store) {
	ctx := context.Background()
	svc := workspace.NewService(st)
	org, err := svc.CreateOrg(ctx, workspace.OrgInput{Slug: "acme", Name: "Acme", AdminName: "Ada", AdminEmail: "ada@acme.example"})
	if err != nil {
		b.Fatal(err)
	}
	op := workspace.Operator(org.Org.ID)
	if _, err := svc.SetLicenseTotal(ctx, op, "flow", 10_000_000); err != nil {
		b.Fatal(err)
	}
	admin, err := svc.Authenticate(ctx, org.Secret)
	if err != nil {
		b.Fatal(err)
	}
	if err := svc.SetSignupMode(ctx, admin, false); err != nil {
		b.Fatal(err)
	}
	n := 0
	for b.Loop() {
		rows := make([]workspace.InviteInput, workspace.MaxInviteBatch)
		for i := range rows {
			n++
			rows[i] = workspace.InviteInput{Name: "Bench Person", Email: fmt.Sprintf("p%07d@acme.example", n), Roles: []string{"user"},
				Licenses: []string{"flow"}, IdempotencyKey: fmt.Sprintf("k%07d", n)}
		}
		res, _, err := svc.InviteBatch(ctx, admin, rows, workspace.Apply)
		if err != nil {
			b.Fatal(err)
		}
		if res[0].Err != nil {
			b.Fatal(res[0].Err)
		}
	}
}
