package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// loadOptions are the load benchmark's flags.
type loadOptions struct {
	duration    time.Duration
	match       string // STORE/SERVERS/ORGS/CASE/CLIENTS pattern of the cases to run
	profileDir  string
	profileCase string
}

// deployment is what a load case runs against: a store, how many
// workspaced servers share it, and how many orgs the load is spread over.
type deployment struct {
	store   string // sqlite or postgres
	servers int
	orgs    int
}

func (d deployment) name() string { return fmt.Sprintf("%s/%d/%d", d.store, d.servers, d.orgs) }

// deployments run in this order; SQLite serves from one file, so one server.
var deployments = []deployment{
	{"sqlite", 1, 1}, {"sqlite", 1, 4},
	{"postgres", 1, 1}, {"postgres", 1, 4}, {"postgres", 2, 1}, {"postgres", 2, 4},
}

// clientCounts are the closed-loop clients of each case: each sends its
// next request when the answer to the last one is in.
var clientCounts = []int{1, 16, 64}

// loadRow is one line of the load table.
type loadRow struct {
	deployment
	kind    string
	clients int
	rps     float64 // successful requests per second
	p50     time.Duration
	p99     time.Duration
	errors  string // non-2xx answers and failed requests, by status
}

func (r loadRow) name() string {
	return fmt.Sprintf("%s/%s/%d", r.deployment.name(), r.kind, r.clients)
}

// runLoad runs every load case that o.match selects, deployment by
// deployment, printing each row as it is measured, then the ratios of two
// servers to one.
func runLoad(ctx context.Context, dir string, bin func(string) string, o loadOptions) error {
	start := time.Now()
	fmt.Printf("\nLoad: %s per case, closed loop (each client sends its next request when its last is answered), --rate-limit 0\n\n", o.duration)
	fmt.Printf("| %-8s | %-7s | %-4s | %-8s | %-7s | %10s | %9s | %9s | %-20s |\n", "store", "servers", "orgs", "case", "clients", "requests/s", "p50", "p99", "errors")
	fmt.Printf("|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n", dashes(10), dashes(9), dashes(6), dashes(10), dashes(9), dashes(12), dashes(11), dashes(11), dashes(22))
	var rows []loadRow
	var notes []string
	var cluster *pgCluster
	defer func() {
		if cluster != nil {
			cluster.stop()
		}
	}()
	layout := cpuLayout{}
	for i, d := range deployments {
		if !matchesAny(o.match, d) {
			continue
		}
		if d.store == "postgres" && cluster == nil {
			layout = postgresLayout()
			var err error
			if cluster, err = startPostgres(layout.db); errors.Is(err, errNoPostgres) {
				// The PostgreSQL deployments come last: the SQLite
				// figures stand alone.
				notes = append(notes, err.Error())
				break
			} else if err != nil {
				return err
			}
			notes = append(notes, layout.note)
			// From here on the load generator runs beside the servers,
			// off the database's CPU.
			if err := layout.app.pinSelf(); err != nil {
				return err
			}
			defer func() { _ = anyCPU.pinSelf() }()
		}
		database := "sqlite:" + filepath.Join(dir, fmt.Sprintf("load%d.db", i))
		if d.store == "postgres" {
			var err error
			if database, err = cluster.createDB(fmt.Sprintf("load%d", i)); err != nil {
				return err
			}
		}
		got, err := loadDeployment(ctx, bin, d, database, layout.app, o)
		rows = append(rows, got...)
		if err != nil {
			return err
		}
		if d.store == "postgres" {
			st, err := cluster.stats(fmt.Sprintf("load%d", i))
			if err != nil {
				return err
			}
			notes = append(notes, fmt.Sprintf("%s: PostgreSQL opened %d sessions and broke %d deadlocks (each after deadlock_timeout, 1 s)", d.name(), st.sessions, st.deadlocks))
		}
	}
	if len(notes) > 0 {
		fmt.Printf("\n%s\n", strings.Join(notes, "\n"))
	}
	printScaling(rows)
	fmt.Printf("\nLoad took %s\n", time.Since(start).Round(time.Second))
	return nil
}

// loadDeployment starts d's servers on database, sets up its orgs and runs
// its cases.
func loadDeployment(ctx context.Context, bin func(string) string, d deployment, database string, pin cpuPin, o loadOptions) ([]loadRow, error) {
	profiled := o.profileDir != "" && strings.HasPrefix(o.profileCase, d.name()+"/")
	var extra []string
	if profiled {
		extra = []string{"--pprof", "127.0.0.1:0"}
	}
	var servers []*server
	defer func() {
		for _, s := range servers {
			s.stop()
		}
	}()
	var urls []string
	for range d.servers {
		s, err := startServer(bin("workspaced"), database, pin, extra...)
		if err != nil {
			return nil, err
		}
		servers = append(servers, s)
		urls = append(urls, s.url)
	}
	orgs, err := setUpOrgs(ctx, bin, database, urls[0], d.orgs)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", d.name(), err)
	}
	var invites atomic.Uint64 // emails stay unique across the cases of one database
	var rows []loadRow
	for _, kind := range loadCases {
		for _, clients := range clientCounts {
			row := loadRow{deployment: d, kind: kind, clients: clients}
			if !matches(o.match, row.name()) {
				continue
			}
			t := &targets{ctx: ctx, kind: kind, orgs: orgs, servers: urls, invites: &invites}
			var prof *profiling
			if profiled && row.name() == o.profileCase {
				prof = startProfiles(ctx, o.profileDir, row.name(), servers, o.duration)
			}
			if err := attack(ctx, t, clients, o.duration, &row); err != nil {
				return rows, err
			}
			if prof != nil {
				if err := prof.wait(); err != nil {
					return rows, err
				}
			}
			fmt.Printf("| %-8s | %-7d | %-4d | %-8s | %-7d | %10.0f | %9s | %9s | %-20s |\n",
				d.store, d.servers, d.orgs, kind, clients, row.rps, latency(row.p50), latency(row.p99), row.errors)
			rows = append(rows, row)
		}
	}
	return rows, nil
}

