package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsctl/wsctl/internal/secrets"
	"github.com/wsctl/wsctl/internal/store"
	"github.com/wsctl/wsctl/internal/testutil/pgtest"
	"github.com/wsctl/wsctl/internal/testutil/smtptest"
	"github.com/wsctl/wsctl/internal/workspace"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}

func errorsAs[T error](err error, target *T) bool { return errors.As(err, target) }

// databases are the stores the worker runs on: a SQLite file and PostgreSQL.
var databases = []struct {
	name string
	url  func(t testing.TB) string
}{
	{"sqlite", func(t testing.TB) string { return "sqlite:" + filepath.Join(t.TempDir(), "ws.db") }},
	{"postgres", pgtest.NewDatabase},
}

func open(t *testing.T, url string) workspace.Store {
	t.Helper()
	// Keys of the test's own: the default key file of a PostgreSQL
	// database would be in the data directory of whoever runs the tests.
	st, err := store.OpenWithKeys(context.Background(), url, secrets.Ephemeral())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// clock is a test clock the test moves.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

// inviteWorld is an org with signup mode off on a fresh store.
func inviteWorld(t *testing.T, url string) (*workspace.Service, workspace.Org, workspace.Principal) {
	t.Helper()
	ctx := context.Background()
	svc := workspace.NewService(open(t, url), workspace.WithBaseURL("https://ws.example.test"))
	out, err := svc.CreateOrg(ctx, workspace.OrgInput{Slug: "navy", Name: "Navy", AdminName: "Ada Admin", AdminEmail: "ada@navy.example"})
	if err != nil {
		t.Fatal(err)
	}
	admin, err := svc.Authenticate(ctx, out.Secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.SetSignupMode(ctx, admin, false); err != nil {
		t.Fatal(err)
	}
	return svc, out.Org, admin
}

// invite invites each email as a user with a flow license.
func invite(t *testing.T, svc *workspace.Service, admin workspace.Principal, emails ...string) {
	t.Helper()
	for _, email := range emails {
		if _, err := svc.Invite(context.Background(), admin, workspace.InviteInput{Name: "Grace Hopper", Email: email, Roles: []string{"user"}, Licenses: []string{"flow"}}); err != nil {
			t.Fatal(err)
		}
	}
}

func outbox(t *testing.T, svc *workspace.Service, org workspace.Org) []workspace.OutboxMessage {
	t.Helper()
	msgs, err := svc.Outbox(context.Background(), workspace.Operator(org.ID))
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

func sender(t *testing.T, peer *smtptest.Server) *Sender {
	o, err := ParseURL(peer.URL(), "")
	if err != nil {
		t.Fatal(err)
	}
	o.Timeout = 5 * time.Second
	return NewSender(o)
}

// The invite email reaches a real SMTP server as multipart/alternative with
// a plain-text and an HTML part, both holding the same signup link (R6).
func TestInviteEmail_TextAndHTMLPartsWithTheLink_R6(t *testing.T) {
	svc, org, admin := inviteWorld(t, "sqlite:"+filepath.Join(t.TempDir(), "ws.db"))
	ctx := context.Background()
	if _, err := svc.Invite(ctx, admin, workspace.InviteInput{Name: "Grace Hopper", Email: "grace@navy.example", Roles: []string{"user"}, Licenses: []string{"flow"}}); err != nil {
		t.Fatal(err)
	}
	peer := smtptest.Start(t, smtptest.Options{})
	w := NewWorker(svc.Store(), sender(t, peer), WorkerOptions{})
	if ok, err := w.DeliverOne(ctx); !ok || err != nil {
		t.Fatalf("DeliverOne = %v, %v", ok, err)
	}
	msgs := peer.Messages()
	if len(msgs) != 1 {
		t.Fatalf("peer got %d messages", len(msgs))
	}
	text, html, err := smtptest.Parts(msgs[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	link := smtptest.SignupLink(text)
	if !strings.HasPrefix(link, "https://ws.example.test/signup?token=wsi_") || !strings.Contains(html, `href="`+link+`"`) {
		t.Fatalf("link %q; html part:\n%s", link, html)
	}
	if m := outbox(t, svc, org)[0]; m.Status != workspace.OutboxSent || m.SentAt == nil || m.Attempts != 1 {
		t.Errorf("outbox after delivery: %+v", m)
	}
}

// An invite resent before its first email went out reaches the person once,
// with the link that works; a revoked invite's email never goes (R6).
func TestResendAndRevokeBeforeDelivery_OnlyAWorkingLinkIsSent_R6(t *testing.T) {
	svc, _, admin := inviteWorld(t, "sqlite:"+filepath.Join(t.TempDir(), "ws.db"))
	ctx := context.Background()
	invite(t, svc, admin, "grace@navy.example", "alan@navy.example")
	if _, err := svc.ResendInvite(ctx, admin, "grace@navy.example"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RevokeInvite(ctx, admin, "alan@navy.example"); err != nil {
		t.Fatal(err)
	}
	peer := smtptest.Start(t, smtptest.Options{})
	w := NewWorker(svc.Store(), sender(t, peer), WorkerOptions{})
	for {
		ok, err := w.DeliverOne(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
	}
	msgs := peer.Messages()
	if len(msgs) != 1 || msgs[0].To[0] != "grace@navy.example" {
		t.Fatalf("peer got %d messages (%+v), want one to grace", len(msgs), msgs)
	}
	text, _, err := smtptest.Parts(msgs[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	token := strings.TrimPrefix(smtptest.SignupLink(text), "https://ws.example.test/signup?token=")
	if _, err := svc.AcceptInvite(ctx, workspace.AcceptInput{Token: token, Name: "Grace Hopper", Email: "grace@navy.example"}); err != nil {
		t.Errorf("the link sent does not work: %v", err)
	}
}

// A 4xx answer schedules a retry with exponential backoff and jitter;
// the message is delivered once the peer accepts.
func TestWorker_RetriesWithBackoffOn4xx(t *testing.T) {
	svc, org, admin := inviteWorld(t, "sqlite:"+filepath.Join(t.TempDir(), "ws.db"))
	ctx := context.Background()
	if _, err := svc.Invite(ctx, admin, workspace.InviteInput{Name: "Grace Hopper", Email: "grace@navy.example", Roles: []string{"user"}, Licenses: []string{"flow"}}); err != nil {
		t.Fatal(err)
	}
	peer := smtptest.Start(t, smtptest.Options{})
	peer.FailNext(2)
	c := &clock{now: time.Now().UTC()}
	const base = time.Minute
	w := NewWorker(svc.Store(), sender(t, peer), WorkerOptions{Now: c.Now, Backoff: base, MaxBackoff: time.Hour})

	for attempt, delay := 1, base; attempt <= 2; attempt, delay = attempt+1, delay*2 {
		at := c.Now()
		if ok, err := w.DeliverOne(ctx); !ok || err != nil {
			t.Fatalf("attempt %d: %v, %v", attempt, ok, err)
		}
		m := outbox(t, svc, org)[0]
		wait := m.NextAttemptAt.Sub(at)
		if m.Status != workspace.OutboxPending || m.Attempts != attempt || !strings.Contains(m.LastError, "451") || wait < delay/2 || wait > delay {
			t.Fatalf("after a 451 on attempt %d: %+v, next attempt in %v (want %v to %v)", attempt, m, wait, delay/2, delay)
		}
		if ok, _ := w.DeliverOne(ctx); ok {
			t.Fatalf("attempt %d: the message was sent again before its backoff", attempt)
		}
		c.Set(m.NextAttemptAt)
	}
	if ok, err := w.DeliverOne(ctx); !ok || err != nil {
		t.Fatalf("third attempt: %v, %v", ok, err)
	}
	m := outbox(t, svc, org)[0]
	if m.Status != workspace.OutboxSent || m.Attempts != 3 || len(peer.Messages()) != 1 {
		t.Fatalf("after the peer accepted: %+v, peer has %d", m, len(peer.Messages()))
	}
}

// A 5xx answer fails the message at once; too many 4xx fail it too.
func TestWorker_FailsOn5xxAndAfterMaxAttempts(t *testing.T) {
	svc, org, admin := inviteWorld(t, "sqlite:"+filepath.Join(t.TempDir(), "ws.db"))
	ctx := context.Background()
	invite(t, svc, admin, "perm@navy.example", "temp@navy.example")
	peer := smtptest.Start(t, smtptest.Options{})
	c := &clock{now: time.Now().UTC()}
	w := NewWorker(svc.Store(), sender(t, peer), WorkerOptions{Now: c.Now, MaxAttempts: 3})
	peer.SetMode(smtptest.PermFail)
	w.DeliverOne(ctx)
	peer.SetMode(smtptest.TempFail)
	for range 3 {
		c.Set(c.Now().Add(24 * time.Hour))
		if ok, err := w.DeliverOne(ctx); !ok || err != nil {
			t.Fatalf("DeliverOne = %v, %v", ok, err)
		}
	}
	c.Set(c.Now().Add(24 * time.Hour))
	if ok, _ := w.DeliverOne(ctx); ok {
		t.Fatal("a failed message was tried again")
	}
	msgs := outbox(t, svc, org)
	if m := msgs[0]; m.Status != workspace.OutboxFailed || m.Attempts != 1 || !strings.Contains(m.LastError, "550") {
		t.Errorf("after a 550: %+v", m)
	}
	if m := msgs[1]; m.Status != workspace.OutboxFailed || m.Attempts != 3 || !strings.Contains(m.LastError, "gave up after 3 attempts") {
		t.Errorf("after three 451s: %+v", m)
	}
	failed, _ := svc.OutboxWithStatus(ctx, workspace.Operator(org.ID), workspace.OutboxFailed)
	if len(failed) != 2 {
		t.Errorf("OutboxWithStatus(failed) = %d messages", len(failed))
	}
}

// A worker that dies mid-send keeps its lease until it expires; then the
// message is due again and another worker sends it (at least once).
func TestWorker_ExpiredLeaseMakesTheMessageDueAgain(t *testing.T) {
	for _, db := range databases {
		t.Run(db.name, func(t *testing.T) {
			svc, org, admin := inviteWorld(t, db.url(t))
			ctx := context.Background()
			if _, err := svc.Invite(ctx, admin, workspace.InviteInput{Name: "Grace Hopper", Email: "grace@navy.example", Roles: []string{"user"}, Licenses: []string{"flow"}}); err != nil {
				t.Fatal(err)
			}
			t0 := time.Now().UTC()
			const lease = time.Minute
			err := svc.Store().Update(ctx, func(tx workspace.Tx) error {
				msgs, err := tx.ClaimOutbox(ctx, "dead-server", t0, t0.Add(lease), 10)
				if err == nil && len(msgs) != 1 {
					err = fmt.Errorf("claimed %d messages", len(msgs))
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			peer := smtptest.Start(t, smtptest.Options{})
			c := &clock{now: t0.Add(lease / 2)}
			w := NewWorker(svc.Store(), sender(t, peer), WorkerOptions{Now: c.Now, Lease: lease})
			if ok, _ := w.DeliverOne(ctx); ok {
				t.Fatal("a message under another worker's live lease was sent")
			}
			c.Set(t0.Add(lease))
			if ok, err := w.DeliverOne(ctx); !ok || err != nil {
				t.Fatalf("after the lease expired: %v, %v", ok, err)
			}
			if m := outbox(t, svc, org)[0]; m.Status != workspace.OutboxSent || m.Attempts != 2 {
				t.Errorf("outbox: %+v (the dead server's attempt counts)", m)
			}
			// The dead server's late outcome changes nothing.
			err = svc.Store().Update(ctx, func(tx workspace.Tx) error {
				return tx.MarkOutboxRetry(ctx, outbox(t, svc, org)[0].ID, "dead-server", "late", t0)
			})
			var nf *workspace.NotFoundError
			if !errors.As(err, &nf) {
				t.Errorf("a late retry from a lost lease: %v", err)
			}
		})
	}
}

// Two workers on one database, each with its own connections as two
// servers would have, deliver every message exactly once while both live.
func TestTwoWorkers_NeverDeliverAMessageTwice(t *testing.T) {
	for _, db := range databases {
		t.Run(db.name, func(t *testing.T) {
			url := db.url(t)
			svc, _, _ := inviteWorld(t, url)
			org, _ := svc.OrgBySlug(context.Background(), "navy")
			ctx := context.Background()
			const n = 120
			err := svc.Store().Update(ctx, func(tx workspace.Tx) error {
				for i := range n {
					m := outboxMessage(fmt.Sprintf("msg_%03d", i), fmt.Sprintf("p%03d@navy.example", i))
					m.OrgID, m.CreatedAt = org.ID, time.Now().UTC()
					if err := tx.InsertOutbox(ctx, m); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			peer := smtptest.Start(t, smtptest.Options{})
			var sent [2]int
			runCtx, stop := context.WithCancel(ctx)
			var wg sync.WaitGroup
			for i := range 2 {
				counting := &countingSender{s: sender(t, peer), n: &sent[i], mu: &sync.Mutex{}}
				w := NewWorker(open(t, url), counting, WorkerOptions{Owner: fmt.Sprintf("server-%d", i), Concurrency: 4, PollInterval: 10 * time.Millisecond, Logger: testLogger(t)})
				wg.Go(func() { w.Run(runCtx) })
			}
			peer.WaitFor(t, time.Minute, "every message delivered", func(m []smtptest.Message) bool { return len(m) >= n })
			time.Sleep(300 * time.Millisecond) // room for a duplicate to show
			stop()
			wg.Wait()
			perRecipient := smtptest.ByRecipient(peer.Messages())
			dups := 0
			for to, k := range perRecipient {
				if k != 1 {
					dups += k - 1
					t.Errorf("%s received %d copies", to, k)
				}
			}
			if len(perRecipient) != n {
				t.Errorf("%d recipients reached, want %d", len(perRecipient), n)
			}
			for _, m := range outbox(t, svc, org) {
				if m.Status != workspace.OutboxSent || m.Attempts != 1 {
					t.Errorf("outbox %s: %s after %d attempts", m.ID, m.Status, m.Attempts)
				}
			}
			t.Logf("%s: %d messages, worker 1 sent %d, worker 2 sent %d, %d duplicates", db.name, n, sent[0], sent[1], dups)
		})
	}
}

type countingSender struct {
	s  MessageSender
	mu *sync.Mutex
	n  *int
}

func (c *countingSender) Send(ctx context.Context, m workspace.OutboxMessage) error {
	time.Sleep(2 * time.Millisecond) // a slower peer, so that the two workers' claims interleave
	err := c.s.Send(ctx, m)
	if err == nil {
		c.mu.Lock()
		*c.n++
		c.mu.Unlock()
	}
	return err
}

// ClaimOutbox leases at most limit messages, oldest due first, and a
// leased message is not claimed again while its lease lives.
func TestClaimOutbox_AtMostLimit_OldestFirst(t *testing.T) {
	for _, db := range databases {
		t.Run(db.name, func(t *testing.T) {
			svc, org, _ := inviteWorld(t, db.url(t))
			ctx := context.Background()
			t0 := time.Now().UTC()
			err := svc.Store().Update(ctx, func(tx workspace.Tx) error {
				for i := range 5 {
					m := outboxMessage(fmt.Sprintf("msg_%d", i), fmt.Sprintf("p%d@navy.example", i))
					m.OrgID, m.CreatedAt = org.ID, t0.Add(-time.Duration(i)*time.Second)
					if err := tx.InsertOutbox(ctx, m); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			claim := func(owner string, limit int) (ids []string) {
				err := svc.Store().Update(ctx, func(tx workspace.Tx) error {
					msgs, err := tx.ClaimOutbox(ctx, owner, t0, t0.Add(time.Minute), limit)
					for _, m := range msgs {
						ids = append(ids, m.ID)
					}
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				return ids
			}
			if got := fmt.Sprint(claim("a", 2)); got != "[msg_4 msg_3]" {
				t.Errorf("first claim of 2: %s", got)
			}
			if got := fmt.Sprint(claim("b", 10)); got != "[msg_2 msg_1 msg_0]" {
				t.Errorf("second claim: %s", got)
			}
			if got := claim("c", 10); len(got) != 0 {
				t.Errorf("third claim took leased messages: %v", got)
			}
		})
	}
}

// testLogger logs the worker's warnings into the test's output.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
