package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wsctl/wsctl/internal/store/sqlite"
	"github.com/wsctl/wsctl/internal/workspace"
)

// TestGroupCommit_EachRequestDecidedAlone: SQLite's writes queue behind one
// that holds the writer; they are then committed in groups, and in a group
// a request that fails (or panics) after writing rolls back its own
// changes only, while every other one is committed and answered as such.
func TestGroupCommit_EachRequestDecidedAlone(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "ws.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })

	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	org := func(i int) workspace.Org {
		return workspace.Org{ID: fmt.Sprintf("org_%02d", i), Slug: fmt.Sprintf("org-%02d", i), Name: "Org", CreatedAt: now}
	}
	pools := []workspace.LicensePool{{Product: "flow", Name: "Flow", Total: 3}}
	errRefused := errors.New("refused after writing")

	// The first write holds the writer until the others are queued.
	held, release := make(chan struct{}), make(chan struct{})
	go s.Update(ctx, func(tx workspace.Tx) error {
		close(held)
		<-release
		return tx.CreateOrg(ctx, org(0), pools)
	})
	<-held

	const n = 30
	results := make([]error, n)
	panics := make([]any, n)
	var wg sync.WaitGroup
	for i := 1; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { panics[i] = recover() }()
			results[i] = s.Update(ctx, func(tx workspace.Tx) error {
				if err := tx.CreateOrg(ctx, org(i), pools); err != nil {
					return err
				}
				switch i % 5 {
				case 3:
					return errRefused
				case 4:
					panic(fmt.Sprintf("request %d panics", i))
				}
				return nil
			})
		}()
	}
	time.Sleep(200 * time.Millisecond) // the others reach the queue
	close(release)
	wg.Wait()

	if !s.Grouped() {
		t.Fatal("no request was committed in a group with others")
	}
	for i := 1; i < n; i++ {
		var got error
		err := s.View(ctx, func(tx workspace.Tx) error { _, got = tx.OrgByID(ctx, org(i).ID); return nil })
		if err != nil {
			t.Fatal(err)
		}
		switch i % 5 {
		case 3:
			if !errors.Is(results[i], errRefused) || got == nil {
				t.Errorf("request %d failed after writing: Update said %v, and its org is there: %v", i, results[i], got == nil)
			}
		case 4:
			if panics[i] == nil || got == nil {
				t.Errorf("request %d panicked: raised in its caller %v, its org rolled back %v", i, panics[i] != nil, got != nil)
			}
		default:
			if results[i] != nil || panics[i] != nil || got != nil {
				t.Errorf("request %d succeeded alongside failures: Update said %v (panic %v), reading its org: %v", i, results[i], panics[i], got)
			}
		}
	}
}

// TestGroupCommit_LeavesTheQueueWhenCancelled: a request whose context ends
// while it waits behind another write returns at once and writes nothing.
func TestGroupCommit_LeavesTheQueueWhenCancelled(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "ws.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })

	held, release := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		done <- s.Update(ctx, func(workspace.Tx) error { close(held); <-release; return nil })
	}()
	<-held
	cctx, cancel := context.WithCancel(ctx)
	ran := false
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	err = s.Update(cctx, func(workspace.Tx) error { ran = true; return nil })
	close(release)
	if !errors.Is(err, context.Canceled) || ran {
		t.Errorf("a cancelled waiting request: Update said %v and its function ran: %v", err, ran)
	}
	if err := <-done; err != nil {
		t.Errorf("the holding request: %v", err)
	}
}

// TestGroupCommit_Metrics: /metrics can tell how many writes a commit
// carries (workspaced_sqlite_writes_total over commits_total).
func TestGroupCommit_Metrics(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "ws.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	reg := prometheus.NewRegistry()
	reg.MustRegister(s.Collectors()...)
	for range 3 {
		if err := s.Update(ctx, func(workspace.Tx) error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	got := map[string]float64{}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		got[f.GetName()] = f.GetMetric()[0].GetCounter().GetValue()
	}
	if got["workspaced_sqlite_commits_total"] != 3 || got["workspaced_sqlite_writes_total"] != 3 {
		t.Errorf("after 3 writes one at a time: %v", got)
	}
}

// TestGroupCommit_ClosedStoreSaysSo: once closed, writes and reads fail with
// the store's own error instead of waiting for a writer that is gone.
func TestGroupCommit_ClosedStoreSaysSo(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "ws.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	ran := false
	werr := s.Update(ctx, func(workspace.Tx) error { ran = true; return nil })
	rerr := s.View(ctx, func(workspace.Tx) error { ran = true; return nil })
	for _, err := range []error{werr, rerr} {
		if err == nil || !strings.Contains(err.Error(), "database is closed") {
			t.Errorf("a closed store answered %v", err)
		}
	}
	if ran {
		t.Error("a closed store ran a transaction")
	}
	if err := s.Close(); err != nil {
		t.Errorf("closing again: %v", err)
	}
}
