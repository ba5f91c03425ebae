package docgen

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/cli/clitest"
	"github.com/wsctl/wsctl/internal/cli/root"
)

func TestGenerate(t *testing.T) {
	dir := t.TempDir()
	dirs := Dirs{Markdown: filepath.Join(dir, "cli"), Man: filepath.Join(dir, "man"), Completions: filepath.Join(dir, "completions")}
	env := clitest.NewEnv(t) // fails if generation reads config or the network
	if err := Generate(root.NewCmdRoot(env.F), dirs); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"cli/wsctl.md", "cli/wsctl_users_invite.md", "cli/wsctl_licenses_show.md", "man/wsctl.1", "man/wsctl-users-invite.1",
		"completions/wsctl.bash", "completions/_wsctl", "completions/wsctl.fish", "completions/wsctl.ps1"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil || len(b) == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	md, _ := os.ReadFile(filepath.Join(dir, "cli", "wsctl_users_invite.md"))
	if !strings.Contains(string(md), "--csv") || strings.Contains(string(md), "Auto generated") {
		t.Errorf("markdown:\n%s", md)
	}
}
