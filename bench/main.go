// Command bench measures bulk invites, memory, start-up and export of the
// real binaries against a local workspaced on SQLite, and prints a table
// (make bench; figures in bench/README.md). It asserts nothing: it reports.
package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/wsctl/wsctl/internal/store/sqlite"
)

func main() {
	var o options
	flag.IntVar(&o.small, "rows", 10000, "rows of the timed import")
	flag.IntVar(&o.big, "big", 100000, "rows of the memory run")
	flag.BoolVar(&o.load, "load", true, "run the load benchmark too (-load=false: only the bulk, start-up and export figures)")
	flag.BoolVar(&o.onlyLoad, "only-load", false, "run the load benchmark alone, without the bulk, start-up and export figures")
	flag.BoolVar(&o.onlyStartup, "only-startup", false, "measure the start-up of wsctl --version alone (a few seconds), as make bench does")
	flag.DurationVar(&o.loadOpts.duration, "duration", 3*time.Second, "how long each load case runs")
	flag.StringVar(&o.loadOpts.match, "match", "*", "load cases to run, a pattern on STORE/SERVERS/ORGS/CASE/CLIENTS, e.g. 'postgres/2/4/*/64'")
	flag.StringVar(&o.loadOpts.profileDir, "profile", "", "write CPU, block and mutex profiles of the servers during the -profile-case load case to this folder")
	flag.StringVar(&o.loadOpts.profileCase, "profile-case", "postgres/1/1/invite/64", "the load case -profile profiles, STORE/SERVERS/ORGS/CASE/CLIENTS")
	flag.Parse()
	// Ctrl-C stops the load and still stops the servers and PostgreSQL
	// the bench started (the deferred clean-ups run).
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, o)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// options are the command line's: which parts run, and how.
type options struct {
	small, big     int
	load, onlyLoad bool
	onlyStartup    bool
	loadOpts       loadOptions
}

type row struct{ name, value, target string }

