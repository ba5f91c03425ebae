package login

import (
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/wsctl/wsctl/internal/cli/clitest"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
)

func TestNewCmdLogin_Flags(t *testing.T) {
	tests := []struct {
		argv     string
		env      string // WSCTL_LOGIN_TIMEOUT
		want     LoginOptions
		wantCode int
	}{
		{argv: "", want: LoginOptions{Timeout: DefaultTimeout}},
		{argv: "--device", want: LoginOptions{Device: true, Timeout: DefaultTimeout}},
		{argv: "--with-token", want: LoginOptions{WithToken: true, Timeout: DefaultTimeout}},
		{argv: "--no-browser", want: LoginOptions{NoBrowser: true, Timeout: DefaultTimeout}},
		{argv: "--insecure-storage --device", want: LoginOptions{InsecureStorage: true, Device: true, Timeout: DefaultTimeout}},
		{argv: "--with-token --insecure-storage", want: LoginOptions{WithToken: true, InsecureStorage: true, Timeout: DefaultTimeout}},
		{argv: "--org acme", want: LoginOptions{Org: "acme", Timeout: DefaultTimeout}},
		{argv: "--org acme --no-browser", want: LoginOptions{Org: "acme", NoBrowser: true, Timeout: DefaultTimeout}},
		{argv: "--org acme --device", wantCode: cmdutil.ExitUsage},
		{argv: "--org acme --with-token", wantCode: cmdutil.ExitUsage},
		{argv: "--timeout 30s", want: LoginOptions{Timeout: 30 * time.Second}},
		{argv: "", env: "2s", want: LoginOptions{Timeout: 2 * time.Second}},
		{argv: "--timeout 1m", env: "2s", want: LoginOptions{Timeout: time.Minute}},
		{argv: "", env: "soon", wantCode: cmdutil.ExitUsage},
		{argv: "--timeout 0s", wantCode: cmdutil.ExitUsage},
		{argv: "--with-token --device", wantCode: cmdutil.ExitUsage},
		{argv: "--with-token --no-browser", wantCode: cmdutil.ExitUsage},
		{argv: "--device --no-browser", wantCode: cmdutil.ExitUsage},
		{argv: "extra", wantCode: cmdutil.ExitUsage},
		{argv: "--token abc", wantCode: cmdutil.ExitUsage}, // a token never goes in argv
	}
	for _, tt := range tests {
		t.Run(tt.argv+" env="+tt.env, func(t *testing.T) {
			t.Setenv(EnvTimeout, tt.env)
			env := clitest.NewEnv(t)
			var got *LoginOptions
			cmd := NewCmdLogin(env.F, func(o *LoginOptions) error { got = o; return nil })
			cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return cmdutil.FlagErrorWrap(err) })
			err := clitest.Run(cmd, tt.argv)
			if tt.wantCode != 0 {
				if cmdutil.ExitCode(err) != tt.wantCode {
					t.Fatalf("err %v: exit %d, want %d", err, cmdutil.ExitCode(err), tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Device != tt.want.Device || got.WithToken != tt.want.WithToken || got.NoBrowser != tt.want.NoBrowser ||
				got.InsecureStorage != tt.want.InsecureStorage || got.Timeout != tt.want.Timeout || got.Org != tt.want.Org {
				t.Errorf("opts %+v, want %+v", got, tt.want)
			}
		})
	}
}
