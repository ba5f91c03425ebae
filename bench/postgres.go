package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// pgCluster is a throwaway PostgreSQL cluster on 127.0.0.1, started by the
// bench and stopped at its end (fsync off: the figures are of the servers
// and the database's CPU, not of this machine's disk).
type pgCluster struct {
	bin  string // the folder of postgres, initdb, createdb
	dir  string
	port int
	cmd  *exec.Cmd
}

// errNoPostgres says that PostgreSQL is not installed; its cases are skipped.
var errNoPostgres = errors.New("PostgreSQL not found under /usr/lib/postgresql (apt-get install -y postgresql): its cases are skipped")

// postgresBin is the bin folder of the newest PostgreSQL installed.
func postgresBin() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres")
	if len(dirs) == 0 {
		return "", errNoPostgres
	}
	version := func(p string) int {
		n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(p))))
		return n
	}
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) < version(dirs[j]) })
	return filepath.Dir(dirs[len(dirs)-1]), nil
}

// startPostgres initialises a cluster in a new folder and runs it on pin's
// CPUs, on a free loopback port. PostgreSQL refuses to run as root, so as
// root it runs as the postgres user. It gets SIGINT (a fast shutdown) if
// the bench dies without stopping it.
func startPostgres(pin cpuPin) (*pgCluster, error) {
	bin, err := postgresBin()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "wsctl-bench-pg")
	if err != nil {
		return nil, err
	}
	c := &pgCluster{bin: bin, dir: dir}
	cred, err := postgresUser(dir)
	if err != nil {
		c.remove()
		return nil, err
	}
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", filepath.Join(dir, "data"), "-A", "trust", "-U", "postgres", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		c.remove()
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	if c.port, err = freePort(); err != nil {
		c.remove()
		return nil, err
	}
	log, err := os.Create(filepath.Join(dir, "log"))
	if err != nil {
		c.remove()
		return nil, err
	}
	defer log.Close()
	c.cmd = pin.command(filepath.Join(bin, "postgres"), "-D", filepath.Join(dir, "data"), "-p", fmt.Sprint(c.port), "-k", dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "max_connections=200")
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGINT}
	c.cmd.Stdout, c.cmd.Stderr = log, log
	if err := c.cmd.Start(); err != nil {
		c.remove()
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	if err := c.waitReady(20 * time.Second); err != nil {
		c.stop()
		return nil, err
	}
	return c, nil
}

// postgresUser is the user PostgreSQL runs as (nil: the bench's own, when
// not root) and gives it dir.
func postgresUser(dir string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL does not run as root and there is no postgres user: %w (install the postgresql package, which creates it)", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// waitReady waits until the cluster accepts connections.
func (c *pgCluster) waitReady(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		err := exec.Command(filepath.Join(c.bin, "pg_isready"), "-q", "-h", "127.0.0.1", "-p", fmt.Sprint(c.port)).Run()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(c.dir, "log"))
			return fmt.Errorf("PostgreSQL did not accept connections within %s; its log:\n%s", limit, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// createDB creates an empty database and returns its URL.
func (c *pgCluster) createDB(name string) (string, error) {
	if out, err := exec.Command(filepath.Join(c.bin, "createdb"), "-h", "127.0.0.1", "-p", fmt.Sprint(c.port), "-U", "postgres", name).CombinedOutput(); err != nil {
		return "", fmt.Errorf("createdb %s: %v\n%s", name, err, out)
	}
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, name), nil
}

// pgStats are PostgreSQL's counters of one database that explain tails:
// each deadlock held its transactions for deadlock_timeout (1 s) before
// one was broken, and each session is a connection opened (a fork of a
// backend on the database's CPU).
type pgStats struct{ deadlocks, sessions int }

// stats reads the counters of database name since it was created.
func (c *pgCluster) stats(name string) (pgStats, error) {
	out, err := exec.Command(filepath.Join(c.bin, "psql"), "-h", "127.0.0.1", "-p", fmt.Sprint(c.port), "-U", "postgres", "-d", name, "-Atc",
		"SELECT deadlocks, sessions FROM pg_stat_database WHERE datname = current_database()").CombinedOutput()
	if err != nil {
		return pgStats{}, fmt.Errorf("psql: %v\n%s", err, out)
	}
	var st pgStats
	if _, err := fmt.Sscanf(strings.TrimSpace(string(out)), "%d|%d", &st.deadlocks, &st.sessions); err != nil {
		return pgStats{}, fmt.Errorf("read pg_stat_database %q: %w", out, err)
	}
	return st, nil
}

// stop shuts the cluster down fast (open sessions are ended) and removes it.
func (c *pgCluster) stop() {
	if c.cmd != nil && c.cmd.Process != nil {
		_ = c.cmd.Process.Signal(syscall.SIGINT)
		_ = c.cmd.Wait()
	}
	c.remove()
}

func (c *pgCluster) remove() { _ = os.RemoveAll(c.dir) }

// freePort is a loopback TCP port free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
