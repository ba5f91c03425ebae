// Package e2e runs the built wsctl against a real workspaced on loopback, on
// a real SQLite file and on PostgreSQL: the contract of SPEC §4 and §5 as a
// script sees it.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wsctl/wsctl/internal/testutil/pgtest"
)

// bins holds the binaries built once for the whole package.
var bins struct{ wsctl, workspaced string }

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "wsctl-e2e-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := func() int {
		defer os.RemoveAll(dir)
		bins.wsctl, bins.workspaced = filepath.Join(dir, "wsctl"), filepath.Join(dir, "workspaced")
		for name, out := range map[string]string{"wsctl": bins.wsctl, "workspaced": bins.workspaced} {
			cmd := exec.Command("go", "build", "-o", out, "../cmd/"+name)
			cmd.Stderr = os.Stderr
			if err := cmd.Run(); err != nil {
				fmt.Fprintf(os.Stderr, "build %s: %v\n", name, err)
				return 1
			}
		}
		// One secrets key file for every server and operator command of the
		// run: those sharing a PostgreSQL database must share its keys, and
		// the default file for PostgreSQL is in the data directory of HOME,
		// which the servers and the commands do not share here.
		if os.Getenv("WORKSPACED_SECRETS_KEY_FILE") == "" && os.Getenv("WORKSPACED_SECRETS_KEY") == "" {
			os.Setenv("WORKSPACED_SECRETS_KEY_FILE", filepath.Join(dir, "secrets.key"))
		}
		defer pgtest.Stop()
		return m.Run()
	}()
	os.Exit(code)
}

// server is a workspaced serve process on a free loopback port.
type server struct {
	t        *testing.T
	url, db  string
	metrics  string // the URL of /metrics on the server's --metrics-listen
	cfgHome  string
	adminTok string
	cmd      *exec.Cmd
}

// startServer starts workspaced on a fresh SQLite file; it stops when the test ends.
func startServer(t *testing.T, extra ...string) *server {
	t.Helper()
	return startServerOn(t, "sqlite:"+filepath.Join(t.TempDir(), "ws.db"), extra...)
}

// startServerOn starts workspaced on the database db; it stops when the test ends.
func startServerOn(t *testing.T, db string, extra ...string) *server {
	t.Helper()
	dir := t.TempDir()
	s := &server{t: t, db: db, cfgHome: filepath.Join(dir, "config")}
	ctx, cancel := context.WithCancel(context.Background())
	args := append([]string{"serve", "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--database", s.db}, extra...)
	cmd := exec.CommandContext(ctx, bins.workspaced, args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	s.cmd = cmd
	cmd.WaitDelay = 10 * time.Second
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The server's log holds no token material either (issue 12, part 6):
	// checked once the log has ended, after the server has stopped.
	var leaked []string
	logDone := make(chan struct{})
	t.Cleanup(func() {
		select {
		case <-logDone:
		case <-time.After(10 * time.Second):
		}
		for _, l := range leaked {
			t.Errorf("workspaced logged token material: %.80s…", l)
		}
	})
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
	})
	found := make(chan string, 1)
	metrics := make(chan string, 1)
	go func() {
		defer close(logDone)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			if tokenMaterial.MatchString(line) {
				leaked = append(leaked, line)
			}
			if _, after, ok := strings.Cut(line, "metrics_url="); ok {
				metrics <- strings.Fields(after)[0]
			}
			if _, after, ok := strings.Cut(line, "address=http://"); ok {
				select {
				case found <- "http://" + strings.Fields(after)[0]:
				default:
				}
			}
		}
	}()
	select {
	case s.url = <-found:
	case <-time.After(20 * time.Second):
		t.Fatal("workspaced did not report its address within 20s")
	}
	// The metrics listener is opened, and logged, before the API's.
	select {
	case s.metrics = <-metrics:
	default:
		t.Fatal("workspaced did not report its metrics address before its API's")
	}
	return s
}

// kill ends the server with SIGKILL: no shutdown, nothing finished.
func (s *server) kill() {
	s.t.Helper()
	if err := s.cmd.Process.Kill(); err != nil {
		s.t.Fatal(err)
	}
	_ = s.cmd.Wait()
}

// databases are what the end-to-end tests run on: a SQLite file (the
// embedded default) and a PostgreSQL database of a throwaway cluster.
var databases = []struct {
	name string
	url  func(t testing.TB) string
}{
	{"sqlite", func(t testing.TB) string { return "sqlite:" + filepath.Join(t.TempDir(), "ws.db") }},
	{"postgres", pgtest.NewDatabase},
}

// onEachDatabase runs test once per database, as a subtest named after it.
func onEachDatabase(t *testing.T, test func(t *testing.T, db string)) {
	for _, d := range databases {
		t.Run(d.name, func(t *testing.T) { test(t, d.url(t)) })
	}
}

