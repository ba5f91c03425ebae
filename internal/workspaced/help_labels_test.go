package workspaced

import (
	"io"
	"testing"

	"github.com/wsctl/wsctl/internal/testutil/helptest"
)

// The operator reads what a rule says, not its number (R1…R14 are for code,
// tests and commits): no workspaced command's --help cites one.
func TestHelp_CitesNoRuleNumbers(t *testing.T) {
	for _, line := range helptest.RuleLabels(t, NewRootCmd(io.Discard, io.Discard)) {
		t.Error(line)
	}
}
