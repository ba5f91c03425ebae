package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/wsctl/wsctl/internal/store/sqlite"
	"github.com/wsctl/wsctl/internal/workspace"
)

// BenchmarkInviteBatch measures the domain's batch invite on a real SQLite
// file: the server's share of `wsctl users invite --csv` (bench/ measures the
// whole path). One op is a batch of 1,000 rows, as the CLI sends them.
func BenchmarkInviteBatch(b *testing.B) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "ws.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
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
	b.ResetTimer()
	for b.Loop() {
		rows := make([]workspace.InviteInput, workspace.MaxInviteBatch)
		for i := range rows {
			n++
			rows[i] = workspace.InviteInput{Name: "Bench Person", Email: fmt.Sprintf("p%07d@acme.example", n), Roles: []string{"user"},
				Licenses: []string{"flow"}, IdempotencyKey: fmt.Sprintf("k%07d", n)}
		}
		res, err := svc.InviteBatch(ctx, admin, rows)
		if err != nil {
			b.Fatal(err)
		}
		if res[0].Err != nil {
			b.Fatal(res[0].Err)
		}
	}
}
