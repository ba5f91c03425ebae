package e2e

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"regexp"
	"sort"
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
		// Each table read once and matched here: joins of SQLite's own
		// making take minutes under the race detector.
		inviteOf := map[string]string{} // invite id -> email
		perEmail := map[string]int{}
		for _, r := range queryRows(t, conn, `SELECT id, email FROM invites`) {
			id, email, _ := strings.Cut(r, " ")
			inviteOf[id] = email
			perEmail[email]++
		}
		var notOnce []string
		for _, e := range emails {
			if perEmail[e] != 1 {
				notOnce = append(notOnce, fmt.Sprintf("%s %d times", e, perEmail[e]))
			}
		}
		if len(notOnce) > 0 {
			t.Errorf("%d rows not invited exactly once: %v", len(notOnce), first(notOnce, 5))
		}
		if len(inviteOf) != rows {
			t.Errorf("%d invites for %d rows", len(inviteOf), rows)
		}
		created := map[string]int{} // invite.created events by target
		for _, target := range queryRows(t, conn, `SELECT target FROM audit_events WHERE action = 'invite.created'`) {
			created[target]++
		}
		emailsOf := map[string][]string{} // outbox recipients by invite id
		for _, r := range queryRows(t, conn, `SELECT invite_id, recipient FROM outbox`) {
			id, to, _ := strings.Cut(r, " ")
			emailsOf[id] = append(emailsOf[id], to)
		}
		reserved := map[string]int{}
		for _, id := range queryRows(t, conn, `SELECT invite_id FROM invite_licenses WHERE product = 'flow' AND reserved_until IS NOT NULL`) {
			reserved[id]++
		}
		var noEvent, noEmail, noReservation []string
		for id, email := range inviteOf {
			if created[email] != 1 {
				noEvent = append(noEvent, fmt.Sprintf("%s: %d", email, created[email]))
			}
			if to := emailsOf[id]; len(to) != 1 || to[0] != email {
				noEmail = append(noEmail, fmt.Sprintf("%s: %v", email, to))
			}
			if reserved[id] != 1 {
				noReservation = append(noReservation, fmt.Sprintf("%s: %d", email, reserved[id]))
			}
		}
		for what, found := range map[string][]string{"invite.created audit event (R14)": noEvent, "outbox email": noEmail, "flow reservation": noReservation} {
			if len(found) > 0 {
				sort.Strings(found)
				t.Errorf("%d invites without exactly one %s: %v", len(found), what, first(found, 5))
			}
		}
		if n := len(queryRows(t, conn, `SELECT id FROM audit_events WHERE action = 'invite.created'`)); n != rows {
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
