package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/wsctl/wsctl/internal/secrets"
	"github.com/wsctl/wsctl/internal/store/sqlite"
	"github.com/wsctl/wsctl/internal/store/sqlstore"
	"github.com/wsctl/wsctl/internal/store/storetest"
	"github.com/wsctl/wsctl/internal/workspace"
)

// TestConformance runs the store suite (rules R1–R14) on a real SQLite file.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) workspace.Store {
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "ws.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// TestAtRest: a reader of the SQLite file, or of a copy of it, finds no
// secret in clear: neither in any text of any table, read with the driver
// alone, nor in the bytes of the file and its write-ahead log.
func TestAtRest(t *testing.T) {
	storetest.RunAtRest(t, func(t *testing.T) storetest.Database {
		path := filepath.Join(t.TempDir(), "ws.db")
		return storetest.Database{
			Open: func(t *testing.T, keys *secrets.Keyring) (workspace.Store, error) {
				return sqlite.Open(context.Background(), path, sqlstore.WithKeys(keys))
			},
			Raw: func(t *testing.T) *sql.DB {
				db, err := sql.Open("sqlite", "file:"+path)
				if err != nil {
					t.Fatal(err)
				}
				return db
			},
			Tables: `SELECT name FROM sqlite_master WHERE type = 'table'`,
			Files:  []string{path, path + "-wal"},
		}
	})
}

// TestOpen_MigratesOnce: opening an existing file keeps its data.
func TestOpen_MigratesOnce(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "data", "ws.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	svc := workspace.NewService(s)
	if _, err := svc.CreateOrg(ctx, workspace.OrgInput{Slug: "acme", Name: "Acme", AdminName: "Ada", AdminEmail: "ada@acme.example"}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	if _, err := workspace.NewService(s).OrgBySlug(ctx, "acme"); err != nil {
		t.Fatalf("org lost on reopen: %v", err)
	}
}
