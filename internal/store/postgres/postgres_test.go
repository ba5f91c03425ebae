package postgres_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wsctl/wsctl/internal/secrets"
	"github.com/wsctl/wsctl/internal/store/postgres"
	"github.com/wsctl/wsctl/internal/store/sqlstore"
	"github.com/wsctl/wsctl/internal/store/storetest"
	"github.com/wsctl/wsctl/internal/testutil/pgtest"
	"github.com/wsctl/wsctl/internal/workspace"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}

// TestConformance runs the store suite (rules R1–R14) on a real PostgreSQL.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) workspace.Store {
		s, err := postgres.Open(context.Background(), pgtest.NewDatabase(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// TestAtRest: a reader of the PostgreSQL database (a dump, a replica, a
// backup) finds no secret in clear in any text of any table, read with pgx
// alone.
func TestAtRest(t *testing.T) {
	storetest.RunAtRest(t, func(t *testing.T) storetest.Database {
		url := pgtest.NewDatabase(t)
		return storetest.Database{
			Open: func(t *testing.T, keys *secrets.Keyring) (workspace.Store, error) {
				return postgres.Open(context.Background(), url, sqlstore.WithKeys(keys))
			},
			Raw: func(t *testing.T) *sql.DB {
				db, err := sql.Open("pgx", url)
				if err != nil {
					t.Fatal(err)
				}
				return db
			},
			Tables: `SELECT tablename FROM pg_tables WHERE schemaname = current_schema()`,
		}
	})
}

// BenchmarkInviteBatch: a batch of 1,000 invites on a real PostgreSQL (one
// transaction holding the org's pool rows locked).
func BenchmarkInviteBatch(b *testing.B) {
	st, err := postgres.Open(context.Background(), pgtest.NewDatabase(b))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	storetest.BenchInviteBatch(b, st)
}

// TestPoolsForInvite_ReadersWhoSawRoomNeverOverfill_R4: invites that all
// read a pool unlocked while it had room (PoolsForInvite's first attempt)
// and then all reserve from it are each counted at commit into a slot; the
// ones that would leave the pool too close to full are decided again under
// the lock, so more invites than licenses never all commit. A barrier
// holds every transaction between its read and its write, so each one
// decides on the same stale count.
func TestPoolsForInvite_ReadersWhoSawRoomNeverOverfill_R4(t *testing.T) {
	ctx := context.Background()
	s, err := postgres.Open(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	svc := workspace.NewService(s)
	org, err := svc.CreateOrg(ctx, workspace.OrgInput{Slug: "acme", Name: "Acme", AdminName: "Ada Admin", AdminEmail: "ada@acme.example"})
	if err != nil {
		t.Fatal(err)
	}
	const total, racers = 12, 13 // room for all but one; more than the slots
	if _, err := svc.SetLicenseTotal(ctx, workspace.Operator(org.Org.ID), "flow", total); err != nil {
		t.Fatal(err)
	}

	var read sync.WaitGroup
	read.Add(racers)
	barrier := make(chan struct{})
	go func() { read.Wait(); close(barrier) }()
	errs := make([]error, racers)
	var done sync.WaitGroup
	for i := range racers {
		done.Go(func() {
			first := true
			errs[i] = s.Update(ctx, func(tx workspace.Tx) error {
				now := time.Now()
				pools, err := tx.PoolsForInvite(ctx, org.Org.ID, []string{"flow"}, now)
				if err != nil {
					return err
				}
				if first {
					first = false
					read.Done()
					<-barrier
				}
				// What the domain would decide from these counts (R4).
				if p := pools[slices.IndexFunc(pools, func(p workspace.LicensePool) bool { return p.Product == "flow" })]; p.Available() < 1 {
					return &workspace.LicenseExhaustedError{Product: "flow", Used: p.Used(), Total: p.Total}
				}
				return tx.InsertInvite(ctx, workspace.Invite{ID: fmt.Sprintf("inv_%02d", i), OrgID: org.Org.ID, Name: "Racer",
					Email: fmt.Sprintf("racer%02d@acme.example", i), Roles: []workspace.Role{"user"}, Licenses: []string{"flow"},
					Status: workspace.InvitePending, InvitedBy: org.Admin.ID, ExpiresAt: now.Add(workspace.InviteTTL), CreatedAt: now, UpdatedAt: now})
			})
		})
	}
	done.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case workspace.CodeOf(err) != "license_exhausted":
			t.Errorf("racer %d: %v", i, err)
		}
	}
	var pools []workspace.LicensePool
	if err := s.View(ctx, func(tx workspace.Tx) error { pools, err = tx.Pools(ctx, org.Org.ID, time.Now()); return err }); err != nil {
		t.Fatal(err)
	}
	flow := pools[slices.IndexFunc(pools, func(p workspace.LicensePool) bool { return p.Product == "flow" })]
	if won != total || flow.Used() != total {
		t.Errorf("%d of %d racers reserved a license of a pool of %d; the pool says %+v", won, racers, total, flow)
	}
	if err := s.CheckPoolCounters(ctx); err != nil {
		t.Error(err)
	}
}
