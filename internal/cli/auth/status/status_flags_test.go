package status

import (
	"testing"

	"github.com/wsctl/wsctl/internal/cli/clitest"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
)

func TestNewCmdStatus_Flags(t *testing.T) {
	tests := []struct {
		argv       string
		wantFormat string
		wantCode   int
	}{
		{argv: "", wantFormat: cmdutil.FormatTable},
		{argv: "-o json", wantFormat: cmdutil.FormatJSON},
		{argv: "--output yaml", wantFormat: cmdutil.FormatYAML},
		{argv: "--jq .user", wantFormat: cmdutil.FormatJSON},
		{argv: "-o xml", wantCode: cmdutil.ExitUsage},
		{argv: "extra", wantCode: cmdutil.ExitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.argv, func(t *testing.T) {
			env := clitest.NewEnv(t)
			var got *StatusOptions
			err := clitest.Run(NewCmdStatus(env.F, func(o *StatusOptions) error { got = o; return nil }), tt.argv)
			if tt.wantCode != 0 {
				if cmdutil.ExitCode(err) != tt.wantCode {
					t.Fatalf("err %v", err)
				}
				return
			}
			if err != nil || got.Output.Format != tt.wantFormat {
				t.Errorf("err %v, format %q", err, got.Output.Format)
			}
		})
	}
}