// result is what a command did.
type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
}

// run runs a binary with a clean environment: no terminal, config in a temp
// dir. wsctl runs with --debug, and what it prints is scanned for token
// material (issue 12, part 6): none may show but the secret a command is
// asked to print.
func (s *server) run(bin string, env []string, stdin string, args ...string) result {
	s.t.Helper()
	if bin == bins.wsctl {
		args = append([]string{"--debug"}, args...)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(s.baseEnv(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errOut.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	case err != nil:
		s.t.Fatalf("run %s %v: %v", bin, args, err)
	}
	if bin == bins.wsctl {
		checkNoTokens(s.t, strings.Join(args, " "), env, r)
	}
	return r
}

// tokenMaterial matches the secrets workspaced hands out: API tokens,
// sign-up link tokens, and a bearer header's value.
var tokenMaterial = regexp.MustCompile(`\bwsp_[A-Za-z0-9_-]{16,}|\bwsi_[A-Za-z0-9_-]{16,}|Bearer [A-Za-z0-9._~+/=-]{16,}`)

// printsASecret are the commands whose stdout is a secret, on purpose.
var printsASecret = []string{"auth token", "tokens create"}

// checkNoTokens fails the test when a wsctl run printed token material:
// a token of its environment, or anything shaped like one, in its stderr
// (the --debug log included), or in its stdout unless the command prints
// a secret by design.
func checkNoTokens(t testing.TB, cmd string, env []string, r result) {
	t.Helper()
	outputs := map[string]string{"stderr": r.stderr}
	if !slices.ContainsFunc(printsASecret, func(c string) bool { return strings.Contains(cmd, c) }) {
		outputs["stdout"] = r.stdout
	}
	for name, out := range outputs {
		if m := tokenMaterial.FindString(out); m != "" {
			t.Errorf("wsctl %s printed token material on %s: %.12s…", cmd, name, m)
		}
		for _, kv := range env {
			if tok, ok := strings.CutPrefix(kv, "WSCTL_TOKEN="); ok && tok != "" && strings.Contains(out, tok) {
				t.Errorf("wsctl %s printed its own token on %s", cmd, name)
			}
		}
	}
}

// baseEnv is a clean environment: no terminal, config and state in the
// test's own directory, and the session bus of a keyring when there is one.
func (s *server) baseEnv() []string {
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + s.cfgHome, "XDG_CONFIG_HOME=" + s.cfgHome,
		"XDG_STATE_HOME=" + filepath.Join(s.cfgHome, "state"), "NO_COLOR=1", "WSCTL_HOST=" + s.url}
	for _, k := range []string{"DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR", "XDG_DATA_HOME", "CI", "WORKSPACED_SECRETS_KEY_FILE", "WORKSPACED_SECRETS_KEY"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// wsctl runs wsctl with the given token.
func (s *server) wsctl(token string, args ...string) result {
	s.t.Helper()
	var env []string
	if token != "" {
		env = append(env, "WSCTL_TOKEN="+token)
	}
	return s.run(bins.wsctl, env, "", args...)
}

// admin runs wsctl as the org's first admin.
func (s *server) admin(args ...string) result {
	s.t.Helper()
	return s.wsctl(s.adminTok, args...)
}

// operator runs a workspaced operator command on the server's database.
func (s *server) operator(args ...string) result {
	s.t.Helper()
	return s.run(bins.workspaced, nil, "", append(args, "--database", s.db)...)
}

// must fails the test unless r exited with code.
func must(t *testing.T, r result, code int, what string) result {
	t.Helper()
	if r.code != code {
		t.Fatalf("%s: want exit %d, got %s", what, code, r)
	}
	return r
}

// createOrg creates org acme and keeps its admin token.
func (s *server) createOrg(slug string) string {
	s.t.Helper()
	r := must(s.t, s.operator("org", "create", "--slug", slug, "--name", "Acme Inc", "--admin-name", "Ada Admin", "--admin-email", "ada@"+slug+".example"), 0, "org create")
	tok := strings.TrimSpace(r.stdout)
	if strings.Count(r.stdout, "\n") != 1 || !strings.HasPrefix(tok, "wsp_") {
		s.t.Fatalf("org create must print the token alone on stdout, got %q", r.stdout)
	}
	if strings.Contains(r.stderr, tok) {
		s.t.Fatal("org create echoed the token on stderr")
	}
	return tok
}

// invitingOrg creates an org with signup mode off.
func (s *server) invitingOrg(slug string) string {
	s.t.Helper()
	s.adminTok = s.createOrg(slug)
	must(s.t, s.admin("signup-mode", "off", "--yes"), 0, "signup-mode off")
	return s.adminTok
}
