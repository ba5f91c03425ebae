package cmdutil

import (
	"strconv"
	"time"
)

// relTime and GroupDigits are go-humanize's RelTime and Comma, the two
// functions of it wsctl used, written out so that its init (tables of big
// numbers, built at every start of wsctl) no longer runs. Their words are
// the same.

const (
	day   = 24 * time.Hour
	week  = 7 * day
	month = 30 * day
	year  = 12 * month
)

// relTimeSteps tell a difference below each step in its unit: under a
// minute in seconds, under an hour in minutes, and so on.
var relTimeSteps = []struct {
	below time.Duration
	unit  time.Duration // 0: the words alone, without a count
	words string
}{
	{2 * time.Second, 0, "1 second"},
	{time.Minute, time.Second, "seconds"},
	{2 * time.Minute, 0, "1 minute"},
	{time.Hour, time.Minute, "minutes"},
	{2 * time.Hour, 0, "1 hour"},
	{day, time.Hour, "hours"},
	{2 * day, 0, "1 day"},
	{week, day, "days"},
	{2 * week, 0, "1 week"},
	{month, week, "weeks"},
	{2 * month, 0, "1 month"},
	{year, month, "months"},
	{18 * month, 0, "1 year"},
	{2 * year, 0, "2 years"},
	{37 * year, year, "years"},
}

// relTime says how long before or after now t is: "3 days ago", "2 hours
// from now", "now" (under a second).
func relTime(t, now time.Time) string {
	diff, label := now.Sub(t), "ago"
	if t.After(now) {
		diff, label = t.Sub(now), "from now"
	}
	if diff < time.Second {
		return "now"
	}
	for _, s := range relTimeSteps {
		switch {
		case diff >= s.below:
			continue
		case s.unit == 0:
			return s.words + " " + label
		}
		return strconv.FormatInt(int64(diff/s.unit), 10) + " " + s.words + " " + label
	}
	return "a long while " + label
}

// GroupDigits writes n with commas between groups of three digits: "10,000".
func GroupDigits(n int) string {
	s := strconv.Itoa(n)
	sign := ""
	if n < 0 {
		sign, s = "-", s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return sign + s
}
