package cmdutil

import (
	"testing"
	"time"
)

// The words go-humanize wrote, which people have seen in tables since the
// first release.
func TestRelTime_WordsOfGoHumanize(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		ago  time.Duration
		want string
	}{
		{0, "now"},
		{999 * time.Millisecond, "now"},
		{time.Second, "1 second ago"},
		{59 * time.Second, "59 seconds ago"},
		{90 * time.Second, "1 minute ago"},
		{119 * time.Minute, "1 hour ago"},
		{47 * time.Hour, "1 day ago"},
		{13 * day, "1 week ago"},
		{29 * day, "4 weeks ago"},
		{59 * day, "1 month ago"},
		{359 * day, "11 months ago"},
		{539 * day, "1 year ago"},
		{700 * day, "2 years ago"},
		{37*year - 1, "36 years ago"},
		{37 * year, "a long while ago"},
		{-3 * time.Hour, "3 hours from now"},
	} {
		if got := relTime(now.Add(-tt.ago), now); got != tt.want {
			t.Errorf("%v ago: %q, want %q", tt.ago, got, tt.want)
		}
	}
}

func TestGroupDigits(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", -1234567: "-1,234,567", 100000: "100,000"} {
		if got := GroupDigits(n); got != want {
			t.Errorf("GroupDigits(%d) = %q, want %q", n, got, want)
		}
	}
}
