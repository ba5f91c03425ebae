package root

import (
	"testing"

	"github.com/wsctl/wsctl/internal/cli/clitest"
	"github.com/wsctl/wsctl/internal/testutil/helptest"
)

// Users read what a rule says, not its number (R1…R14 are for code, tests
// and commits): no command's --help, however deep, cites one.
func TestHelp_CitesNoRuleNumbers(t *testing.T) {
	for _, line := range helptest.RuleLabels(t, NewCmdRoot(clitest.NewEnv(t).F)) {
		t.Error(line)
	}
}
