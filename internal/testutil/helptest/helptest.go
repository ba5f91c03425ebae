// Package helptest checks the --help of a whole cobra command tree: what a
// user reads there must teach the rule, not cite its number.
package helptest

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// RuleLabel matches a rule number of the spec, R1 to R14. Rule numbers
// belong in code, tests and commits; users read what the rule says.
var RuleLabel = regexp.MustCompile(`\bR1[0-4]?\b|\bR[2-9]\b`)

// RuleLabels renders the help of root and of every command under it
// (help topics too) and returns each line that cites a rule number, as
// "COMMAND --help: LINE".
func RuleLabels(t testing.TB, root *cobra.Command) []string {
	t.Helper()
	var found []string
	walk(root, func(c *cobra.Command) {
		for _, line := range strings.Split(Render(t, c), "\n") {
			if RuleLabel.MatchString(line) {
				found = append(found, fmt.Sprintf("%s --help: %s", c.CommandPath(), strings.TrimSpace(line)))
			}
		}
	})
	return found
}

func walk(c *cobra.Command, fn func(*cobra.Command)) {
	fn(c)
	for _, sub := range c.Commands() {
		walk(sub, fn)
	}
}

// Render is what 'CMD --help' prints for c: its long help (or short),
// usage, subcommands, examples and flags.
func Render(t testing.TB, c *cobra.Command) string {
	t.Helper()
	var buf bytes.Buffer
	out, errOut := c.OutOrStdout(), c.ErrOrStderr()
	c.SetOut(&buf)
	c.SetErr(&buf)
	defer func() { c.SetOut(out); c.SetErr(errOut) }()
	if err := c.Help(); err != nil {
		t.Fatalf("%s --help: %v", c.CommandPath(), err)
	}
	return buf.String()
}
