package e2e

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// workspaced is SIGKILLed at seeded random points of a 3,000-row
// 'wsctl users invite --csv' and restarted on the same database and
// address each time; wsctl keeps retrying through the restarts, and at the
// last kill dies too (the admin's machine with it). 'wsctl users invite
// --csv --resume' then finishes the file. Every row is invited exactly
// once, and the database, as the last kill left it, is whole: SQLite's
// integrity and foreign key checks pass, every reference holds, the pools'
// counters equal their rows, every invite has its one invite.created audit
// event (R14) and its one outbox email (nothing lost), and no event or
// email is left without its invite (issue 12, part 3).
func TestBulkInvite_ServerKilledMidRun_EachRowOnceDatabaseWhole(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, db string) {
		seed := testSeed(t, "WSCTL_CRASH_SEED")
		rng := rand.New(rand.NewPCG(seed, 3))
		listen := freeAddr(t)
		start := func() *server { return startServerOn(t, db, "--rate-limit", "0", "--listen", listen) }
		s := start()
		token := s.invitingOrg("acme")
		must(t, s.operator("org", "set-licenses", "--org", "acme", "--product", "flow", "--total", "10000"), 0, "set-licenses")

		const rows, kills = 3000, 4
		path, emails := writeInviteCSV(t, rows)
		// Kill k falls somewhere in the k-th fifth of the file.
		var at [kills]int
		for k := range at {
			at[k] = k*rows/(kills+1) + 1 + rng.IntN(rows/(kills+1))
		}

		var runs []string
		w := startInviteRun(t, s, token, path, false)
		for k := range kills {
			for !w.reached(at[k]) {
				// wsctl gave up while the server was down: go on from its journal.
				runs = append(runs, w.wait(t))
				if len(runs) > 2*kills {
					t.Fatalf("wsctl keeps ending before line %d: %s", at[k], strings.Join(runs, "; "))
				}
				w = startInviteRun(t, s, token, path, true)
			}
			time.Sleep(time.Duration(rng.IntN(20)) * time.Millisecond) // not always between two batches
			s.kill()
			if k == kills-1 {
				w.kill()
			}
			s = start()
			s.adminTok = token
		}
		runs = append(runs, w.wait(t))
		done := journalRows(t, path)

		r := must(t, s.run(bins.wsctl, []string{"WSCTL_TOKEN=" + token}, "", "users", "invite", "--csv", path, "--resume"), 0, "--resume after the kills")
		summary := summaryLine(r.stderr)
		var invited, replayed, skipped int
		if _, err := fmt.Sscanf(summary, "3000 rows: %d invited, %d already invited, %d skipped, 0 failed", &invited, &replayed, &skipped); err != nil {
			t.Fatalf("--resume: %q: %v\n%s", summary, err, tail(r.stderr))
		}
		if skipped != done || invited+replayed+skipped != rows {
			t.Errorf("--resume: %q, but the journal recorded %d rows done", summary, done)
		}
		s.kill() // the database as a crash leaves it

		conn := openDB(t, db)
		if got := queryRows(t, conn, `SELECT email_norm, COUNT(*) FROM invites GROUP BY org_id, email_norm HAVING COUNT(*) > 1`); len(got) > 0 {
			t.Errorf("%d people invited more than once: %v", len(got), first(got, 5))
		}
		invitedEmails := map[string]bool{}
		for _, e := range queryRows(t, conn, `SELECT email FROM invites`) {
			invitedEmails[e] = true
		}
		for _, e := range emails {
			if !invitedEmails[e] {
				t.Errorf("%s was never invited", e)
			}
		}
		if len(invitedEmails) != rows {
			t.Errorf("%d people invited, want %d", len(invitedEmails), rows)
		}
		for what, q := range map[string]string{
			"invite.created events": `SELECT i.email, COUNT(a.id) FROM invites i LEFT JOIN audit_events a
				ON a.org_id = i.org_id AND a.action = 'invite.created' AND a.target = i.email GROUP BY i.id, i.email HAVING COUNT(a.id) <> 1`,
			"outbox emails": `SELECT i.email, COUNT(o.id) FROM invites i LEFT JOIN outbox o
				ON o.invite_id = i.id AND o.recipient = i.email GROUP BY i.id, i.email HAVING COUNT(o.id) <> 1`,
			"reserved licenses": `SELECT i.email FROM invites i WHERE NOT EXISTS
				(SELECT 1 FROM invite_licenses il WHERE il.invite_id = i.id AND il.product = 'flow' AND il.reserved_until IS NOT NULL)`,
		} {
			if got := queryRows(t, conn, q); len(got) > 0 {
				t.Errorf("%d invites without exactly one of their %s: %v", len(got), what, first(got, 5))
			}
		}
		if n := queryInt(t, conn, `SELECT COUNT(*) FROM audit_events WHERE action = 'invite.created'`); n != rows {
			t.Errorf("R14: %d invite.created events for %d invites", n, rows)
		}
		if n := queryInt(t, conn, `SELECT COUNT(*) FROM outbox`); n != rows {
			t.Errorf("%d outbox emails for %d invites", n, rows)
		}
		checkIntegrity(t, db)
		t.Logf("%d kills survived during the run (at file lines %v), one more before the checks; wsctl runs: %s; journal %d rows; --resume: %s",
			kills, at, strings.Join(runs, "; "), done, summary)
	})
}