func run(ctx context.Context, o options) error {
	start := time.Now()
	dir, err := os.MkdirTemp("", "wsctl-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := func(name string) string { return filepath.Join(dir, name) }
	for name, pkg := range map[string]string{"wsctl": "./cmd/wsctl", "workspaced": "./cmd/workspaced", "mincobra": "./bench/mincobra", "minhttp": "./bench/minhttp"} {
		if o.onlyStartup && name == "workspaced" {
			continue
		}
		if out, err := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin(name), pkg).CombinedOutput(); err != nil {
			return fmt.Errorf("build %s: %v\n%s", name, err, out)
		}
	}
	fmt.Printf("Machine: %s/%s, %d CPUs, %s\n\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), cpuModel())
	if o.onlyStartup {
		table, err := startupRows(bin)
		if err != nil {
			return err
		}
		printTable(table)
		return nil
	}
	if !o.onlyLoad {
		if err := runBulk(dir, bin, o.small, o.big); err != nil {
			return err
		}
	}
	if o.load || o.onlyLoad {
		if err := runLoad(ctx, dir, bin, o.loadOpts); err != nil {
			return err
		}
	}
	fmt.Printf("\nmake bench took %s\n", time.Since(start).Round(time.Second))
	return nil
}

// runBulk measures the CSV import against its floor, wsctl's memory, the
// export and start-up, and prints their table.
func runBulk(dir string, bin func(string) string, small, big int) error {
	csvSmall := filepath.Join(dir, "small.csv")
	if err := writeCSV(csvSmall, small, "s"); err != nil {
		return err
	}
	// The import and the floor run importRounds times, each into a new
	// database, and the medians are compared.
	var takes, floors []time.Duration
	var rss int64
	var env []string // of the last server, kept for the export and the big run
	for i := range importRounds {
		db := filepath.Join(dir, fmt.Sprintf("ws%d.db", i))
		srv, err := startServer(bin("workspaced"), "sqlite:"+db, anyCPU)
		if err != nil {
			return err
		}
		last := i == importRounds-1
		if last {
			defer srv.stop()
		}
		tok, err := inviting(bin, "sqlite:"+db, srv.url, "acme", big+small)
		if err != nil {
			return err
		}
		env = []string{"WSCTL_TOKEN=" + tok, "WSCTL_HOST=" + srv.url}
		took, peak, err := timed(bin("wsctl"), env, "users", "invite", "--csv", csvSmall)
		if err != nil {
			return err
		}
		takes, rss = append(takes, took), max(rss, peak)
		if !last {
			srv.stop()
		}
		floor, err := floorInsert(filepath.Join(dir, fmt.Sprintf("floor%d.db", i)), bin("workspaced"), small)
		if err != nil {
			return err
		}
		floors = append(floors, floor)
	}
	took, floor := medianOf(takes), medianOf(floors)
	var table []row
	table = append(table,
		row{fmt.Sprintf("invite %d rows end to end (median of %d)", small, importRounds), secs(took), "≤ 1.0 s"},
		row{fmt.Sprintf("floor: %d rows, one SQL transaction", small), secs(floor), ""},
		row{"ratio to the floor", fmt.Sprintf("%.1f×", took.Seconds()/floor.Seconds()), "≤ 4×"},
		row{fmt.Sprintf("wsctl peak RSS, %d rows", small), mb(rss), "≤ 50 MB"},
	)

	// Export of the invites just made.
	var best time.Duration
	for range 3 {
		t, _, err := timed(bin("wsctl"), env, "invites", "list", "-o", "json")
		if err != nil {
			return err
		}
		if best == 0 || t < best {
			best = t
		}
	}
	table = append(table, row{fmt.Sprintf("export %d invites as JSON", small), secs(best), "≤ 0.5 s"})

	csvBig := filepath.Join(dir, "big.csv")
	if err := writeCSV(csvBig, big, "b"); err != nil {
		return err
	}
	tookBig, rssBig, err := timed(bin("wsctl"), env, "users", "invite", "--csv", csvBig)
	if err != nil {
		return err
	}
	table = append(table,
		row{fmt.Sprintf("wsctl peak RSS, %d rows", big), mb(rssBig), "≤ 50 MB, flat"},
		row{fmt.Sprintf("invite %d rows end to end", big), secs(tookBig), ""},
	)

	startup, err := startupRows(bin)
	if err != nil {
		return err
	}
	printTable(append(table, startup...))
	return nil
}

// startupRows times wsctl, mincobra and minhttp --version, taking turns,
// and returns their rows of the table.
func startupRows(bin func(string) string) ([]row, error) {
	st, err := medians(startupRounds, bin("wsctl"), bin("mincobra"), bin("minhttp"))
	if err != nil {
		return nil, err
	}
	ws, mc, mh := st[0], st[1], st[2]
	return []row{
		{fmt.Sprintf("wsctl --version (median of %d)", startupRounds), ms(ws), ""},
		{fmt.Sprintf("minimal cobra --version (median of %d)", startupRounds), ms(mc), ""},
		{"start-up ratio", fmt.Sprintf("%.2f×", ws.Seconds()/mc.Seconds()), "≤ 1.5×"},
		{"minimal cobra + HTTP client, ratio", fmt.Sprintf("%.2f×", mh.Seconds()/mc.Seconds()), ""},
	}, nil
}

func printTable(table []row) {
	fmt.Printf("| %-44s | %-10s | %-14s |\n|%s|%s|%s|\n", "measure", "value", "target", strings.Repeat("-", 46), strings.Repeat("-", 12), strings.Repeat("-", 16))
	for _, r := range table {
		fmt.Printf("| %-44s | %-10s | %-14s |\n", r.name, r.value, r.target)
	}
}

// server is a running workspaced serve.
type server struct {
	cmd      *exec.Cmd
	url      string // of the API
	pprofURL string // of /debug/pprof/, when started with --pprof
}

// stop lets the server finish its requests and waits for it.
func (s *server) stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	_ = s.cmd.Wait()
}

