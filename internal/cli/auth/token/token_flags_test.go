package token

import (
	"testing"

	"github.com/wsctl/wsctl/internal/cli/clitest"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
)

func TestNewCmdToken_Flags(t *testing.T) {
	env := clitest.NewEnv(t)
	var got *TokenOptions
	if err := clitest.Run(NewCmdToken(env.F, func(o *TokenOptions) error { got = o; return nil }), ""); err != nil || got == nil {
		t.Fatalf("err %v", err)
	}
	if got.IO != env.IO {
		t.Error("options lack the factory's streams")
	}
	for _, argv := range []string{"extra", "--nosuch"} {
		err := clitest.Run(NewCmdToken(env.F, func(*TokenOptions) error { return nil }), argv)
		if cmdutil.ExitCode(err) != cmdutil.ExitUsage {
			t.Errorf("%q: err %v, want exit 2", argv, err)
		}
	}
}