// freeAddr is a loopback address nobody listens on now, for a server that
// must come back on the same address after a kill.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// inviteRun is a 'wsctl users invite --csv' running in the background.
type inviteRun struct {
	cmd      *exec.Cmd
	lastLine atomic.Int64 // the furthest row of the file wsctl reported on
	done     chan struct{}
	mu       sync.Mutex
	stderr   []string
	err      error
}

var rowLineRE = regexp.MustCompile(`line (\d+) `)

func startInviteRun(t *testing.T, s *server, token, path string, resume bool) *inviteRun {
	t.Helper()
	args := []string{"users", "invite", "--csv", path, "--batch-size", "5", "--concurrency", "4"}
	if resume {
		args = append(args, "--resume")
	}
	w := &inviteRun{cmd: exec.Command(bins.wsctl, args...), done: make(chan struct{})}
	w.cmd.Env = append(s.baseEnv(), "WSCTL_TOKEN="+token)
	stderr, err := w.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.kill() })
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			if m := rowLineRE.FindStringSubmatch(line); m != nil {
				n, _ := strconv.Atoi(m[1])
				w.lastLine.Store(int64(n))
			}
			w.mu.Lock()
			w.stderr = append(w.stderr, line)
			w.mu.Unlock()
		}
		err := w.cmd.Wait()
		w.mu.Lock()
		w.err = err
		w.mu.Unlock()
		close(w.done)
	}()
	return w
}

// reached waits until wsctl has reported on the row at line n of the file
// (true), or has ended before (false).
func (w *inviteRun) reached(n int) bool {
	for w.lastLine.Load() < int64(n) {
		select {
		case <-w.done:
			return w.lastLine.Load() >= int64(n)
		case <-time.After(2 * time.Millisecond):
		}
	}
	return true
}

func (w *inviteRun) kill() {
	select {
	case <-w.done:
	default:
		_ = w.cmd.Process.Kill()
		<-w.done
	}
}

// wait waits for wsctl to end, and says how it ended: its summary, or
// "killed" and how far it got.
func (w *inviteRun) wait(t *testing.T) string {
	t.Helper()
	select {
	case <-w.done:
	case <-time.After(3 * time.Minute):
		t.Fatal("wsctl still running after 3 minutes")
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	out := strings.Join(w.stderr, "\n")
	if w.cmd.ProcessState.String() == "signal: killed" {
		return fmt.Sprintf("killed after line %d", w.lastLine.Load())
	}
	if s := summaryLine(out); s != "" {
		return fmt.Sprintf("%s (%v)", s, w.cmd.ProcessState)
	}
	t.Fatalf("wsctl ended without a summary (%v):\n%s", w.err, tail(out))
	return ""
}

// journalRows counts the rows the invite journal of path records as done.
func journalRows(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path + ".users-invite.wsctl-journal")
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(b), "\n")
}
