package logout

import (
	"testing"

	"github.com/wsctl/wsctl/internal/cli/clitest"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
)

func TestNewCmdLogout_Flags(t *testing.T) {
	env := clitest.NewEnv(t)
	var got *LogoutOptions
	if err := clitest.Run(NewCmdLogout(env.F, func(o *LogoutOptions) error { got = o; return nil }), ""); err != nil || got == nil {
		t.Fatalf("err %v", err)
	}
	if got.IO != env.IO {
		t.Error("options lack the factory's streams")
	}
	for _, argv := range []string{"extra", "--nosuch"} {
		err := clitest.Run(NewCmdLogout(env.F, func(*LogoutOptions) error { return nil }), argv)
		if cmdutil.ExitCode(err) != cmdutil.ExitUsage {
			t.Errorf("%q: err %v, want exit 2", argv, err)
		}
	}
}
