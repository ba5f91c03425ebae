package bulk

import (
	"regexp"
	"strings"
	"testing"
)

func TestVerbHelp(t *testing.T) {
	v := testVerb("users deactivate")
	help := v.Help()
	for _, want := range []string{
		"The file needs the column `email`, and may have any of `note`",
		"--csv - reads the file from stdin",
		"FILE.users-deactivate.wsctl-journal",
		"status is done, replayed (already done by an earlier run), failed, invalid",
		"invite: the API's invite for the rows done",
		"action is do, already done, invalid or refused",
		"at most 50000 rows",
		"exit status is 3",
	} {
		if !strings.Contains(strings.Join(strings.Fields(help), " "), want) {
			t.Errorf("help lacks %q:\n%s", want, help)
		}
	}
	for i, line := range strings.Split(help, "\n") {
		if len(line) > helpWidth {
			t.Errorf("line %d is %d wide: %q", i+1, len(line), line)
		}
	}
	if label := regexp.MustCompile(`\bR[0-9]+\b`).FindString(help); label != "" {
		t.Errorf("help cites the rule label %s", label)
	}
}
