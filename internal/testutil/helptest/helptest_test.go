package helptest

import (
	"slices"
	"testing"

	"github.com/spf13/cobra"
)

func tree() (root, revoke *cobra.Command) {
	root = &cobra.Command{Use: "wsctl", Short: "Manage users"}
	invites := &cobra.Command{Use: "invites", Short: "Manage pending invites"}
	revoke = &cobra.Command{Use: "revoke EMAIL", Short: "Revoke a pending invite", Run: func(*cobra.Command, []string) {}}
	revoke.Flags().Bool("yes", false, "do not ask for confirmation")
	invites.AddCommand(revoke)
	root.AddCommand(invites)
	return root, revoke
}

func TestRuleLabels_NoneInPlainHelp(t *testing.T) {
	root, _ := tree()
	if found := RuleLabels(t, root); len(found) != 0 {
		t.Errorf("found %q", found)
	}
}

// A label anywhere a user reads it, however deep the command, is found:
// short and long help, examples, flag usage.
func TestRuleLabels_FindsEveryPlace(t *testing.T) {
	for name, set := range map[string]func(*cobra.Command){
		"short":   func(c *cobra.Command) { c.Short = "Revoke an invite (R6)" },
		"long":    func(c *cobra.Command) { c.Long = "Its licenses return to the pool (R6)." },
		"example": func(c *cobra.Command) { c.Example = "$ wsctl invites revoke ann@example.com   # R14" },
		"flag":    func(c *cobra.Command) { c.Flags().Lookup("yes").Usage = "skip the confirmation (R3)" },
	} {
		t.Run(name, func(t *testing.T) {
			root, revoke := tree()
			set(revoke)
			if found := RuleLabels(t, root); len(found) == 0 {
				t.Errorf("no label found in %q", Render(t, revoke))
			}
		})
	}
}

func TestRuleLabel_MatchesR1ToR14Only(t *testing.T) {
	var got []string
	for _, s := range []string{"R1", "R4", "R9", "R10", "R14", "(R2)", "R2/R7", "R15", "R0", "R[,R]", "--role R", "R2D2", "HR1"} {
		if RuleLabel.MatchString(s) {
			got = append(got, s)
		}
	}
	if want := []string{"R1", "R4", "R9", "R10", "R14", "(R2)", "R2/R7"}; !slices.Equal(got, want) {
		t.Errorf("matched %q, want %q", got, want)
	}
}
