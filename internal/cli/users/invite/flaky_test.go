package invite

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wsctl/wsctl/internal/bulk"
	"github.com/wsctl/wsctl/internal/cli/clitest"
	"github.com/wsctl/wsctl/internal/cli/clitest/livetest"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/client"
)

// flakyProxy stands in front of the real handler and fails the next
// failures batch requests (all of them while failures is negative): every
// other one is a 500, the others have their connection dropped after the
// server has done the work, so that their outcome is unknown to the client.
type flakyProxy struct {
	*httptest.Server
	failures atomic.Int64
	n        atomic.Int64
}

func newFlakyProxy(t *testing.T, target string) *flakyProxy {
	u, _ := url.Parse(target)
	rp := httputil.NewSingleHostReverseProxy(u)
	p := &flakyProxy{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p.failures.Load() == 0 || !strings.HasSuffix(r.URL.Path, "/invites/batch") {
			rp.ServeHTTP(w, r)
			return
		}
		if p.failures.Load() > 0 {
			p.failures.Add(-1)
		}
		if p.n.Add(1)%2 == 1 {
			http.Error(w, "upstream trouble", http.StatusInternalServerError)
			return
		}
		rec := httptest.NewRecorder()
		rp.ServeHTTP(rec, r) // the invites are made...
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			_ = conn.Close() // ...and the answer is lost
		}
	}))
	t.Cleanup(p.Close)
	return p
}

// journalName ends the name of the journal of 'users invite' beside a file.
const journalName = ".users-invite.wsctl-journal"

func peopleCSV(n int) string {
	var b strings.Builder
	b.WriteString("name,email,roles,licenses\n")
	for i := range n {
		fmt.Fprintf(&b, "Person Number,p%04d@example.com,user,flow\n", i)
	}
	return b.String()
}