// attack runs one case for d with the given closed-loop clients and fills
// row with its figures. Every answer is checked: anything but a 2xx is
// counted by status, and the first body of each status is printed, since
// a figure made of 409s or 429s measures the wrong thing.
func attack(ctx context.Context, t *targets, clients int, d time.Duration, row *loadRow) error {
	n := uint64(clients)
	atk := vegeta.NewAttacker(vegeta.Workers(n), vegeta.MaxWorkers(n), vegeta.Connections(clients),
		vegeta.MaxBody(512), vegeta.Timeout(time.Minute))
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
			atk.Stop()
		case <-done:
		}
	}()
	var m vegeta.Metrics
	failed := map[string]int{}
	// Rate 0 with as many workers as clients: no pacing, each worker a client.
	for res := range atk.Attack(t.target, vegeta.Rate{Freq: 0}, d, row.name()) {
		m.Add(res)
		t.settle(res)
		if res.Code/100 == 2 {
			continue
		}
		status := fmt.Sprint(res.Code)
		if res.Code == 0 {
			status = "no answer"
		}
		if failed[status] == 0 {
			fmt.Fprintf(os.Stderr, "bench: %s: %s %s: %s %s\n", row.name(), res.Method, res.URL, status, firstLine(string(res.Body), res.Error))
		}
		failed[status]++
	}
	m.Close()
	if err := ctx.Err(); err != nil {
		return err
	}
	row.rps, row.p50, row.p99 = m.Throughput, m.Latencies.P50, m.Latencies.P99
	row.errors = countsOf(failed)
	return nil
}

// printScaling prints what a second server adds: the throughput of two
// servers over one's, for each case measured on both.
func printScaling(rows []loadRow) {
	one := map[string]loadRow{}
	for _, r := range rows {
		if r.servers == 1 {
			one[fmt.Sprintf("%s/%d/%s/%d", r.store, r.orgs, r.kind, r.clients)] = r
		}
	}
	var lines []string
	for _, r := range rows {
		base, ok := one[fmt.Sprintf("%s/%d/%s/%d", r.store, r.orgs, r.kind, r.clients)]
		if r.servers != 2 || !ok || base.rps == 0 {
			continue
		}
		lines = append(lines, fmt.Sprintf("| %-8s | %-4d | %-8s | %-7d | %6.2f× |", r.store, r.orgs, r.kind, r.clients, r.rps/base.rps))
	}
	if len(lines) == 0 {
		return
	}
	fmt.Printf("\nTwo servers over one (requests/s):\n\n| %-8s | %-4s | %-8s | %-7s | %-7s |\n|%s|%s|%s|%s|%s|\n",
		"store", "orgs", "case", "clients", "ratio", dashes(10), dashes(6), dashes(10), dashes(9), dashes(9))
	fmt.Println(strings.Join(lines, "\n"))
}

// matchesAny says whether pattern selects any case of d.
func matchesAny(pattern string, d deployment) bool {
	for _, kind := range loadCases {
		for _, c := range clientCounts {
			if matches(pattern, fmt.Sprintf("%s/%s/%d", d.name(), kind, c)) {
				return true
			}
		}
	}
	return false
}

// matches matches a case name field by field, a missing field matching
// anything: "postgres/2" selects every case of two servers on PostgreSQL.
func matches(pattern, name string) bool {
	pat, got := strings.Split(pattern, "/"), strings.Split(name, "/")
	for i, f := range got {
		if i >= len(pat) {
			return true
		}
		if ok, err := path.Match(pat[i], f); err != nil || !ok {
			return false
		}
	}
	return true
}

// countsOf is "409×12, 500×3", most frequent first, or "none".
func countsOf(counts map[string]int) string {
	if len(counts) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return counts[keys[i]] > counts[keys[j]] })
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s×%d", k, counts[k])
	}
	return strings.Join(parts, ", ")
}

// firstLine is the first non-empty of ss, cut at its first line break.
func firstLine(ss ...string) string {
	i := slices.IndexFunc(ss, func(s string) bool { return s != "" })
	if i < 0 {
		return ""
	}
	line, _, _ := strings.Cut(ss[i], "\n")
	return line
}

// latency is a duration in ms, or s past a second.
func latency(d time.Duration) string {
	if d >= time.Second {
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
}

func dashes(n int) string { return strings.Repeat("-", n) }
