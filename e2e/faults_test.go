package e2e

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/client"
	"github.com/wsctl/wsctl/internal/testutil/faultproxy"
)

// A 2,000-row 'wsctl users invite --csv' through a proxy that spoils one
// request in ten (5xx answers, connections dropped before the server sees
// the request and after it committed, latency, 429 with Retry-After) ends
// with every row invited exactly once, and a report that is exact: the rows
// it calls "replayed" (already invited) are exactly those whose request the
// server carried out while the client saw only a broken connection, the
// others "invited", none failed, and the summary counts the same (issue 12).
func TestBulkInvite_ThroughFaults_EachRowOnce(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, db string) {
		s := startServerOn(t, db, "--rate-limit", "0")
		s.invitingOrg("acme")
		must(t, s.operator("org", "set-licenses", "--org", "acme", "--product", "flow", "--total", "10000"), 0, "set-licenses")
		seed := testSeed(t, "WSCTL_FAULT_SEED")
		p := faultproxy.Start(t, s.url, faultproxy.Config{Seed: seed, Rates: map[faultproxy.Kind]float64{
			faultproxy.ServerError:       0.03,
			faultproxy.DropBeforeForward: 0.02,
			faultproxy.DropAfterForward:  0.025,
			faultproxy.Latency:           0.015,
			faultproxy.TooManyRequests:   0.01,
		}, MaxLatency: 300 * time.Millisecond})

		const rows = 2000
		path, emails := writeInviteCSV(t, rows)
		dir := t.TempDir()
		env := []string{"WSCTL_TOKEN=" + s.adminTok, "WSCTL_HOST=" + p.URL}
		// Small batches, so that the file takes some 500 requests and the
		// faults fall on many of them.
		args := []string{"users", "invite", "--csv", path, "--batch-size", "4", "--concurrency", "4"}
		final := map[string]string{} // email -> the status of the run that did the row
		var summaries []string
		for run := 1; ; run++ {
			report := filepath.Join(dir, fmt.Sprintf("report%d.csv", run))
			a := slices.Concat(args, []string{"--report", report})
			if run > 1 {
				a = append(a, "--resume")
			}
			r := s.run(bins.wsctl, env, "", a...)
			summary := summaryLine(r.stderr)
			summaries = append(summaries, summary)
			counts := map[string]int{}
			for email, status := range readReport(t, report) {
				counts[status]++
				if status == schema.BatchInvited || status == schema.BatchReplayed {
					if prev, done := final[email]; done {
						t.Errorf("run %d did %s again (%s, before: %s)", run, email, status, prev)
					}
					final[email] = status
				}
			}
			want := fmt.Sprintf("%d rows: %d invited, %d already invited, %d skipped, %d failed",
				rows, counts[schema.BatchInvited], counts[schema.BatchReplayed], counts["skipped"], counts["failed"])
			if summary != want {
				t.Errorf("run %d: the summary says %q, its report %q", run, summary, want)
			}
			if r.code == 0 {
				break
			}
			// The retries gave up on some rows: --resume sends the rest.
			if r.code != 3 && r.code != 1 || run == 3 {
				t.Fatalf("run %d through the faults: %s", run, tail(r.String()))
			}
		}

		// The server holds one invite per row, no more.
		c := client.New(s.url, s.adminTok, http.DefaultClient)
		perEmail := map[string]int{}
		for page, err := range c.InvitePages(context.Background(), client.ListInvitesParams{Status: "all", Limit: 1000}) {
			if err != nil {
				t.Fatal(err)
			}
			for _, inv := range page {
				perEmail[inv.Email]++
			}
		}
		for _, e := range emails {
			if perEmail[e] != 1 {
				t.Errorf("%s: %d invites, want 1", e, perEmail[e])
			}
		}
		if len(perEmail) != rows {
			t.Errorf("%d people invited, want %d", len(perEmail), rows)
		}
		if got := auditCount(t, c, "invite.created"); got != rows {
			t.Errorf("R14: %d invite.created events for %d invites", got, rows)
		}

		// Exactly the rows the server did behind a dropped connection are
		// "already invited"; all the others "invited".
		doneBehind := map[string]bool{}
		for _, ev := range p.Events() {
			if ev.Kind != faultproxy.DropAfterForward || ev.UpstreamStatus != http.StatusOK {
				continue
			}
			var req schema.InviteBatchRequest
			if err := json.Unmarshal(ev.Body, &req); err != nil {
				t.Fatalf("request %d: %v", ev.Seq, err)
			}
			for _, it := range req.Invites {
				doneBehind[it.Email] = true
			}
		}
		replayed := 0
		for _, e := range emails {
			status, ok := final[e]
			switch {
			case !ok:
				t.Errorf("%s: no run reports it done", e)
			case doneBehind[e] && status != schema.BatchReplayed:
				t.Errorf("%s: reported %q, but the server had invited it behind a dropped connection", e, status)
			case !doneBehind[e] && status != schema.BatchInvited:
				t.Errorf("%s: reported %q, want invited", e, status)
			}
			if status == schema.BatchReplayed {
				replayed++
			}
		}

		counts := p.Counts()
		for _, k := range faultproxy.Faults {
			if counts[k] == 0 {
				t.Errorf("no %s fault was injected: the test proved nothing about it", k)
			}
		}
		t.Logf("faults: %s", p.Summary())
		t.Logf("%d rows through the faults in %d run(s) (%s): %d invited, %d replayed (done behind a dropped connection)",
			rows, len(summaries), strings.Join(summaries, "; "), rows-replayed, replayed)
	})
}