// startServer runs workspaced serve on database, on a free loopback port,
// without a rate limit (the production default is 100 requests/s per
// token, burst 200), on the CPUs of pin. The server is killed if the
// bench dies without stopping it.
func startServer(bin, database string, pin cpuPin, extra ...string) (*server, error) {
	cmd := pin.command(bin, append([]string{"serve", "--listen", "127.0.0.1:0", "--database", database, "--rate-limit", "0"}, extra...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd}
	found := make(chan struct{})
	// The scanner reads the log to its end, so that the server never
	// blocks on a full pipe; the pprof line, when asked for, comes first.
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			_, after, ok := strings.Cut(line, "address=http://")
			switch {
			case !ok:
			case strings.Contains(line, `msg="pprof listening"`):
				s.pprofURL = "http://" + strings.Fields(after)[0]
			case strings.Contains(line, `msg="workspaced listening"`) && s.url == "":
				s.url = "http://" + strings.Fields(after)[0]
				close(found)
			}
		}
	}()
	select {
	case <-found:
		return s, nil
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, fmt.Errorf("workspaced serve --database %s did not start within 20 s", database)
	}
}

// inviting creates an org with signup mode off and room for n invites, and
// returns its first admin's API token.
func inviting(bin func(string) string, database, url, slug string, n int) (string, error) {
	out, err := exec.Command(bin("workspaced"), "org", "create", "--database", database, "--slug", slug, "--name", "Bench",
		"--admin-name", "Ada Admin", "--admin-email", "ada@"+slug+".example").Output()
	if err != nil {
		return "", fmt.Errorf("org create: %w", err)
	}
	tok := strings.TrimSpace(string(out))
	if out, err := exec.Command(bin("workspaced"), "org", "set-licenses", "--database", database, "--org", slug, "--product", "flow",
		"--total", fmt.Sprint(n)).CombinedOutput(); err != nil {
		return "", fmt.Errorf("set-licenses: %v\n%s", err, out)
	}
	cmd := exec.Command(bin("wsctl"), "signup-mode", "off", "--yes")
	cmd.Env = append(os.Environ(), "WSCTL_TOKEN="+tok, "WSCTL_HOST="+url)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("signup-mode off: %v\n%s", err, out)
	}
	return tok, nil
}