// A server failing mid-import (500s and dropped connections), then --resume:
// every row is invited exactly once, and none is reported done that is not.
func TestInviteCSV_FailingServerThenResume_EachRowExactlyOnce(t *testing.T) {
	live := livetest.New(t)
	proxy := newFlakyProxy(t, live.URL)
	const rows = 120
	path := filepath.Join(t.TempDir(), "people.csv")
	if err := os.WriteFile(path, []byte(peopleCSV(rows)), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(attempts int, flags string) (string, error) {
		env := clitest.NewEnv(t)
		env.F.Client = func() (*client.Client, error) { return client.New(proxy.URL, live.Token, nil), nil }
		cmd := NewCmdInvite(env.F, func(o *InviteOptions) error {
			o.retry = bulk.Retry{Attempts: attempts, Base: time.Millisecond, Max: 5 * time.Millisecond}
			return inviteRun(context.Background(), o)
		})
		err := clitest.Run(cmd, "--csv "+path+" --batch-size 10 --concurrency 3 "+flags)
		return env.Stderr(), err
	}

	// The server goes away after the first batches: the run stops.
	proxy.failures.Store(-1)
	stderr, err := run(2, "")
	if err == nil || !strings.Contains(stderr, "failed") || !strings.Contains(stderr, "--resume") {
		t.Fatalf("flaky run: err %v\n%s", err, stderr)
	}
	if _, err := os.Stat(path + journalName); err != nil {
		t.Fatalf("no journal after a partial run: %v", err)
	}

	// It comes back, failing a few more batches that retries get through.
	proxy.failures.Store(6)
	stderr, err = run(8, "--resume")
	if err != nil {
		t.Fatalf("resume: err %v\n%s", err, stderr)
	}
	if !strings.Contains(stderr, fmt.Sprintf("%d rows: ", rows)) || !strings.Contains(stderr, " 0 failed") {
		t.Errorf("resume summary:\n%s", stderr)
	}
	invites, emails := live.InvitesPerEmail(t)
	if len(invites) != rows {
		t.Errorf("%d people invited, want %d", len(invites), rows)
	}
	for email, n := range invites {
		if n != 1 || emails[email] != 1 {
			t.Errorf("%s: %d invites, %d emails; want exactly one of each", email, n, emails[email])
		}
	}
	if _, err := os.Stat(path + journalName); !os.IsNotExist(err) {
		t.Errorf("the journal of a finished import is left behind: %v", err)
	}

	// The same file again, without --resume: nobody is invited twice.
	stderr, err = run(8, "")
	if err != nil || !strings.Contains(stderr, fmt.Sprintf("%d rows: 0 invited, %d already invited", rows, rows)) {
		t.Errorf("second run: err %v\n%s", err, stderr)
	}
	if again, _ := live.InvitesPerEmail(t); len(again) != rows {
		t.Errorf("%d people after the second run", len(again))
	}
}

// 429 with Retry-After: the worker waits that long before it sends again.
func TestInviteCSV_HonoursRetryAfter(t *testing.T) {
	live := livetest.New(t)
	u, _ := url.Parse(live.URL)
	rp := httputil.NewSingleHostReverseProxy(u)
	var calls atomic.Int64
	var first, second atomic.Int64
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch calls.Add(1) {
		case 1:
			first.Store(time.Now().UnixNano())
			w.Header().Set("Retry-After", "1")
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"type":"about:blank","title":"Too Many Requests","status":429,"code":"rate_limited","detail":"slow down"}`))
			return
		case 2:
			second.Store(time.Now().UnixNano())
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)
	env := clitest.NewEnv(t)
	env.F.Client = func() (*client.Client, error) { return client.New(proxy.URL, live.Token, nil), nil }
	err := clitest.Run(NewCmdInvite(env.F, nil), "--csv "+writeFile(t, "p.csv", peopleCSV(3))+" --concurrency 1")
	if err != nil {
		t.Fatalf("err %v\n%s", err, env.Stderr())
	}
	if waited := time.Duration(second.Load() - first.Load()); waited < time.Second {
		t.Errorf("sent again after %v; Retry-After asked for 1s", waited)
	}
	if invites, _ := live.InvitesPerEmail(t); len(invites) != 3 {
		t.Errorf("%d invited, want 3", len(invites))
	}
}

// --failed writes the failed and invalid rows as the file has them, under
// its own header, ready to fix and run again.
func TestInviteCSV_FailedRowsFileHasTheInputsShape(t *testing.T) {
	live := livetest.New(t)
	env := clitest.NewEnv(t)
	env.F.Client = func() (*client.Client, error) { return client.New(live.URL, live.Token, nil), nil }
	input := "email,licenses,name,roles\r\n" +
		"ann@example.com,flow,Ann Lee,user\r\n" +
		"bob@example.com,\"fax-machine\",Bob Stone,user\r\n" +
		"ada@acme.example,flow,Ada Again,user\r\n"
	failed := filepath.Join(t.TempDir(), "failed.csv")
	err := clitest.Run(NewCmdInvite(env.F, nil), "--csv "+writeFile(t, "p.csv", input)+" --failed "+failed)
	if cmdutil.ExitCode(err) != cmdutil.ExitPartial {
		t.Fatalf("err %v\n%s", err, env.Stderr())
	}
	got, _ := os.ReadFile(failed)
	want := "email,licenses,name,roles\n" +
		"bob@example.com,fax-machine,Bob Stone,user\n" +
		"ada@acme.example,flow,Ada Again,user\n"
	if string(got) != want {
		t.Errorf("failed rows:\n%s\nwant\n%s", got, want)
	}
	for _, line := range []string{"line 3 bob@example.com: failed: licenses: unknown product", "line 4 ada@acme.example: failed: ada@acme.example is already a user"} {
		if !strings.Contains(env.Stderr(), line) {
			t.Errorf("stderr lacks %q:\n%s", line, env.Stderr())
		}
	}
}

// Rows whose JSON is long (a long name, an email whose '&'s are escaped to
// six bytes each) are sent in more, smaller batches than --batch-size, so
// that no request passes the server's 1 MiB body limit; every row is invited.
func TestInviteCSV_LongRowsAreBatchedUnderTheBodyLimit(t *testing.T) {
	live := livetest.New(t)
	u, _ := url.Parse(live.URL)
	rp := httputil.NewSingleHostReverseProxy(u)
	var requests, largest atomic.Int64
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/invites/batch") {
			requests.Add(1)
			for n := r.ContentLength; n > largest.Load(); {
				if largest.CompareAndSwap(largest.Load(), n) {
					break
				}
			}
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)

	const rows = 1000
	name := strings.Repeat("Abcdefghij ", 18) // 198 characters
	var b strings.Builder
	b.WriteString("name,email,roles,licenses\n")
	for i := range rows {
		fmt.Fprintf(&b, "%s,%s%04d@example.com,user,flow\n", name, strings.Repeat("a&", 110), i)
	}
	env := clitest.NewEnv(t)
	env.F.Client = func() (*client.Client, error) { return client.New(proxy.URL, live.Token, nil), nil }
	if err := clitest.Run(NewCmdInvite(env.F, nil), "--csv "+writeFile(t, "long.csv", b.String())); err != nil {
		t.Fatalf("err %v\n%s", err, env.Stderr())
	}
	if requests.Load() < 2 || largest.Load() > 1<<20 {
		t.Errorf("%d requests, the largest %d bytes; want several, each at most 1 MiB", requests.Load(), largest.Load())
	}
	if invites, _ := live.InvitesPerEmail(t); len(invites) != rows {
		t.Errorf("%d invited, want %d\n%s", len(invites), rows, env.Stderr())
	}
}

// A row too large for any request (a name with a million spaces inside is
// still a valid name: R1 reads it with its spaces collapsed) is reported
// invalid by line, not sent to be refused with a 413; the other rows go
// through.
func TestInviteCSV_RowLargerThanARequestIsInvalid(t *testing.T) {
	live := livetest.New(t)
	input := "name,email,roles,licenses\nAnn" + strings.Repeat(" ", 1<<20) + "Lee,ann@example.com,user,flow\nBob Lee,bob@example.com,user,flow\n"
	env := clitest.NewEnv(t)
	env.F.Client = func() (*client.Client, error) { return client.New(live.URL, live.Token, nil), nil }
	err := clitest.Run(NewCmdInvite(env.F, nil), "--csv "+writeFile(t, "huge.csv", input))
	if cmdutil.ExitCode(err) != cmdutil.ExitPartial {
		t.Errorf("exit %d (%v), want %d", cmdutil.ExitCode(err), err, cmdutil.ExitPartial)
	}
	if stderr := env.Stderr(); !strings.Contains(stderr, "line 2 ann@example.com: invalid: the row takes") || !strings.Contains(stderr, "shorten its cells") {
		t.Errorf("stderr:\n%.2000s", stderr)
	}
	if invites, _ := live.InvitesPerEmail(t); invites["bob@example.com"] != 1 || invites["ann@example.com"] != 0 {
		t.Errorf("invites %v, want only bob", invites)
	}
}
