package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/client"
	"github.com/wsctl/wsctl/internal/testutil/pgtest"
	"github.com/wsctl/wsctl/internal/testutil/smtptest"
)

// The invite email reaches a real SMTP server on loopback through
// `workspaced serve --smtp`, with a plain-text and an HTML part holding the
// same link; the link's token, posted to the real server, completes the
// sign-up, once (R6).
func TestInviteEmail_OverSMTP_LinkCompletesSignup_R6(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, db string) {
		peer := smtptest.Start(t, smtptest.Options{})
		s := startServerOn(t, db, "--smtp", peer.URL())
		s.invitingOrg("acme")
		must(t, s.admin("users", "invite", "--name", "Grace Hopper", "--email", "grace@acme.example", "--role", "manager,user", "--license", "flow"), 0, "invite")

		msgs := peer.WaitFor(t, 30*time.Second, "the invite email", func(m []smtptest.Message) bool { return len(m) > 0 })
		if len(msgs[0].To) != 1 || msgs[0].To[0] != "grace@acme.example" {
			t.Fatalf("email to %v", msgs[0].To)
		}
		text, html, err := smtptest.Parts(msgs[0].Data)
		if err != nil {
			t.Fatalf("the invite email: %v\n%s", err, msgs[0].Data)
		}
		link := smtptest.SignupLink(text)
		if !strings.HasPrefix(link, s.url+"/signup?token=wsi_") || !strings.Contains(html, `href="`+link+`"`) {
			t.Fatalf("link %q in the text part; html part:\n%s", link, html)
		}
		u, err := url.Parse(link)
		if err != nil {
			t.Fatal(err)
		}
		token := u.Query().Get("token")

		accept := func() *http.Response {
			body, _ := json.Marshal(schema.AcceptInviteRequest{Token: token, Name: "Grace Hopper", Email: "grace@acme.example"})
			resp, err := http.Post(s.url+"/api/v1/invites/accept", "application/json", bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp
		}
		if resp := accept(); resp.StatusCode != http.StatusCreated {
			t.Fatalf("POST /api/v1/invites/accept with the emailed token: %s", resp.Status)
		}
		if resp := accept(); resp.StatusCode < 400 {
			t.Errorf("the link worked twice: %s", resp.Status)
		}
		users := jsonArray(t, must(t, s.admin("users", "list", "--search", "grace", "-o", "json"), 0, "users list"))
		if len(users) != 1 || users[0]["active"] != true || fmt.Sprint(users[0]["licenses"]) != "[flow]" || fmt.Sprint(users[0]["roles"]) != "[manager user]" {
			t.Errorf("after sign-up from the emailed link: %v", users)
		}
		r := must(t, s.operator("outbox", "list", "--org", "acme", "--status", "sent"), 0, "outbox list --status sent")
		if !strings.Contains(r.stdout, "grace@acme.example\tsent\t1\t") {
			t.Errorf("outbox list --status sent: %q", r.stdout)
		}
	})
}

