package e2e

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/store"
)

// openDB opens a server's database directly (SQLite through modernc, or
// PostgreSQL through pgx), for checks that do not trust the server.
func openDB(t *testing.T, db string) *sql.DB {
	t.Helper()
	driver, dsn := "pgx", db
	if path, ok := strings.CutPrefix(db, "sqlite:"); ok {
		driver, dsn = "sqlite", "file:"+path+"?_pragma=busy_timeout(10000)"
	}
	conn, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// queryInt runs a query of one integer.
func queryInt(t *testing.T, db *sql.DB, query string) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// queryRows runs a query and returns its rows, each as its columns joined
// by spaces: for checks whose every row is a finding.
func queryRows(t *testing.T, db *sql.DB, query string) []string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = v.String
		}
		out = append(out, strings.Join(parts, " "))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// foreignKeys are the references of the schema that matter to invites,
// users and their licenses, as queries that find a row pointing nowhere.
// PostgreSQL enforces them itself, SQLite only on connections that ask:
// both are checked the same way here.
var foreignKeys = map[string]string{
	"invite_licenses.invite_id": `SELECT il.invite_id FROM invite_licenses il LEFT JOIN invites i ON i.id = il.invite_id WHERE i.id IS NULL`,
	"invite_licenses pool":      `SELECT il.product FROM invite_licenses il LEFT JOIN license_pools p ON p.org_id = il.org_id AND p.product = il.product WHERE p.org_id IS NULL`,
	"user_licenses.user_id":     `SELECT ul.user_id FROM user_licenses ul LEFT JOIN users u ON u.id = ul.user_id WHERE u.id IS NULL`,
	"user_licenses pool":        `SELECT ul.product FROM user_licenses ul LEFT JOIN license_pools p ON p.org_id = ul.org_id AND p.product = ul.product WHERE p.org_id IS NULL`,
	"outbox.invite_id":          `SELECT o.id FROM outbox o LEFT JOIN invites i ON i.id = o.invite_id WHERE o.invite_id IS NOT NULL AND i.id IS NULL`,
	"audit_events.org_id":       `SELECT a.id FROM audit_events a LEFT JOIN orgs o ON o.id = a.org_id WHERE o.id IS NULL`,
	"api_tokens.user_id":        `SELECT t.id FROM api_tokens t LEFT JOIN users u ON u.id = t.user_id WHERE u.id IS NULL`,
	"browser_sessions.user_id":  `SELECT s.id_hash FROM browser_sessions s LEFT JOIN users u ON u.id = s.user_id WHERE s.user_id IS NOT NULL AND u.id IS NULL`,
}

// checkIntegrity fails the test unless the database is whole: SQLite's own
// integrity and foreign key checks, every reference above, and the license
// pools' counters equal to the rows they count (the store's own check, as
// its conformance suite runs it). The servers on it should be stopped.
func checkIntegrity(t *testing.T, db string) {
	t.Helper()
	conn := openDB(t, db)
	if strings.HasPrefix(db, "sqlite:") {
		if got := queryRows(t, conn, `PRAGMA integrity_check`); len(got) != 1 || got[0] != "ok" {
			t.Errorf("PRAGMA integrity_check: %v", got)
		}
		if got := queryRows(t, conn, `PRAGMA foreign_key_check`); len(got) > 0 {
			t.Errorf("PRAGMA foreign_key_check: %d rows point nowhere: %v", len(got), first(got, 5))
		}
	}
	for name, q := range foreignKeys {
		if got := queryRows(t, conn, q); len(got) > 0 {
			t.Errorf("%s: %d rows point nowhere: %v", name, len(got), first(got, 5))
		}
	}
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	checker, ok := st.(interface{ CheckPoolCounters(context.Context) error })
	if !ok {
		t.Fatalf("the store %T has no CheckPoolCounters", st)
	}
	if err := checker.CheckPoolCounters(ctx); err != nil {
		t.Errorf("license pool counters: %v", err)
	}
}

func first(s []string, n int) []string {
	return s[:min(n, len(s))]
}