// testSeed is the seed of a randomized test: $env when set (to repeat a
// failure), else a new one; it is logged either way.
func testSeed(t *testing.T, env string) uint64 {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv(env); v != "" {
		var err error
		if seed, err = strconv.ParseUint(v, 10, 64); err != nil {
			t.Fatalf("%s=%q: %v", env, v, err)
		}
	}
	t.Logf("seed %d (%s=%d repeats it)", seed, env, seed)
	return seed
}

// writeInviteCSV writes an invite file of n rows and returns its path and
// the rows' emails.
func writeInviteCSV(t *testing.T, n int) (string, []string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("name,email,roles,licenses\n")
	emails := make([]string, n)
	for i := range n {
		emails[i] = fmt.Sprintf("p%05d@example.com", i)
		fmt.Fprintf(&b, "Person Number,%s,user,flow\n", emails[i])
	}
	path := filepath.Join(t.TempDir(), "people.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, emails
}

// readReport reads a --report file: email -> status. A row may be in it
// once only.
func readReport(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("report: %v", err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("report %s: %v", path, err)
	}
	if len(recs) == 0 || strings.Join(recs[0], ",") != "line,email,status,error" {
		t.Fatalf("report %s: header %v", path, recs)
	}
	out := map[string]string{}
	for _, rec := range recs[1:] {
		if _, dup := out[rec[1]]; dup {
			t.Errorf("report %s: %s twice", path, rec[1])
		}
		out[rec[1]] = rec[2]
	}
	return out
}

var summaryRE = regexp.MustCompile(`(?m)^\d+ rows: [^\n]*? \d+ failed`)

// summaryLine is a bulk run's summary: "2000 rows: 1990 invited, …, 0 failed".
func summaryLine(stderr string) string {
	return summaryRE.FindString(stderr)
}

// auditCount counts the org's audit events of an action.
func auditCount(t *testing.T, c *client.Client, action string) int {
	t.Helper()
	n := 0
	for page, err := range c.AuditPages(context.Background(), client.AuditParams{Action: action, Limit: 1000}) {
		if err != nil {
			t.Fatal(err)
		}
		n += len(page)
	}
	return n
}
