package list

import (
	"strings"
	"testing"
	"time"

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
	err := clitest.Run(NewCmdList(env.F, func(o *ListOptions) error { got = o; return nil }), "--since 2026-01-31T00:00:00Z --actor admin@example.com --action user.deactivate --limit 0")
	if err != nil || got.Actor != "admin@example.com" || got.Action != "user.deactivate" || got.Limit != 0 || got.Since.Year() != 2026 {
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
		{ID: "e1", At: at, Actor: "admin@example.com", Action: "user.deactivate", Target: "ann@example.com", Before: []byte(`{"active":true}`), After: []byte(`{"active":false}`), RequestID: "r1"},
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
