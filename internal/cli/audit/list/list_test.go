package list

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/clitest"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
)

func TestParseSince(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
		bad  bool
	}{
		{in: "24h", want: now.Add(-24 * time.Hour)},
		{in: "90m", want: now.Add(-90 * time.Minute)},
		{in: "7d", want: now.AddDate(0, 0, -7)},
		{in: "2026-01-31T12:00:00Z", want: time.Date(2026, 1, 31, 12, 0, 0, 0, time.UTC)},
		{in: "2026-01-31", want: time.Date(2026, 1, 31, 0, 0, 0, 0, time.Local)},
		{in: "yesterday", bad: true},
		{in: "-5h", bad: true},
	}
	for _, tt := range tests {
		got, err := ParseSince(tt.in, now)
		if tt.bad {
			if err == nil {
				t.Errorf("%q: no error", tt.in)
			}
			continue
		}
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("%q: %v %v, want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestNewCmdList_Flags(t *testing.T) {
	env := clitest.NewEnv(t)
	var got *ListOptions
	err := clitest.Run(NewCmdList(env.F, func(o *ListOptions) error { got = o; return nil }), "--since 2026-01-31T00:00:00Z --actor admin@example.com --action user.deactivated --limit 0")
	if err != nil || got.Actor != "admin@example.com" || got.Action != "user.deactivated" || got.Limit != 0 || got.Since.Year() != 2026 {
		t.Errorf("err %v opts %+v", err, got)
	}
	err = clitest.Run(NewCmdList(env.F, func(*ListOptions) error { return nil }), "--since soon")
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Errorf("err %v", err)
	}
	err = clitest.Run(NewCmdList(env.F, func(o *ListOptions) error { got = o; return nil }), "")
	if err != nil || got.Limit != 100 {
		t.Errorf("default limit %d", got.Limit)
	}
}

// Against a loopback stand-in; the real server is in the end-to-end suite.
func TestListRun_SendsFiltersAndPrintsJSON(t *testing.T) {
	env := clitest.NewEnv(t)
	srv := clitest.NewServer(t)
	at := time.Date(2026, 1, 31, 10, 0, 0, 0, time.UTC)
	srv.JSON("GET", "/api/v1/audit", 200, schema.Page[schema.AuditEvent]{Items: []schema.AuditEvent{
		{ID: "e1", At: at, Actor: "admin@example.com", Action: "user.deactivated", Target: "ann@example.com", Before: []byte(`{"active":true}`), After: []byte(`{"active":false}`), RequestID: "r1"},
	}})
	env.F.Client = srv.ClientFunc()
	if err := clitest.Run(NewCmdList(env.F, nil), "--since 2026-01-01T00:00:00Z --actor admin@example.com -o json"); err != nil {
		t.Fatal(err)
	}
	path := srv.Requests()[0].Path
	if !strings.Contains(path, "since=2026-01-01T00%3A00%3A00Z") || !strings.Contains(path, "actor=admin%40example.com") || !strings.Contains(path, "limit=100") {
		t.Errorf("path %s", path)
	}
	for _, want := range []string{`"before": {`, `"active": false`, `"request_id": "r1"`} {
		if !strings.Contains(env.Stdout(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, env.Stdout())
		}
	}
}

// auditServer answers GET /audit from n events, newest first, honouring
// limit and cursor (the cursor is the offset), as workspaced pages them.
func auditServer(t *testing.T, n int) *clitest.Server {
	srv := clitest.NewServer(t)
	srv.Handle("GET", "/api/v1/audit", func(w http.ResponseWriter, r *http.Request) {
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		from, _ := strconv.Atoi(r.URL.Query().Get("cursor"))
		to := min(from+limit, n)
		page := schema.Page[schema.AuditEvent]{}
		for i := from; i < to; i++ {
			page.Items = append(page.Items, schema.AuditEvent{ID: fmt.Sprint("e", i), At: time.Now(), Actor: "admin@example.com", Action: "user.deactivated", Target: fmt.Sprint("u", i, "@example.com")})
		}
		if to < n {
			page.NextCursor = strconv.Itoa(to)
		}
		clitest.WriteJSON(w, 200, page)
	})
	return srv
}

