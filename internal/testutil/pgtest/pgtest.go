// Package pgtest gives tests a real PostgreSQL: a throwaway cluster on
// 127.0.0.1 on a free port, started on first use and stopped by Stop (call it
// from TestMain), or the server named by $WSCTL_TEST_POSTGRES.
package pgtest

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
)

var (
	mu      sync.Mutex
	cluster *server
	dbSeq   atomic.Int64
)

type server struct {
	dir, bin, url string
	asPostgres    bool
}

// NewDatabase creates an empty database for the test and returns its URL.
// Outside CI a machine without PostgreSQL skips the test; under CI=true it fails.
func NewDatabase(t testing.TB) string {
	t.Helper()
	base, err := baseURL()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL: %v (make test installs Debian's postgresql)", err)
		}
		t.Skipf("no PostgreSQL here: %v", err)
	}
	name := fmt.Sprintf("t%d_%d", os.Getpid(), dbSeq.Add(1))
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(context.Background(), "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err == nil {
			db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
			db.Close()
		}
	})
	return withDatabase(base, name)
}

func withDatabase(base, name string) string {
	u := base
	if i := lastSlash(u); i >= 0 {
		rest := u[i+1:]
		q := ""
		for j, c := range rest {
			if c == '?' {
				q = rest[j:]
				break
			}
		}
		return u[:i+1] + name + q
	}
	return u
}

func lastSlash(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '/' {
			if i > 0 && s[i-1] == '/' {
				return -1
			}
			return i
		}
	}
	return -1
}

// baseURL is the server to create databases on, starting a cluster once.
func baseURL() (string, error) {
	if u := os.Getenv("WSCTL_TEST_POSTGRES"); u != "" {
		return u, nil
	}
	mu.Lock()
	defer mu.Unlock()
	if cluster != nil {
		return cluster.url, nil
	}
	s, err := start()
	if err != nil {
		return "", err
	}
	cluster = s
	return s.url, nil
}

// Stop stops the cluster this process started, if any.
func Stop() {
	mu.Lock()
	defer mu.Unlock()
	if cluster == nil {
		return
	}
	_ = cluster.run("pg_ctl", "-D", filepath.Join(cluster.dir, "data"), "-m", "immediate", "-w", "stop")
	os.RemoveAll(cluster.dir)
	cluster = nil
}

func start() (*server, error) {
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		if p, err := exec.LookPath("initdb"); err == nil {
			bins = []string{p}
		} else {
			return nil, fmt.Errorf("initdb not found (Debian's postgresql package)")
		}
	}
	sort.Strings(bins)
	s := &server{bin: filepath.Dir(bins[len(bins)-1])}
	var err error
	if s.dir, err = os.MkdirTemp("", "wsctl-pg"); err != nil {
		return nil, err
	}
	if u, err := user.Current(); err == nil && u.Uid == "0" {
		// PostgreSQL refuses to run as root: run it as the postgres user.
		pg, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root needs the postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(pg.Uid)
		gid, _ := strconv.Atoi(pg.Gid)
		if err := os.Chown(s.dir, uid, gid); err != nil {
			return nil, err
		}
		s.asPostgres = true
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	data := filepath.Join(s.dir, "data")
	if err := s.run("initdb", "-D", data, "-A", "trust", "-U", "postgres", "--no-sync"); err != nil {
		return nil, err
	}
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200", port, s.dir)
	if err := s.run("pg_ctl", "-D", data, "-l", filepath.Join(s.dir, "log"), "-w", "-o", opts, "start"); err != nil {
		return nil, err
	}
	s.url = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	return s, nil
}

func (s *server) run(name string, args ...string) error {
	path := filepath.Join(s.bin, name)
	var cmd *exec.Cmd
	if s.asPostgres {
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	} else {
		cmd = exec.Command(path, args...)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %v: %s", name, err, out)
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Databases are the two databases a test of every store runs on: a SQLite
// file (the embedded default) and a PostgreSQL database of NewDatabase,
// as the URLs --database takes.
var Databases = []struct {
	Name string
	URL  func(t testing.TB) string
}{
	{"sqlite", func(t testing.TB) string { return "sqlite:" + filepath.Join(t.TempDir(), "ws.db") }},
	{"postgres", NewDatabase},
}