func writeCSV(path string, n int, prefix string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "name,email,roles,licenses")
	for i := range n {
		fmt.Fprintf(w, "Person Number,%s%06d@example.com,user,flow\n", prefix, i)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

// timed runs a command to its end and returns its wall time and peak RSS.
func timed(bin string, env []string, args ...string) (time.Duration, int64, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout = io.Discard
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)
	if err != nil {
		s := stderr.String()
		return 0, 0, fmt.Errorf("%s %v: %v\n%s", filepath.Base(bin), args, err, s[max(0, len(s)-2000):])
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return took, ru.Maxrss * 1024, nil
}

// importRounds is how many times the timed import runs: one run on the shared
// machine can be off by a tenth of a second.
const importRounds = 3

// medianOf returns the median of ts.
func medianOf(ts []time.Duration) time.Duration {
	ts = slices.Clone(ts)
	slices.Sort(ts)
	return ts[len(ts)/2]
}

// startupRounds is how many times each binary runs --version: a start takes
// 10-25 ms and the shared machine moves single runs by several ms, so the
// median needs about a hundred runs to settle within a few tenths of a ms.
const startupRounds = 101

// medians runs each binary with --version, the binaries taking turns so that
// the machine's other work falls on all of them alike, and returns the
// median wall time of each.
func medians(rounds int, bins ...string) ([]time.Duration, error) {
	ts := make([][]time.Duration, len(bins))
	for range rounds {
		for i, bin := range bins {
			start := time.Now()
			if err := exec.Command(bin, "--version").Run(); err != nil {
				return nil, fmt.Errorf("%s --version: %w", bin, err)
			}
			ts[i] = append(ts[i], time.Since(start))
		}
	}
	out := make([]time.Duration, len(bins))
	for i := range ts {
		out[i] = medianOf(ts[i])
	}
	return out, nil
}

// floorInsert writes n invites straight into the tables an invite fills
// (invites, invite_licenses, outbox, audit_events) in one transaction of
// prepared statements: what no API can beat.
func floorInsert(db, workspaced string, n int) (time.Duration, error) {
	if out, err := exec.Command(workspaced, "org", "create", "--database", "sqlite:"+db, "--slug", "floor", "--name", "Floor",
		"--admin-name", "Ada Admin", "--admin-email", "ada@floor.example").CombinedOutput(); err != nil {
		return 0, fmt.Errorf("floor org: %v\n%s", err, out)
	}
	h, err := sql.Open("sqlite", sqlite.WriterDSN(db))
	if err != nil {
		return 0, err
	}
	defer h.Close()
	var orgID string
	if err := h.QueryRow(`SELECT id FROM orgs WHERE slug = 'floor'`).Scan(&orgID); err != nil {
		return 0, err
	}
	ctx := context.Background()
	start := time.Now()
	tx, err := h.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	prep := func(q string) *sql.Stmt {
		s, err := tx.Prepare(q)
		if err != nil {
			panic(err)
		}
		return s
	}
	inv := prep(`INSERT INTO invites (id, org_id, name, email, roles, status, token_hash, idempotency_key, invited_by, expires_at, created_at, updated_at, email_norm) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, 'usr_x', ?, ?, ?, ?)`)
	lic := prep(`INSERT INTO invite_licenses (org_id, invite_id, product, reserved_until) VALUES (?, ?, 'flow', ?)`)
	box := prep(`INSERT INTO outbox (id, org_id, recipient, subject, text_body, html_body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`)
	aud := prep(`INSERT INTO audit_events (id, org_id, at, actor, action, target, before_json, after_json, request_id) VALUES (?, ?, ?, 'ada@floor.example', 'invite.created', ?, NULL, ?, 'req')`)
	now := time.Now().UTC().Format("2006-01-02T15:04:05.000000Z")
	exp := time.Now().Add(7 * 24 * time.Hour).UTC().Format("2006-01-02T15:04:05.000000Z")
	for i := range n {
		id := fmt.Sprintf("inv_%010d", i)
		email := fmt.Sprintf("f%06d@example.com", i)
		// The token hash and the idempotency key are as random as the
		// server's and the CLI's (a SHA-256 each): sequential ones would
		// make the floor's index inserts cheaper than any real import's.
		hash := sha256.Sum256([]byte("token " + id))
		key := sha256.Sum256([]byte("row " + email))
		if _, err := inv.Exec(id, orgID, "Person Number", email, "user", hex.EncodeToString(hash[:]), "wsctl-csv-"+hex.EncodeToString(key[:16]), exp, now, now, email); err != nil {
			return 0, err
		}
		if _, err := lic.Exec(orgID, id, exp); err != nil {
			return 0, err
		}
		if _, err := box.Exec(fmt.Sprintf("msg_%010d", i), orgID, email, "You are invited", "Hello Person Number, sign up here: https://x/signup?token=…", "<p>Hello</p>", now); err != nil {
			return 0, err
		}
		if _, err := aud.Exec(fmt.Sprintf("evt_%010d", i), orgID, now, email, `{"name":"Person Number","email":"`+email+`"}`); err != nil {
			return 0, err
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

func secs(d time.Duration) string { return fmt.Sprintf("%.3f s", d.Seconds()) }
func ms(d time.Duration) string   { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
func mb(b int64) string           { return fmt.Sprintf("%.1f MB", float64(b)/(1<<20)) }
