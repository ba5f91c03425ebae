package create

import (
	"strings"
	"testing"
	"time"

	"github.com/wsctl/wsctl/internal/cli/clitest"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
)

// --expires-in takes Go durations and days, a minute or more (issue 12,
// finding 11); without it the token lives until revoked.
func TestNewCmdCreate_ExpiresIn(t *testing.T) {
	for _, tt := range []struct {
		argv    string
		want    time.Duration
		wantErr string
	}{
		{argv: "--name ci --scope licenses:read", want: 0},
		{argv: "--name ci --scope licenses:read --expires-in 90d", want: 90 * 24 * time.Hour},
		{argv: "--name ci --scope licenses:read --expires-in 1h30m", want: 90 * time.Minute},
		{argv: "--name ci --scope licenses:read --expires-in 30s", wantErr: `--expires-in "30s" is not a duration of a minute or more`},
		{argv: "--name ci --scope licenses:read --expires-in soon", wantErr: `--expires-in "soon"`},
		{argv: "--name ci --scope licenses:read --expires-in -5d", wantErr: `--expires-in "-5d"`},
	} {
		t.Run(tt.argv, func(t *testing.T) {
			env := clitest.NewEnv(t)
			var got *CreateOptions
			err := clitest.Run(NewCmdCreate(env.F, func(o *CreateOptions) error { got = o; return nil }), tt.argv)
			if tt.wantErr != "" {
				if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(cmdutil.ErrorMessage(err), tt.wantErr) {
					t.Fatalf("err %v, want a usage error with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got.ExpiresIn != tt.want {
				t.Errorf("err %v, expires in %v, want %v", err, got.ExpiresIn, tt.want)
			}
		})
	}
}