// waitOutbox polls `workspaced outbox list` until want holds.
func (s *server) waitOutbox(timeout time.Duration, what string, want func(stdout string) bool, args ...string) string {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		r := must(s.t, s.operator(append([]string{"outbox", "list", "--org", "acme"}, args...)...), 0, "outbox list")
		if want(r.stdout) {
			return r.stdout
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("outbox: %s: not within %v:\n%s", what, timeout, r.stdout)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// A 5xx answer fails the email for good, and the operator sees it.
func TestOutbox_PermanentSMTPFailureShowsAsFailed(t *testing.T) {
	peer := smtptest.Start(t, smtptest.Options{})
	peer.SetMode(smtptest.PermFail)
	s := startServer(t, "--smtp", peer.URL())
	s.invitingOrg("acme")
	must(t, s.admin("users", "invite", "--name", "Grace Hopper", "--email", "grace@acme.example", "--role", "user", "--license", "flow"), 0, "invite")
	out := s.waitOutbox(30*time.Second, "grace's email failed", func(out string) bool { return strings.Contains(out, "grace@acme.example") }, "--status", "failed")
	// The link's secret is forgotten once the email failed (security
	// finding 2): the operator resends the invite for a new one.
	if !strings.Contains(out, "\tfailed\t1\t") || !strings.Contains(out, "550") || !strings.Contains(out, "\t-\t") || strings.Contains(out, "wsi_") {
		t.Errorf("outbox list --status failed: %q (want attempts 1, the 550 and no link)", out)
	}
	if r := must(t, s.operator("outbox", "list", "--org", "acme", "--status", "pending"), 0, "pending"); r.stdout != "" {
		t.Errorf("a failed email is still listed as pending: %q", r.stdout)
	}
}

// SIGTERM stops the server only once the email in flight is sent and recorded.
func TestShutdown_FinishesTheEmailInFlight(t *testing.T) {
	peer := smtptest.Start(t, smtptest.Options{})
	peer.SetDelay(2 * time.Second)
	s := startServer(t, "--smtp", peer.URL())
	s.invitingOrg("acme")
	must(t, s.admin("users", "invite", "--name", "Grace Hopper", "--email", "grace@acme.example", "--role", "user", "--license", "flow"), 0, "invite")
	peer.WaitFor(t, 30*time.Second, "the email in flight", func(m []smtptest.Message) bool { return len(m) == 1 })
	stopped := time.Now()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Wait(); err != nil {
		t.Fatalf("workspaced after SIGTERM: %v", err)
	}
	took := time.Since(stopped)
	r := must(t, s.operator("outbox", "list", "--org", "acme"), 0, "outbox list")
	if !strings.Contains(r.stdout, "grace@acme.example\tsent\t1\t") {
		t.Errorf("after a graceful stop mid-send (%v), the outbox says %q, want sent", took, r.stdout)
	}
}

// Two `workspaced serve --smtp` processes on one PostgreSQL database share
// the outbox: every invite email is delivered exactly once while both live.
func TestTwoServersOneDatabase_EachEmailDeliveredOnce(t *testing.T) {
	db := pgtest.NewDatabase(t)
	peer := smtptest.Start(t, smtptest.Options{})
	a := startServerOn(t, db, "--rate-limit", "0", "--smtp", peer.URL())
	b := startServerOn(t, db, "--rate-limit", "0", "--smtp", peer.URL())
	a.invitingOrg("acme")
	must(t, a.operator("org", "set-licenses", "--org", "acme", "--product", "flow", "--total", "100"), 0, "set-licenses")
	ctx := context.Background()
	clients := []*client.Client{client.New(a.url, a.adminTok, http.DefaultClient), client.New(b.url, a.adminTok, http.DefaultClient)}
	const n = 60
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			req := schema.InviteRequest{Name: "Racer", Email: fmt.Sprintf("p%02d@acme.example", i), Roles: []string{"user"}, Licenses: []string{"flow"}}
			if _, _, err := clients[i%2].Invite(ctx, req, ""); err != nil {
				t.Errorf("invite %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	peer.WaitFor(t, time.Minute, "every invite email", func(m []smtptest.Message) bool { return len(m) >= n })
	time.Sleep(2 * time.Second) // room for a second copy to show
	perRecipient := smtptest.ByRecipient(peer.Messages())
	dups := 0
	for to, k := range perRecipient {
		if k > 1 {
			dups += k - 1
			t.Errorf("%s got %d copies while both servers lived", to, k)
		}
	}
	if len(perRecipient) != n {
		t.Errorf("%d of %d people got their email", len(perRecipient), n)
	}
	a.waitOutbox(10*time.Second, "all sent", func(out string) bool { return strings.Count(out, "\tsent\t1\t") == n })
	sentA, sentB := a.counter("workspaced_outbox_sent_total"), b.counter("workspaced_outbox_sent_total")
	if sentA+sentB != n {
		t.Errorf("the servers' sent counters say %d + %d, want %d in all", sentA, sentB, n)
	}
	t.Logf("two servers, one PostgreSQL: %d invites, %d emails at the SMTP peer (server a sent %d, server b %d), %d duplicates",
		n, len(peer.Messages()), sentA, sentB, dups)
}

// counter reads a counter of the server's /metrics.
func (s *server) counter(name string) int {
	s.t.Helper()
	resp, err := http.Get(s.metrics)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	body.ReadFrom(resp.Body)
	for _, line := range strings.Split(body.String(), "\n") {
		var v float64
		if _, err := fmt.Sscanf(line, name+" %g", &v); err == nil {
			return int(v)
		}
	}
	s.t.Fatalf("/metrics has no %s", name)
	return 0
}

// SIGKILL while the SMTP peer holds the emails in flight: after a restart
// every email is delivered; only the ones in flight at the kill may arrive
// twice (at-least-once delivery), and none is lost.
func TestKilledMidSend_EveryEmailDeliveredAfterRestart(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, db string) {
		peer := smtptest.Start(t, smtptest.Options{})
		peer.SetMode(smtptest.AckStalled) // takes each message, never answers
		const timeout = "4s"              // lease: 3 × 4s
		s := startServerOn(t, db, "--rate-limit", "0", "--smtp", peer.URL(), "--smtp-timeout", timeout)
		s.invitingOrg("acme")
		must(t, s.operator("org", "set-licenses", "--org", "acme", "--product", "flow", "--total", "100"), 0, "set-licenses")
		ctx := context.Background()
		c := client.New(s.url, s.adminTok, http.DefaultClient)
		const n = 20
		for i := range n {
			req := schema.InviteRequest{Name: "Racer", Email: fmt.Sprintf("p%02d@acme.example", i), Roles: []string{"user"}, Licenses: []string{"flow"}}
			if _, _, err := c.Invite(ctx, req, ""); err != nil {
				t.Fatalf("invite %d: %v", i, err)
			}
		}
		// The worker sends 4 at once: wait until the peer holds all of them.
		peer.WaitFor(t, 10*time.Second, "the worker's emails in flight", func(m []smtptest.Message) bool { return len(m) >= 4 })
		s.kill()
		inFlight := peer.Messages()
		if len(inFlight) > 4 {
			t.Fatalf("%d emails in flight, more than the worker's 4", len(inFlight))
		}
		before := s.operator("outbox", "list", "--org", "acme", "--status", "pending").stdout
		if got := strings.Count(before, "\n"); got != n {
			t.Fatalf("after SIGKILL %d emails pending, want all %d:\n%s", got, n, before)
		}

		peer.SetMode(smtptest.Accept)
		started := time.Now()
		s2 := startServerOn(t, db, "--rate-limit", "0", "--smtp", peer.URL(), "--smtp-timeout", timeout)
		s2.adminTok = s.adminTok
		msgs := peer.WaitFor(t, time.Minute, "every email acknowledged after the restart", func(m []smtptest.Message) bool {
			acked := map[string]bool{}
			for _, x := range m {
				if x.Acked {
					acked[x.To[0]] = true
				}
			}
			return len(acked) == n
		})
		took := time.Since(started)
		perRecipient := smtptest.ByRecipient(msgs)
		stalled := smtptest.ByRecipient(inFlight)
		dups := 0
		for to, k := range perRecipient {
			if k > 1 {
				dups += k - 1
				if stalled[to] == 0 || k > 2 {
					t.Errorf("%s got %d copies but was not in flight at the kill", to, k)
				}
			}
		}
		if len(perRecipient) != n {
			t.Errorf("%d of %d people got their email: lost ones", len(perRecipient), n)
		}
		s2.waitOutbox(10*time.Second, "all sent", func(out string) bool { return strings.Count(out, "\tsent\t") == n }, "--status", "sent")
		t.Logf("SIGKILL with %d emails in the outbox, %d in flight (taken by the peer, unacknowledged); after restart all %d delivered in %v, %d duplicates (all of in-flight ones)",
			n, len(inFlight), n, took.Round(100*time.Millisecond), dups)
	})
}
