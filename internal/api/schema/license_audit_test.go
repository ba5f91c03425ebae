package schema

import "testing"

// A limit reads back as written: the CLI writes --max-used values to the
// query, the server reads them.
func TestParseUsageLimit(t *testing.T) {
	for in, want := range map[string]UsageLimit{
		"90":                  {Percent: 90},
		" 92.5 ":              {Percent: 92.5},
		"flow=80":             {Product: "flow", Percent: 80},
		"agent-dialer=0":      {Product: "agent-dialer", Percent: 0},
		"flow = 66.5":         {Product: "flow", Percent: 66.5},
		"150":                 {Percent: 150}, // the range is the server's to check
		"parallel-dialer=100": {Product: "parallel-dialer", Percent: 100},
	} {
		got, err := ParseUsageLimit(in)
		if err != nil || got != want {
			t.Errorf("ParseUsageLimit(%q) = %+v, %v; want %+v", in, got, err, want)
		}
		if back, err := ParseUsageLimit(got.String()); err != nil || back != got {
			t.Errorf("%+v written %q reads back as %+v, %v", got, got.String(), back, err)
		}
	}
	for _, bad := range []string{"", "eighty", "=80", "flow=", "flow=80%", "flow:80", "flow=8=0", "-5", "+5", ".5", "5.", "1e2", "NaN", "Inf", "flow=0x10"} {
		if l, err := ParseUsageLimit(bad); err == nil {
			t.Errorf("ParseUsageLimit(%q) = %+v, want an error", bad, l)
		}
	}
}