func TestListRun_SaysWhenTheLimitCutTheListOff(t *testing.T) {
	tests := []struct {
		argv      string
		events    int
		wantRows  int
		wantNote  string
		wantCalls int
	}{
		{argv: "", events: 250, wantRows: 100, wantNote: "showing the newest 100 events; use --limit 0 for all", wantCalls: 1},
		{argv: "", events: 100, wantRows: 100, wantCalls: 1},
		{argv: "--limit 30", events: 31, wantRows: 30, wantNote: "showing the newest 30 events; use --limit 0 for all", wantCalls: 1},
		{argv: "--limit 1500", events: 2500, wantRows: 1500, wantNote: "showing the newest 1500 events", wantCalls: 2},
		{argv: "--limit 0", events: 2500, wantRows: 2500, wantCalls: 3},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.argv, "/", tt.events), func(t *testing.T) {
			env := clitest.NewEnv(t)
			srv := auditServer(t, tt.events)
			env.F.Client = srv.ClientFunc()
			if err := clitest.Run(NewCmdList(env.F, nil), tt.argv); err != nil {
				t.Fatal(err)
			}
			if rows := strings.Count(env.Stdout(), "\n"); rows != tt.wantRows {
				t.Errorf("%d rows, want %d", rows, tt.wantRows)
			}
			if tt.wantNote == "" && env.Stderr() != "" || !strings.Contains(env.Stderr(), tt.wantNote) {
				t.Errorf("stderr %q, want %q", env.Stderr(), tt.wantNote)
			}
			if calls := len(srv.Requests()); calls != tt.wantCalls {
				t.Errorf("%d requests, want %d", calls, tt.wantCalls)
			}
		})
	}
}

// An action workspaced never records would match nothing, and an empty list
// reads as "nobody did that": it is a usage error listing the actions, and
// the API is not called (clitest.NewEnv fails the test if it is).
func TestNewCmdList_UnknownActionIsUsageErrorListingTheActions(t *testing.T) {
	env := clitest.NewEnv(t)
	err := clitest.Run(NewCmdList(env.F, func(*ListOptions) error {
		t.Error("ran with an unknown action")
		return nil
	}), "--action user.deactivate")
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Fatalf("err %v: exit %d, want %d", err, cmdutil.ExitCode(err), cmdutil.ExitUsage)
	}
	msg := cmdutil.ErrorMessage(err)
	if !strings.HasPrefix(msg, `--action "user.deactivate" is not an action workspaced records; did you mean user.deactivated?`) {
		t.Errorf("message %q", msg)
	}
	for _, a := range schema.AuditActions() {
		if !strings.Contains(msg, "\n  "+a.Name+" ") || !strings.Contains(msg, a.Does) {
			t.Errorf("message does not list %s (%s):\n%s", a.Name, a.Does, msg)
		}
	}
}

func TestNewCmdList_EveryKnownActionIsAccepted(t *testing.T) {
	env := clitest.NewEnv(t)
	for _, name := range schema.AuditActionNames() {
		var got *ListOptions
		if err := clitest.Run(NewCmdList(env.F, func(o *ListOptions) error { got = o; return nil }), "--action "+name); err != nil || got.Action != name {
			t.Errorf("--action %s: err %v", name, err)
		}
	}
}

// Every --action of the examples is an action workspaced records: an
// example teaching 'user.deactivate' sent people looking for events that
// are written as 'user.deactivated'.
func TestNewCmdList_ExamplesUseKnownActions(t *testing.T) {
	cmd := NewCmdList(clitest.NewEnv(t).F, nil)
	n := 0
	for _, line := range strings.Split(cmd.Example, "\n") {
		words := strings.Fields(line)
		for i, w := range words {
			if w == "--action" && i+1 < len(words) {
				n++
				if !schema.IsAuditAction(words[i+1]) {
					t.Errorf("example %q: %q is not an action workspaced records (%s)", line, words[i+1], strings.Join(schema.AuditActionNames(), ", "))
				}
			}
		}
	}
	if n == 0 {
		t.Errorf("no example shows --action:\n%s", cmd.Example)
	}
}

func TestNewCmdList_CompletesActions(t *testing.T) {
	cmd := NewCmdList(clitest.NewEnv(t).F, nil)
	complete, ok := cmd.GetFlagCompletionFunc("action")
	if !ok {
		t.Fatal("--action has no completion")
	}
	got, directive := complete(cmd, nil, "")
	if directive != cobra.ShellCompDirectiveNoFileComp {
		t.Errorf("directive %v", directive)
	}
	var names []string
	for _, c := range got {
		name, _, _ := strings.Cut(c, "\t")
		names = append(names, name)
	}
	slices.Sort(names)
	if !slices.Equal(names, schema.AuditActionNames()) {
		t.Errorf("completes %q, want %q", names, schema.AuditActionNames())
	}
}
