// Package clitest helps test wsctl commands: a Factory over test streams and
// a scripted prompter, and a loopback API server programmed per test. The
// real workspaced is exercised by the end-to-end suite; these servers only
// check what the CLI sends and how it presents the answers.
package clitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/spf13/cobra"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/iostreams"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/prompter"
	"github.com/wsctl/wsctl/internal/cli/config"
	"github.com/wsctl/wsctl/internal/client"
)

// Env is a test Factory and what it writes to.
type Env struct {
	F        *cmdutil.Factory
	IO       *iostreams.IOStreams
	Prompter *prompter.Fake

	outBuf, errBuf *bytes.Buffer
}

// NewEnv returns a Factory whose Config and Client fail the test if called:
// set Env.F.Client (e.g. to Server.ClientFunc) when a command may call the API.
func NewEnv(t testing.TB) *Env {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	fake := prompter.NewFake(t)
	e := &Env{IO: ios, Prompter: fake}
	e.F = &cmdutil.Factory{
		AppVersion:     "1.2.3-test",
		ExecutableName: "wsctl",
		IOStreams:      ios,
		Prompter:       fake,
		Globals:        &cmdutil.GlobalFlags{},
		Config: func() (*config.Config, error) {
			t.Errorf("the command read the config but should not have")
			return &config.Config{Host: config.DefaultHost}, nil
		},
		Client: func() (*client.Client, error) {
			t.Errorf("the command built an API client but should not have")
			return client.New("http://127.0.0.1:1", "x", nil), nil
		},
	}
	e.outBuf, e.errBuf = out, errOut
	return e
}

// Stdout and Stderr are what the command wrote so far.
func (e *Env) Stdout() string { return e.outBuf.String() }
func (e *Env) Stderr() string { return e.errBuf.String() }

// Run parses argv (shell words) with cmd and executes it.
func Run(cmd *cobra.Command, argv string) error {
	args, err := SplitArgs(argv)
	if err != nil {
		return err
	}
	if args == nil {
		args = []string{} // not nil: cobra would read the test binary's own arguments
	}
	cmd.SetArgs(args)
	cmd.SetIn(strings.NewReader(""))
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	_, err = cmd.ExecuteC()
	return err
}

// UnderRoot attaches cmd to a bare "wsctl" root and returns the root, so a
// noun is run as in the real tree (cobra treats a command without a parent as
// the root, which checks its arguments differently).
func UnderRoot(cmd *cobra.Command) *cobra.Command {
	root := &cobra.Command{Use: "wsctl"}
	if cmd.GroupID != "" {
		root.AddGroup(&cobra.Group{ID: cmd.GroupID, Title: cmd.GroupID})
	}
	root.AddCommand(cmd)
	return root
}

// Request is one request the test server received.
type Request struct {
	Method string
	Path   string // with the query, e.g. /api/v1/users?status=active
	Header http.Header
	Body   string
}

// Server is a loopback API server answering from per-route handlers.
type Server struct {
	*httptest.Server
	t        testing.TB
	mu       sync.Mutex
	routes   map[string]http.HandlerFunc
	requests []Request
	Token    string
}

// NewServer starts a server closed at test cleanup. Unprogrammed routes
// answer 404 and fail the test.
func NewServer(t testing.TB) *Server {
	s := &Server{t: t, routes: map[string]http.HandlerFunc{}, Token: "test-token"}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.RequestURI(), Header: r.Header.Clone(), Body: string(body)})
	h := s.routes[r.Method+" "+r.URL.Path]
	s.mu.Unlock()
	r.Body = io.NopCloser(strings.NewReader(string(body)))
	if h == nil {
		s.t.Errorf("test server: unexpected %s %s", r.Method, r.URL.RequestURI())
		Problem(w, http.StatusNotFound, schema.CodeNotFound, "no such route in this test")
		return
	}
	h(w, r)
}

// Handle programs method+path (path without the query, e.g. "/api/v1/users").
func (s *Server) Handle(method, path string, h http.HandlerFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.routes[method+" "+path] = h
}

// JSON programs a route answering status with body as JSON.
func (s *Server) JSON(method, path string, status int, body any) {
	s.Handle(method, path, func(w http.ResponseWriter, r *http.Request) { WriteJSON(w, status, body) })
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// ClientFunc is a Factory.Client for this server.
func (s *Server) ClientFunc() func() (*client.Client, error) {
	return func() (*client.Client, error) { return client.New(s.URL, s.Token, s.Client()), nil }
}

// WriteJSON writes body as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// Problem writes an RFC 9457 problem document.
func Problem(w http.ResponseWriter, status int, code, detail string) {
	WriteProblem(w, schema.Problem{Status: status, Code: code, Detail: detail, Title: http.StatusText(status)})
}

// WriteProblem writes p as application/problem+json.
func WriteProblem(w http.ResponseWriter, p schema.Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	if p.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", "Bearer")
	}
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// SplitArgs splits a command line into words, honouring single and double quotes.
func SplitArgs(s string) ([]string, error) {
	var (
		args  []string
		cur   strings.Builder
		quote rune
		in    bool
	)
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '"' || r == '\'':
			quote, in = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if in {
				args = append(args, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unclosed quote in %q", s)
	}
	if in {
		args = append(args, cur.String())
	}
	return args, nil
}

// WantLines fails t for each of lines that text (a command's stderr) does
// not contain.
func WantLines(t testing.TB, text string, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if !strings.Contains(text, l) {
			t.Errorf("lacks %q:\n%s", l, text)
		}
	}
}

// Body reads a request body in a handler.
func Body(r *http.Request) string {
	b, _ := io.ReadAll(r.Body)
	return string(b)
}
